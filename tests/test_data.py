"""Built-in example signals."""

import numpy as np
import pytest

from audiogp import data
from audiogp.errors import ParameterError


@pytest.mark.parametrize("name", data.EXAMPLES)
def test_examples_are_deterministic_float32_with_peak_half(name):
    y1, sr = data.example(name, sr=16000, duration=0.5)
    y2, _ = data.example(name, sr=16000, duration=0.5)
    assert sr == 16000 and y1.dtype == np.float32 and y1.shape == (8000,)
    assert np.array_equal(y1, y2)
    assert np.isclose(np.max(np.abs(y1)), 0.5)


def test_vowels_has_its_energy_in_the_speech_band():
    y, sr = data.example("vowels", sr=22050, duration=1.0)
    power = np.abs(np.fft.rfft(y)) ** 2
    freqs = np.fft.rfftfreq(y.shape[0], 1 / sr)
    assert power[(freqs > 80) & (freqs < 4000)].sum() > 0.95 * power.sum()


def test_unknown_example_suggests_a_name():
    with pytest.raises(ParameterError, match="Did you mean 'vowels'"):
        data.example("vowel")
