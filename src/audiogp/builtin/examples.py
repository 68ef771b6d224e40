"""Node type ``example``: the built-in synthetic signals of :mod:`audiogp.data`, or your own file.

A spec written on ``use: example`` runs as written with nothing to
download; ``--set NODE.path=my_recording.wav`` switches the same node to a
recording (read as ``load`` reads it: mono, resampled to ``sr``), so every
example in ``examples/`` is one option away from the user's own audio.
"""

from audiogp.builtin._memory import MAX_SR, example_memory
from audiogp.plugins import InputFile, NodeType, Param, Port, hookimpl
from audiogp.types import Signal


def example(ctx, *, name, sr, duration, seed, path):
    """A built-in example signal (speech-like vowels, a chirp or a chord); nothing to download."""
    if path is not None:
        from audiogp.builtin.io import load

        return load(ctx, path=path, sr=sr, mono=True, channel=None, offset=0.0, duration=None,
                    res_type="soxr_hq")
    from audiogp import data

    y, sr = data.example(name, sr=sr, duration=duration, seed=ctx.seed if seed is None else seed)
    return Signal(y, sr)


def infer_example(params, inputs):
    if params["path"] is not None:
        from audiogp.builtin.io import infer_load

        return infer_load(dict(path=params["path"], sr=params["sr"], mono=True, channel=None,
                               offset=0.0, duration=None))
    return {"signal": {"sr": params["sr"],
                       "length": int(round(params["duration"] * params["sr"]))}}


EXAMPLE = NodeType(
    name="example",
    function=example,
    outputs=[Port("signal", Signal, "the example, float32, peak 0.5")],
    params=[
        Param("name", str, "vowels", "which example", choices=("vowels", "chirp", "tones")),
        Param("sr", int, 22050, "sample rate in Hz", minimum=1000, maximum=MAX_SR),
        Param("duration", float, 2.0, "length in seconds", exclusive_minimum=0, maximum=3600),
        Param("seed", int, 0, "seed of its noise; null derives one from the run's seed",
              minimum=0, nullable=True),
        Param("path", InputFile, None, "your own recording instead (--set NODE.path=FILE, from "
              "the current folder): read whole, mono, resampled to sr; name, duration and seed "
              "are then unused"),
    ],
    infer=infer_example,
    memory=example_memory,
)


@hookimpl
def register_sources(register):
    register(EXAMPLE)
