"""Why PGHI + 16 Griffin-Lim iterations misses -33 dB on low voices and strings: oracle experiments.

Usage::

    python benchmarks/pghi_limits.py [extra.wav ...]

For each input (the corpus cello, the speech clip an octave down, a
flat-spectrum 100 Hz harmonic tone with 3 % vibrato, the lowest espeak-ng
voice when ``espeak-ng`` is installed, and any extra files), at 22050 Hz,
n_fft 1024, hop 256, prints the spectral convergence (dB) of a phase alone and
after 16 iterations of ``dsp.griffinlim`` started from it:

- ``pghi``: :func:`audiogp.dsp.pghi`;
- ``gauss-window``: the same signal analysed and inverted with a Gaussian
  window (std n_fft / 6), for which the phase-gradient relation is exact;
- ``exact-derivs``: the heap integration of the *true* phase derivatives
  of the STFT (from the derivative and time-weighted windows), trapezoidal rule;
- ``exact-peak-links``: PGHI's own increments, plus, between each spectral
  peak and the next one up in the same frame, the true phase difference;
- ``true+0.3rad``: the true phase with independent N(0, 0.3 rad) errors;
- ``pghi +32 / +100``: more iterations from the PGHI start.

The integration here is a plain-Python heap over edges (slow, for
experiments); it reproduces :func:`audiogp.dsp.pghi` when given its
increments. Results are quoted in docs/phase.md.
"""

import heapq
import sys
from pathlib import Path

import numpy as np
from bench_phase import ESPEAK_VOICES, N_FFT, HOP, corpus_dir_file, espeak_voices, octave_down
from harness import load_corpus_file, speech_clip

SR = 22050
SPREAD = 0.25645 * N_FFT**2  # Hann, Průša et al. 2017 Table I


def _wrap(x):
    return np.angle(np.exp(1j * x))


def _centred(phase):
    """librosa's frame-start phase to the frame-centre reference (bin m gets +pi m)."""
    return phase + np.pi * np.arange(phase.shape[0])[:, None]


def _librosa(phase):
    return phase - np.pi * np.arange(phase.shape[0])[:, None]


def gaussian_increments(S, tol=1e-5):
    """PGHI's phase increments along time and frequency (trapezoidal rule), centred reference."""
    L = np.log(np.maximum(S, tol * S.max()))
    padded = np.vstack([L[1:2], L, L[-2:-1]])  # reflection across DC and Nyquist
    d_m = 0.5 * (padded[2:] - padded[:-2])
    d_j = np.gradient(L, axis=1)
    m = np.arange(S.shape[0])[:, None]
    t_grad = 2 * np.pi * HOP * m / N_FFT + (HOP * N_FFT / SPREAD) * d_m
    f_grad = -(SPREAD / (HOP * N_FFT)) * d_j
    return 0.5 * (t_grad[:, 1:] + t_grad[:, :-1]), 0.5 * (f_grad[1:] + f_grad[:-1])


def exact_derivative_increments(y):
    """Trapezoidal increments from the true phase derivatives of the Hann STFT (reassignment windows)."""
    from audiogp import dsp

    n = np.arange(N_FFT)
    g = 0.5 - 0.5 * np.cos(2 * np.pi * n / N_FFT)
    dg = np.pi / N_FFT * np.sin(2 * np.pi * n / N_FFT)
    tg = (n - N_FFT / 2) * g
    V, Vd, Vt = (dsp.stft(y, n_fft=N_FFT, hop_length=HOP, window=w) for w in (g, dg, tg))
    V = np.where(np.abs(V) > 0, V, 1e-300)
    m = np.arange(V.shape[0])[:, None]
    t_grad = HOP * (2 * np.pi * m / N_FFT - (Vd / V).imag)
    f_grad = -(2 * np.pi / N_FFT) * (Vt / V).real
    return 0.5 * (t_grad[:, 1:] + t_grad[:, :-1]), 0.5 * (f_grad[1:] + f_grad[:-1])


def peak_links(S, D):
    """For each local maximum along frequency (above -80 dB), the next one up and the true phase step."""
    L = np.log(np.maximum(S, 1e-300))
    peak = np.zeros(S.shape, bool)
    peak[1:-1] = (L[1:-1] > L[:-2]) & (L[1:-1] >= L[2:]) & (S[1:-1] > 1e-4 * S.max())
    true = _centred(np.angle(D))
    links = {}
    for j in range(S.shape[1]):
        bins = np.flatnonzero(peak[:, j])
        for a, b in zip(bins[:-1], bins[1:]):
            links[(a, j)] = (b, _wrap(true[b, j] - true[a, j]))
    return links


