"""Metric node types: adapters over :mod:`audiogp.dsp.metrics`, each giving a ``Metrics`` value.

Every metric node compares an ``input`` (the estimate) with a ``reference``.
Spectral metrics take the reference's STFT geometry: a signal given as the
estimate is analysed with it, so a resynthesised signal is measured on the
same time-frequency grid as the spectrogram it came from. Rates, grids and
lengths that cannot be compared are reported when the spec is validated, where
they are known then, and otherwise when the node runs.
"""

import numpy as np

from audiogp.builtin import _facts as facts
from audiogp.builtin._facts import MEL_BANK
from audiogp.errors import ParameterError
from audiogp.plugins import Mismatch, NodeType, Param, Port, hookimpl
from audiogp.types import (
    ComplexSpectrogram,
    MagnitudeSpectrogram,
    MelSpectrogram,
    Metrics,
    Signal,
)

_SPECTROGRAMS = (ComplexSpectrogram, MagnitudeSpectrogram)


def _magnitude(value):
    """``|X|`` of a spectrogram value (power 1)."""
    if isinstance(value, ComplexSpectrogram):
        return np.abs(value.S)
    S = np.asarray(value.S)
    return S if value.power == 1.0 else np.maximum(S, 0) ** (1.0 / value.power)


_GRID = ("sr", "n_fft", "hop_length", "win_length", "center")


def _check_same_grid(reference, input):
    ref_geometry, geometry = reference.geometry, input.geometry
    for name in _GRID:
        if getattr(ref_geometry, name) != getattr(geometry, name):
            raise ParameterError(_grid_mismatch(name, getattr(geometry, name),
                                                getattr(ref_geometry, name)))


def _grid_mismatch(name, estimate, reference):
    return (f"the input spectrogram has {name}={estimate!r} but the reference {name}={reference!r}: "
            "compare spectrograms made alike")


def _rate_mismatch(estimate, reference):
    return f"the input signal is at {estimate} Hz but the reference spectrogram at {reference} Hz"


def _infer_estimate(reference, estimate):
    """Check an estimate (signal or spectrogram) against a reference spectrogram, statically.

    The same checks the metric nodes make when they run: the rate of a
    signal, the grid of a spectrogram, and that the two have as many frames.
    """
    if facts.is_a(estimate, "Signal"):
        if facts.first_difference(estimate, reference, ("sr",)):
            raise Mismatch("input", _rate_mismatch(estimate["sr"], reference["sr"]))
        what = f"the input signal has {estimate.get('length')} samples, so its STFT on the reference's grid has"
    elif facts.is_a(estimate, *facts.SPECTROGRAMS):
        difference = facts.first_difference(estimate, reference, _GRID)
        if difference:
            raise Mismatch("input", _grid_mismatch(*difference))
        what = f"the input spectrogram (from a signal of {estimate.get('length')} samples) has"
    else:
        return
    n_frames = facts.frames(reference, estimate.get("length"))
    n_reference = facts.frames(reference, reference.get("length"))
    if n_frames is not None and n_reference is not None and n_frames != n_reference:
        raise Mismatch("input", f"{what} {n_frames} frames but the reference has {n_reference} (from "
                                f"a signal of {reference['length']} samples); make the estimate "
                                "the reference's length")


def spectral_convergence(ctx, *, reference, input):
    """Spectral convergence in dB of a signal's (or a magnitude's) STFT against a reference."""
    from audiogp import dsp

    S = _magnitude(reference)
    geometry = reference.geometry
    if isinstance(input, Signal):
        if input.sr != geometry.sr:
            raise ParameterError(_rate_mismatch(input.sr, geometry.sr))
        value = dsp.spectral_convergence(S, input.y, **geometry.stft_kwargs())
    else:
        _check_same_grid(reference, input)
        value = dsp.spectral_convergence(S, S_estimate=_magnitude(input))
    return Metrics({"spectral_convergence_db": value})


def infer_spectral_convergence(params, inputs):
    _infer_estimate(inputs["reference"], inputs["input"])
    return {}


SPECTRAL_CONVERGENCE = NodeType(
    name="spectral_convergence",
    function=spectral_convergence,
    inputs=[Port("reference", _SPECTROGRAMS, "the target spectrogram (its geometry is used)"),
            Port("input", (Signal,) + _SPECTROGRAMS, "the estimate: a signal or a spectrogram")],
    outputs=[Port("metrics", Metrics, "spectral_convergence_db (lower is better)")],
    infer=infer_spectral_convergence,
)


def log_spectral_distance(ctx, *, reference, input, amin):
    """Log-spectral distance in dB between an estimate and a reference spectrogram."""
    from audiogp import dsp

    if isinstance(reference, MelSpectrogram) != isinstance(input, MelSpectrogram):
        raise ParameterError(_MEL_AND_LINEAR)
    if isinstance(input, Signal):
        geometry = reference.geometry
        if input.sr != geometry.sr:
            raise ParameterError(_rate_mismatch(input.sr, geometry.sr))
        estimate = np.abs(dsp.stft(input.y, **geometry.stft_kwargs()))
    else:
        _check_same_grid(reference, input)
        if isinstance(input, MelSpectrogram) and input.mel != reference.mel:
            raise ParameterError(_OTHER_BANK)
        estimate = _magnitude(input)
    S = _magnitude(reference)
    if estimate.shape != S.shape:
        raise ParameterError(f"the estimate has shape {estimate.shape} but the reference "
                             f"{S.shape}; make the signal the reference's length")
    value = dsp.log_spectral_distance(S, estimate, power=1.0, amin=amin)
    return Metrics({"log_spectral_distance_db": value})


