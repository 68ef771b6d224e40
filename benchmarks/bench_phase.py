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

The PGHI + 16 iterations row is repeated on two harder inputs: the corpus
cello (a low string) and the speech clip an octave down (see
:func:`octave_down`). Spectral convergence is computed by
``audiogp.dsp.spectral_convergence`` and cross-checked against plain NumPy
(``harness.spectral_convergence_db``); STOI (pystoi) is recorded beside each
result. Run ``python benchmarks/bench_phase.py --beyond`` for the PGHI check
on the music and noise files, the low speech, the espeak-ng voices (when
``espeak-ng`` is installed) and any extra ``.wav`` files.
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

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


def octave_down(y, sr, factor=2.0):
    """``y`` slowed down ``factor`` times, tape-style: pitch and formants drop by ``factor``.

    Resampled from ``sr`` to ``factor * sr`` (soxr, high quality) and played
    back at ``sr``: the speech clip, whose median f0 is about 200 Hz, becomes
    a low male voice near 100 Hz (``factor=2``), twice as long.
    """
    import soxr

    return soxr.resample(y, sr, int(round(factor * sr)), quality="HQ").astype(np.float32)


# espeak-ng voices for --beyond: (name, voice, pitch 0-99 or None, text)
_EN = ("The quick brown fox jumps over the lazy dog. A rainbow is a meteorological phenomenon "
       "that is caused by reflection of light in water droplets.")
_DE = "Der schnelle braune Fuchs springt über den faulen Hund. Ein Regenbogen ist ein atmosphärisches Phänomen."
_ES = ("El veloz murciélago hindú comía feliz cardillo y kiwi. La cigüeña tocaba el saxofón detrás "
       "del palenque de paja.")
_FR = "Le vif renard brun saute par-dessus le chien paresseux. Un arc-en-ciel est un phénomène optique."
ESPEAK_VOICES = (
    ("espeak en-us", "en-us", None, _EN),
    ("espeak en m3", "en+m3", None, _EN),
    ("espeak en-gb f3", "en-gb+f3", None, _EN),
    ("espeak de", "de", None, _DE),
    ("espeak es", "es", None, _ES),
    ("espeak fr f2", "fr+f2", None, _FR),
    ("espeak en f4 high (p80)", "en+f4", 80, _EN),
    ("espeak en-us m7 low (p20)", "en-us+m7", 20, _EN),
    ("espeak en low (p10)", "en", 10, _EN),
    ("espeak de m2 low (p15)", "de+m2", 15, _DE),
    ("espeak en m1 lowest (p0)", "en+m1", 0, _EN),
)


def espeak_voices(directory, voices=ESPEAK_VOICES):
    """Render ``voices`` (as :data:`ESPEAK_VOICES`) with ``espeak-ng`` into ``directory``.

    Returns ``[(label, path), ...]``, or ``[]`` if ``espeak-ng`` is not installed.
    """
    if shutil.which("espeak-ng") is None:
        print("espeak-ng not found: skipping the espeak voices (apt-get install espeak-ng)", flush=True)
        return []
    out = []
    for label, voice, pitch, text in voices:
        path = Path(directory) / (voice.replace("+", "_") + ("" if pitch is None else f"_p{pitch}") + ".wav")
        command = ["espeak-ng", "-v", voice, "-w", str(path)] + ([] if pitch is None else ["-p", str(pitch)])
        subprocess.run(command + [text], check=True, capture_output=True)
        out.append((label, path))
    return out


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
              target=0.4, quality_met=abs(ours_sc - peer_sc) <= 0.5, quality={
                  "SC": _fmt(ours_sc), "librosa SC": _fmt(peer_sc),
                  "|dSC|": f"{abs(ours_sc - peer_sc):.2f} dB (target <= 0.5)",
                  "STOI": f"{_stoi(y, ours_y, sr):.3f}", "librosa STOI": f"{_stoi(y, peer_y, sr):.3f}"})

    # 2. PGHI initialisation, 16 iterations, against librosa at 32.
    ours_s, peer_s = time_pair(lambda: dsp.griffinlim(S, **{**gla, "n_iter": 16}, init="pghi"),
                               lambda: librosa.griffinlim(S, random_state=0, **gla), repeat=REPEAT)
    pghi_y = dsp.griffinlim(S, **{**gla, "n_iter": 16}, init="pghi")
    pghi_sc = _sc(S, pghi_y)
    yield Row(AREA, "griffinlim init=pghi, 16 it", inputs, ours_s, "librosa.griffinlim 32 it", peer_s,
              target=0.5, quality_met=pghi_sc <= -33, quality={
                  "SC": f"{pghi_sc:.2f} dB (target <= -33)", "librosa SC": _fmt(peer_sc),
                  "STOI": f"{_stoi(y, pghi_y, sr):.3f}", "librosa STOI": f"{_stoi(y, peer_y, sr):.3f}"})

    # 2b. The same on harder material: a low string and a low voice.
    cello = load_corpus_file(corpus_dir_file("music", "violoncello"), sr)
    for label, signal in (("cello", cello), ("speech an octave down", octave_down(y, sr))):
        yield _pghi_row(label, signal, sr, repeat=3)

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
              "librosa mel_to_stft", peer_s, target=0.2, quality_met=ratio <= 1.01, quality={
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
              peer_s, target=0.3,
              quality_met=sc_orig <= peer_sc_orig and peer_sc_nnls - sc_nnls >= 0.5, quality={
                  "SC vs original": _fmt(sc_orig), "librosa": _fmt(peer_sc_orig),
                  "SC vs NNLS magnitude": _fmt(sc_nnls), "librosa ": _fmt(peer_sc_nnls),
                  "consistency gain": f"{peer_sc_nnls - sc_nnls:.2f} dB (target >= 0.5)",
                  "STOI": f"{_stoi(y, ours_y, sr):.3f}", "librosa STOI": f"{_stoi(y, peer_y, sr):.3f}"})


