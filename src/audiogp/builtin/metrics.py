"""Metric node types: adapters over :mod:`audiogp.dsp.metrics`, each giving a ``Metrics`` value.

Every metric node compares an ``input`` (the estimate) with a ``reference``.
Spectral metrics take the reference's STFT geometry: a signal given as the
estimate is analysed with it, so a resynthesised signal is measured on the
same time-frequency grid as the spectrogram it came from.
"""

import numpy as np

from audiogp.errors import ParameterError
from audiogp.plugins import NodeType, Param, Port, hookimpl
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


def _check_same_grid(reference, input):
    ref_geometry, geometry = reference.geometry, input.geometry
    for name in ("sr", "n_fft", "hop_length", "win_length", "center"):
        if getattr(ref_geometry, name) != getattr(geometry, name):
            raise ParameterError(
                f"the input spectrogram has {name}={getattr(geometry, name)!r} but the reference "
                f"{name}={getattr(ref_geometry, name)!r}: compare spectrograms made alike"
            )


def spectral_convergence(ctx, *, reference, input):
    """Spectral convergence in dB of a signal's (or a magnitude's) STFT against a reference."""
    from audiogp import dsp

    S = _magnitude(reference)
    geometry = reference.geometry
    if isinstance(input, Signal):
        if input.sr != geometry.sr:
            raise ParameterError(f"the input signal is at {input.sr} Hz but the reference "
                                 f"spectrogram at {geometry.sr} Hz")
        value = dsp.spectral_convergence(S, input.y, **geometry.stft_kwargs())
    else:
        _check_same_grid(reference, input)
        value = dsp.spectral_convergence(S, S_estimate=_magnitude(input))
    return Metrics({"spectral_convergence_db": value})


SPECTRAL_CONVERGENCE = NodeType(
    name="spectral_convergence",
    function=spectral_convergence,
    inputs=[Port("reference", _SPECTROGRAMS, "the target spectrogram (its geometry is used)"),
            Port("input", (Signal,) + _SPECTROGRAMS, "the estimate: a signal or a spectrogram")],
    outputs=[Port("metrics", Metrics, "spectral_convergence_db (lower is better)")],
)


def log_spectral_distance(ctx, *, reference, input, amin):
    """Log-spectral distance in dB between an estimate and a reference spectrogram."""
    from audiogp import dsp

    if isinstance(reference, MelSpectrogram) != isinstance(input, MelSpectrogram):
        raise ParameterError("compare a mel spectrogram with a mel spectrogram, and a linear "
                             "one with a linear one (or a signal)")
    if isinstance(input, Signal):
        geometry = reference.geometry
        if input.sr != geometry.sr:
            raise ParameterError(f"the input signal is at {input.sr} Hz but the reference "
                                 f"spectrogram at {geometry.sr} Hz")
        estimate = np.abs(dsp.stft(input.y, **geometry.stft_kwargs()))
    else:
        _check_same_grid(reference, input)
        if isinstance(input, MelSpectrogram) and input.mel != reference.mel:
            raise ParameterError("the two mel spectrograms use different filter banks")
        estimate = _magnitude(input)
    S = _magnitude(reference)
    if estimate.shape != S.shape:
        raise ParameterError(f"the estimate has shape {estimate.shape} but the reference "
                             f"{S.shape}; make the signal the reference's length")
    value = dsp.log_spectral_distance(S, estimate, power=1.0, amin=amin)
    return Metrics({"log_spectral_distance_db": value})


LOG_SPECTRAL_DISTANCE = NodeType(
    name="log_spectral_distance",
    function=log_spectral_distance,
    inputs=[Port("reference", _SPECTROGRAMS + (MelSpectrogram,), "the reference spectrogram"),
            Port("input", (Signal, MelSpectrogram) + _SPECTROGRAMS,
                 "the estimate: a spectrogram like the reference, or a signal")],
    outputs=[Port("metrics", Metrics, "log_spectral_distance_db (lower is better)")],
    params=[Param("amin", float, 1e-10, "floor on |X|^2 before the logarithm",
                  exclusive_minimum=0)],
)


def _same_signal_grid(reference, input):
    if reference.sr != input.sr:
        raise ParameterError(f"the input is at {input.sr} Hz but the reference at {reference.sr} Hz")


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
)


@hookimpl
def register_metrics(register):
    for node_type in (SPECTRAL_CONVERGENCE, LOG_SPECTRAL_DISTANCE, SNR, STOI):
        register(node_type)
