"""Harmonic analysis: amplitudes, refined F0 and voicing on synthetic signals of known content."""

import numpy as np
import pytest

from audiogp.codec import harmonic_analysis
from audiogp.errors import ParameterError


def harmonic_signal(f0, amplitudes, sr, seconds, seed=0):
    """Sum of harmonics of a (possibly time-varying) f0 with given amplitudes and random phases."""
    rng = np.random.default_rng(seed)
    n = int(seconds * sr)
    f0 = np.broadcast_to(np.asarray(f0, dtype=float), (n,))
    phase = 2 * np.pi * np.cumsum(f0) / sr
    y = np.zeros(n)
    for m, a in enumerate(amplitudes, start=1):
        y += a * np.cos(m * phase + rng.uniform(0, 2 * np.pi))
    return y


@pytest.mark.parametrize("sr,f0", [(8000, 143.0), (8000, 212.5), (16000, 118.0), (8000, 97.0)])
def test_interior_harmonic_amplitudes_within_half_a_db(sr, f0):
    rng = np.random.default_rng(1)
    L = int((sr / 2) // f0)
    amps = rng.uniform(0.02, 0.3, L)
    y = harmonic_signal(f0, amps, sr, 1.0)
    n_frames = 1 + len(y) // round(0.01 * sr)
    h = harmonic_analysis(y, sr, np.full(n_frames, f0))
    inner = slice(10, n_frames - 10)           # frames whose window lies inside the signal
    assert np.all(h.L[inner] == L)
    err_db = 20 * np.log10(h.amplitudes[inner, 1:L - 1] / amps[None, 1:L - 1])
    assert np.max(np.abs(err_db)) < 0.5
    assert np.all(h.voiced[inner])


def test_refinement_recovers_f0_from_a_rough_estimate():
    sr, f0 = 8000, 160.0
    y = harmonic_signal(f0, np.full(24, 0.1), sr, 0.6)
    n_frames = 1 + len(y) // 80
    h = harmonic_analysis(y, sr, np.full(n_frames, f0 * 1.04))
    inner = slice(8, n_frames - 8)
    assert np.max(np.abs(h.f0[inner] / f0 - 1)) < 0.002
    unrefined = harmonic_analysis(y, sr, np.full(n_frames, f0 * 1.04), refine=False)
    np.testing.assert_allclose(unrefined.f0, f0 * 1.04)


def test_glide_is_followed_and_amplitudes_hold():
    sr = 8000
    n = sr
    f0 = np.linspace(120.0, 180.0, n)          # 50 % glide per second
    y = harmonic_signal(f0, np.full(20, 0.1), sr, 1.0)
    hop = 80
    n_frames = 1 + n // hop
    centres = np.minimum(np.arange(n_frames) * hop, n - 1)
    h = harmonic_analysis(y, sr, f0[centres] * 0.97)
    inner = slice(8, n_frames - 8)
    assert np.max(np.abs(h.f0[inner] / f0[centres][inner] - 1)) < 0.005
    err_db = 20 * np.log10(h.amplitudes[inner, 1:15] / 0.1)
    assert np.max(np.abs(err_db)) < 1.0


def test_noise_is_unvoiced_and_harmonics_are_voiced():
    sr = 8000
    rng = np.random.default_rng(3)
    noise = 0.1 * rng.standard_normal(sr)
    n_frames = 1 + sr // 80
    h = harmonic_analysis(noise, sr, np.full(n_frames, 150.0))
    assert h.voiced.mean() < 0.05
    # white noise: E|X_k|^2 = sigma^2 sum w^2 per bin, f0 n_fft / sr bins per band, and
    # A^2 = 4 E_band / (n_fft sum w^2), so E[A_m^2] = 4 sigma^2 f0 / sr
    A2 = np.mean(h.amplitudes[5:-5, 2:20] ** 2)
    np.testing.assert_allclose(A2, 4 * 0.01 * 150.0 / sr, rtol=0.1)


def test_silence_gives_zero_amplitudes_and_unvoiced():
    h = harmonic_analysis(np.zeros(4000), 8000, np.full(51, 100.0))
    assert np.all(h.amplitudes == 0) and not h.voiced.any()
    assert np.all(np.isfinite(h.f0))


def test_pitch_track_like_input_supplies_hop_and_voicing():
    class Track:
        pass

    sr = 8000
    y = harmonic_signal(200.0, np.full(15, 0.1), sr, 0.5)
    t = Track()
    t.hop_length = 40
    t.f0 = np.full(1 + len(y) // 40, 200.0)
    t.voiced = np.zeros(t.f0.shape, bool)
    h = harmonic_analysis(y, sr, t)
    assert h.hop_length == 40 and h.n_frames == t.f0.shape[0]
    assert not h.voiced.any()                  # the tracker's 'unvoiced' is kept


def test_bad_input_is_refused_with_a_located_message():
    y = np.zeros(4000)
    y[1234] = np.nan
    with pytest.raises(ParameterError, match="index 1234"):
        harmonic_analysis(y, 8000, np.full(51, 100.0))
    with pytest.raises(ParameterError, match="fewer than one analysis window"):
        harmonic_analysis(np.zeros(100), 8000, np.full(2, 100.0))
    with pytest.raises(ParameterError, match="51 frames"):
        harmonic_analysis(np.zeros(4000), 8000, np.full(50, 100.0))
    with pytest.raises(ParameterError, match="frame 3"):
        harmonic_analysis(np.zeros(4000), 8000, np.r_[np.full(3, 100.0), 0.0, np.full(47, 100.0)])