def corpus_dir_file(folder, stem):
    """The corpus file of ``folder`` whose name starts with ``stem``."""
    return next(f for f in corpus_files(folder) if f.name.startswith(stem))


def _pghi_row(label, y, sr, repeat):
    import librosa

    from audiogp import dsp

    S = np.abs(dsp.stft(y, n_fft=N_FFT, hop_length=HOP))
    gla = dict(hop_length=HOP, length=y.size)
    ours_s, peer_s = time_pair(lambda: dsp.griffinlim(S, n_iter=16, init="pghi", **gla),
                               lambda: librosa.griffinlim(S, n_iter=32, random_state=0, **gla), repeat=repeat)
    pghi_sc = _sc(S, dsp.griffinlim(S, n_iter=16, init="pghi", **gla))
    peer_sc = _sc(S, librosa.griffinlim(S, n_iter=32, random_state=0, **gla))
    return Row(AREA, f"griffinlim init=pghi, 16 it ({label})", f"{label} {y.size / sr:.1f} s, {sr} Hz",
               ours_s, "librosa.griffinlim 32 it", peer_s, target=0.5, quality_met=pghi_sc <= -33, quality={
                   "SC": f"{pghi_sc:.2f} dB (target <= -33)", "librosa SC": _fmt(peer_sc)})


def beyond_the_clip(extra_files=()):
    """PGHI + 16 iterations vs librosa.griffinlim 32 iterations on other material.

    The speech clip, its octave-down and 1.6x-down versions (:func:`octave_down`),
    the music and noise files of the corpus, the espeak-ng voices of
    :data:`ESPEAK_VOICES` (if ``espeak-ng`` is installed) and any extra
    ``.wav`` files, each at 22050 Hz with n_fft 1024 and hop 256. Prints one
    line per input: SC after PGHI alone, after PGHI + 16 iterations, and after
    32 random-start iterations (ours and librosa's).
    """
    sr = 22050
    speech, _ = speech_clip(sr)
    inputs = [("speech clip", speech), ("speech 1.6x down", octave_down(speech, sr, 1.6)),
              ("speech octave down", octave_down(speech, sr))]
    inputs += [(f.name, f) for f in list(corpus_files("music")) + list(corpus_files("noise"))]
    with tempfile.TemporaryDirectory() as tmp:
        inputs += espeak_voices(tmp)
        inputs += [(f.name, f) for f in extra_files]
        for label, source in inputs:
            y = source if isinstance(source, np.ndarray) else load_corpus_file(source, sr)
            _beyond_line(label, y, sr)


def _beyond_line(label, y, sr):
    import librosa

    from audiogp import dsp

    S = np.abs(dsp.stft(y, n_fft=N_FFT, hop_length=HOP))
    gla = dict(hop_length=HOP, length=y.size)
    pghi0 = _sc(S, dsp.griffinlim(S, n_iter=0, init="pghi", **gla))
    pghi16 = _sc(S, dsp.griffinlim(S, n_iter=16, init="pghi", **gla))
    rand32 = _sc(S, dsp.griffinlim(S, n_iter=32, random_state=0, **gla))
    peer32 = _sc(S, librosa.griffinlim(S, n_iter=32, random_state=0, **gla))
    print(f"{label:28s} {y.size / sr:5.1f} s  PGHI alone {pghi0:7.2f} dB  PGHI+16 {pghi16:7.2f} dB  "
          f"ours random 32 {rand32:7.2f} dB  librosa 32 {peer32:7.2f} dB", flush=True)


if __name__ == "__main__":
    if "--beyond" in sys.argv:
        beyond_the_clip([Path(p) for p in sys.argv[1:] if p != "--beyond"])
    else:
        for row in cases():
            print(row.line(), flush=True)
