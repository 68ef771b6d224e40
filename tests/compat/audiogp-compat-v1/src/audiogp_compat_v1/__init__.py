"""A plugin written against audiogp's plugin API 1.0, using every hook and declaration form.

Node types (one per kind hook): ``compat_sine`` (source), ``compat_gain`` and
``compat_mix`` (transforms), ``compat_frame_energy`` (analysis),
``compat_energy_noise`` (synthesis), ``compat_energy_mean`` (fitting),
``compat_energy_stats`` (metric), ``compat_to_signal`` (inversion) and
``compat_write_energy`` (sink); value types ``FrameEnergy`` (by class) and
``Note`` (lazily, by name); a kernel ``compat_constant``.
"""

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from audiogp.errors import ParameterError
from audiogp.plugins import (
    REQUIRED,
    Mismatch,
    NodeType,
    OutputFile,
    Param,
    Port,
    ValueType,
    check_against,
    hookimpl,
)
from audiogp.types import Metrics, Signal, Value

__version__ = "1.0.0"


@dataclass(frozen=True, eq=False)
class FrameEnergy(Value):
    """Mean-square energy per frame of a signal."""

    energy: np.ndarray
    sr: int
    hop_length: int
    attrs: Mapping[str, Any] = field(default_factory=dict)


def sine(ctx, *, freq, amplitude, sr, duration):
    """A sine wave."""
    t = np.arange(int(round(duration * sr))) / sr
    return Signal(amplitude * np.sin(2 * np.pi * freq * t), sr)


def gain(ctx, *, input, db, sr):
    """Scale a signal by a gain in dB."""
    if sr is not None and sr != input.sr:
        raise ParameterError(f"sr={sr} but the input is at {input.sr} Hz")
    return Signal(input.y * 10.0 ** (db / 20.0), input.sr)


def infer_gain(params, inputs):
    check_against(params, inputs["input"], ("sr",), what="the input signal")
    return {"signal": dict(inputs["input"])}


def mix(ctx, *, inputs, sidechain):
    """Sum signals of one rate (and subtract an optional side chain)."""
    rates = {s.sr for s in inputs}
    if len(rates) != 1:
        raise ParameterError(f"the inputs have different rates: {sorted(rates)}")
    n = min(s.n_samples for s in inputs)
    y = sum(s.y[..., :n] for s in inputs)
    if sidechain is not None:
        y = y - sidechain.y[..., :n]
    return Signal(y, inputs[0].sr)


def infer_mix(params, inputs):
    rates = {facts.get("sr") for facts in inputs["inputs"]} - {None}
    if len(rates) > 1:
        raise Mismatch("inputs", f"the inputs have different rates: {sorted(rates)}")
    return {"signal": {"sr": rates.pop()} if rates else {}}


def frame_energy(ctx, *, input, frame_length, hop_length):
    """Mean-square energy of each frame."""
    if input.n_samples < frame_length:
        raise ParameterError(f"the signal has {input.n_samples} samples, fewer than "
                             f"frame_length={frame_length}")
    frames = np.lib.stride_tricks.sliding_window_view(input.y, frame_length, axis=-1)[..., ::hop_length, :]
    energy = np.mean(frames ** 2, axis=-1)
    ctx.progress(1, 1)
    return FrameEnergy(energy, input.sr, hop_length, attrs={"frame_length": frame_length})


def infer_frame_energy(params, inputs):
    length = inputs["input"].get("length")
    if length is not None and length < params["frame_length"]:
        raise Mismatch("frame_length", f"frame_length={params['frame_length']} is longer than "
                                       f"the signal ({length} samples)")
    return {"energy": {"sr": inputs["input"].get("sr"), "hop_length": params["hop_length"]}}


def energy_noise(ctx, *, input):
    """White noise whose frame energies follow the input's (seeded by the run)."""
    gains = np.repeat(np.sqrt(input.energy), input.hop_length, axis=-1)
    return Signal(gains * ctx.rng.standard_normal(gains.shape), input.sr)


def energy_mean(ctx, *, input):
    """The mean frame energy, as a fitted constant model."""
    return Metrics({"mean_energy": float(np.mean(input.energy))})


def energy_stats(ctx, *, input):
    """Minimum, mean and maximum frame energy."""
    if np.max(input.energy) == 0:
        ctx.log.warning("the signal is silent")
    return Metrics({"min": float(np.min(input.energy)), "mean": float(np.mean(input.energy)),
                    "max": float(np.max(input.energy))})


