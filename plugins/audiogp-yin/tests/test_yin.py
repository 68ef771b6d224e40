"""YIN against closed-form pitches and librosa.yin, and the node in a spec."""

import numpy as np
import pytest

from audiogp_yin.yin import yin

librosa = pytest.importorskip("librosa")

SR = 22050


def harmonic(f0, seconds=1.0, sr=SR):
    t = np.arange(int(seconds * sr)) / sr
    return sum(np.sin(2 * np.pi * k * f0 * t) / k for k in (1, 2, 3))


@pytest.mark.parametrize("f0", [82.0, 147.0, 220.0, 440.0])
def test_harmonic_tone_pitch_is_found(f0):
    estimate = yin(harmonic(f0), fmin=60, fmax=800, sr=SR)
    assert np.all(np.abs(estimate[2:-2] - f0) / f0 < 0.005)


def test_agrees_with_librosa_on_a_chirp():
    t = np.arange(SR) / SR
    y = np.sin(2 * np.pi * (100 * t + 150 * t**2))   # f0 rises from 100 to 400 Hz
    ours = yin(y, fmin=60, fmax=800, sr=SR)
    theirs = librosa.yin(y, fmin=60, fmax=800, sr=SR)
    assert ours.shape == theirs.shape
    relative = np.abs(ours - theirs) / theirs
    assert np.median(relative) < 0.002
    assert np.max(relative[2:-2]) < 0.02


def test_channels_are_independent():
    stacked = np.stack([harmonic(150.0), harmonic(300.0)])
    both = yin(stacked, fmin=60, fmax=800, sr=SR)
    assert both.shape[0] == 2
    np.testing.assert_allclose(both[1], yin(stacked[1], fmin=60, fmax=800, sr=SR))
    assert abs(np.median(both[0]) - 150.0) < 1.0


def test_full_output_gives_yins_voicing():
    f0, voiced, periodicity = yin(harmonic(220.0), fmin=60, fmax=800, sr=SR, full_output=True)
    np.testing.assert_array_equal(f0, yin(harmonic(220.0), fmin=60, fmax=800, sr=SR))
    assert voiced[2:-2].all() and np.all(periodicity[2:-2] > 0.9)
    noise = np.random.default_rng(0).standard_normal(SR)
    _, voiced, periodicity = yin(noise, fmin=60, fmax=800, sr=SR, full_output=True)
    assert voiced.mean() < 0.05 and np.all((periodicity >= 0) & (periodicity <= 1))


def test_silence_gives_finite_values():
    assert np.all(np.isfinite(yin(np.zeros(4096), fmin=60, fmax=800, sr=SR)))


@pytest.mark.parametrize("kwargs, word", [
    (dict(fmin=800, fmax=60), "fmin"),
    (dict(fmin=60, fmax=800, frame_length=32), "lag range"),
    (dict(fmin=60, fmax=800, win_length=4096), "win_length"),
])
def test_bad_parameters_are_named(kwargs, word):
    from audiogp.errors import ParameterError

    with pytest.raises(ParameterError, match=word):
        yin(harmonic(200.0, 0.2), sr=SR, **kwargs)


SPEC = """
audiogp: 1
nodes:
  tone:  {use: example, name: chirp, sr: 16000, duration: 0.5}
  pitch: {use: yin, input: tone, fmin: 60, fmax: 1000, frame_length: 1024}
"""


def test_node_runs_in_a_spec(spec_runner):
    import audiogp_yin

    run = spec_runner.run(SPEC)
    track = run["pitch.f0"]
    assert isinstance(track, audiogp_yin.PitchTrack)
    np.testing.assert_array_equal(track.f0, yin(run["tone"].y, fmin=60, fmax=1000, sr=16000,
                                                frame_length=1024))
    assert track.f0.shape == track.times.shape and track.hop_length == 256
    stats = run["pitch.stats"].values
    assert stats["f0_min_hz"] <= stats["f0_median_hz"] <= stats["f0_max_hz"]
    # Known before running, for the nodes that read the track: the rate and the hop.
    assert run.facts("pitch.f0") == {"sr": 16000, "hop_length": 256}


@pytest.mark.parametrize("change, key, words", [
    ("fmax: 1000", "fmax", "fmax=9000.0 is above the Nyquist frequency sr/2 = 8000.0 Hz"),
    ("frame_length: 1024", "frame_length", "lag range"),
    ("fmin: 60", "fmax", "need 0 < fmin < fmax"),
])
def test_search_settings_are_refused_before_running_at_their_key(spec_runner, change, key, words):
    replacement = {"fmax": "fmax: 9000", "frame_length": "frame_length: 32",
                   "fmin": "fmin: 2000"}[change.split(":")[0]]
    spec_runner.fails(SPEC.replace(change, replacement), node="pitch", key=key, match=words)
