"""audiogp.dsp.pitch_track against signals whose F0 is known in closed form.

The reference is the F0 each test signal was synthesised with (the derivative
of its phase): glides and vibrato between 60 and 500 Hz, several harmonic
spectra, white noise at 10 dB SNR, at 8 to 48 kHz.
"""

import warnings

import numpy as np
import pytest

from audiogp import dsp
from audiogp.errors import ParameterError


def harmonic(sr, f0, spectrum="1/k", snr_db=10.0, seed=0):
    """A harmonic signal with instantaneous F0 ``f0`` (one value per sample) and white noise."""
    rng = np.random.default_rng(seed)
    phase = 2 * np.pi * np.cumsum(f0) / sr
    y = np.zeros(len(f0))
    for k in range(1, 80):
        if spectrum == "1/k":
            amplitude = 1.0 / k
        elif spectrum == "flat":
            amplitude = 1.0
        elif spectrum == "formant":    # a resonance at 700 Hz over a 1/k slope
            amplitude = (1 + 3 * np.exp(-((k * f0 - 700) / 200) ** 2)) / k
        elif spectrum == "no fundamental":
            amplitude = 0.0 if k == 1 else 1.0 / k
        y += np.where(k * f0 < 0.45 * sr, amplitude * np.sin(k * phase + rng.uniform(0, 2 * np.pi)), 0)
    if snr_db is not None:
        y += rng.standard_normal(len(y)) * np.sqrt(np.mean(y ** 2) / 10 ** (snr_db / 10))
    return y


def glide(sr, seconds=1.5, start=60.0, stop=500.0):
    t = np.arange(int(seconds * sr)) / sr
    return start * (stop / start) ** (t / seconds)


def vibrato(sr, seconds=1.5, centre=220.0, rate=5.5, depth_semitones=1.0):
    t = np.arange(int(seconds * sr)) / sr
    return centre * 2 ** (depth_semitones / 12 * np.sin(2 * np.pi * rate * t))


def errors(track, f0, sr):
    """Relative error of each voiced frame against the true F0 at the frame time."""
    truth = np.interp(track.times, np.arange(len(f0)) / sr, f0)
    return np.abs(track.f0 - truth)[track.voiced] / truth[track.voiced]


def test_interface_frames_and_types():
    sr = 16000
    y = harmonic(sr, np.full(12345, 150.0))
    track = dsp.pitch_track(y, sr)
    hop = round(0.010 * sr)
    n_frames = 1 + len(y) // hop
    assert track.hop_length == hop and track.sr == sr
    for name, dtype in (("f0", np.float64), ("voiced", np.bool_), ("probability", np.float64),
                        ("times", np.float64)):
        array = getattr(track, name)
        assert array.shape == (n_frames,) and array.dtype == dtype, name
    np.testing.assert_allclose(track.times, np.arange(n_frames) * hop / sr)
    assert np.all(np.isfinite(track.f0))
    assert np.all((track.probability >= 0) & (track.probability <= 1))
    with pytest.raises(Exception):
        track.f0 = track.f0    # frozen


@pytest.mark.parametrize("sr", [8000, 16000, 22050, 44100, 48000])
@pytest.mark.parametrize("contour", ["glide up", "glide down", "vibrato"])
def test_moving_f0_in_noise_meets_the_targets(sr, contour):
    f0 = {"glide up": glide(sr), "glide down": glide(sr, start=480.0, stop=65.0),
          "vibrato": vibrato(sr)}[contour]
    track = dsp.pitch_track(harmonic(sr, f0, seed=sr), sr)
    error = errors(track, f0, sr)
    assert track.voiced.mean() > 0.9
    assert np.mean(error > 0.2) < 0.02       # gross errors
    assert np.median(error) < 0.01


@pytest.mark.parametrize("spectrum", ["flat", "formant", "no fundamental"])
def test_harmonic_spectra(spectrum):
    sr = 16000
    f0 = glide(sr, start=90.0, stop=400.0)
    track = dsp.pitch_track(harmonic(sr, f0, spectrum=spectrum, seed=3), sr)
    error = errors(track, f0, sr)
    assert track.voiced.mean() > 0.9
    assert np.mean(error > 0.2) < 0.02
    assert np.median(error) < 0.01


@pytest.mark.parametrize("sr, rtol", [(8000, 3e-3), (16000, 1.5e-3), (44100, 5e-4)])
def test_steady_tones_are_read_precisely(sr, rtol):
    for f in (62.0, 110.0, 317.0, 495.0):
        track = dsp.pitch_track(harmonic(sr, np.full(sr, f), snr_db=None), sr)
        assert track.voiced[5:-5].all()
        np.testing.assert_allclose(track.f0[5:-5], f, rtol=rtol)


def test_silence_is_unvoiced_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        track = dsp.pitch_track(np.zeros(8000), 8000)
    assert not track.voiced.any() and np.all(track.probability == 0)
    assert np.all(np.isfinite(track.f0)) and np.all((track.f0 >= 50) & (track.f0 <= 500))


