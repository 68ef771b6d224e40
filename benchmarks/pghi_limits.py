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

``python benchmarks/pghi_limits.py --harmonic`` tests a harmonic
(pulse-train) model as the source of the phase steps between neighbouring
harmonics (:func:`harmonic_report`) on a synthetic minimum-phase voice, the
speech clip and its octave-down version, the cello and two espeak-ng voices,
and how accurate such steps must be (:func:`link_noise_report`).

``python benchmarks/pghi_limits.py --schemes`` spends the 16 iterations from
the PGHI start on other projection schemes instead of fast Griffin-Lim
(:func:`scheme_report`): RAAR (Luke 2005), RAAR for 8 iterations then fast
Griffin-Lim for 8, the difference map for 8 then fast Griffin-Lim for 8 (RAAR
at beta 1 is the difference map at beta 1: the hybrid of Peer, Welker &
Gerkmann 2022), ADMM (Masuyama, Yatabe & Oikawa 2019), and L-BFGS on the
waveform (16 evaluations of the magnitude misfit and its gradient, each one
STFT and one adjoint, the cost of a Griffin-Lim iteration; a last column
gives it 100).
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


def heap_integrate(S, dt, df, links=None, tol=1e-5, link_bonus=2.0, fixed=None, fixed_phase=None):
    """Phase (librosa reference) by heap integration of edge increments, largest magnitude first.

    ``dt[m, j]`` is the increment from (m, j) to (m, j + 1), ``df[m, j]`` from
    (m, j) to (m + 1, j); ``links`` maps (m, j) to (m2, increment) for extra
    edges within a frame, preferred by ``link_bonus`` nats. Coefficients where
    the boolean array ``fixed`` is set keep ``fixed_phase`` (centred
    reference); the integration starts from all of them at once.
    """
    n_bins, n_frames = S.shape
    L = np.log(np.maximum(S, 1e-300))
    significant = S > tol * S.max()
    reverse = {}
    for (a, j), (b, inc) in (links or {}).items():
        reverse[(b, j)] = (a, -inc)
    phase = np.zeros(S.shape)
    done = ~significant
    seeds = []
    if fixed is not None:
        phase = np.where(fixed, fixed_phase, 0.0)
        done = done | fixed
        seeds = [None]
    order = np.argsort(-L, axis=None)
    for start in seeds + list(order):
        heap = []
        if start is not None:
            m0, j0 = divmod(int(start), n_frames)
            if done[m0, j0]:
                continue
            done[m0, j0] = True

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

        if start is None:
            for m, j in zip(*np.nonzero(fixed & significant)):
                push(m, j)
        else:
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


# --- The harmonic (pulse-train) model as a source of the peak-to-peak phase steps -------------
#
# For a quasi-periodic source with fundamental phase theta(t) = 2 pi int f0, harmonic k has
# phase k theta(t) + psi(k f0) at each frame centre, psi the phase response of the spectral
# envelope (minimum phase for an all-pole vocal tract: Kawahara et al. 1999, Morise et al. 2016;
# the "relative phase shift" of Saratxaga et al. 2009); within the main lobe of a stationary
# partial the frame-centred phase is flat (Krawczyk & Gerkmann 2014; Magron, Badeau & David
# 2018). ``harmonic_report`` estimates f0, theta and psi from the magnitude alone and measures
# how well the model gives the phase step between neighbouring harmonics.

BIN_HZ = SR / N_FFT


def _qifft_peaks(L, floor_db=60.0):
    """Local maxima along frequency of the log-magnitude (within floor_db of the frame's
    maximum) and their quadratically interpolated offsets in bins."""
    peak = np.zeros(L.shape, bool)
    peak[1:-1] = (L[1:-1] > L[:-2]) & (L[1:-1] >= L[2:]) & (L[1:-1] > L.max(axis=0) - floor_db / 8.686)
    below, here, above = L[:-2], L[1:-1], L[2:]
    curvature = below - 2 * here + above
    offset = np.zeros(L.shape)
    offset[1:-1] = np.where(curvature < 0, 0.5 * (below - above) / np.where(curvature < 0, curvature, -1), 0)
    return peak, np.clip(offset, -0.5, 0.5)


