"""audiogp-lpc: linear prediction per frame (``lpc``) and all-pole resynthesis (``lpc_synthesis``).

The algorithms are in :mod:`audiogp_lpc.lpc` (numpy in, numpy out); the node
types only adapt them. :class:`LpcCoefficients` carries the model on edges,
registered with the node types whose ports name it. Written from
docs/plugins.md (plugin API 1.1): one hook, facts passed on from the main
input, each check declared once.
"""

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from audiogp.plugins import Mismatch, NodeType, Param, Port, hookimpl
from audiogp.types import Signal, Value

__version__ = "0.1.0"


@dataclass(frozen=True, eq=False)
class LpcCoefficients(Value):
    """Linear-prediction coefficients and gain of each frame of a signal (an all-pole model).

    Attributes
    ----------
    a : numpy.ndarray, shape (..., n_frames, order)
        Predictor coefficients: ``y[t] ~ a[0] y[t-1] + ... + a[p-1] y[t-p]``.
    gain : numpy.ndarray, shape (..., n_frames)
        Square root of each frame's prediction-error power.
    sr : int
        Sample rate of the analysed signal, Hz.
    order, frame_length, hop_length : int
        Prediction order, frame length and hop (samples); frame ``t`` is
        centred on sample ``t * hop_length``.
    window : str
        Analysis window.
    length : int
        Samples of the analysed signal.
    """

    a: np.ndarray
    gain: np.ndarray
    sr: int
    order: int
    frame_length: int
    hop_length: int
    window: str
    length: int
    attrs: Mapping[str, Any] = field(default_factory=dict)


def lpc(ctx, *, input, order, frame_length, hop_length, window):
    """Linear-prediction coefficients of each frame (autocorrelation method, Makhoul 1975)."""
    from audiogp_lpc.lpc import lpc_frames

    a, gain = lpc_frames(input.y, order=order, frame_length=frame_length, hop_length=hop_length,
                         window=window)
    return LpcCoefficients(a, gain, input.sr, order, frame_length, hop_length, window,
                           input.n_samples)


def settings_fit_the_signal(params, inputs):
    """order < frame_length, hop_length <= frame_length, frame_length <= the signal's length."""
    from audiogp_lpc.lpc import LpcSettingError, check_settings

    try:
        check_settings(order=params["order"], frame_length=params["frame_length"],
                       hop_length=params["hop_length"], n_samples=inputs["input"].get("length"))
    except LpcSettingError as error:
        raise Mismatch(error.parameter, str(error)) from None


def lpc_synthesis(ctx, *, coefficients, excitation):
    """The all-pole models driven by white noise, or by another signal (cross synthesis)."""
    from audiogp_lpc.lpc import allpole_synthesis

    if excitation is None:
        source = ctx.rng.standard_normal(coefficients.length)
    else:
        source = excitation.y[..., : coefficients.length]
        rms = np.sqrt(np.mean(np.square(source, dtype=np.float64)))
        source = source / rms if rms > 0 else source
    y = allpole_synthesis(coefficients.a, coefficients.gain, source,
                          hop_length=coefficients.hop_length)
    return Signal(y, coefficients.sr)


def excitation_fits(params, inputs):
    """The excitation has the coefficients' rate and at least the analysed signal's length."""
    model, excitation = inputs["coefficients"], inputs["excitation"]
    if None not in (model.get("sr"), excitation.get("sr")) and model["sr"] != excitation["sr"]:
        raise Mismatch("excitation", f"the excitation is at {excitation['sr']} Hz but the "
                                     f"coefficients at {model['sr']} Hz")
    if None not in (model.get("length"), excitation.get("length")) \
            and excitation["length"] < model["length"]:
        raise Mismatch("excitation", f"the excitation has {excitation['length']} samples, fewer "
                                     f"than the {model['length']} of the analysed signal")


LPC = NodeType(
    name="lpc",
    kind="analysis",
    function=lpc,
    inputs=[Port("input", Signal, "the signal (speech, an instrument)")],
    outputs=[Port("coefficients", LpcCoefficients, "the all-pole model of each frame")],
    params=[
        Param("order", int, 16, "prediction order (poles); about sr / 1000 + 2 for speech",
              minimum=1, maximum=256),
        Param("frame_length", int, 512, "samples per analysis frame", minimum=2),
        Param("hop_length", int, 128, "samples between frame centres", minimum=1),
        Param("window", str, "hann", "analysis window (scipy.signal.get_window names)"),
    ],
    checks=[settings_fit_the_signal],
    # sr and length pass on from the signal; the frame settings are the node's own.
    infer=lambda params, inputs: {"coefficients": {
        k: params[k] for k in ("order", "frame_length", "hop_length", "window")}},
)

LPC_SYNTHESIS = NodeType(
    name="lpc_synthesis",
    kind="synthesis",
    function=lpc_synthesis,
    inputs=[Port("coefficients", LpcCoefficients, "the all-pole models"),
            Port("excitation", Signal, "the source (default: white noise from the run's seed), "
                 "scaled to unit RMS", optional=True)],
    outputs=[Port("signal", Signal, "the resynthesis, as long as the analysed signal")],
    checks=[excitation_fits],
)


@hookimpl
def register_node_types(register):
    register(LPC)
    register(LPC_SYNTHESIS)