def test_noise_and_silence_between_voiced_segments():
    sr = 16000
    rng = np.random.default_rng(5)
    tone = harmonic(sr, np.full(sr, 150.0), snr_db=None)
    y = np.concatenate([tone, 0.3 * rng.standard_normal(sr), np.zeros(sr), tone])
    track = dsp.pitch_track(y, sr)
    second = np.floor(track.times).astype(int)
    inner = np.abs(track.times - np.round(track.times)) > 0.05   # away from the joins
    assert track.voiced[(second == 0) & inner].all() and track.voiced[(second == 3) & inner].all()
    assert not track.voiced[(second == 1) & inner].any()
    assert not track.voiced[(second == 2) & inner].any()
    # Unvoiced frames get an F0 interpolated from their voiced neighbours (here both 150 Hz).
    np.testing.assert_allclose(track.f0[(second == 2) & inner], 150.0, rtol=2e-3)


def test_white_noise_is_unvoiced():
    for sr in (8000, 44100):
        noise = np.random.default_rng(sr).standard_normal(2 * sr)
        track = dsp.pitch_track(noise, sr)
        assert track.voiced.mean() < 0.02
        assert np.all(np.isfinite(track.f0))


def test_bad_input_is_refused_clearly():
    y = harmonic(8000, np.full(8000, 100.0))
    bad = y.copy()
    bad[1234] = np.nan
    with pytest.raises(ParameterError, match="index 1234"):
        dsp.pitch_track(bad, 8000)
    with pytest.raises(ParameterError, match="fewer than one analysis frame"):
        dsp.pitch_track(y[:100], 8000)
    with pytest.raises(dsp.PitchSettingError, match="fmin < fmax") as error:
        dsp.pitch_track(y, 8000, fmin=300, fmax=200)
    assert error.value.parameter == "fmax"
    with pytest.raises(dsp.PitchSettingError, match="Nyquist"):
        dsp.pitch_track(y, 8000, fmax=4500)
    with pytest.raises(ParameterError, match="one channel"):
        dsp.pitch_track(np.stack([y, y]), 8000)
    with pytest.raises(dsp.PitchSettingError, match="too short") as error:
        dsp.pitch_track(y, 8000, fmin=50, frame_length=200)
    assert error.value.parameter == "frame_length"


def dense_viterbi(observation, unvoiced, max_jump, switch):
    """Textbook Viterbi over the full (2 n_bins)^2 transition matrix of the pYIN HMM, in NumPy."""
    n_frames, n_bins = observation.shape
    offsets = np.arange(-max_jump, max_jump + 1)
    weights = (max_jump + 1.0 - np.abs(offsets)) / np.sum(max_jump + 1.0 - np.abs(offsets))
    pitch = np.zeros((n_bins, n_bins))
    for i in range(n_bins):
        for k, w in zip(offsets, weights):
            if 0 <= i + k < n_bins:
                pitch[i, i + k] = w
    voicing = np.array([[1 - switch, switch], [switch, 1 - switch]])
    with np.errstate(divide="ignore"):
        log_a = np.log(np.kron(voicing, pitch))      # states [voiced bins | unvoiced bins]
        log_b = np.log(np.concatenate([observation, np.repeat(unvoiced[:, None], n_bins, 1)], 1))
    score = log_b[0] - np.log(2 * n_bins)
    back = np.zeros((n_frames, 2 * n_bins), dtype=int)
    for t in range(1, n_frames):
        candidates = score[:, None] + log_a
        back[t] = np.argmax(candidates, axis=0)
        score = candidates[back[t], np.arange(2 * n_bins)] + log_b[t]
    state = [int(np.argmax(score))]
    for t in range(n_frames - 1, 0, -1):
        state.append(int(back[t, state[-1]]))
    state = np.array(state[::-1])
    path_score = log_b[0, state[0]] - np.log(2 * n_bins) + sum(
        log_a[state[t - 1], state[t]] + log_b[t, state[t]] for t in range(1, n_frames))
    return state % n_bins, state < n_bins, path_score, (log_a, log_b)


def score_of(bins, voiced, model, n_bins):
    log_a, log_b = model
    state = np.where(voiced, bins, bins + n_bins)
    return log_b[0, state[0]] - np.log(2 * n_bins) + sum(
        log_a[state[t - 1], state[t]] + log_b[t, state[t]] for t in range(1, len(state)))


@pytest.mark.parametrize("seed", range(4))
def test_compiled_viterbi_matches_a_dense_textbook_viterbi(seed):
    from audiogp.dsp.pitch import _viterbi

    rng = np.random.default_rng(seed)
    n_frames, n_bins = 40, 23
    observation = rng.uniform(size=(n_frames, n_bins)) ** 4 * (rng.uniform(size=(n_frames, 1)) < 0.7)
    observation /= np.maximum(1.0, observation.sum(axis=1, keepdims=True))
    unvoiced = np.maximum(1 - observation.sum(axis=1), 0) / n_bins
    bins, voiced = _viterbi(observation, unvoiced, 3, 0.05)
    expected_bins, expected_voiced, best, model = dense_viterbi(observation, unvoiced, 3, 0.05)
    assert 0.2 < voiced.mean() < 1
    np.testing.assert_array_equal(voiced, expected_voiced)
    # Unvoiced states all emit alike, so paths through them may tie: compare scores, and the
    # bins where the path is voiced (distinct random emissions there).
    np.testing.assert_allclose(score_of(bins, voiced, model, n_bins), best, rtol=1e-12)
    np.testing.assert_array_equal(bins[voiced], expected_bins[voiced])
