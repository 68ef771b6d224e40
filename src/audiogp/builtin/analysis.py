"""Analysis node types: adapters over the library's mel, dB, log-spectrogram, PSD,
envelope and filter functions (:mod:`audiogp.dsp`).

Spectrogram-valued nodes accept a signal (and then compute its STFT with the
STFT parameters) or a spectrogram that already carries its geometry; in the
latter case STFT parameters left at null are taken from the spectrogram, and
parameters given explicitly must agree with it.
"""

import numpy as np

from audiogp.errors import ParameterError
from audiogp.plugins import REQUIRED, NodeType, Param, Port, hookimpl
from audiogp.types import (
    MFCC,
    BlockPSD,
    ComplexSpectrogram,
    DecibelSpectrogram,
    MagnitudeSpectrogram,
    MelBank,
    MelSpectrogram,
    Signal,
    StftGeometry,
)

_WINDOW_DOC = "window name or [name, parameter] as scipy.signal.get_window takes it"
_STFT_SOURCES = (Signal, ComplexSpectrogram, MagnitudeSpectrogram)


def _stft_params(hop_default):
    """STFT parameters shared by nodes that accept a signal (null: default or the input's geometry)."""
    return [
        Param("n_fft", int, None, "FFT length for a signal input (default 2048)", minimum=1),
        Param("hop_length", int, None, f"hop for a signal input (default {hop_default})", minimum=1),
        Param("win_length", int, None, "window length for a signal input (default n_fft)",
              minimum=1),
        Param("window", (str, list, float), None, _WINDOW_DOC + " (default hann)"),
        Param("center", bool, None, "centre frames, for a signal input (default true)"),
        Param("pad_mode", str, None, "padding when centred, for a signal input (default "
              "constant)", choices=("constant", "reflect")),
    ]


def _geometry_for(value, stft, hop_default):
    """The STFT geometry to use: from a spectrogram input (checking ``stft``), or built from ``stft``."""
    window = tuple(stft["window"]) if isinstance(stft["window"], list) else stft["window"]
    if isinstance(value, Signal):
        n_fft = 2048 if stft["n_fft"] is None else stft["n_fft"]
        win_length = n_fft if stft["win_length"] is None else stft["win_length"]
        hop_length = hop_default(win_length) if stft["hop_length"] is None else stft["hop_length"]
        geometry = StftGeometry(
            sr=value.sr, n_fft=n_fft, hop_length=hop_length, win_length=win_length,
            window="hann" if window is None else window,
            center=True if stft["center"] is None else stft["center"], length=value.n_samples,
        )
        return geometry, stft["pad_mode"] or "constant"
    geometry = value.geometry
    given = dict(stft, window=window)
    for name in ("n_fft", "hop_length", "win_length", "window", "center"):
        if given[name] is not None and given[name] != getattr(geometry, name):
            raise ParameterError(
                f"{name}={given[name]!r} but the input spectrogram was made with "
                f"{name}={getattr(geometry, name)!r}; leave {name} out to use the spectrogram's"
            )
    return geometry, None