_MEL_AND_LINEAR = ("compare a mel spectrogram with a mel spectrogram, and a linear one with a "
                   "linear one (or a signal)")
_OTHER_BANK = "the two mel spectrograms use different filter banks"


def infer_log_spectral_distance(params, inputs):
    reference, estimate = inputs["reference"], inputs["input"]
    if reference.types and estimate.types:
        mel_reference = facts.is_a(reference, "MelSpectrogram")
        mel_estimate = facts.is_a(estimate, "MelSpectrogram")
        if mel_reference != mel_estimate:
            raise Mismatch("input", _MEL_AND_LINEAR)
        if mel_reference and "n_mels" in reference and "n_mels" in estimate:
            for name in MEL_BANK:
                if not facts.same(reference.get(name), estimate.get(name)):
                    raise Mismatch("input", f"{_OTHER_BANK} ({name}={estimate.get(name)!r} "
                                            f"against the reference's {reference.get(name)!r})")
    _infer_estimate(reference, estimate)
    return {}


LOG_SPECTRAL_DISTANCE = NodeType(
    name="log_spectral_distance",
    function=log_spectral_distance,
    inputs=[Port("reference", _SPECTROGRAMS + (MelSpectrogram,), "the reference spectrogram"),
            Port("input", (Signal, MelSpectrogram) + _SPECTROGRAMS,
                 "the estimate: a spectrogram like the reference, or a signal")],
    outputs=[Port("metrics", Metrics, "log_spectral_distance_db (lower is better)")],
    params=[Param("amin", float, 1e-10, "floor on |X|^2 before the logarithm",
                  exclusive_minimum=0)],
    infer=infer_log_spectral_distance,
)


def _same_signal_grid(reference, input):
    if reference.sr != input.sr:
        raise ParameterError(_SIGNAL_MISMATCH["sr"](input.sr, reference.sr))


_SIGNAL_MISMATCH = {
    "sr": lambda estimate, reference: f"the input is at {estimate} Hz but the reference at {reference} Hz",
    "length": lambda estimate, reference: (f"the input has {estimate} samples but the reference "
                                           f"{reference}; trim or pad one of them first"),
    "channels": lambda estimate, reference: (f"the input has {estimate} channel(s) but the "
                                             f"reference {reference}"),
}


def _infer_signals(mono=False):
    """``infer`` of a metric of two signals: same rate, length and channels (one, if ``mono``)."""
    def infer(params, inputs):
        reference, estimate = inputs["reference"], inputs["input"]
        for key, value in (("reference", reference), ("input", estimate)):
            if mono and value.get("channels", 1) != 1:
                raise Mismatch(key, f"stoi takes one channel, but the {key} has "
                                    f"{value['channels']}: load it with mono: true or a channel")
        difference = facts.first_difference(estimate, reference, ("sr", "length", "channels"))
        if difference:
            name, ours, theirs = difference
            raise Mismatch("input", _SIGNAL_MISMATCH[name](ours, theirs))
        return {}
    return infer


def snr(ctx, *, reference, input):
    """Signal-to-noise ratio in dB of an estimate of the reference waveform."""
    from audiogp import dsp

    _same_signal_grid(reference, input)
    return Metrics({"snr_db": dsp.snr(reference.y, input.y)})


SNR = NodeType(
    name="snr",
    function=snr,
    inputs=[Port("reference", Signal, "the clean signal"),
            Port("input", Signal, "the estimate, same length")],
    outputs=[Port("metrics", Metrics, "snr_db (higher is better)")],
    infer=_infer_signals(),
)


def stoi(ctx, *, reference, input, extended):
    """Short-time objective intelligibility (Taal et al. 2011) through pystoi."""
    from audiogp import dsp

    _same_signal_grid(reference, input)
    value = dsp.stoi(reference.y, input.y, sr=reference.sr, extended=extended)
    return Metrics({"estoi" if extended else "stoi": value})


STOI = NodeType(
    name="stoi",
    requires=("pystoi",),
    function=stoi,
    inputs=[Port("reference", Signal, "the clean speech (one channel)"),
            Port("input", Signal, "the processed speech, same length")],
    outputs=[Port("metrics", Metrics, "stoi (or estoi), about 0 to 1, higher is better")],
    params=[Param("extended", bool, False, "extended STOI (Jensen & Taal 2016)")],
    infer=_infer_signals(mono=True),
)


@hookimpl
def register_metrics(register):
    for node_type in (SPECTRAL_CONVERGENCE, LOG_SPECTRAL_DISTANCE, SNR, STOI):
        register(node_type)
