"""PGHI against closed forms: phase derivatives of tones and impulses, and librosa's STFT phase."""

import librosa
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiogp import dsp
from audiogp.errors import ParameterError, ParameterTypeError

SR = 8000


def wrap(phase):
    return np.angle(np.exp(1j * phase))


def tone(freq, n, sr=SR):
    return np.cos(2 * np.pi * freq * np.arange(n) / sr)


@pytest.mark.parametrize("window, tolerance", [
    (("gaussian", 64.0), 1e-6),   # the relation is exact for a Gaussian window
    # Hann and Hamming are only close to Gaussians: a few hundredths of a radian
    ("hann", 0.05),
    ("hamming", 0.08),
])
def test_time_derivative_of_a_tone_is_its_frequency(window, tolerance):
    n_fft, hop = 512, 64
    freq = 1234.5  # between bins
    y = tone(freq, 8000)
    D = librosa.stft(y, n_fft=n_fft, hop_length=hop, window=window)
    phase = dsp.pghi(np.abs(D), hop_length=hop, window=window)

    # closed form: the phase of a tone advances by 2 pi f hop / sr per frame
    expected = wrap(2 * np.pi * freq * hop / SR)
    peak = int(round(freq * n_fft / SR))
    frames = slice(10, D.shape[1] - 10)  # away from the zero padding
    for m in range(peak - 2, peak + 3):
        advance = wrap(np.diff(phase[m, frames]))
        assert np.max(np.abs(wrap(advance - expected))) < tolerance, m
        # and librosa's own STFT phase agrees
        true_advance = np.angle(D[m, frames][1:] / D[m, frames][:-1])
        assert np.max(np.abs(wrap(advance - true_advance))) < tolerance + 1e-6


@pytest.mark.parametrize("window, tolerance", [(("gaussian", 64.0), 1e-6), ("hann", 0.05)])
def test_frequency_derivative_of_an_impulse_matches_librosa_phase(window, tolerance):
    # The STFT of an impulse at t0 has phase -2 pi m (t0 - frame start) / n_fft:
    # along frequency it tests both the PGHI relation and librosa's frame-start
    # phase reference.
    n_fft, hop = 512, 64
    y = np.zeros(4000)
    t0 = 2003
    y[t0] = 1.0
    D = librosa.stft(y, n_fft=n_fft, hop_length=hop, window=window)
    phase = dsp.pghi(np.abs(D), hop_length=hop, window=window)
    centre = t0 // hop
    for j in range(centre - 1, centre + 2):
        start = j * hop - n_fft // 2
        expected = wrap(-2 * np.pi * (t0 - start) / n_fft)
        bins = slice(5, 200)
        advance = wrap(np.diff(phase[bins, j]))
        assert np.max(np.abs(wrap(advance - expected))) < tolerance, j
        true_advance = np.angle(D[bins, j][1:] / D[bins, j][:-1])
        assert np.max(np.abs(wrap(advance - true_advance))) < tolerance + 1e-6


@pytest.mark.parametrize("window, tolerance", [(("gaussian", 128.0), 1e-3), ("hann", 0.05)])
def test_chirp_phase_derivative_matches_librosa_phase(window, tolerance):
    # A linear chirp's STFT magnitude is a slanted ridge; for a Gaussian window
    # the phase-gradient relation is still exact.
    n_fft, hop = 1024, 128
    sr = 16000
    t = np.arange(2 * sr) / sr
    f0, f1 = 500.0, 3000.0
    y = np.cos(2 * np.pi * (f0 * t + (f1 - f0) / (2 * t[-1]) * t**2))
    D = librosa.stft(y, n_fft=n_fft, hop_length=hop, window=window)
    S = np.abs(D)
    phase = dsp.pghi(S, hop_length=hop, window=window)
    frames = np.arange(20, S.shape[1] - 20)
    ridge = np.argmax(S[:, frames], axis=0)
    advance = wrap(phase[ridge, frames + 1] - phase[ridge, frames])
    true_advance = np.angle(D[ridge, frames + 1] / D[ridge, frames])
    assert np.max(np.abs(wrap(advance - true_advance))) < tolerance
    # and it is close to the instantaneous frequency (within half a bin)
    inst_freq = f0 + (f1 - f0) * (frames + 0.5) * hop / sr / t[-1]
    half_bin = np.pi * hop / n_fft
    assert np.max(np.abs(wrap(advance - 2 * np.pi * inst_freq * hop / sr))) < half_bin + tolerance


