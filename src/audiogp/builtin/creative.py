"""Creative-resynthesis node types: adapters over :mod:`audiogp.dsp.creative`.

Each takes a complex STFT and gives a complex STFT on the same grid, ready for
``istft`` (or ``griffinlim``, which keeps only the magnitude); their ``infer``
passes that geometry on, so what follows a transform is checked before running.
"""

from audiogp.builtin import _facts as facts
from audiogp.builtin._facts import GEOMETRY
from audiogp.plugins import REQUIRED, NodeType, Param, Port, hookimpl
from audiogp.types import ComplexSpectrogram

_IN = [Port("input", ComplexSpectrogram, "complex STFT")]
_OUT = [Port("spectrogram", ComplexSpectrogram, "the modified STFT, same geometry")]


def _spectrogram(input, S, **attrs):
    return ComplexSpectrogram(S, input.geometry, attrs={**input.attrs, **attrs})


def keep_magnitude(ctx, *, input):
    """Drop the phase: every coefficient becomes |X| (zero phase)."""
    from audiogp import dsp

    return _spectrogram(input, dsp.keep_magnitude(input.S))


def real_part(ctx, *, input):
    """Keep only the real part of every coefficient."""
    from audiogp import dsp

    return _spectrogram(input, dsp.real_part(input.S))


def constant_imaginary(ctx, *, input, value):
    """Replace the imaginary part of every coefficient by a constant."""
    from audiogp import dsp

    return _spectrogram(input, dsp.constant_imaginary(input.S, value))


def flip_frequency(ctx, *, input):
    """Turn the spectrogram upside down in frequency."""
    from audiogp import dsp

    return _spectrogram(input, dsp.flip_frequency(input.S))


def reverse_time(ctx, *, input):
    """Play the frames in reverse order (each frame still runs forwards)."""
    from audiogp import dsp

    return _spectrogram(input, dsp.reverse_time(input.S))


def shuffle_frames(ctx, *, input):
    """Play the frames in a random order (seeded by the run's seed)."""
    from audiogp import dsp

    return _spectrogram(input, dsp.shuffle_frames(input.S, random_state=ctx.seed))


def reorder_frames_pca(ctx, *, input, n_mels, fmin, fmax, normalize_volume, log_frequency_weighting):
    """Sort the frames along the first principal component of their log-mel features."""
    from audiogp import dsp

    S, order = dsp.reorder_by_pca(input.S, sr=input.geometry.sr, n_mels=n_mels, fmin=fmin,
                                  fmax=fmax, normalize_volume=normalize_volume,
                                  log_frequency_weighting=log_frequency_weighting)
    return _spectrogram(input, S, frame_order=[int(i) for i in order])


def infer_same_grid(params, inputs):
    """Every transform keeps the STFT geometry of its input."""
    return {"spectrogram": facts.take(inputs["input"], GEOMETRY)}


def infer_reorder_frames_pca(params, inputs):
    facts.check_mel_range(params["fmin"], params["fmax"], inputs["input"].get("sr"))
    return infer_same_grid(params, inputs)


def _node(name, function, params=(), infer=infer_same_grid):
    return NodeType(name=name, function=function, inputs=_IN, outputs=_OUT, params=list(params),
                    infer=infer)


FEATURE_PARAMS = [
    Param("n_mels", int, 40, "mel bands of the frame features", minimum=1),
    Param("fmin", float, 0.0, "lowest frequency of the features, Hz", minimum=0),
    Param("fmax", float, None, "highest frequency of the features, Hz (default sr / 2)",
          exclusive_minimum=0),
    Param("normalize_volume", bool, False, "remove each frame's mean level (order by timbre, "
          "not loudness)"),
    Param("log_frequency_weighting", bool, False, "weight bands by their width in octaves"),
]

NODE_TYPES = (
    _node("keep_magnitude", keep_magnitude),
    _node("real_part", real_part),
    _node("constant_imaginary", constant_imaginary,
          [Param("value", float, REQUIRED, "the imaginary part of every coefficient (units of the "
                 "STFT)")]),
    _node("flip_frequency", flip_frequency),
    _node("reverse_time", reverse_time),
    _node("shuffle_frames", shuffle_frames),
    _node("reorder_frames_pca", reorder_frames_pca, FEATURE_PARAMS, infer_reorder_frames_pca),
)


@hookimpl
def register_transforms(register):
    for node_type in NODE_TYPES:
        register(node_type)
