"""The ``pitch`` node type: runs in a spec, states its geometry facts, refuses bad settings at their key."""

import numpy as np
import pytest

from audiogp import dsp
from audiogp.testing import assert_fails, run_spec
from audiogp.types import Signal

VOWELS = """
audiogp: 1
nodes:
  voice: {use: example, name: vowels, sr: 16000, duration: 1.0}
  pitch: {use: pitch, input: voice, fmin: 60, fmax: 400}
"""


def test_node_gives_the_library_track_with_its_facts():
    run = run_spec(VOWELS)
    track = run["pitch.track"]
    assert isinstance(track, dsp.PitchTrack)
    y = run["voice"].y
    expected = dsp.pitch_track(y, 16000, fmin=60, fmax=400)
    np.testing.assert_array_equal(track.f0, expected.f0)
    np.testing.assert_array_equal(track.voiced, expected.voiced)
    # The example's F0 is 140 - 40 t / T + 6 sin(2 pi 5 t) Hz (audiogp.data._vowels).
    t = track.times
    truth = 140.0 - 40.0 * t / 1.0 + 6.0 * np.sin(2 * np.pi * 5.0 * t)
    inner = track.voiced & (t > 0.05) & (t < 0.95)
    # Its first vowel is noisy (an F1 of 730 Hz over a source at about 6 dB SNR): librosa.pyin
    # also calls it unvoiced. The other three are voiced.
    assert track.voiced[(t > 0.3) & (t < 0.95)].mean() > 0.9
    assert np.median(np.abs(track.f0[inner] - truth[inner]) / truth[inner]) < 0.01
    facts = {"sr": 16000, "hop_length": 160, "frame_length": dsp.pitch_frame_length(16000, 60),
             "fmin": 60.0, "fmax": 400.0}
    assert run.facts("pitch.track") == facts
    assert track.sr == 16000 and track.hop_length == 160
    stats = run["pitch.stats"].values
    assert stats["n_frames"] == track.n_frames
    assert stats["voiced_fraction"] == pytest.approx(track.voiced.mean())


def test_silence_runs_and_is_all_unvoiced():
    spec = """
    audiogp: 1
    nodes:
      quiet: {use: load, path: quiet.wav, sr: null}
      pitch: {use: pitch, input: quiet}
    """
    run = run_spec(spec, files={"quiet.wav": Signal(np.zeros(8000, np.float32), 8000)})
    assert not run["pitch.track"].voiced.any()
    assert np.isnan(run["pitch.stats"].values["f0_median_hz"])


@pytest.mark.parametrize("setting, key, message", [
    ("fmin: 300, fmax: 200", "fmax", "fmin < fmax"),
    ("fmax: 9000", "fmax", "Nyquist"),
    ("fmin: 50, frame_length: 300", "frame_length", "too short"),
])
def test_bad_settings_are_refused_at_their_key(setting, key, message):
    spec = f"""
    audiogp: 1
    nodes:
      voice: {{use: example, name: vowels, sr: 16000, duration: 0.5}}
      pitch: {{use: pitch, input: voice, {setting}}}
    """
    assert_fails(spec, node="pitch", key=key, match=message)


def test_a_signal_shorter_than_a_frame_is_refused_naming_the_input():
    spec = """
    audiogp: 1
    nodes:
      voice: {use: example, name: vowels, sr: 8000, duration: 0.02}
      pitch: {use: pitch, input: voice}
    """
    assert_fails(spec, node="pitch", key="input", match="fewer than one pitch analysis frame")


def test_nan_in_a_loaded_file_is_refused_naming_the_sample():
    y = np.zeros(8000, np.float32)
    y[4321] = np.nan
    spec = """
    audiogp: 1
    nodes:
      voice: {use: load, path: bad.wav, sr: null}
      pitch: {use: pitch, input: voice}
    """
    assert_fails(spec, match="4321", files={"bad.wav": Signal(y, 8000)})
