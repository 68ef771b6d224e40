"""Gaussian-process resynthesis against Griffin-Lim, with the targets of issue 6.

On the speech clip at 22050 Hz, in one process: ``audiogp.gp.fit`` (spectral
mixture, 24 components, 50 ms blocks, Whittle likelihood) followed by
``audiogp.gp.synthesize`` (mode "previous"), timed against
``librosa.griffinlim(n_iter=32)`` on the clip's STFT (n_fft 1024, hop 256):
target fit + synthesis <= 10x. Quality beside it: log-spectral distance
between the original and the resynthesis (STFT n_fft 1024, hop 256) and STOI
(target >= 0.75), with the same figures for a random-phase inverse STFT of
the same 50 ms geometry (frames of 50 ms, hop 12.5 ms, Hann). A second row
records the Whittle objective of the Whittle fit against that of the
log-spectrum least-squares fit's parameters (lower is better).
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


def resynthesize(y, sr, seed=0):
    from audiogp import gp

    fit = gp.fit(y, sr, **SETTINGS)
    return fit, gp.synthesize(fit, mode="previous", seed=seed)


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
    stoi = _stoi(y, resynth, sr)
    yield Row(AREA, "gp fit + synthesis (previous)", inputs, ours_s, "librosa.griffinlim 32 it", peer_s,
              target=10.0, quality_met=stoi >= 0.75, quality={
                  "LSD": f"{_lsd(y, resynth):.2f} dB",
                  "STOI": f"{stoi:.3f} (target >= 0.75)",
                  "random-phase ISTFT LSD": f"{_lsd(y, random):.2f} dB",
                  "random-phase ISTFT STOI": f"{_stoi(y, random, sr):.3f}",
                  "fit iterations": fit.info["n_iter"]})

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
