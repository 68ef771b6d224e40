"""Gaussian-process resynthesis against Griffin-Lim, with the targets of issue 15.

On the speech clip at 22050 Hz, in one process: ``audiogp.gp.fit`` (spectral
mixture, 24 components, 50 ms blocks, Whittle likelihood) followed by
``audiogp.gp.synthesize`` (default mode "overlap"), timed against
``librosa.griffinlim(n_iter=32)`` on the clip's STFT (n_fft 1024, hop 256):
target fit + synthesis <= 3x. Quality beside it: log-spectral distance
between the original and the resynthesis (STFT n_fft 1024, hop 256; target
<= 9 dB) and STOI (target >= 0.85), with the same figures for a random-phase
inverse STFT of the same 50 ms geometry (frames of 50 ms, hop 12.5 ms, Hann).
Bursts (targets: no 50 ms block more than 6 dB louder than the original's
where the original is within 40 dB of its loudest block, no sample above 1.5x
the original's peak), worst over three seeds, on the clip and, in a third
row, on espeak-ng sentences (three voices, resampled to 22050 Hz) and the
corpus music. A last row records the Whittle objective of the Whittle fit
against that of the log-spectrum least-squares fit's parameters.
"""

import numpy as np
from harness import Row, speech_clip, time_pair

AREA = "gp"
N_FFT, HOP = 1024, 256
SETTINGS = dict(kernel="sm", n_components=24, block_ms=50.0, envelope="rolling_std")
REPEAT = 3


def _lsd(y, estimate):
    from audiogp import dsp

    S = np.abs(dsp.stft(y, n_fft=N_FFT, hop_length=HOP))
    E = np.abs(dsp.stft(estimate[:y.size], n_fft=N_FFT, hop_length=HOP))
    return dsp.log_spectral_distance(S, E)


def _stoi(y, estimate, sr):
    from audiogp import dsp

    return dsp.stoi(y, estimate[:y.size], sr=sr)


def bursts(y, sr, fit, seeds=(0, 1, 2)):
    """Worst block excess (dB) and peak ratio over ``seeds`` (see the module docstring)."""
    from audiogp import gp

    block = int(round(0.05 * sr))
    n = y.size // block
    original = np.mean(np.asarray(y[:n * block], dtype=np.float64).reshape(n, block) ** 2, axis=1)
    audible = original >= 1e-4 * original.max()
    excess, peak = -np.inf, 0.0
    for seed in seeds:
        x = gp.synthesize(fit, seed=seed).astype(np.float64)
        power = np.mean(x[:n * block].reshape(n, block) ** 2, axis=1)
        excess = max(excess, float(np.max(10 * np.log10(power[audible] / original[audible]))))
        peak = max(peak, float(np.abs(x).max() / np.abs(y).max()))
    return excess, peak


def espeak_sentences(sr=22050):
    """Three espeak-ng voices saying a sentence each, resampled to ``sr`` (none without espeak-ng)."""
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    from harness import load_corpus_file

    if shutil.which("espeak-ng") is None:
        return {}
    texts = {"en": "The quick brown fox jumps over the lazy dog, and then it runs away.",
             "en+f3": "Please call Stella. Ask her to bring these things with her from the store.",
             "de": "Guten Morgen, wie geht es Ihnen heute?"}
    out = {}
    with tempfile.TemporaryDirectory() as folder:
        for voice, text in texts.items():
            path = Path(folder) / f"{voice}.wav"
            subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), text], check=True,
                           capture_output=True)
            out[f"espeak {voice}"] = (load_corpus_file(path, sr), sr)
    return out


def resynthesize(y, sr, seed=0):
    from audiogp import gp

    fit = gp.fit(y, sr, **SETTINGS)
    return fit, gp.synthesize(fit, seed=seed)


def cases():
    import librosa

    from audiogp import dsp, gp

    y, sr = speech_clip()
    inputs = f"speech {y.size / sr:.1f} s, {sr} Hz, sm x 24, 50 ms"
    S = np.abs(dsp.stft(y, n_fft=N_FFT, hop_length=HOP))

    ours_s, peer_s = time_pair(lambda: resynthesize(y, sr),
                               lambda: librosa.griffinlim(S, n_iter=32, hop_length=HOP, random_state=0,
                                                          length=y.size),
                               repeat=REPEAT, warmup=1, min_seconds=0.0)
    fit, resynth = resynthesize(y, sr)
    block = fit.block_length
    geometry = dict(n_fft=block, hop_length=block // 4)
    random = dsp.random_phase(np.abs(dsp.stft(y, **geometry)), random_state=0, length=y.size, **geometry)
    stoi, lsd = _stoi(y, resynth, sr), _lsd(y, resynth)
    excess, peak = bursts(y, sr, fit)
    yield Row(AREA, "gp fit + synthesis (overlap)", inputs, ours_s, "librosa.griffinlim 32 it", peer_s,
              target=3.0, quality_met=bool(stoi >= 0.85 and lsd <= 9.0 and excess <= 6.0 and peak <= 1.5),
              quality={
                  "LSD": f"{lsd:.2f} dB (target <= 9)",
                  "STOI": f"{stoi:.3f} (target >= 0.85)",
                  "random-phase ISTFT LSD": f"{_lsd(y, random):.2f} dB",
                  "random-phase ISTFT STOI": f"{_stoi(y, random, sr):.3f}",
                  "worst 50 ms block": f"{excess:+.1f} dB (target <= 6)",
                  "peak": f"{peak:.2f}x (target <= 1.5)",
                  "fit iterations": fit.info["n_iter"]})

    from harness import corpus_files, load_corpus_file

    others = espeak_sentences(sr)
    others.update({path.stem: (load_corpus_file(path, 16000), 16000) for path in corpus_files("music")})
    worst = {}
    for name, (signal, rate) in others.items():
        worst[name] = bursts(signal, rate, gp.fit(signal, rate, **SETTINGS))
    yield Row(AREA, "bursts: espeak-ng voices and corpus music", f"{len(others)} signals, 3 seeds each",
              ours_s, "librosa.griffinlim 32 it", peer_s,
              quality_met=all(e <= 6.0 and p <= 1.5 for e, p in worst.values()),
              quality={name: f"{e:+.1f} dB, {p:.2f}x" for name, (e, p) in worst.items()})

    logls_s, _ = time_pair(lambda: gp.fit(y, sr, **SETTINGS, loss="logls"), lambda: None,
                           repeat=1, warmup=0, min_seconds=0.0)
    logls = gp.fit(y, sr, **SETTINGS, loss="logls")
    whittle_of_whittle = gp.loss_value(fit, y)
    whittle_of_logls = gp.loss_value(logls, y)
    n_terms = fit.n_blocks * (fit.block_length // 2 - 1)
    yield Row(AREA, "Whittle objective: whittle vs logls fit", inputs, ours_s, "logls fit", logls_s,
              quality_met=whittle_of_whittle < whittle_of_logls, quality={
                  "Whittle objective per bin (whittle fit)": f"{whittle_of_whittle / n_terms:.4f}",
                  "(logls fit)": f"{whittle_of_logls / n_terms:.4f}",
                  "whittle lower": str(whittle_of_whittle < whittle_of_logls)})


if __name__ == "__main__":
    for row in cases():
        print(row.line(), flush=True)