def _power_spectrogram(value, power, stft, *, hop_default=lambda win_length: win_length // 4):
    """``(|X| ** power, geometry)`` of a signal or spectrogram value."""
    from audiogp import dsp

    geometry, pad_mode = _geometry_for(value, stft, hop_default)
    if isinstance(value, Signal):
        D = dsp.stft(value.y, pad_mode=pad_mode, **geometry.stft_kwargs())
        return _power_of_complex(D, power), geometry
    if isinstance(value, ComplexSpectrogram):
        return _power_of_complex(value.S, power), geometry
    S = np.asarray(value.S)
    if value.power == power:
        return S, geometry
    return np.maximum(S, 0) ** (power / value.power), geometry


def _power_of_complex(D, power):
    if power == 2.0:
        return D.real**2 + D.imag**2
    return np.abs(D) ** power


def _mel_bank(geometry, n_mels, fmin, fmax, htk, norm):
    return MelBank(sr=geometry.sr, n_fft=geometry.n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax,
                   htk=htk, norm=norm)


# -- melspectrogram -----------------------------------------------------------------------------

def melspectrogram(ctx, *, input, n_fft, hop_length, win_length, window, center, pad_mode, power,
                   n_mels, fmin, fmax, htk, norm):
    """Mel spectrogram of a signal or spectrogram (librosa.feature.melspectrogram)."""
    from audiogp import dsp

    stft = dict(n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window,
                center=center, pad_mode=pad_mode)
    S, geometry = _power_spectrogram(input, power, stft, hop_default=lambda _: 512)
    M = dsp.melspectrogram(S=S, sr=geometry.sr, n_fft=geometry.n_fft, n_mels=n_mels, fmin=fmin,
                           fmax=fmax, htk=htk, norm=norm)
    return MelSpectrogram(M, geometry, _mel_bank(geometry, n_mels, fmin, fmax, htk, norm), power)


_MEL_PARAMS = [
    Param("n_mels", int, 128, "number of mel bands", minimum=1),
    Param("fmin", float, 0.0, "lowest frequency, Hz", minimum=0),
    Param("fmax", float, None, "highest frequency, Hz (default sr / 2)", exclusive_minimum=0),
    Param("htk", bool, False, "HTK mel formula instead of Slaney's"),
]

MELSPECTROGRAM = NodeType(
    name="melspectrogram",
    function=melspectrogram,
    inputs=[Port("input", _STFT_SOURCES, "a signal, or a spectrogram with its geometry")],
    outputs=[Port("mel", MelSpectrogram, "mel spectrogram with its geometry and filter bank")],
    params=_stft_params("512") + [
        Param("power", float, 2.0, "exponent of the magnitude (2: power, 1: magnitude)",
              exclusive_minimum=0),
    ] + _MEL_PARAMS + [
        Param("norm", (str, float), "slaney", "filter normalisation: 'slaney', null, or p for "
              "unit p-norm rows", nullable=True),
    ],
)


# -- mfcc ---------------------------------------------------------------------------------------

def mfcc(ctx, *, input, n_mfcc, dct_type, norm, lifter, n_fft, hop_length, win_length, window,
         center, pad_mode, n_mels, fmin, fmax, htk):
    """MFCCs of a signal, a mel spectrogram or a log-mel spectrogram (librosa.feature.mfcc)."""
    from audiogp import dsp

    mel_settings = dict(n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window,
                        center=center, pad_mode=pad_mode, n_mels=n_mels, fmin=fmin, fmax=fmax,
                        htk=htk)
    if isinstance(input, Signal):
        defaults = dict(n_mels=128, fmin=0.0, htk=False)
        mel_settings.update({k: v for k, v in defaults.items() if mel_settings[k] is None})
        mel = melspectrogram(ctx, input=input, power=2.0, norm="slaney", **mel_settings)
        log_mel, geometry, bank = dsp.power_to_db(mel.S), mel.geometry, mel.mel
    else:
        given = sorted(k for k, v in mel_settings.items() if v is not None)
        if given:
            raise ParameterError(
                f"{', '.join(given)} only apply to a signal input; the input mel spectrogram "
                "already has its settings"
            )
        geometry = input.geometry
        if isinstance(input, DecibelSpectrogram):
            if input.mel is None:
                raise ParameterError(
                    "mfcc needs a log-mel spectrogram, but this dB spectrogram has no mel filter "
                    "bank: make it from a melspectrogram node"
                )
            log_mel, bank = input.S, input.mel
        else:
            log_mel, bank = dsp.power_to_db(np.asarray(input.S) ** (2.0 / input.power)), input.mel
    C = dsp.mfcc(S=log_mel, n_mfcc=n_mfcc, dct_type=dct_type, norm=norm, lifter=lifter)
    return MFCC(C, geometry, bank, dct_type=dct_type, norm=norm, lifter=lifter)


MFCC_NODE = NodeType(
    name="mfcc",
    function=mfcc,
    inputs=[Port("input", (Signal, MelSpectrogram, DecibelSpectrogram),
                 "a signal, a mel spectrogram, or a log-mel (dB) spectrogram")],
    outputs=[Port("mfcc", MFCC, "the coefficients with their geometry and filter bank")],
    params=[
        Param("n_mfcc", int, 20, "number of coefficients", minimum=1),
        Param("dct_type", int, 2, "DCT type", choices=(1, 2, 3)),
        Param("norm", str, "ortho", "DCT normalisation ('ortho' or null)", choices=("ortho",),
              nullable=True),
        Param("lifter", float, 0.0, "sinusoidal liftering coefficient (0: none)", minimum=0),
    ] + _stft_params("512") + [
        Param("n_mels", int, None, "mel bands, for a signal input (default 128)", minimum=1),
        Param("fmin", float, None, "lowest frequency in Hz, for a signal input (default 0)",
              minimum=0),
        Param("fmax", float, None, "highest frequency in Hz, for a signal input (default sr / 2)",
              exclusive_minimum=0),
        Param("htk", bool, None, "HTK mel formula, for a signal input (default false)"),
    ],
)


# -- decibels -----------------------------------------------------------------------------------

def _reference(ref, values):
    if isinstance(ref, str):
        if ref != "max":
            raise ParameterError(f"ref={ref!r}: give a number or 'max'")
        return float(np.max(values)) if values.size else 1.0
    return abs(ref)


def _to_db(input, *, power, ref, amin, top_db):
    from audiogp import dsp

    if isinstance(input, ComplexSpectrogram):
        S = np.abs(input.S)
    else:
        if input.power != power:
            other = "power_to_db" if input.power == 2 else "amplitude_to_db"
            what = {1: "magnitudes (power 1)", 2: "power (power 2)"}.get(input.power,
                                                                          f"power {input.power}")
            raise ParameterError(f"the input spectrogram holds {what}: use the {other} node, or "
                                 "make the spectrogram with the matching power")
        S = np.asarray(input.S)
    mel = getattr(input, "mel", None)
    if power == 2.0:
        S = S**2 if isinstance(input, ComplexSpectrogram) else S
        ref_value = _reference(ref, S)
        S_db = dsp.power_to_db(S, ref=ref_value, amin=amin, top_db=top_db)
    else:
        ref_value = _reference(ref, S)
        S_db = dsp.amplitude_to_db(S, ref=ref_value, amin=amin, top_db=top_db)
    return DecibelSpectrogram(S_db, input.geometry, power=power, ref=ref_value, amin=amin,
                              top_db=top_db, mel=mel)


def power_to_db(ctx, *, input, ref, amin, top_db):
    """A power spectrogram in decibels, 10 log10(S / ref) (librosa.power_to_db)."""
    return _to_db(input, power=2.0, ref=ref, amin=amin, top_db=top_db)


def amplitude_to_db(ctx, *, input, ref, amin, top_db):
    """A magnitude spectrogram in decibels, 20 log10(S / ref) (librosa.amplitude_to_db)."""
    return _to_db(input, power=1.0, ref=ref, amin=amin, top_db=top_db)


_DB_INPUTS = (ComplexSpectrogram, MagnitudeSpectrogram, MelSpectrogram)


def _db_params(amin):
    return [
        Param("ref", (float, str), 1.0, "reference value (0 dB), or 'max' for the peak"),
        Param("amin", float, amin, "floor before the logarithm", exclusive_minimum=0),
        Param("top_db", float, 80.0, "clip this many dB below the peak (null: no clipping)",
              minimum=0, nullable=True),
    ]


POWER_TO_DB = NodeType(
    name="power_to_db",
    function=power_to_db,
    inputs=[Port("input", _DB_INPUTS, "a power spectrogram (power 2) or a complex STFT")],
    outputs=[Port("db", DecibelSpectrogram, "the spectrogram in dB")],
    params=_db_params(1e-10),
)

AMPLITUDE_TO_DB = NodeType(
    name="amplitude_to_db",
    function=amplitude_to_db,
    inputs=[Port("input", _DB_INPUTS, "a magnitude spectrogram (power 1) or a complex STFT")],
    outputs=[Port("db", DecibelSpectrogram, "the spectrogram in dB")],
    params=_db_params(1e-5),
)


def _squared_magnitudes(input):
    """|X|^2 back from a dB spectrogram, with the reference its conversion used."""
    from audiogp import dsp

    ref = input.ref if input.power == 2.0 else input.ref**2
    return dsp.db_to_power(input.S, ref=ref)


def _linear_spectrogram(input, power):
    if input.mel is not None:
        raise ParameterError("the input is a log-mel spectrogram: use the db_to_mel node")
    squared = _squared_magnitudes(input)
    return MagnitudeSpectrogram(squared if power == 2.0 else np.sqrt(squared), input.geometry,
                                power=power)


def db_to_power(ctx, *, input):
    """Power spectrogram back from decibels, with the reference the dB conversion used."""
    return _linear_spectrogram(input, 2.0)


def db_to_amplitude(ctx, *, input):
    """Magnitude spectrogram back from decibels, with the reference the dB conversion used."""
    return _linear_spectrogram(input, 1.0)


def db_to_mel(ctx, *, input):
    """Mel spectrogram back from a log-mel (dB) spectrogram, at the power it was made with."""
    if input.mel is None:
        raise ParameterError("the input dB spectrogram has no mel filter bank: use db_to_power "
                             "or db_to_amplitude")
    # A dB conversion of power p undoes to the same mel values (mel_basis @ |X|**p).
    squared = _squared_magnitudes(input)
    values = squared if input.power == 2.0 else np.sqrt(squared)
    return MelSpectrogram(values, input.geometry, input.mel, power=input.power)


DB_TO_POWER = NodeType(
    name="db_to_power",
    function=db_to_power,
    inputs=[Port("input", DecibelSpectrogram, "a (linear-frequency) spectrogram in dB")],
    outputs=[Port("spectrogram", MagnitudeSpectrogram, "power spectrogram (power 2)")],
)

DB_TO_AMPLITUDE = NodeType(
    name="db_to_amplitude",
    function=db_to_amplitude,
    inputs=[Port("input", DecibelSpectrogram, "a (linear-frequency) spectrogram in dB")],
    outputs=[Port("spectrogram", MagnitudeSpectrogram, "magnitude spectrogram (power 1)")],
)

DB_TO_MEL = NodeType(
    name="db_to_mel",
    function=db_to_mel,
    inputs=[Port("input", DecibelSpectrogram, "a log-mel spectrogram in dB")],
    outputs=[Port("mel", MelSpectrogram, "the mel spectrogram, at the power it was made with")],
)


# -- log-thresholded spectrogram ----------------------------------------------------------------

def log_spectrogram(ctx, *, input, thresh):
    """Log-thresholded spectrogram: log10 of the magnitude over its peak, clipped at -thresh.

    The output is in dB (20 times the log10 values), so it plots and inverts
    like any dB spectrogram.
    """
    from audiogp import dsp

    S, geometry = _power_spectrogram(input, 1.0, dict.fromkeys(
        ("n_fft", "hop_length", "win_length", "window", "center", "pad_mode")))
    L, peak = dsp.log_spectrogram(S, thresh=thresh, return_ref=True)
    floor = peak * 10.0 ** (-thresh) if peak > 0 else float(np.finfo(np.float64).tiny)
    return DecibelSpectrogram(20.0 * L, geometry, power=1.0, ref=peak if peak > 0 else 1.0,
                              amin=floor, top_db=20.0 * thresh,
                              attrs={"log10_threshold": thresh})


LOG_SPECTROGRAM = NodeType(
    name="log_spectrogram",
    function=log_spectrogram,
    inputs=[Port("input", (ComplexSpectrogram, MagnitudeSpectrogram), "a spectrogram")],
    outputs=[Port("db", DecibelSpectrogram, "20 log10(|S| / peak), clipped at -20 thresh dB")],
    params=[Param("thresh", float, 4.0, "clipping depth in decades below the peak",
                  exclusive_minimum=0)],
)


# -- block periodogram --------------------------------------------------------------------------

def block_periodogram(ctx, *, input, block_length, hop_length, block_ms, hop_ms, n_fft, window,
                      scaling, detrend, pad_end):
    """One-sided periodogram of each block of a signal (PSD or power spectrum)."""
    from audiogp import dsp

    window = tuple(window) if isinstance(window, list) else window
    block, hop = dsp.block_lengths(input.sr, block_length, hop_length, block_ms=block_ms,
                                   hop_ms=hop_ms)
    freqs, psd = dsp.block_periodogram(input.y, sr=input.sr, block_length=block, hop_length=hop,
                                       n_fft=n_fft, window=window, scaling=scaling,
                                       detrend=detrend or False, pad_end=pad_end)
    return BlockPSD(psd, freqs, input.sr, block, hop, window=window, scaling=scaling,
                    onesided=True, length=input.n_samples)


BLOCK_PERIODOGRAM = NodeType(
    name="block_periodogram",
    function=block_periodogram,
    inputs=[Port("input", Signal, "the signal to cut into blocks")],
    outputs=[Port("psd", BlockPSD, "one periodogram per block, with the block geometry")],
    params=[
        Param("block_length", int, None, "block length in samples (default 1024)", minimum=1),
        Param("hop_length", int, None, "hop in samples (default: the block length)", minimum=1),
        Param("block_ms", float, None, "block length in milliseconds, instead of samples",
              exclusive_minimum=0),
        Param("hop_ms", float, None, "hop in milliseconds, instead of samples",
              exclusive_minimum=0),
        Param("n_fft", int, None, "FFT length >= block length (default: the block length)",
              minimum=1),
        Param("window", (str, list, float), "boxcar", _WINDOW_DOC),
        Param("scaling", str, "density", "'density' (units^2/Hz) or 'spectrum' (units^2)",
              choices=("density", "spectrum")),
        Param("detrend", str, None, "'constant' removes each block's mean", choices=("constant",)),
        Param("pad_end", bool, False, "zero-pad to keep the last partial block"),
    ],
)


# -- envelope -----------------------------------------------------------------------------------

def envelope(ctx, *, input, method, frame_length, floor):
    """Amplitude envelope of a signal and its carrier (signal / envelope)."""
    from audiogp import dsp

    if method == "rolling_std":
        env = dsp.rolling_std_envelope(input.y, frame_length=frame_length, floor=floor)
    else:
        env = dsp.hilbert_envelope(input.y, smooth_length=frame_length, floor=floor)
    carrier = dsp.demodulate(input.y, env)
    return {"envelope": Signal(env, input.sr), "carrier": Signal(carrier, input.sr)}


ENVELOPE = NodeType(
    name="envelope",
    function=envelope,
    inputs=[Port("input", Signal, "the signal")],
    outputs=[Port("envelope", Signal, "the floored amplitude envelope, one value per sample"),
             Port("carrier", Signal, "signal / envelope")],
    params=[
        Param("method", str, "rolling_std", "rolling standard deviation, or smoothed Hilbert "
              "magnitude", choices=("rolling_std", "hilbert")),
        Param("frame_length", int, 512, "window (rolling_std) or smoothing (hilbert) length in "
              "samples", minimum=1),
        Param("floor", float, 1e-3, "smallest envelope value", exclusive_minimum=0),
    ],
)


def modulate(ctx, *, carrier, envelope):
    """Put an amplitude envelope back on a carrier: carrier * envelope."""
    from audiogp import dsp

    if carrier.sr != envelope.sr:
        raise ParameterError(f"the carrier is at {carrier.sr} Hz but the envelope at "
                             f"{envelope.sr} Hz")
    if carrier.y.shape[-1] != envelope.y.shape[-1]:
        raise ParameterError(f"the carrier has {carrier.y.shape[-1]} samples but the envelope "
                             f"{envelope.y.shape[-1]}")
    return Signal(dsp.modulate(carrier.y, envelope.y), carrier.sr)


MODULATE = NodeType(
    name="modulate",
    function=modulate,
    inputs=[Port("carrier", Signal, "the carrier (e.g. a model sample)"),
            Port("envelope", Signal, "the envelope (from an envelope node)")],
    outputs=[Port("signal", Signal, "carrier * envelope")],
)


# -- Butterworth filters ------------------------------------------------------------------------

def butter_bandpass(ctx, *, input, lowcut, highcut, order, zero_phase):
    """Butterworth band-pass filter (optionally zero-phase)."""
    from audiogp import dsp

    y = dsp.butter_bandpass(input.y, sr=input.sr, lowcut=lowcut, highcut=highcut, order=order,
                            zero_phase=zero_phase)
    return Signal(y, input.sr)


def butter_lowpass(ctx, *, input, cutoff, order, zero_phase):
    """Butterworth low-pass filter (optionally zero-phase)."""
    from audiogp import dsp

    return Signal(dsp.butter_lowpass(input.y, sr=input.sr, cutoff=cutoff, order=order,
                                     zero_phase=zero_phase), input.sr)


def butter_highpass(ctx, *, input, cutoff, order, zero_phase):
    """Butterworth high-pass filter (optionally zero-phase)."""
    from audiogp import dsp

    return Signal(dsp.butter_highpass(input.y, sr=input.sr, cutoff=cutoff, order=order,
                                      zero_phase=zero_phase), input.sr)


_FILTER_PARAMS = [
    Param("order", int, 5, "filter order (band-pass: poles per band edge)", minimum=1, maximum=64),
    Param("zero_phase", bool, False, "filter forwards and backwards (no phase shift, squared "
          "response)"),
]

BUTTER_BANDPASS = NodeType(
    name="butter_bandpass",
    function=butter_bandpass,
    inputs=[Port("input", Signal, "the signal")],
    outputs=[Port("signal", Signal, "the filtered signal")],
    params=[
        Param("lowcut", float, REQUIRED, "lower band edge, Hz (in (0, sr/2))", exclusive_minimum=0),
        Param("highcut", float, REQUIRED, "upper band edge, Hz (in (0, sr/2))",
              exclusive_minimum=0),
    ] + _FILTER_PARAMS,
)

BUTTER_LOWPASS = NodeType(
    name="butter_lowpass",
    function=butter_lowpass,
    inputs=[Port("input", Signal, "the signal")],
    outputs=[Port("signal", Signal, "the filtered signal")],
    params=[Param("cutoff", float, REQUIRED, "cut-off, Hz (in (0, sr/2))", exclusive_minimum=0)]
    + _FILTER_PARAMS,
)

BUTTER_HIGHPASS = NodeType(
    name="butter_highpass",
    function=butter_highpass,
    inputs=[Port("input", Signal, "the signal")],
    outputs=[Port("signal", Signal, "the filtered signal")],
    params=[Param("cutoff", float, REQUIRED, "cut-off, Hz (in (0, sr/2))", exclusive_minimum=0)]
    + _FILTER_PARAMS,
)


@hookimpl
def register_analysis(register):
    for node_type in (MELSPECTROGRAM, MFCC_NODE, POWER_TO_DB, AMPLITUDE_TO_DB, LOG_SPECTROGRAM,
                      BLOCK_PERIODOGRAM, ENVELOPE):
        register(node_type)


@hookimpl
def register_transforms(register):
    for node_type in (DB_TO_POWER, DB_TO_AMPLITUDE, DB_TO_MEL, MODULATE, BUTTER_BANDPASS, BUTTER_LOWPASS,
                      BUTTER_HIGHPASS):
        register(node_type)
