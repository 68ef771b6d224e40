"""Built-in example signals, synthesised on demand (nothing to download).

They give the quickstart, the examples and the tests a realistic input
without shipping audio files: ``vowels`` is a speech-like signal (a glottal
pulse train with a falling pitch through formant resonators, with breathy
noise), ``chirp`` a logarithmic sweep, ``tones`` a chord of sinusoids.
"""

import numpy as np

from audiogp import _validate as check

EXAMPLES = ("vowels", "chirp", "tones")

# (F1, F2, F3) in Hz for /a/, /i/, /u/, /e/ (Peterson & Barney 1952, male averages).
_FORMANTS = ((730.0, 1090.0, 2440.0), (270.0, 2290.0, 3010.0),
             (300.0, 870.0, 2240.0), (530.0, 1840.0, 2480.0))
_BANDWIDTHS = (90.0, 110.0, 170.0)


def example(name="vowels", *, sr=22050, duration=2.0, seed=0):
    """Synthesise a built-in example signal.

    Parameters
    ----------
    name : {"vowels", "chirp", "tones"}
        Which example.
    sr : int
        Sample rate in Hz.
    duration : float
        Length in seconds.
    seed : int
        Seed of the noise components (the result is a pure function of the arguments).

    Returns
    -------
    y : numpy.ndarray, float32, shape (n,)
        The signal, peak amplitude 0.5.
    sr : int
        The sample rate.
    """
    check.choice(name, "name", EXAMPLES)
    sr = check.integer(sr, "sr", minimum=1000)
    duration = check.real_number(duration, "duration", exclusive_minimum=0.0)
    n = int(round(duration * sr))
    if n < 1:
        raise check.ParameterError(f"duration={duration} s at sr={sr} gives no samples")
    rng = np.random.default_rng(seed)
    t = np.arange(n) / sr
    if name == "vowels":
        y = _vowels(t, sr, rng)
    elif name == "chirp":
        y = np.sin(2 * np.pi * 100.0 * duration / np.log(80.0) * (80.0 ** (t / duration) - 1.0))
    else:
        y = sum(np.sin(2 * np.pi * f * t + p) / k for k, (f, p) in
                enumerate(zip((220.0, 277.18, 329.63, 440.0), rng.uniform(0, 2 * np.pi, 4)), 1))
    y = y / np.max(np.abs(y)) * 0.5
    return y.astype(np.float32), sr


def _vowels(t, sr, rng):
    from scipy.signal import lfilter

    n = t.shape[0]
    duration = n / sr
    f0 = 140.0 - 40.0 * t / duration + 6.0 * np.sin(2 * np.pi * 5.0 * t)  # falling, with vibrato
    phase = np.cumsum(f0) / sr
    open_phase = np.mod(phase, 1.0)
    # Rosenberg-like glottal flow derivative: a smooth pulse per period.
    source = np.where(open_phase < 0.6, np.sin(np.pi * open_phase / 0.6) ** 2, 0.0)
    source = np.diff(source, prepend=0.0) + 0.02 * rng.standard_normal(n)
    segment = np.minimum((t / duration * len(_FORMANTS)).astype(int), len(_FORMANTS) - 1)
    out = np.zeros(n)
    for index, formants in enumerate(_FORMANTS):
        excitation = np.where(segment == index, source, 0.0)
        for f, bw in zip(formants, _BANDWIDTHS):
            radius = np.exp(-np.pi * bw / sr)
            a = [1.0, -2.0 * radius * np.cos(2 * np.pi * f / sr), radius**2]
            excitation = lfilter([1.0 - radius], a, excitation)
        out += excitation
    fade = np.minimum(1.0, np.minimum(t, duration - t) / 0.02)
    return out * fade