def heap_integrate(S, dt, df, links=None, tol=1e-5, link_bonus=2.0):
    """Phase (librosa reference) by heap integration of edge increments, largest magnitude first.

    ``dt[m, j]`` is the increment from (m, j) to (m, j + 1), ``df[m, j]`` from
    (m, j) to (m + 1, j); ``links`` maps (m, j) to (m2, increment) for extra
    edges within a frame, preferred by ``link_bonus`` nats.
    """
    n_bins, n_frames = S.shape
    L = np.log(np.maximum(S, 1e-300))
    significant = S > tol * S.max()
    reverse = {}
    for (a, j), (b, inc) in (links or {}).items():
        reverse[(b, j)] = (a, -inc)
    phase = np.zeros(S.shape)
    done = ~significant
    order = np.argsort(-L, axis=None)
    for start in order:
        m0, j0 = divmod(int(start), n_frames)
        if done[m0, j0]:
            continue
        done[m0, j0] = True
        heap = []

        def push(m, j):
            for dm, dj in ((0, 1), (0, -1), (1, 0), (-1, 0)):
                m2, j2 = m + dm, j + dj
                if 0 <= m2 < n_bins and 0 <= j2 < n_frames and not done[m2, j2]:
                    if dm == 0:
                        inc = dt[m, j] if dj > 0 else -dt[m, j2]
                    else:
                        inc = df[m, j] if dm > 0 else -df[m2, j]
                    heapq.heappush(heap, (-L[m2, j2], m2, j2, phase[m, j] + inc))
            for table in (links or {}, reverse):
                if (m, j) in table:
                    m2, inc = table[(m, j)]
                    if not done[m2, j]:
                        heapq.heappush(heap, (-L[m2, j] - link_bonus, m2, j, phase[m, j] + inc))

        push(m0, j0)
        while heap:
            _, m, j, value = heapq.heappop(heap)
            if done[m, j]:
                continue
            done[m, j] = True
            phase[m, j] = value
            push(m, j)
    return _librosa(phase)


def _sc(S, phase, n_iter, length, window="hann"):
    from audiogp import dsp

    y = dsp.griffinlim(S, n_iter=n_iter, hop_length=HOP, init=phase, length=length, window=window)
    return dsp.spectral_convergence(S, y, n_fft=N_FFT, hop_length=HOP, window=window)


def report(label, y):
    from audiogp import dsp

    y = np.asarray(y, dtype=np.float64)
    D = dsp.stft(y, n_fft=N_FFT, hop_length=HOP)
    S = np.abs(D)
    rows = {}
    pghi = dsp.pghi(S, hop_length=HOP)
    rows["pghi"] = (_sc(S, pghi, 0, y.size), _sc(S, pghi, 16, y.size))
    gauss = ("gaussian", N_FFT / 6)
    Sg = np.abs(dsp.stft(y, n_fft=N_FFT, hop_length=HOP, window=gauss))
    pg = dsp.pghi(Sg, hop_length=HOP, window=gauss)
    rows["gauss-window"] = (_sc(Sg, pg, 0, y.size, gauss), _sc(Sg, pg, 16, y.size, gauss))
    exact = heap_integrate(S, *exact_derivative_increments(y))
    rows["exact-derivs"] = (_sc(S, exact, 0, y.size), _sc(S, exact, 16, y.size))
    linked = heap_integrate(S, *gaussian_increments(S), links=peak_links(S, D))
    rows["exact-peak-links"] = (_sc(S, linked, 0, y.size), _sc(S, linked, 16, y.size))
    noisy = np.angle(D) + 0.3 * np.random.default_rng(0).standard_normal(S.shape)
    rows["true+0.3rad"] = (_sc(S, noisy, 0, y.size), _sc(S, noisy, 16, y.size))
    more = f"pghi +32 {_sc(S, pghi, 32, y.size):6.2f}  +100 {_sc(S, pghi, 100, y.size):6.2f}"
    cells = "  ".join(f"{k} {a:6.2f}/{b:6.2f}" for k, (a, b) in rows.items())
    print(f"{label:26s} {cells}  {more}", flush=True)


def _vibrato_tone(f0=100.0, seconds=3.0):
    """Harmonics of f0 up to 5 kHz, equal amplitudes, random phases, 3 % vibrato at 5 Hz."""
    t = np.arange(int(seconds * SR)) / SR
    phase = 2 * np.pi * np.cumsum(f0 * (1 + 0.03 * np.sin(2 * np.pi * 5 * t))) / SR
    offsets = np.random.default_rng(0).uniform(0, 2 * np.pi, int(5000 / f0))
    y = sum(np.cos((k + 1) * phase + offsets[k]) for k in range(offsets.size))
    return y * np.minimum(1, np.minimum(t / 0.05, (t[-1] - t) / 0.05)) / offsets.size


def main(extra):
    import tempfile

    speech, _ = speech_clip(SR)
    inputs = [("cello", load_corpus_file(corpus_dir_file("music", "violoncello"), SR)),
              ("speech octave down", octave_down(speech, SR)[: 8 * SR]),
              ("100 Hz tone, 3% vibrato", _vibrato_tone())]
    with tempfile.TemporaryDirectory() as tmp:
        voices = espeak_voices(tmp, [v for v in ESPEAK_VOICES if v[2] == 0])
        inputs += [(name, load_corpus_file(path, SR)) for name, path in voices]
        inputs += [(Path(f).name, load_corpus_file(f, SR)) for f in extra]
        print("SC in dB, alone / after 16 iterations", flush=True)
        for label, y in inputs:
            report(label, y)


if __name__ == "__main__":
    main(sys.argv[1:])