def to_signal(ctx, *, input):
    """The frame energies as a signal at the frame rate."""
    return Signal(np.asarray(input.energy, dtype=float), max(1, input.sr // input.hop_length))


def write_energy(ctx, *, input, path, precision):
    """Write frame energies to a CSV file, one line per frame."""
    with ctx.output(path) as temporary:
        lines = [f"# {', '.join(ctx.sources['input'])}"]
        lines += [f"{value:.{precision}g}" for value in np.ravel(input.energy)]
        temporary.write_text("\n".join(lines) + "\n")


SINE = NodeType(
    name="compat_sine",
    function=sine,
    outputs=[Port("signal", Signal, "the sine")],
    params=[Param("freq", float, 440, "frequency, Hz", exclusive_minimum=0),
            Param("amplitude", float, 0.5, "peak amplitude", minimum=0, maximum=1),
            Param("sr", int, 16000, "sample rate, Hz", minimum=1000),
            Param("duration", float, 0.5, "seconds", exclusive_minimum=0)],
    infer=lambda params, inputs: {"signal": {
        "sr": params["sr"], "length": int(round(params["duration"] * params["sr"]))}},
)

GAIN = NodeType(
    name="compat_gain",
    function=gain,
    doc="Scale a signal (API 1.0 example).",
    inputs=[Port("input", "Signal", "the signal")],
    outputs=[Port("signal", Signal)],
    params=[Param("db", float, REQUIRED, "gain in dB", minimum=-120, maximum=40),
            Param("sr", int, None, "expected rate of the input, Hz (a check)", minimum=1)],
    infer=infer_gain,
)

MIX = NodeType(
    name="compat_mix",
    function=mix,
    inputs=[Port("inputs", Signal, "signals to add", many=True),
            Port("sidechain", Signal, "subtracted from the sum", optional=True)],
    outputs=[Port("signal", Signal)],
    infer=infer_mix,
)

FRAME_ENERGY = NodeType(
    name="compat_frame_energy",
    function=frame_energy,
    details="Frames are not centred: frame t starts at sample t * hop_length.",
    inputs=[Port("input", Signal)],
    outputs=[Port("energy", "FrameEnergy", "energy per frame")],
    params=[Param("frame_length", int, 256, "samples per frame", minimum=1),
            Param("hop_length", int, 128, "samples between frames", minimum=1)],
    infer=infer_frame_energy,
    requires=("numpy",),
)

ENERGY_NOISE = NodeType(name="compat_energy_noise", function=energy_noise,
                        inputs=[Port("input", FrameEnergy)], outputs=[Port("signal", Signal)])
ENERGY_MEAN = NodeType(name="compat_energy_mean", function=energy_mean,
                       inputs=[Port("input", FrameEnergy)], outputs=[Port("model", Metrics)])
ENERGY_STATS = NodeType(name="compat_energy_stats", function=energy_stats, kind="metric",
                        inputs=[Port("input", (FrameEnergy,))], outputs=[Port("stats", Metrics)])
TO_SIGNAL = NodeType(name="compat_to_signal", function=to_signal,
                     inputs=[Port("input", FrameEnergy)], outputs=[Port("signal", Signal)],
                     parallel_safe=False)
WRITE_ENERGY = NodeType(
    name="compat_write_energy",
    function=write_energy,
    inputs=[Port("input", FrameEnergy)],
    params=[Param("path", OutputFile, doc="output .csv", suffixes=(".csv",)),
            Param("precision", int, 6, "significant digits", choices=(3, 6, 9))],
)


@hookimpl
def register_value_types(register):
    register(FrameEnergy)
    register(ValueType("Note", "audiogp_compat_v1.note:Note", "a musical note"))


@hookimpl
def register_sources(register):
    register(SINE)


@hookimpl
def register_transforms(register):
    register(GAIN)
    register(MIX)


@hookimpl
def register_analysis(register):
    register(FRAME_ENERGY)


@hookimpl
def register_synthesis(register):
    register(ENERGY_NOISE)


@hookimpl
def register_kernel_fitting(register):
    register(ENERGY_MEAN)


@hookimpl
def register_metrics(register):
    register(ENERGY_STATS)


@hookimpl
def register_inversions(register):
    register(TO_SIGNAL)


@hookimpl
def register_sinks(register):
    register(WRITE_ENERGY)


@hookimpl
def register_kernels(register):
    register("compat_constant", {"expression": "1"})