def test_pghi_phase_gives_a_consistent_spectrogram(rng):
    # quality lower bound on a short generated signal: a vibrato tone plus a
    # decaying click train
    sr = 16000
    t = np.arange(sr) / sr
    y = np.sin(2 * np.pi * (440 * t + 3 * np.sin(2 * np.pi * 5 * t)))
    y[::2000] += 2.0
    y += 0.01 * rng.standard_normal(y.size)
    n_fft, hop = 512, 128
    S = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop))
    phase = dsp.pghi(S, hop_length=hop)
    x = librosa.istft(S * np.exp(1j * phase), hop_length=hop, length=y.size)
    rebuilt = np.abs(librosa.stft(x, n_fft=n_fft, hop_length=hop))
    sc = 20 * np.log10(np.linalg.norm(S - rebuilt) / np.linalg.norm(S))
    # a random phase gives about -5 dB here; PGHI is far better
    assert sc < -15


def _consistency_db(S, phase, n_fft, hop, length):
    """Spectral convergence (dB) of S with this phase after one inverse STFT, by librosa."""
    x = librosa.istft(S * np.exp(1j * phase), hop_length=hop, length=length)
    rebuilt = np.abs(librosa.stft(x, n_fft=n_fft, hop_length=hop))
    return 20 * np.log10(np.linalg.norm(S - rebuilt) / np.linalg.norm(S))


def test_dc_offset_gets_the_real_phase_of_librosa():
    # The DC coefficient of a real frame is real, and the magnitude of a real
    # signal's spectrum is even about DC (no phase advance there). A constant
    # offset under a vibrato tone, alone for the first quarter second: the DC
    # phase must be librosa's in every frame (up to the sign of the whole
    # signal, which a magnitude cannot tell), and the estimate stays
    # consistent. Rotating the DC phase, as the plain Gaussian relation with
    # a one-sided difference at the edge does, costs about 15 dB here.
    sr, n_fft, hop = 16000, 512, 128
    t = np.arange(sr) / sr
    y = 0.5 * np.sin(2 * np.pi * (220 * t + 2 * np.sin(2 * np.pi * 4 * t))) + 0.05
    y[: sr // 4] = 0.05
    D = librosa.stft(y, n_fft=n_fft, hop_length=hop)
    S = np.abs(D)
    phase = dsp.pghi(S, hop_length=hop)
    true_dc = np.angle(D[0])
    assert np.all(np.abs(np.cos(true_dc)) > 1 - 1e-9)  # the oracle is real
    global_sign = np.sign(np.cos(phase[0, 0] - true_dc[0]))
    np.testing.assert_allclose(np.cos(phase[0] - true_dc), global_sign, atol=1e-9)
    assert _consistency_db(S, phase, n_fft, hop, y.size) < -28


def test_nyquist_phase_is_real_and_matches_librosa_up_to_sign():
    # a slowly decaying alternating sequence lives at the Nyquist frequency,
    # whose coefficient in every (real) frame is real
    n_fft, hop = 256, 64
    n = np.arange(4000)
    y = (-1.0) ** n * np.exp(-n / 3000) + 0.3 * np.cos(2 * np.pi * 0.1 * n)
    D = librosa.stft(y, n_fft=n_fft, hop_length=hop)
    phase = dsp.pghi(np.abs(D), hop_length=hop)
    assert np.all(np.isin(phase[-1], [0.0, -np.pi]))
    frames = slice(4, D.shape[1] - 4)
    agreement = np.cos(phase[-1, frames] - np.angle(D[-1, frames]))
    np.testing.assert_allclose(np.abs(agreement), 1, atol=1e-9)
    assert abs(np.mean(agreement)) == pytest.approx(1)  # one global sign, no flips


def test_low_pitched_harmonic_tone_with_vibrato_is_consistent():
    # 85 Hz (four bins at n_fft 1024, 22050 Hz: neighbouring harmonics share
    # the Hann main lobe), 2 % vibrato, -12 dB per octave up to 4 kHz: PGHI
    # alone is well inside -30 dB (a random phase gives about -4 dB)
    sr, n_fft, hop = 22050, 1024, 256
    t = np.arange(int(1.5 * sr)) / sr
    phase = 2 * np.pi * np.cumsum(85.0 * (1 + 0.02 * np.sin(2 * np.pi * 5 * t))) / sr
    y = sum(k ** -2.0 * np.cos(k * phase + 0.7 * k * k) for k in range(1, 48))
    y *= np.minimum(1, np.minimum(t / 0.05, (t[-1] - t) / 0.05))
    S = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop))
    assert _consistency_db(S, dsp.pghi(S, hop_length=hop), n_fft, hop, y.size) < -30


