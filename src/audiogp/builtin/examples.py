"""Node type ``example``: the built-in synthetic signals of :mod:`audiogp.data`."""

from audiogp.builtin._memory import MAX_SR, example_memory
from audiogp.plugins import NodeType, Param, Port, hookimpl
from audiogp.types import Signal


def example(ctx, *, name, sr, duration, seed):
    """A built-in example signal (speech-like vowels, a chirp or a chord); nothing to download."""
    from audiogp import data

    y, sr = data.example(name, sr=sr, duration=duration, seed=ctx.seed if seed is None else seed)
    return Signal(y, sr)


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
    ],
    infer=lambda params, inputs: {"signal": {
        "sr": params["sr"], "length": int(round(params["duration"] * params["sr"]))}},
    memory=example_memory,
)


@hookimpl
def register_sources(register):
    register(EXAMPLE)
