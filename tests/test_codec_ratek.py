"""Rate L <-> rate K resampling and spectral distortion, against closed forms and SciPy."""

import numpy as np
import pytest
from scipy.interpolate import CubicSpline

from audiogp.codec import (distortion_summary, frame_distortion, harmonic_analysis,
                           harmonic_distortion, mel_points, rate_k, rate_l, remove_mean,
                           resample_to_k, resample_to_l)
from audiogp.codec.harmonic import HarmonicFrames
from audiogp.data import example
from audiogp.errors import ParameterError


def test_mel_points_are_equally_spaced_in_mel():
    import librosa

    p = mel_points(20, 200.0, 3700.0)
    assert p[0] == pytest.approx(200.0) and p[-1] == pytest.approx(3700.0)
    mel = librosa.hz_to_mel(p, htk=True)
    np.testing.assert_allclose(np.diff(mel), np.diff(mel)[0], rtol=1e-9)
    assert len(mel_points(30, 100.0, 7500.0)) == 30
    with pytest.raises(ParameterError, match="fmax"):
        mel_points(20, 3700.0, 200.0)


def _frames(f0, db_of_freq, sr=8000):
    f0 = np.asarray(f0, dtype=float)
    L = np.floor(sr / 2 / f0).astype(int)
    m = np.arange(1, L.max() + 1)
    f = f0[:, None] * m[None, :]
    amps = np.where(m[None, :] <= L[:, None], 10 ** (db_of_freq(f) / 20), 0.0)
    n = len(f0)
    return HarmonicFrames(f0=f0, voiced=np.ones(n, bool), L=L, amplitudes=amps,
                          snr=np.full(n, 30.0), sr=sr, hop_length=80, window_length=320,
                          n_fft=2048, n_samples=80 * (n - 1))


def test_parabolic_is_exact_on_quadratics_and_cubic_on_cubics():
    f0 = np.array([100.0, 133.0, 171.0, 240.0])
    points = mel_points(20, 300.0, 3700.0)          # inside every frame's harmonic range
    quad = lambda f: -20 + 0.01 * f - 2e-6 * f ** 2  # noqa: E731
    cub = lambda f: -20 + 0.01 * f - 2e-6 * f ** 2 + 3e-10 * f ** 3  # noqa: E731
    for fn, method in ((quad, "parabolic"), (cub, "cubic")):
        h = _frames(f0, fn)
        db = 20 * np.log10(np.where(h.amplitudes > 0, h.amplitudes, 1e-5))
        out = resample_to_k(db, h.f0, h.L, points, method=method)
        np.testing.assert_allclose(out, fn(points)[None, :].repeat(4, 0), atol=1e-8)


def test_cubic_matches_scipy_spline_on_a_frame():
    rng = np.random.default_rng(0)
    L = 30
    values = rng.normal(size=(1, L))
    points = mel_points(20, 200.0, 3700.0)
    f0 = np.array([4000.0 / 31])
    out = resample_to_k(values, f0, np.array([L]), points, method="cubic")
    ref = CubicSpline(np.arange(1, L + 1) * f0[0], values[0])(np.clip(points, f0[0], L * f0[0]))
    np.testing.assert_allclose(out[0], ref, atol=1e-10)


def test_rate_l_of_a_mel_linear_vector_is_exact():
    # a vector linear in mel is reproduced exactly by both interpolators at the harmonics
    points = mel_points(20, 200.0, 3700.0)
    mel = 2595 * np.log10(1 + points / 700)
    vec = (0.02 * mel - 10)[None, :]
    f0 = np.array([150.0])
    for method in ("parabolic", "cubic"):
        db, L = resample_to_l(vec, points, f0, 8000, method=method)
        f = f0[0] * np.arange(1, L[0] + 1)
        inside = (f >= 200) & (f <= 3700)
        want = 0.02 * 2595 * np.log10(1 + f / 700) - 10
        np.testing.assert_allclose(db[0, :L[0]][inside], want[inside], atol=1e-9)
        # outside the points the edge value is held
        assert db[0, 0] == pytest.approx(vec[0, 0])
        assert db[0, L[0] - 1] == pytest.approx(vec[0, -1])


def test_round_trip_on_speech_like_signal_is_small_and_reported():
    y, sr = example("vowels", sr=8000, duration=2.0)
    t = np.arange(1 + len(y) // 80) * 80 / sr
    f0 = 140.0 - 40.0 * t / 2.0 + 6.0 * np.sin(2 * np.pi * 5.0 * t)
    h = harmonic_analysis(y, sr, f0)
    results = {}
    for method in ("parabolic", "cubic"):
        rk = rate_k(h, method=method)
        amps, L = rate_l(rk)
        np.testing.assert_array_equal(L, h.L)
        sd = harmonic_distortion(h, amps)
        results[method] = distortion_summary(sd, frames=h.voiced)
    for s in results.values():
        assert s["n_frames"] > 100
        assert s["mean_db"] < 4.0      # K = 20 cannot hold every harmonic at low F0
    # residual + mean is the vector
    rk = rate_k(h)
    res, mean = remove_mean(rk.vectors)
    np.testing.assert_allclose(res.mean(axis=1), 0, atol=1e-9)
    np.testing.assert_allclose(res + mean[:, None], rk.vectors)


def test_frame_distortion_and_summary_closed_form():
    ref = np.zeros((4, 5))
    est = np.array([[1.0] * 5, [3.0] * 5, [5.0] * 5, [0.0] * 5])
    sd = frame_distortion(ref, est)
    np.testing.assert_allclose(sd, [1, 3, 5, 0])
    s = distortion_summary(sd)
    assert s["mean_db2"] == pytest.approx((1 + 9 + 25) / 4)
    assert s["mean_db"] == pytest.approx(9 / 4)
    assert s["pct_over_2db"] == pytest.approx(50.0)
    assert s["pct_over_4db"] == pytest.approx(25.0)
    mask = np.zeros((4, 5), bool)
    mask[:, 0] = True
    est2 = est.copy()
    est2[:, 1:] = 100
    np.testing.assert_allclose(frame_distortion(ref, est2, mask=mask), [1, 3, 5, 0])
    with pytest.raises(ParameterError, match="shape"):
        frame_distortion(ref, est[:2])
    assert distortion_summary(np.array([np.nan]))["n_frames"] == 0


def test_rate_k_refuses_fmax_above_nyquist():
    h = _frames(np.array([100.0]), lambda f: 0 * f, sr=8000)
    with pytest.raises(ParameterError, match="Nyquist"):
        rate_k(h, fmax=4500.0)