def test_channels_are_integrated_independently(rng):
    y = rng.standard_normal((2, 3000))
    S = np.abs(librosa.stft(y, n_fft=256, hop_length=64))
    both = dsp.pghi(S)
    assert both.shape == S.shape
    np.testing.assert_array_equal(both[0], dsp.pghi(S[0]))
    np.testing.assert_array_equal(both[1], dsp.pghi(S[1]))


def test_zero_spectrogram_gives_zero_phase():
    phase = dsp.pghi(np.zeros((129, 20)))
    assert np.all(phase == 0)


def test_coefficients_below_tolerance_get_zero_phase(rng):
    S = np.abs(librosa.stft(rng.standard_normal(3000), n_fft=256, hop_length=64))
    S[:, 10:20] = 1e-12
    phase = dsp.pghi(S, tol=1e-6)
    assert np.all(phase[:, 10:20] == 0)
    assert np.count_nonzero(phase[:, :10]) > 0


@settings(max_examples=25, deadline=None)
@given(
    n_fft=st.sampled_from([16, 32, 64, 100]),
    n_frames=st.integers(1, 12),
    channels=st.sampled_from([(), (1,), (3,)]),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**32 - 1),
)
def test_phase_is_finite_and_wrapped_for_any_shape(n_fft, n_frames, channels, dtype, seed):
    S = np.random.default_rng(seed).random(channels + (n_fft // 2 + 1, n_frames)).astype(dtype)
    phase = dsp.pghi(S, n_fft=n_fft)
    assert phase.shape == S.shape and phase.dtype == dtype
    assert np.all(np.isfinite(phase))
    assert np.all((phase >= -np.pi) & (phase <= np.pi))


def test_input_is_not_modified(rng):
    S = rng.random((65, 10))
    copy = S.copy()
    dsp.pghi(S)
    np.testing.assert_array_equal(S, copy)


def test_window_spread_of_a_gaussian_is_closed_form():
    assert dsp.window_spread(("gaussian", 10.0), 64) == pytest.approx(2 * np.pi * 100)


def test_refuses_complex_input():
    with pytest.raises(ParameterTypeError, match=r"np.abs\(S\)"):
        dsp.pghi(np.ones((65, 4), dtype=complex))


def test_refuses_negative_magnitude():
    S = np.ones((65, 4))
    S[3, 2] = -1
    with pytest.raises(ParameterError, match=r"\[3, 2\]"):
        dsp.pghi(S)


def test_refuses_mismatched_n_fft():
    with pytest.raises(ParameterError, match="65 frequency bins"):
        dsp.pghi(np.ones((65, 4)), n_fft=256)


@pytest.mark.parametrize("window", ["blackman", ("kaiser", 8.0), np.ones(128)])
def test_refuses_windows_without_a_known_spread(window):
    with pytest.raises(ParameterError, match="not supported by pghi"):
        dsp.pghi(np.ones((65, 4)), window=window)


@pytest.mark.parametrize("tol", [0, 1, -1e-3])
def test_refuses_tolerance_outside_the_unit_interval(tol):
    with pytest.raises(ParameterError, match="tol"):
        dsp.pghi(np.ones((65, 4)), tol=tol)