def harmonic_f0(S, fmin=50.0, fmax=500.0, f_top=4000.0, tol=0.2):
    """f0 per frame from the magnitude, and the share of the peak energy that is harmonic.

    Coarse f0: the maximum over a 1/96-octave grid of the harmonic comb contrast (cube-root
    magnitude at k f0 minus at (k - 1/2) f0, k f0 < f_top), which is octave-robust; refined by
    least squares over the QIFFT peaks within ``tol * f0`` of a harmonic.
    """
    n_bins, n_frames = S.shape
    M = np.cbrt(S / max(S.max(), 1e-300))
    best, score = np.zeros(n_frames), np.full(n_frames, -np.inf)
    for f0 in fmin * 2 ** (np.arange(int(np.log2(fmax / fmin) * 96) + 1) / 96):
        k = np.arange(1, max(1, int(f_top / f0)) + 1)
        contrast = (_interp_rows(M, k * f0 / BIN_HZ) - _interp_rows(M, (k - 0.5) * f0 / BIN_HZ)).sum(0)
        contrast /= np.sqrt(k.size)
        better = contrast > score
        score[better], best[better] = contrast[better], f0
    L = np.log(np.maximum(S, 1e-12 * S.max()))
    peak, offset = _qifft_peaks(L)
    harmonic_share = np.zeros(n_frames)
    for j in range(n_frames):
        m = np.flatnonzero(peak[:, j])
        freq, power = (m + offset[m, j]) * BIN_HZ, S[m, j] ** 2
        for _ in range(2):
            k = np.maximum(1, np.round(freq / best[j]))
            near = (np.abs(freq - k * best[j]) < tol * best[j]) & (freq < 5000)
            if near.sum() < 2:
                break
            best[j] = np.sum(power[near] * k[near] * freq[near]) / np.sum(power[near] * k[near] ** 2)
        k = np.maximum(1, np.round(freq / best[j]))
        harmonic_share[j] = power[np.abs(freq - k * best[j]) < tol * best[j]].sum() / max(power.sum(), 1e-300)
    return best, harmonic_share


def _interp_rows(M, position):
    i = np.floor(position).astype(int)
    w = (position - i)[:, None]
    return M[i] * (1 - w) + M[i + 1] * w


def voiced_runs(S, f0, harmonic_share, share=0.9, jump=0.08):
    """(start, stop) runs of frames that are harmonic, loud enough and without an f0 jump."""
    energy = (S ** 2).sum(0)
    voiced = (harmonic_share > share) & (energy > 1e-4 * energy.max())
    runs, start = [], None
    for j in range(f0.size + 1):
        breaks = j == f0.size or not voiced[j] or (
            start is not None and abs(np.log(f0[j] / f0[j - 1])) > jump)
        if start is not None and breaks:
            runs.append((start, j))
            start = None
        if j < f0.size and voiced[j] and start is None:
            start = j
    return runs


