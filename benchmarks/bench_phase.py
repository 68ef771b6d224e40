"""Phase retrieval and mel inversion against librosa, with the targets of issue 5.

On the speech clip at 22050 Hz, n_fft 1024, hop 256, in one process:

- griffinlim (random init, 32 iterations, momentum 0.99) vs librosa.griffinlim,
  same settings: spectral convergence (SC) within 0.5 dB, time <= 0.4x;
- griffinlim(init="pghi", n_iter=16) vs librosa.griffinlim at 32 iterations:
  SC <= -33 dB, time <= 0.5x;
- mel_to_stft on an 80-band mel spectrogram vs librosa.feature.inverse.mel_to_stft:
  NNLS objective <= 1.01x, time <= 0.2x;
- mel_to_audio (PGHI init) vs librosa.feature.inverse.mel_to_audio with its defaults:
  time <= 0.3x, SC against the original magnitude no worse, SC against the NNLS
  magnitude (consistency) at least 0.5 dB better.

Spectral convergence is computed by ``audiogp.dsp.spectral_convergence`` and
cross-checked against plain NumPy (``harness.spectral_convergence_db``); STOI
(pystoi) is recorded beside each result. Run ``python benchmarks/bench_phase.py
--beyond`` for the PGHI check on the music files and other voices.
"""

import sys

import numpy as np
from harness import Row, corpus_files, load_corpus_file, spectral_convergence_db, speech_clip, time_pair

AREA = "phase"
N_FFT, HOP, N_MELS = 1024, 256, 80
REPEAT = 5


def _sc(S, y):
    """SC of ``y`` against ``S`` by the library metric, cross-checked with plain NumPy."""
    import librosa

    from audiogp import dsp

    ours = dsp.spectral_convergence(S, y, n_fft=N_FFT, hop_length=HOP)
    plain = spectral_convergence_db(S, np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP)))
    if abs(ours - plain) > 1e-3:
        raise AssertionError(f"spectral_convergence {ours:.4f} dB disagrees with NumPy {plain:.4f} dB")
    return ours


def _stoi(y, estimate, sr):
    from audiogp import dsp

    return dsp.stoi(y, estimate[:y.size], sr=sr)


def _fmt(value, unit=" dB"):
    return f"{value:.2f}{unit}"


