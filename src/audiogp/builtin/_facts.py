"""Static facts for the built-in nodes' ``infer`` functions (see ``docs/plugins.md``).

Facts are named after the fields of the value they describe:

- a signal: ``sr``, ``length`` (samples), ``channels`` (when a loader knows them);
- a spectrogram or phase: the :class:`audiogp.types.StftGeometry` fields ``sr``, ``n_fft``,
  ``hop_length``, ``win_length``, ``window``, ``center`` and ``length`` (of the analysed
  signal), and ``power`` for magnitudes and mel spectrograms;
- a mel spectrogram, log-mel spectrogram or MFCC adds its :class:`audiogp.types.MelBank`:
  ``n_mels``, ``fmin``, ``fmax``, ``htk``, ``norm`` (always the filter bank's normalisation).
  A bank is known whole or not at all: when ``n_mels`` is there, a missing ``fmax`` or
  ``norm`` means None (sr / 2, no normalisation), as in the value;
- a dB spectrogram says ``mel`` (True for a log-mel spectrogram, False for a linear one).

A missing fact is unknown, and nothing unknown is a contradiction: the nodes
keep their run-time checks for what only the data can tell.
"""

from audiogp.plugins import Mismatch

SIGNAL = ("sr", "length", "channels")
STFT = ("n_fft", "hop_length", "win_length", "window", "center")
GEOMETRY = ("sr",) + STFT + ("length",)
MEL_BANK = ("n_mels", "fmin", "fmax", "htk", "norm")

LINEAR_SPECTROGRAMS = ("ComplexSpectrogram", "MagnitudeSpectrogram")
SPECTROGRAMS = LINEAR_SPECTROGRAMS + ("MelSpectrogram", "DecibelSpectrogram", "MFCC", "Phase")


def is_a(facts, *type_names):
    """Whether the input's source certainly gives one of ``type_names`` (its declared types)."""
    types = getattr(facts, "types", ())
    return bool(types) and all(t in type_names for t in types)


def take(facts, names):
    """The facts among ``names`` that are known (present), as a new dict."""
    return {name: facts[name] for name in names if name in facts}


def same(a, b):
    """Whether two fact values agree (lists and tuples alike, as windows come either way)."""
    a = tuple(a) if isinstance(a, list) else a
    b = tuple(b) if isinstance(b, list) else b
    return a == b


def first_difference(a, b, names):
    """``(name, a's value, b's value)`` of the first of ``names`` both know and disagree on, or None."""
    for name in names:
        x, y = a.get(name), b.get(name)
        if x is not None and y is not None and not same(x, y):
            return name, x, y
    return None


def frames(geometry, n_samples):
    """Frames of the STFT of ``n_samples`` samples on ``geometry`` (None when not known).

    The frame count of :meth:`audiogp.dsp.StftPlan.frame_count`.
    """
    n_fft, hop, center = (geometry.get(k) for k in ("n_fft", "hop_length", "center"))
    if None in (n_fft, hop, center, n_samples):
        return None
    if center:
        return 1 + (n_samples + 2 * (n_fft // 2) - n_fft) // hop
    return 1 + (n_samples - n_fft) // hop if n_samples >= n_fft else 0


def check_length(length, geometry, what="the spectrogram"):
    """Raise :class:`Mismatch` on ``length`` when an inverse of ``geometry``'s frames cannot have it.

    The static form of the inversions' check (``audiogp.dsp.griffinlim``,
    ``random_phase``, ``mel_to_audio``): a signal of ``length`` samples must
    give back the spectrogram's number of frames.
    """
    if length is None:
        return
    n_fft, hop, center = (geometry.get(k) for k in ("n_fft", "hop_length", "center"))
    if center is False and n_fft is not None and length < n_fft:
        raise Mismatch("length", f"length={length} is shorter than n_fft={n_fft}, so with "
                                 "center=False it has no frame")
    source = geometry.get("length")
    n_frames = frames(geometry, source)
    if n_frames is None:
        return
    given = 1 + length // hop if center else 1 + (length - n_fft) // hop
    if given != n_frames:
        frames_word = "frame" if given == 1 else "frames"
        raise Mismatch("length", f"length={length} gives {given} {frames_word} at hop_length={hop} "
                                 f"(n_fft={n_fft}, center={center}), but {what} has {n_frames} "
                                 f"(from a signal of {source} samples); leave length out, or give "
                                 f"a length with as many frames, e.g. {source}")


def check_mel_range(fmin, fmax, sr):
    """Raise :class:`Mismatch` when a mel bank's ``fmax`` (default ``sr / 2``) is not above ``fmin``.

    ``fmin`` and ``fmax`` are the node's parameters (None: the defaults, 0 and ``sr / 2``).
    """
    fmin = 0.0 if fmin is None else fmin
    if fmax is None:
        if sr is None or sr / 2 > fmin:
            return
        raise Mismatch("fmin", f"fmin={fmin:g} must be below fmax, which defaults to sr / 2 = "
                                 f"{sr / 2:g} Hz for the input at {sr} Hz")
    if fmax <= fmin:
        raise Mismatch("fmax", f"fmax={fmax:g} must be greater than fmin={fmin:g}")


def check_window_for_pghi(geometry, key, what):
    """Raise :class:`Mismatch` on ``key`` when PGHI cannot use the spectrogram's window."""
    window = geometry.get("window")
    if window is None:
        return
    from audiogp import dsp
    from audiogp.errors import ParameterError

    try:
        dsp.window_spread(tuple(window) if isinstance(window, list) else window,
                          geometry.get("win_length") or 1)
    except ParameterError as error:
        raise Mismatch(key, f"{what}: {error}") from None


def check_nola(geometry, key, what):
    """Raise :class:`Mismatch` on ``key`` when ``geometry``'s frames cannot be overlap-added back.

    The static form of the inverse STFT's NOLA check: with this window and
    hop some samples get no weight, so no inversion of the spectrogram works.
    """
    names = ("n_fft", "hop_length", "win_length", "window")
    n_fft, hop, win_length, window = (geometry.get(k) for k in names)
    if None in (n_fft, hop, win_length, window):
        return
    from audiogp import dsp
    from audiogp.errors import ParameterError

    window = tuple(window) if isinstance(window, list) else window
    try:
        samples = dsp.get_window(window, win_length, n_fft=n_fft)
    except (ParameterError, ValueError):
        return  # not a window: the node that made the spectrogram says so when it runs
    if not dsp.check_nola(samples, hop):
        raise Mismatch(key, f"{what} cannot be inverted: window={window!r} (win_length={win_length}, "
                            f"n_fft={n_fft}) with hop_length={hop} does not satisfy the NOLA "
                            "condition, so some samples get zero weight; analyse with a smaller "
                            "hop_length or a window without zeros at those offsets")