def minimum_phase_envelope(S):
    """Per frame, the phase (per bin) of the minimum-phase filter whose log-magnitude is the
    envelope through the spectral peaks (folded real cepstrum; Oppenheim & Schafer, ch. 12)."""
    n_bins, n_frames = S.shape
    L = np.log(np.maximum(S, 1e-6 * S.max()))
    peak, offset = _qifft_peaks(L)
    envelope = L.copy()
    for j in range(n_frames):
        m = np.flatnonzero(peak[:, j])
        if m.size >= 2:
            envelope[:, j] = np.interp(np.arange(n_bins), m + offset[m, j], L[m, j])
    cepstrum = np.fft.irfft(envelope, n=N_FFT, axis=0)
    folded = np.zeros_like(cepstrum)
    folded[0] = cepstrum[0]
    folded[1:N_FFT // 2] = 2 * cepstrum[1:N_FFT // 2]
    folded[N_FFT // 2] = cepstrum[N_FFT // 2]
    return np.fft.rfft(folded, axis=0).imag


_THETA_GRID = np.linspace(0, 2 * np.pi, 512, endpoint=False)


def _hann_lobe(nu):
    """Frame-centred transform of the periodic Hann window at ``nu`` bins (1 at 0): real."""
    def dirichlet(x):
        s = np.sin(np.pi * x / N_FFT)
        tiny = np.abs(s) < 1e-12
        return np.where(tiny, N_FFT - 1.0, np.sin((N_FFT - 1) * np.pi * x / N_FFT) / np.where(tiny, 1, s))
    return (0.5 * dirichlet(nu) + 0.25 * dirichlet(nu - 1) + 0.25 * dirichlet(nu + 1)) / (0.5 * N_FFT)


def _valley_cost(S, j, f0, k, psi, theta, n_offsets=64):
    """For each of ``n_offsets`` offsets of theta, the misfit of the model's magnitude (the sum
    of the harmonics' Hann lobes with the model phases) to the cube-root magnitude of frame j."""
    position = k * f0 / BIN_HZ
    bins = np.arange(int(position[-1] + 0.5 * f0 / BIN_HZ) + 1)
    amplitude = np.interp(position, np.arange(S.shape[0]), S[:, j])
    lobes = amplitude[:, None] * _hann_lobe(bins[None] - position[:, None])
    lobes[np.abs(bins[None] - position[:, None]) > 3] = 0
    offsets = 2 * np.pi * np.arange(n_offsets) / n_offsets
    model = np.exp(1j * (k[None] * (theta + offsets[:, None]) + psi[None])) @ lobes
    observed = np.cbrt(S[bins, j])
    return np.sum((np.cbrt(np.abs(model)) - observed) ** 2, axis=1) / np.sum(observed ** 2), offsets


def _fit_theta(phase, psi, k, weight):
    """theta maximising |sum weight exp(i (phase - psi - k theta))|, and that sum / sum weight."""
    fit = (weight * np.exp(1j * ((phase - psi)[None] - k[None] * _THETA_GRID[:, None]))).sum(1)
    best = np.argmax(np.abs(fit))
    return _THETA_GRID[best], np.abs(fit[best]) / weight.sum()


def _run_thetas(S, f0, start, stop, k_max, f_top, n_bins, envelope_phase, psi_name, pghi_c, true_c):
    """For the frames of one voiced run: harmonic numbers, their bins, psi, and theta by each estimator.

    theta estimators: ``oracle frame`` fits each frame to the true phases; the others use the
    trapezoidal integral of f0 over the run plus one offset for the run, taken from the truth
    (``oracle run``), from PGHI's own phases at the harmonics (``pghi fit``) or from the
    magnitude of the valleys (``valley fit``); ``strongest`` follows PGHI's phase of the
    strongest harmonic divided by its number, on the branch nearest the f0 prediction.
    """
    integral = np.concatenate([[0], np.cumsum(np.pi * HOP * (f0[start + 1:stop] + f0[start:stop - 1]) / SR)])
    frames = []
    for j in range(start, stop):
        k = np.arange(1, int(min(k_max * f0[j], f_top, SR / 2 - f0[j]) / f0[j]) + 1)
        bins = np.round(k * f0[j] / BIN_HZ).astype(int)
        if psi_name == "minphase":
            psi = np.interp(k * f0[j] / BIN_HZ, np.arange(n_bins), envelope_phase[:, j])
        else:
            psi = np.zeros(k.size)
        frames.append((j, k, bins, psi))

    def run_offset(phases):
        fits = [_fit_theta(phases[bins, j], psi, k, S[bins, j]) for j, k, bins, psi in frames]
        return np.angle(sum(r * np.exp(1j * (t - integral[i])) for i, (t, r) in enumerate(fits)))

    cost = 0
    for i, (j, k, _, psi) in enumerate(frames):
        misfit, offsets = _valley_cost(S, j, f0[j], k, psi, integral[i])
        cost = cost + misfit
    offset = {"oracle run": run_offset(true_c), "pghi fit": run_offset(pghi_c),
              "valley fit": offsets[np.argmin(cost)]}
    thetas, previous = [], None
    for i, (j, k, bins, psi) in enumerate(frames):
        theta = {name: integral[i] + value for name, value in offset.items()}
        theta["oracle frame"] = _fit_theta(true_c[bins, j], psi, k, S[bins, j])[0]
        h = np.argmax(S[bins, j])
        branches = (pghi_c[bins[h], j] - psi[h] + 2 * np.pi * np.arange(k[h])) / k[h]
        predicted = 0.0 if previous is None else previous + np.pi * HOP * (f0[j] + f0[j - 1]) / SR
        previous = theta["strongest"] = branches[np.argmin(np.abs(_wrap(branches - predicted)))]
        thetas.append(theta)
    return frames, thetas


def harmonic_report(label, y, k_max=12, f_top=4000.0, strong=0.03):
    """Phase-step errors of the harmonic model and SC of PGHI seeded with it; see docs/phase.md.

    Harmonics k <= ``k_max`` below ``f_top`` of each voiced frame; a harmonic counts (and is
    seeded) where its bin is within ``strong`` (amplitude ratio) of the frame's maximum.
    """
    from audiogp import dsp

    y = np.asarray(y, dtype=np.float64)
    D = dsp.stft(y, n_fft=N_FFT, hop_length=HOP)
    S = np.abs(D)
    n_bins = S.shape[0]
    pghi = dsp.pghi(S, hop_length=HOP)
    true_c, pghi_c = _centred(np.angle(D)), _centred(pghi)
    f0, share = harmonic_f0(S)
    runs = voiced_runs(S, f0, share)
    envelope_phase = minimum_phase_envelope(S)
    dt, df = gaussian_increments(S)
    cells = [f"voiced {sum(b - a for a, b in runs) / S.shape[1]:.2f}",
             f"pghi {_sc(S, pghi, 0, y.size):6.2f}/{_sc(S, pghi, 16, y.size):6.2f}"]
    steps = {}
    seeded_with = ("oracle run", "pghi fit", "valley fit")
    for psi_name in ("minphase", "zero"):
        seeds = np.zeros(S.shape, bool)
        seed_phase = {name: np.zeros(S.shape) for name in seeded_with}
        errors, weights = {}, []
        for start, stop in runs:
            frames, thetas = _run_thetas(S, f0, start, stop, k_max, f_top, n_bins, envelope_phase,
                                         psi_name, pghi_c, true_c)
            for (j, k, bins, psi), theta in zip(frames, thetas):
                loud = S[bins, j] > strong * S[:, j].max()
                both = loud[:-1] & loud[1:]
                true_step = np.diff(true_c[bins, j])[both]
                weights.append(np.sqrt(S[bins[:-1], j] * S[bins[1:], j])[both])
                errors.setdefault("pghi", []).append(np.abs(_wrap(np.diff(pghi_c[bins, j])[both] - true_step)))
                for name, value in theta.items():
                    errors.setdefault(name, []).append(np.abs(_wrap(value + np.diff(psi)[both] - true_step)))
                seeds[bins[loud], j] = True
                for name in seeded_with:
                    seed_phase[name][bins[loud], j] = (k * theta[name] + psi)[loud]
        w = np.concatenate(weights)
        for name, values in errors.items():
            steps[name if name == "pghi" else f"{psi_name} {name}"] = np.sum(w * np.concatenate(values)) / w.sum()
        for name in seeded_with:
            seeded = heap_integrate(S, dt, df, fixed=seeds, fixed_phase=seed_phase[name])
            cells.append(f"{psi_name} {name} seeds {_sc(S, seeded, 0, y.size):6.2f}/{_sc(S, seeded, 16, y.size):6.2f}")
    ceiling = heap_integrate(S, dt, df, fixed=seeds, fixed_phase=true_c)
    cells.append(f"true seeds {_sc(S, ceiling, 0, y.size):6.2f}/{_sc(S, ceiling, 16, y.size):6.2f}")
    print(f"{label}\n  SC: {'  '.join(cells)}\n  step errors (rad): "
          + "  ".join(f"{name} {value:.2f}" for name, value in steps.items()), flush=True)


def link_noise_report(label, y, sigmas=(0.0, 0.2, 0.4, 0.7)):
    """SC of PGHI with the exact peak links of :func:`peak_links` plus N(0, sigma) errors."""
    from audiogp import dsp

    y = np.asarray(y, dtype=np.float64)
    D = dsp.stft(y, n_fft=N_FFT, hop_length=HOP)
    S = np.abs(D)
    dt, df = gaussian_increments(S)
    links = peak_links(S, D)
    rng = np.random.default_rng(0)
    cells = []
    for sigma in sigmas:
        noisy = {key: (b, step + sigma * rng.standard_normal()) for key, (b, step) in links.items()}
        phase = heap_integrate(S, dt, df, links=noisy)
        cells.append(f"sigma {sigma}: {_sc(S, phase, 0, y.size):6.2f}/{_sc(S, phase, 16, y.size):6.2f}")
    print(f"{label:26s} exact peak links + noise  {'  '.join(cells)}", flush=True)


def _voice_filter():
    """Denominator of a causal all-pole filter: four formants and a one-pole tilt."""
    a = np.array([1.0, -0.94])
    for freq, bandwidth in ((500, 80), (1500, 120), (2500, 160), (3500, 250)):
        r = np.exp(-np.pi * bandwidth / SR)
        a = np.convolve(a, [1, -2 * r * np.cos(2 * np.pi * freq / SR), r * r])
    return a


def convention_check(f0=90.0):
    """Median |error| (rad) of the model phase k theta + arg H(k f0) against the STFT's phase at
    the harmonic bins (librosa's frame-start reference: bin m gets -pi m), for a steady pulse
    train through the all-pole filter of :func:`minimum_phase_voice`."""
    import scipy.signal

    from audiogp import dsp

    y = minimum_phase_voice(f0, seconds=2.0, vibrato=0.0)
    D = dsp.stft(y, n_fft=N_FFT, hop_length=HOP)
    k = np.arange(1, int(0.45 * SR / f0) + 1)
    bins = np.round(k * f0 / BIN_HZ).astype(int)
    shift = np.angle(scipy.signal.freqz([1.0], _voice_filter(), worN=2 * np.pi * k * f0 / SR)[1])
    errors = []
    for j in range(8, D.shape[1] - 8):  # away from the fades
        theta = 2 * np.pi * f0 * (j * HOP + 1) / SR  # the synthesis' cumulative sum includes sample 0
        model = k * theta + shift - np.pi * bins
        loud = np.abs(D[bins, j]) > 1e-3 * np.abs(D[:, j]).max()
        errors.append(np.abs(_wrap(np.angle(D[bins, j]) - model))[loud])
    print(f"model vs STFT phase at the harmonic bins, steady {f0:g} Hz pulse train: median "
          f"{np.median(np.concatenate(errors)):.4f} rad", flush=True)


def minimum_phase_voice(f0=65.0, seconds=3.0, vibrato=0.03):
    """A pulse train through a causal all-pole filter (:func:`_voice_filter`), synthesised
    harmonic by harmonic, f0 with 5 Hz vibrato, 50 ms fades."""
    import scipy.signal

    a = _voice_filter()
    t = np.arange(int(seconds * SR)) / SR
    f0_t = f0 * (1 + vibrato * np.sin(2 * np.pi * 5 * t))
    theta = 2 * np.pi * np.cumsum(f0_t) / SR
    y = np.zeros_like(t)
    for k in range(1, int(0.45 * SR / (f0 * (1 + vibrato))) + 1):
        grid = np.linspace(k * f0 * (1 - vibrato), k * f0 * (1 + vibrato), 64)
        response = scipy.signal.freqz([1.0], a, worN=2 * np.pi * grid / SR)[1]
        gain = np.interp(k * f0_t, grid, np.abs(response))
        shift = np.interp(k * f0_t, grid, np.unwrap(np.angle(response)))
        y += gain * np.cos(k * theta + shift)
    y = y * np.minimum(1, np.minimum(t / 0.05, (t[-1] - t) / 0.05))
    return y / np.abs(y).max()


def harmonic_main():
    import tempfile

    convention_check()
    speech, _ = speech_clip(SR)
    inputs = [("min-phase voice 65 Hz", minimum_phase_voice()),
              ("speech clip", speech),
              ("speech octave down", octave_down(speech, SR)[: 8 * SR]),
              ("cello", load_corpus_file(corpus_dir_file("music", "violoncello"), SR))]
    with tempfile.TemporaryDirectory() as tmp:
        voices = espeak_voices(tmp, [v for v in ESPEAK_VOICES if v[1] in ("en-us", "en+m1")])
        inputs += [(name, load_corpus_file(path, SR)) for name, path in voices]
        print("SC in dB, alone / after 16 iterations; step errors: amplitude-weighted mean |error| of the "
              "phase step between neighbouring harmonics", flush=True)
        for label, y in inputs:
            harmonic_report(label, y)
        for label, y in inputs[-2:]:
            link_noise_report(label, y)


# --- Other projection schemes for the 16 iterations ------------------------------------------

def _projections(S, length):
    """The two projections of phase retrieval on STFT arrays of ``S``'s shape.

    ``consistent(c)`` is the STFT of the inverse STFT of ``c``;
    ``magnitude(c)`` keeps the phase of ``c`` and takes the magnitude of ``S``.
    """
    from audiogp import dsp

    def consistent(c):
        return dsp.stft(dsp.istft(c, hop_length=HOP, length=length), n_fft=N_FFT, hop_length=HOP)

    def magnitude(c):
        return S * np.exp(1j * np.angle(c))

    return consistent, magnitude


def _fgla(c, consistent, magnitude, n_iter, momentum=0.99):
    """Fast Griffin-Lim in librosa's form (the reference of the other schemes)."""
    previous = None
    for _ in range(n_iter):
        rebuilt = consistent(c)
        step = rebuilt if previous is None else rebuilt - momentum / (1 + momentum) * previous
        previous = rebuilt
        c = magnitude(step)
    return c


def _raar(c, consistent, magnitude, n_iter, beta=0.9):
    """Relaxed averaged alternating reflections (D. R. Luke, Inverse Problems 21, 2005).

    ``x <- beta/2 (R_C R_M + I) x + (1 - beta) P_M x`` with ``R = 2 P - I``,
    ``P_C`` the consistency and ``P_M`` the magnitude projection.
    """
    x = c
    for _ in range(n_iter):
        mx = magnitude(x)
        x = beta * (x + consistent(2 * mx - x) - mx) + (1 - beta) * mx
    return magnitude(x)


def _admm(c, consistent, magnitude, n_iter):
    """ADMM phase recovery (Y. Masuyama, K. Yatabe and Y. Oikawa, IEEE SPL 26(1), 2019)."""
    z, u = c, np.zeros_like(c)
    for _ in range(n_iter):
        x = magnitude(z - u)
        z = consistent(x + u)
        u = u + x - z
    return magnitude(z)


def _stft_adjoint(R, length):
    """Adjoint of ``dsp.stft(x, n_fft=N_FFT, hop_length=HOP)`` (Hann, centred, zero padding).

    Real inner product on the waveform, ``Re sum conj(R) C`` over the one-sided
    bins on the STFT side; ``irfft`` doubles the inner bins as that needs.
    """
    pad = N_FFT // 2
    window = np.hanning(N_FFT + 1)[:-1]
    frames = np.fft.irfft(R.T, n=N_FFT, axis=1) * N_FFT * window
    out = np.zeros(length + 2 * pad)
    for j, frame in enumerate(frames):
        out[j * HOP: j * HOP + N_FFT] += frame
    return out[pad: pad + length]


def _lbfgs(c, S, length, n_evaluations):
    """L-BFGS on the waveform ``x`` minimising ``sum w (|STFT x| - S)**2``.

    ``w`` counts the inner bins twice (the two-sided spectrum); the gradient is
    ``2 Re STFT^H (C - S C / |C|)``. Each evaluation costs one STFT and one
    adjoint, as one Griffin-Lim iteration does (quasi-Newton phase retrieval
    as Decorsiere, Sondergaard, MacDonald & Dau invert spectrograms, IEEE/ACM
    TASLP 23(1), 2015).
    """
    from scipy.optimize import minimize

    from audiogp import dsp

    weight = np.full((S.shape[0], 1), 2.0)
    weight[0] = weight[-1] = 1.0

    def misfit(x):
        C = dsp.stft(x, n_fft=N_FFT, hop_length=HOP)
        size = np.maximum(np.abs(C), 1e-300)
        residual = C - S * C / size
        return float(np.sum(weight * (size - S) ** 2)), 2 * _stft_adjoint(residual, length)

    x0 = dsp.istft(c, hop_length=HOP, length=length).astype(np.float64)
    result = minimize(misfit, x0, jac=True, method="L-BFGS-B",
                      options={"maxfun": n_evaluations, "maxiter": n_evaluations})
    return dsp.stft(result.x, n_fft=N_FFT, hop_length=HOP)


def scheme_report(label, y, n_iter=16):
    """SC (dB) after ``n_iter`` iterations of each scheme from the PGHI start."""
    from audiogp import dsp

    y = np.asarray(y, dtype=np.float64)
    S = np.abs(dsp.stft(y, n_fft=N_FFT, hop_length=HOP))
    consistent, magnitude = _projections(S, y.size)
    start = S * np.exp(1j * dsp.pghi(S, hop_length=HOP))
    half = n_iter // 2
    schemes = {
        "fast GLA": lambda: _fgla(start, consistent, magnitude, n_iter),
        "RAAR 0.9": lambda: _raar(start, consistent, magnitude, n_iter),
        "RAAR 0.7": lambda: _raar(start, consistent, magnitude, n_iter, beta=0.7),
        f"RAAR {half} + GLA {n_iter - half}": lambda: _fgla(
            _raar(start, consistent, magnitude, half), consistent, magnitude, n_iter - half),
        f"DM {half} + GLA {n_iter - half}": lambda: _fgla(
            _raar(start, consistent, magnitude, half, beta=1.0), consistent, magnitude, n_iter - half),
        "ADMM": lambda: _admm(start, consistent, magnitude, n_iter),
        "L-BFGS": lambda: _lbfgs(start, S, y.size, n_iter),
        "L-BFGS, 100 evaluations": lambda: _lbfgs(start, S, y.size, 100),
    }
    cells = []
    for name, run in schemes.items():
        estimate = dsp.istft(run(), hop_length=HOP, length=y.size)
        cells.append(f"{name} {dsp.spectral_convergence(S, estimate, n_fft=N_FFT, hop_length=HOP):6.2f}")
    print(f"{label:26s} " + "  ".join(cells), flush=True)


def schemes_main():
    import tempfile

    from harness import corpus_files

    speech, _ = speech_clip(SR)
    inputs = [("speech clip", speech),
              ("cello", load_corpus_file(corpus_dir_file("music", "violoncello"), SR)),
              ("pink noise", load_corpus_file(corpus_files("noise")[0], SR))]
    with tempfile.TemporaryDirectory() as tmp:
        wanted = ("en-us", "de+m2", "en+m1")
        voices = espeak_voices(tmp, [v for v in ESPEAK_VOICES if v[1] in wanted])
        inputs += [(name, load_corpus_file(path, SR)) for name, path in voices]
        print("SC in dB after 16 iterations from the PGHI start", flush=True)
        for label, y in inputs:
            scheme_report(label, y)


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
    if "--harmonic" in sys.argv:
        harmonic_main()
    elif "--schemes" in sys.argv:
        schemes_main()
    else:
        main(sys.argv[1:])
