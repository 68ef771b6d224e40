"""audiogp-yin: the ``yin`` node type, a YIN f0 estimator, as a third-party audiogp plugin.

Installed, it is found through the entry point ``yin = "audiogp_yin"`` of the
group ``audiogp`` (see pyproject.toml); audiogp then calls the hook below.
The algorithm lives in :mod:`audiogp_yin.yin` (numpy in, numpy out); the
node only adapts it. Written against plugin API 1.1: one hook registers the
node type. Its output is audiogp's own ``PitchTrack`` (``audiogp.dsp.PitchTrack``,
named on the port by the value-type name audiogp registers), so any node that reads a
pitch track reads this one's.
"""

import numpy as np

from audiogp.plugins import Mismatch, NodeType, Param, Port, hookimpl
from audiogp.types import Metrics, Signal

__version__ = "0.1.0"


def __getattr__(name):
    # The track type is audiogp's own (audiogp.dsp.PitchTrack, registered by audiogp as the
    # value type "PitchTrack"), so that everything reading a pitch track reads this one's too.
    # Imported on first use, to keep loading the plugin cheap.
    if name == "PitchTrack":
        from audiogp.dsp.pitch import PitchTrack

        return PitchTrack
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def yin_node(ctx, *, input, fmin, fmax, frame_length, win_length, hop_length, trough_threshold,
             center):
    """Fundamental frequency per frame by YIN (de Cheveigné & Kawahara 2002)."""
    from audiogp.dsp.pitch import PitchTrack
    from audiogp_yin.yin import yin

    hop = frame_length // 4 if hop_length is None else hop_length
    f0, voiced, periodicity = yin(input.y, fmin=fmin, fmax=fmax, sr=input.sr,
                                  frame_length=frame_length, win_length=win_length,
                                  hop_length=hop, trough_threshold=trough_threshold,
                                  center=center, full_output=True)
    offset = 0 if center else (win_length or frame_length // 2) // 2 + 1
    times = (np.arange(f0.shape[-1]) * hop + offset) / input.sr
    stats = {"f0_median_hz": float(np.median(f0)), "f0_mean_hz": float(np.mean(f0)),
             "f0_min_hz": float(np.min(f0)), "f0_max_hz": float(np.max(f0))}
    # YIN's own voicing: a trough below the threshold; its "probability" is 1 - d'(chosen lag).
    track = PitchTrack(f0=f0, voiced=voiced, probability=periodicity, times=times, sr=input.sr,
                       hop_length=hop)
    return {"f0": track, "stats": Metrics(stats)}


def search_range_fits(params, inputs):
    """fmin, fmax and the frame give a usable lag range at the input's rate (the library's rule)."""
    from audiogp_yin.yin import YinSettingError, lag_range

    sr = inputs["input"].get("sr")
    if sr is None:
        return  # not known before running: checked again, on the signal, when the node runs
    try:
        lag_range(sr=sr, fmin=params["fmin"], fmax=params["fmax"],
                  frame_length=params["frame_length"], win_length=params["win_length"])
    except YinSettingError as error:
        raise Mismatch(error.parameter, str(error)) from None


YIN = NodeType(
    name="yin",
    kind="analysis",
    function=yin_node,
    inputs=[Port("input", Signal, "the signal (speech or a monophonic instrument)")],
    outputs=[Port("f0", "PitchTrack", "f0 per frame, Hz, with YIN's voicing (a trough below "
                                      "the threshold)"),
             Port("stats", Metrics, "median, mean, minimum and maximum f0, Hz")],
    params=[
        Param("fmin", float, doc="lowest frequency searched, Hz", exclusive_minimum=0),
        Param("fmax", float, doc="highest frequency searched, Hz", exclusive_minimum=0),
        Param("frame_length", int, 2048, "samples per frame", minimum=16),
        Param("win_length", int, None, "integration window (default frame_length // 2)",
              minimum=1),
        Param("hop_length", int, None, "samples between frames (default frame_length // 4)",
              minimum=1),
        Param("trough_threshold", float, 0.1, "absolute threshold of the normalised difference",
              exclusive_minimum=0),
        Param("center", bool, True, "centre each frame's window on t * hop_length"),
    ],
    checks=[search_range_fits],
    # sr passes on from the signal to the track; the hop is the node's.
    infer=lambda params, inputs: {"f0": {"hop_length": params["hop_length"]
                                         or params["frame_length"] // 4}},
)


@hookimpl
def register_node_types(register):
    register(YIN)
