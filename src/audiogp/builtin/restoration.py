"""Restoration node types: punching gaps into a signal, filling them, and the SNR on them.

A signal with holes carries where they are in ``attrs["gaps"]`` (``[[start,
stop], ...]`` in samples), so ``inpaint`` and ``gap_snr`` downstream of
``punch_gaps`` need not be told again; a spec can also give ``gaps``
explicitly (in seconds by default) for a user's own recording.
"""

from audiogp.errors import ParameterError
from audiogp.plugins import NodeType, Param, Port, hookimpl
from audiogp.types import Metrics, Signal

_GAPS_PARAM = Param("gaps", list, None, "gaps as [[start, stop], ...] in `units` (default: the "
                    "input's attrs['gaps'], as punch_gaps leaves them)", nullable=True)
_UNITS_PARAM = Param("units", str, "seconds", "unit of `gaps`", choices=("seconds", "samples"))


def _gaps_of(signal, gaps, units, node):
    from audiogp import gp

    if gaps is None:
        carried = signal.attrs.get("gaps")
        if carried is None:
            raise ParameterError(f"{node}: the input carries no gaps (it does not come from "
                                 "punch_gaps); give gaps: [[start, stop], ...]")
        return gp.gap_ranges([tuple(g) for g in carried], signal.n_samples)
    return gp.gap_ranges([tuple(g) for g in gaps], signal.n_samples, sr=signal.sr, units=units)


def _attrs(signal, ranges):
    return {**signal.attrs, "gaps": [[int(a), int(b)] for a, b in ranges]}


def punch_gaps(ctx, *, input, length_ms, every_ms, first_ms):
    """Zero gaps of one length at a fixed spacing (a simulated dropout) and record where they are."""
    from audiogp import gp

    ranges = gp.periodic_gaps(input.n_samples, input.sr, length_ms=length_ms, every_ms=every_ms,
                              first_ms=first_ms)
    y = input.y.copy()
    for start, stop in ranges:
        y[..., start:stop] = 0
    return Signal(y, input.sr, attrs=_attrs(input, ranges))


PUNCH_GAPS = NodeType(
    name="punch_gaps",
    function=punch_gaps,
    inputs=[Port("input", Signal, "the clean signal")],
    outputs=[Port("signal", Signal, "the signal with zeroed gaps (attrs['gaps'] says where)")],
    params=[Param("length_ms", float, 20.0, "gap length, ms", exclusive_minimum=0),
            Param("every_ms", float, 500.0, "start-to-start spacing, ms", exclusive_minimum=0),
            Param("first_ms", float, 250.0, "start of the first gap, ms", minimum=0)],
    infer=lambda params, inputs: {"signal": dict(inputs["input"])},
)


def inpaint(ctx, *, input, gaps, units, mode, context_ms, order, bandwidth, n_iter):
    """Fill gaps with the conditional mean (or a draw) of an AR model of each gap's context."""
    from audiogp import gp

    ranges = _gaps_of(input, gaps, units, "inpaint")
    y = gp.inpaint(input.y, input.sr, ranges, mode=mode, seed=ctx.seed, context_ms=context_ms,
                   order=order, bandwidth=bandwidth, n_iter=n_iter)
    return Signal(y, input.sr, attrs=_attrs(input, ranges))


INPAINT = NodeType(
    name="inpaint",
    function=inpaint,
    inputs=[Port("input", Signal, "the signal with gaps")],
    outputs=[Port("signal", Signal, "the signal with its gaps filled")],
    params=[_GAPS_PARAM, _UNITS_PARAM,
            Param("mode", str, "mean", "conditional mean or a seeded draw", choices=("mean", "draw")),
            Param("context_ms", float, None, "context per side, ms (default 4 x gap, >= 50 ms)",
                  exclusive_minimum=0, nullable=True),
            Param("order", int, None, "AR order (default 3 x gap + 2, >= 25 ms)", minimum=1,
                  nullable=True),
            Param("bandwidth", float, 10.0, "lag-window line width, Hz", minimum=0),
            Param("n_iter", int, 3, "model fits per gap", minimum=1)],
    infer=lambda params, inputs: {"signal": dict(inputs["input"])},
)


def gap_snr(ctx, *, reference, input, gaps, units):
    """SNR in dB over the missing samples only."""
    from audiogp import gp

    if reference.sr != input.sr:
        raise ParameterError(f"the input is at {input.sr} Hz but the reference at {reference.sr} Hz")
    ranges = _gaps_of(input, gaps, units, "gap_snr")
    return Metrics({"gap_snr_db": gp.gap_snr(reference.y, input.y, ranges),
                    "n_gaps": int(len(ranges))})


GAP_SNR = NodeType(
    name="gap_snr",
    function=gap_snr,
    inputs=[Port("reference", Signal, "the clean signal"),
            Port("input", Signal, "the restored signal, same length")],
    outputs=[Port("metrics", Metrics, "gap_snr_db (higher is better), n_gaps")],
    params=[_GAPS_PARAM, _UNITS_PARAM],
)


@hookimpl
def register_transforms(register):
    register(PUNCH_GAPS)
    register(INPAINT)


@hookimpl
def register_metrics(register):
    register(GAP_SNR)
