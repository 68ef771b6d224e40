"""Analysis benchmarks (informative, no targets): mel filters, mel spectrogram, MFCC,
power_to_db against librosa, and the block periodogram against scipy.signal.spectrogram,
on the speech clip at 22050 Hz, n_fft 1024, hop 256."""

import numpy as np
from harness import Row, speech_clip, time_pair

AREA = "analysis"
N_FFT, HOP, N_MELS = 1024, 256, 80


def _max_relative(ours, theirs):
    return float(np.max(np.abs(ours - theirs)) / np.max(np.abs(theirs)))


def cases():
    import librosa
    import scipy.signal

    from audiogp import dsp

    y, sr = speech_clip()
    inputs = f"speech {y.size / sr:.1f} s, {sr} Hz"
    stft_kw = dict(n_fft=N_FFT, hop_length=HOP)

    # Filter banks: librosa caches its mel basis, so disable the cache to time the design.
    mel_peer = getattr(librosa.filters.mel, "__wrapped__", librosa.filters.mel)
    ours, peer = time_pair(lambda: dsp.mel_filters(sr, N_FFT, N_MELS),
                           lambda: mel_peer(sr=sr, n_fft=N_FFT, n_mels=N_MELS))
    error = np.max(np.abs(dsp.mel_filters(sr, N_FFT, N_MELS)
                          - librosa.filters.mel(sr=sr, n_fft=N_FFT, n_mels=N_MELS)))
    yield Row(AREA, f"mel_filters ({N_MELS} bands)", f"sr {sr}, n_fft {N_FFT}", ours,
              "librosa.filters.mel", peer, quality={"max abs diff": f"{error:.1e}"})

    ours, peer = time_pair(
        lambda: dsp.melspectrogram(y=y, sr=sr, n_mels=N_MELS, **stft_kw),
        lambda: librosa.feature.melspectrogram(y=y, sr=sr, n_mels=N_MELS, **stft_kw))
    error = _max_relative(dsp.melspectrogram(y=y, sr=sr, n_mels=N_MELS, **stft_kw),
                          librosa.feature.melspectrogram(y=y, sr=sr, n_mels=N_MELS, **stft_kw))
    yield Row(AREA, f"melspectrogram ({N_MELS} bands) from y", inputs, ours,
              "librosa.feature.melspectrogram", peer, quality={"max rel diff": f"{error:.1e}"})

    ours, peer = time_pair(lambda: dsp.mfcc(y=y, sr=sr, n_mfcc=20, **stft_kw),
                           lambda: librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20, **stft_kw))
    reference = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20, **stft_kw)
    error = np.max(np.abs(dsp.mfcc(y=y, sr=sr, n_mfcc=20, **stft_kw) - reference))
    yield Row(AREA, "mfcc (20 coefficients, 128 bands) from y", inputs, ours,
              "librosa.feature.mfcc", peer,
              quality={"max diff / range": f"{error / np.ptp(reference):.1e}"})

    S = np.abs(librosa.stft(y, **stft_kw)) ** 2
    ours, peer = time_pair(lambda: dsp.power_to_db(S, ref=np.max),
                           lambda: librosa.power_to_db(S, ref=np.max))
    yield Row(AREA, "power_to_db (ref=max)", f"power spectrogram {S.shape}", ours,
              "librosa.power_to_db", peer)

    block = int(0.02 * sr)
    ours, peer = time_pair(
        lambda: dsp.block_periodogram(y, sr=sr, block_length=block, hop_length=block // 2,
                                      window="hann"),
        lambda: scipy.signal.spectrogram(y, fs=sr, window="hann", nperseg=block,
                                         noverlap=block - block // 2, detrend=False))
    theirs = scipy.signal.spectrogram(y, fs=sr, window="hann", nperseg=block,
                                      noverlap=block - block // 2, detrend=False)[2]
    error = _max_relative(dsp.block_periodogram(y, sr=sr, block_length=block,
                                                hop_length=block // 2, window="hann")[1],
                          theirs.T)
    yield Row(AREA, "block_periodogram (20 ms hann, 10 ms hop)", inputs, ours,
              "scipy.signal.spectrogram", peer, quality={"max rel diff": f"{error:.1e}"})