def cases():
    import librosa

    from audiogp import dsp

    y, sr = speech_clip()
    inputs = f"speech {y.size / sr:.1f} s, {sr} Hz"
    S = np.abs(dsp.stft(y, n_fft=N_FFT, hop_length=HOP))
    gla = dict(n_iter=32, momentum=0.99, hop_length=HOP, length=y.size)

    # 1. Griffin-Lim, random initialisation, same settings as librosa.
    ours_s, peer_s = time_pair(lambda: dsp.griffinlim(S, random_state=0, **gla),
                               lambda: librosa.griffinlim(S, random_state=0, **gla), repeat=REPEAT)
    ours_y = dsp.griffinlim(S, random_state=0, **gla)
    peer_y = librosa.griffinlim(S, random_state=0, **gla)
    ours_sc, peer_sc = _sc(S, ours_y), _sc(S, peer_y)
    yield Row(AREA, "griffinlim random init, 32 it", inputs, ours_s, "librosa.griffinlim", peer_s,
              target=0.4, quality={
                  "SC": _fmt(ours_sc), "librosa SC": _fmt(peer_sc),
                  "|dSC|": f"{abs(ours_sc - peer_sc):.2f} dB (target <= 0.5)",
                  "STOI": f"{_stoi(y, ours_y, sr):.3f}", "librosa STOI": f"{_stoi(y, peer_y, sr):.3f}"})

    # 2. PGHI initialisation, 16 iterations, against librosa at 32.
    ours_s, peer_s = time_pair(lambda: dsp.griffinlim(S, **{**gla, "n_iter": 16}, init="pghi"),
                               lambda: librosa.griffinlim(S, random_state=0, **gla), repeat=REPEAT)
    pghi_y = dsp.griffinlim(S, **{**gla, "n_iter": 16}, init="pghi")
    pghi_sc = _sc(S, pghi_y)
    yield Row(AREA, "griffinlim init=pghi, 16 it", inputs, ours_s, "librosa.griffinlim 32 it", peer_s,
              target=0.5, quality={
                  "SC": f"{pghi_sc:.2f} dB (target <= -33)", "librosa SC": _fmt(peer_sc),
                  "STOI": f"{_stoi(y, pghi_y, sr):.3f}", "librosa STOI": f"{_stoi(y, peer_y, sr):.3f}"})

    # 3. NNLS mel inversion.
    power = S.astype(np.float32) ** 2
    M = librosa.feature.melspectrogram(S=power, sr=sr, n_fft=N_FFT, n_mels=N_MELS)
    basis = librosa.filters.mel(sr=sr, n_fft=N_FFT, n_mels=N_MELS).astype(np.float64)
    ours_s, peer_s = time_pair(lambda: dsp.mel_to_stft(M, sr=sr, n_fft=N_FFT),
                               lambda: librosa.feature.inverse.mel_to_stft(M, sr=sr, n_fft=N_FFT),
                               repeat=REPEAT)
    ours_mag = dsp.mel_to_stft(M, sr=sr, n_fft=N_FFT)
    peer_mag = librosa.feature.inverse.mel_to_stft(M, sr=sr, n_fft=N_FFT)

    def objective(magnitude):
        return float(np.sum((basis @ magnitude.astype(np.float64) ** 2 - M) ** 2))

    ratio = objective(ours_mag) / objective(peer_mag)
    yield Row(AREA, f"mel_to_stft ({N_MELS} bands)", inputs, ours_s,
              "librosa mel_to_stft", peer_s, target=0.2, quality={
                  "objective": f"{objective(ours_mag):.3g}", "librosa objective": f"{objective(peer_mag):.3g}",
                  "objective ratio": f"{ratio:.2e} (target <= 1.01)",
                  "SC vs original": _fmt(dsp.spectral_convergence(S, S_estimate=ours_mag)),
                  "librosa SC vs original": _fmt(dsp.spectral_convergence(S, S_estimate=peer_mag))})

    # 4. Mel to audio, PGHI initialisation, against librosa's defaults (32 iterations).
    audio = dict(sr=sr, n_fft=N_FFT, hop_length=HOP, length=y.size)
    ours_s, peer_s = time_pair(lambda: dsp.mel_to_audio(M, **audio),
                               lambda: librosa.feature.inverse.mel_to_audio(M, **audio), repeat=3)
    ours_y = dsp.mel_to_audio(M, **audio)
    peer_y = librosa.feature.inverse.mel_to_audio(M, **audio)
    sc_orig, peer_sc_orig = _sc(S, ours_y), _sc(S, peer_y)
    sc_nnls, peer_sc_nnls = _sc(ours_mag, ours_y), _sc(peer_mag, peer_y)
    yield Row(AREA, "mel_to_audio (PGHI init, 32 it)", inputs, ours_s, "librosa mel_to_audio",
              peer_s, target=0.3, quality={
                  "SC vs original": _fmt(sc_orig), "librosa": _fmt(peer_sc_orig),
                  "SC vs NNLS magnitude": _fmt(sc_nnls), "librosa ": _fmt(peer_sc_nnls),
                  "consistency gain": f"{peer_sc_nnls - sc_nnls:.2f} dB (target >= 0.5)",
                  "STOI": f"{_stoi(y, ours_y, sr):.3f}", "librosa STOI": f"{_stoi(y, peer_y, sr):.3f}"})


def beyond_the_clip(extra_files=()):
    """PGHI + 16 iterations vs librosa.griffinlim 32 iterations on other material.

    The music files of the corpus and any extra ``.wav`` files (e.g. espeak-ng
    voices), each at 22050 Hz with n_fft 1024 and hop 256. Prints one line per file.
    """
    import librosa

    from audiogp import dsp

    sr = 22050
    files = list(corpus_files("music")) + list(corpus_files("noise")) + [f for f in extra_files]
    for path in files:
        y = load_corpus_file(path, sr)
        S = np.abs(dsp.stft(y, n_fft=N_FFT, hop_length=HOP))
        gla = dict(hop_length=HOP, length=y.size)
        pghi0 = _sc(S, dsp.griffinlim(S, n_iter=0, init="pghi", **gla))
        pghi16 = _sc(S, dsp.griffinlim(S, n_iter=16, init="pghi", **gla))
        rand32 = _sc(S, dsp.griffinlim(S, n_iter=32, random_state=0, **gla))
        peer32 = _sc(S, librosa.griffinlim(S, n_iter=32, random_state=0, **gla))
        print(f"{path.name:28s} {y.size / sr:5.1f} s  PGHI alone {pghi0:7.2f} dB  PGHI+16 {pghi16:7.2f} dB  "
              f"ours random 32 {rand32:7.2f} dB  librosa 32 {peer32:7.2f} dB", flush=True)


if __name__ == "__main__":
    from pathlib import Path

    if "--beyond" in sys.argv:
        beyond_the_clip([Path(p) for p in sys.argv[1:] if p != "--beyond"])
    else:
        for row in cases():
            print(row.line(), flush=True)
