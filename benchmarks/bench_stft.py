"""STFT / ISTFT against librosa (issue 3, section 1).

60 s of 22.05 kHz float32 speech (the corpus speech clip repeated), n_fft
1024, hop 256, one process. Besides the targets, two "floor" rows time a
bare batched scipy.fft over frames that are already cut out (rfft) or
already in the frames-contiguous layout (irfft): no padding, windowing or
overlap-add at all, so they show how close the full transforms get to the
cost of the FFTs alone. The plan rows time :class:`audiogp.dsp.StftPlan`
writing into preallocated outputs, as a Griffin-Lim loop would.
"""

import numpy as np

import harness

N_FFT = 1024
HOP = 256
SECONDS = 60


def _signal():
    clip, sr = harness.speech_clip()
    return np.resize(clip, SECONDS * sr).astype(np.float32), sr


def cases():
    import librosa
    import scipy.fft

    from audiogp import dsp
    from audiogp._threads import n_threads

    y, sr = _signal()
    inputs = f"{SECONDS} s speech @ {sr} Hz float32, n_fft {N_FFT}, hop {HOP}"
    params = dict(n_fft=N_FFT, hop_length=HOP)

    ours_s, peer_s = harness.time_pair(lambda: dsp.stft(y, **params), lambda: librosa.stft(y, **params))
    yield harness.Row("stft", "stft", inputs, ours_s, "librosa.stft", peer_s, target=0.45)

    S = librosa.stft(y, **params)
    S_ours = dsp.stft(y, **params)
    ours_s, peer_s = harness.time_pair(lambda: dsp.istft(S_ours, hop_length=HOP),
                                       lambda: librosa.istft(S, hop_length=HOP))
    yield harness.Row("stft", "istft", inputs, ours_s, "librosa.istft", peer_s, target=0.35)

    padded = np.pad(y, N_FFT // 2)
    frames = np.ascontiguousarray(librosa.util.frame(padded, frame_length=N_FFT, hop_length=HOP).T)
    workers = n_threads()
    ours_s, peer_s = harness.time_pair(lambda: scipy.fft.rfft(frames, axis=-1, workers=workers),
                                       lambda: librosa.stft(y, **params))
    yield harness.Row("stft", "floor: scipy.fft.rfft of pre-cut frames", inputs, ours_s,
                      "librosa.stft", peer_s)

    columns = np.ascontiguousarray(S.T)
    ours_s, peer_s = harness.time_pair(lambda: scipy.fft.irfft(columns, n=N_FFT, axis=-1, workers=workers),
                                       lambda: librosa.istft(S, hop_length=HOP))
    yield harness.Row("stft", "floor: scipy.fft.irfft of frames", inputs, ours_s,
                      "librosa.istft", peer_s)

    plan = dsp.StftPlan(n_samples=y.size, dtype=np.float32, **params)
    spectrum_out = np.empty_like(S_ours)
    signal_out = np.empty_like(y)
    ours_s, peer_s = harness.time_pair(lambda: plan.stft(y, out=spectrum_out),
                                       lambda: librosa.stft(y, **params))
    yield harness.Row("stft", "StftPlan.stft into out", inputs, ours_s, "librosa.stft", peer_s)
    ours_s, peer_s = harness.time_pair(lambda: plan.istft(S_ours, out=signal_out),
                                       lambda: librosa.istft(S, hop_length=HOP, length=y.size))
    yield harness.Row("stft", "StftPlan.istft into out", inputs, ours_s, "librosa.istft", peer_s)
