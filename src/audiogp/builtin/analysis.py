"""Analysis node types: adapters over the library's mel, dB, log-spectrogram, PSD,
envelope and filter functions (:mod:`audiogp.dsp`).

Spectrogram-valued nodes accept a signal (and then compute its STFT with the
STFT parameters) or a spectrogram that already carries its geometry; in the
latter case STFT parameters left at null are taken from the spectrogram, and
parameters given explicitly must agree with it.

Each node type's ``infer`` passes the facts of its output along the graph
(geometry, filter bank, power, length; see :mod:`audiogp.builtin._facts`) and
reports, when the spec is validated, every contradiction those facts already
show; the node functions keep their checks for what is only known when running.
"""

import numpy as np

from audiogp.builtin import _facts as facts
from audiogp.builtin._facts import GEOMETRY, MEL_BANK, SIGNAL, STFT
from audiogp.builtin._checks import WINDOW_CHECKS, check_window
from audiogp.builtin._memory import MAX_FFT, envelope_memory
from audiogp.errors import ParameterError
from audiogp.plugins import REQUIRED, Mismatch, NodeType, Param, Port, hookimpl
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
_STFT_KEYS = STFT + ("pad_mode",)


def _stft_params(hop_default):
    """STFT parameters shared by nodes that accept a signal (null: default or the input's geometry)."""
    return [
        Param("n_fft", int, None, "FFT length for a signal input (default 2048)", minimum=1,
              maximum=MAX_FFT),
        Param("hop_length", int, None, f"hop for a signal input (default {hop_default})", minimum=1),
        Param("win_length", int, None, "window length for a signal input (default n_fft)",
              minimum=1, maximum=MAX_FFT),
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
    for name in STFT:
        if given[name] is not None and given[name] != getattr(geometry, name):
            raise ParameterError(_stft_conflict(name, given[name], getattr(geometry, name)))
    return geometry, None


def _stft_conflict(name, given, actual):
    return (f"{name}={given!r} but the input spectrogram was made with {name}={actual!r}; leave "
            f"{name} out to use the spectrogram's")


def _infer_geometry(params, source, hop_default):
    """Static form of :func:`_geometry_for`: the geometry facts a node's output will carry.

    For a signal input, the geometry its STFT parameters (or their defaults)
    give, checked against the signal; for a spectrogram input, the input's
    geometry, with every STFT parameter the node repeats checked against it.
    Empty when the input's type is not known.
    """
    if facts.is_a(source, "Signal"):
        window = params["window"]
        n_fft = 2048 if params["n_fft"] is None else params["n_fft"]
        win_length = n_fft if params["win_length"] is None else params["win_length"]
        if win_length > n_fft:
            key = "win_length" if params["win_length"] is not None else "n_fft"
            raise Mismatch(key, f"win_length={win_length} must be <= n_fft={n_fft}")
        center = True if params["center"] is None else params["center"]
        length = source.get("length")
        if not center and length is not None and length < n_fft:
            raise Mismatch("n_fft" if params["n_fft"] is not None else "center",
                           f"the input signal has {length} samples, fewer than n_fft={n_fft}; with "
                           "center=False every frame must lie inside the signal: use center=True "
                           "or a smaller n_fft")
        return dict(
            sr=source.get("sr"), n_fft=n_fft,
            hop_length=hop_default(win_length) if params["hop_length"] is None else params["hop_length"],
            win_length=win_length,
            window="hann" if window is None else tuple(window) if isinstance(window, list) else window,
            center=center, length=length)
    if facts.is_a(source, *facts.SPECTROGRAMS):
        for name in STFT:
            if params[name] is not None and source.get(name) is not None \
                    and not facts.same(params[name], source[name]):
                raise Mismatch(name, _stft_conflict(name, params[name], source[name]))
        return facts.take(source, GEOMETRY)
    return {}


def _check_norm(norm):
    """Static form of the mel bank's check of ``norm`` ('slaney', None or p > 0)."""
    if isinstance(norm, str) and norm != "slaney":
        raise Mismatch("norm", f"norm={norm!r} is not one of 'slaney', null or a number p > 0")
    if isinstance(norm, float) and not norm > 0:
        raise Mismatch("norm", f"norm={norm!r} must be 'slaney', null or a number p > 0")


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


def infer_melspectrogram(params, inputs):
    geometry = _infer_geometry(params, inputs["input"], lambda _: 512)
    facts.check_mel_range(params["fmin"], params["fmax"], geometry.get("sr"))
    _check_norm(params["norm"])
    bank = {name: params[name] for name in MEL_BANK}
    return {"mel": {**geometry, **bank, "power": params["power"]}}


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
    infer=infer_melspectrogram,
    checks=WINDOW_CHECKS,
)


# -- mfcc ---------------------------------------------------------------------------------------

_NOT_LOG_MEL = ("mfcc needs a log-mel spectrogram, but this dB spectrogram has no mel filter bank: "
                "make it from a melspectrogram node")


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
                raise ParameterError(_NOT_LOG_MEL)
            log_mel, bank = input.S, input.mel
        else:
            log_mel, bank = dsp.power_to_db(np.asarray(input.S) ** (2.0 / input.power)), input.mel
    C = dsp.mfcc(S=log_mel, n_mfcc=n_mfcc, dct_type=dct_type, norm=norm, lifter=lifter)
    return MFCC(C, geometry, bank, dct_type=dct_type, norm=norm, lifter=lifter)


_MFCC_SIGNAL_KEYS = _STFT_KEYS + ("n_mels", "fmin", "fmax", "htk")


def infer_mfcc(params, inputs):
    source = inputs["input"]
    if facts.is_a(source, "Signal"):
        geometry = _infer_geometry(params, source, lambda _: 512)
        facts.check_mel_range(params["fmin"], params["fmax"], geometry.get("sr"))
        bank = dict(n_mels=128 if params["n_mels"] is None else params["n_mels"],
                    fmin=0.0 if params["fmin"] is None else params["fmin"], fmax=params["fmax"],
                    htk=bool(params["htk"]), norm="slaney")
    elif facts.is_a(source, "MelSpectrogram", "DecibelSpectrogram"):
        given = sorted(k for k in _MFCC_SIGNAL_KEYS if params[k] is not None)
        if given:
            raise Mismatch(given[0], f"{', '.join(given)} only apply to a signal input; the input "
                                     "mel spectrogram already has its settings")
        if source.get("mel") is False:
            raise Mismatch("input", _NOT_LOG_MEL)
        geometry, bank = facts.take(source, GEOMETRY), facts.take(source, MEL_BANK)
    else:
        geometry, bank = {}, {}
    n_mels = bank.get("n_mels")
    if n_mels is not None and params["n_mfcc"] > n_mels:
        raise Mismatch("n_mfcc", f"n_mfcc={params['n_mfcc']} is more than the {n_mels} mel bands")
    if n_mels is not None and params["dct_type"] == 1 and n_mels < 2:
        raise Mismatch("dct_type", "dct_type=1 needs at least 2 mel bands")
    return {"mfcc": {**geometry, **bank, "n_mfcc": params["n_mfcc"],
                     "dct_type": params["dct_type"], "lifter": params["lifter"]}}


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
    infer=infer_mfcc,
    checks=WINDOW_CHECKS,
)


# -- decibels -----------------------------------------------------------------------------------

def _reference(ref, values):
    if isinstance(ref, str):
        if ref != "max":
            raise ParameterError(_bad_ref(ref))
        return float(np.max(values)) if values.size else 1.0
    return abs(ref)


def _bad_ref(ref):
    return f"ref={ref!r}: give a number or 'max'"


def _wrong_power(power):
    other = "power_to_db" if power == 2 else "amplitude_to_db"
    what = {1: "magnitudes (power 1)", 2: "power (power 2)"}.get(power, f"power {power}")
    return (f"the input spectrogram holds {what}: use the {other} node, or make the spectrogram "
            "with the matching power")


def _to_db(input, *, power, ref, amin, top_db):
    from audiogp import dsp

    if isinstance(input, ComplexSpectrogram):
        S = np.abs(input.S)
    else:
        if input.power != power:
            raise ParameterError(_wrong_power(input.power))
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


def _infer_db(power):
    def infer(params, inputs):
        source = inputs["input"]
        if isinstance(params["ref"], str) and params["ref"] != "max":
            raise Mismatch("ref", _bad_ref(params["ref"]))
        if facts.is_a(source, "MagnitudeSpectrogram", "MelSpectrogram") \
                and source.get("power") not in (None, power):
            raise Mismatch("input", _wrong_power(source["power"]))
        mel = (True if facts.is_a(source, "MelSpectrogram")
               else False if facts.is_a(source, *facts.LINEAR_SPECTROGRAMS) else None)
        bank = facts.take(source, MEL_BANK) if mel else {}
        return {"db": {**facts.take(source, GEOMETRY), **bank, "power": power, "mel": mel}}
    return infer


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
    infer=_infer_db(2.0),
)

AMPLITUDE_TO_DB = NodeType(
    name="amplitude_to_db",
    function=amplitude_to_db,
    inputs=[Port("input", _DB_INPUTS, "a magnitude spectrogram (power 1) or a complex STFT")],
    outputs=[Port("db", DecibelSpectrogram, "the spectrogram in dB")],
    params=_db_params(1e-5),
    infer=_infer_db(1.0),
)


def _squared_magnitudes(input):
    """|X|^2 back from a dB spectrogram, with the reference its conversion used."""
    from audiogp import dsp

    ref = input.ref if input.power == 2.0 else input.ref**2
    return dsp.db_to_power(input.S, ref=ref)


_LOG_MEL = "the input is a log-mel spectrogram: use the db_to_mel node"
_NO_BANK = ("the input dB spectrogram has no mel filter bank: use db_to_power or "
            "db_to_amplitude")


def _linear_spectrogram(input, power):
    if input.mel is not None:
        raise ParameterError(_LOG_MEL)
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
        raise ParameterError(_NO_BANK)
    # A dB conversion of power p undoes to the same mel values (mel_basis @ |X|**p).
    squared = _squared_magnitudes(input)
    values = squared if input.power == 2.0 else np.sqrt(squared)
    return MelSpectrogram(values, input.geometry, input.mel, power=input.power)


def _infer_db_to_linear(power):
    def infer(params, inputs):
        source = inputs["input"]
        if source.get("mel") is True:
            raise Mismatch("input", _LOG_MEL)
        return {"spectrogram": {**facts.take(source, GEOMETRY), "power": power}}
    return infer


def infer_db_to_mel(params, inputs):
    source = inputs["input"]
    if source.get("mel") is False:
        raise Mismatch("input", _NO_BANK)
    return {"mel": {**facts.take(source, GEOMETRY), **facts.take(source, MEL_BANK),
                    **facts.take(source, ("power",))}}


DB_TO_POWER = NodeType(
    name="db_to_power",
    function=db_to_power,
    inputs=[Port("input", DecibelSpectrogram, "a (linear-frequency) spectrogram in dB")],
    outputs=[Port("spectrogram", MagnitudeSpectrogram, "power spectrogram (power 2)")],
    infer=_infer_db_to_linear(2.0),
)

DB_TO_AMPLITUDE = NodeType(
    name="db_to_amplitude",
    function=db_to_amplitude,
    inputs=[Port("input", DecibelSpectrogram, "a (linear-frequency) spectrogram in dB")],
    outputs=[Port("spectrogram", MagnitudeSpectrogram, "magnitude spectrogram (power 1)")],
    infer=_infer_db_to_linear(1.0),
)

DB_TO_MEL = NodeType(
    name="db_to_mel",
    function=db_to_mel,
    inputs=[Port("input", DecibelSpectrogram, "a log-mel spectrogram in dB")],
    outputs=[Port("mel", MelSpectrogram, "the mel spectrogram, at the power it was made with")],
    infer=infer_db_to_mel,
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
    infer=lambda params, inputs: {"db": {**facts.take(inputs["input"], GEOMETRY), "power": 1.0,
                                         "mel": False}},
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


def infer_block_periodogram(params, inputs):
    from audiogp import dsp

    source = inputs["input"]
    sr = source.get("sr")
    block_key = "block_ms" if params["block_ms"] is not None else "block_length"
    hop_key = "hop_ms" if params["hop_ms"] is not None else "hop_length"
    # Milliseconds need the rate; lengths in samples do not (any rate then gives the same).
    block = hop = None
    if sr is not None or params["block_ms"] is None:
        try:
            block, _ = dsp.block_lengths(sr or 1, params["block_length"], block_ms=params["block_ms"])
        except ParameterError as error:
            raise Mismatch(block_key, str(error)) from None
    if block is not None and (sr is not None or params["hop_ms"] is None):
        try:
            _, hop = dsp.block_lengths(sr or 1, block, params["hop_length"], hop_ms=params["hop_ms"])
        except ParameterError as error:
            raise Mismatch(hop_key, str(error)) from None
    if block is not None and params["n_fft"] is not None and params["n_fft"] < block:
        raise Mismatch("n_fft", f"n_fft={params['n_fft']} must be >= block_length={block}")
    length = source.get("length")
    if block is not None and length is not None and length < block and not params["pad_end"]:
        raise Mismatch(block_key, f"the input signal has {length} samples, fewer than "
                                  f"block_length={block}; use a shorter block or pad_end: true")
    window = params["window"]
    return {"psd": dict(sr=sr, block_length=block, hop_length=hop,
                        window=tuple(window) if isinstance(window, list) else window,
                        scaling=params["scaling"], onesided=True, length=length)}


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
    infer=infer_block_periodogram,
    checks=(check_window,),
)


# -- envelope -----------------------------------------------------------------------------------

def envelope(ctx, *, input, method, frame_length, floor):
    """Amplitude envelope of a signal and its carrier (signal / envelope)."""
    from audiogp import dsp

    ctx.progress(0, 2, "stages")
    if method == "rolling_std":
        env = dsp.rolling_std_envelope(input.y, frame_length=frame_length, floor=floor)
    else:
        env = dsp.hilbert_envelope(input.y, smooth_length=frame_length, floor=floor)
    ctx.progress(1, 2, "stages")
    carrier = dsp.demodulate(input.y, env)
    ctx.progress(2, 2, "stages")
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
    infer=lambda params, inputs: dict.fromkeys(("envelope", "carrier"),
                                               facts.take(inputs["input"], SIGNAL)),
    memory=envelope_memory,
)


def modulate(ctx, *, carrier, envelope):
    """Put an amplitude envelope back on a carrier: carrier * envelope."""
    from audiogp import dsp

    if carrier.sr != envelope.sr:
        raise ParameterError(_MODULATE_MISMATCH["sr"](carrier.sr, envelope.sr))
    if carrier.y.shape[-1] != envelope.y.shape[-1]:
        raise ParameterError(_MODULATE_MISMATCH["length"](carrier.y.shape[-1], envelope.y.shape[-1]))
    return Signal(dsp.modulate(carrier.y, envelope.y), carrier.sr)


_MODULATE_MISMATCH = {
    "sr": lambda carrier, envelope: f"the carrier is at {carrier} Hz but the envelope at {envelope} Hz",
    "length": lambda carrier, envelope: (f"the carrier has {carrier} samples but the envelope "
                                         f"{envelope}"),
}


def infer_modulate(params, inputs):
    carrier, envelope = inputs["carrier"], inputs["envelope"]
    difference = facts.first_difference(carrier, envelope, ("sr", "length"))
    if difference:
        name, a, b = difference
        raise Mismatch("envelope", _MODULATE_MISMATCH[name](a, b))
    known = {**facts.take(envelope, ("sr", "length")), **facts.take(carrier, SIGNAL)}
    return {"signal": known}


MODULATE = NodeType(
    name="modulate",
    function=modulate,
    inputs=[Port("carrier", Signal, "the carrier (e.g. a model sample)"),
            Port("envelope", Signal, "the envelope (from an envelope node)")],
    outputs=[Port("signal", Signal, "carrier * envelope")],
    infer=infer_modulate,
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


def _infer_filter(*cuts):
    """``infer`` of a Butterworth node: its cut-offs inside (0, sr/2), in order."""
    def infer(params, inputs):
        source = inputs["input"]
        sr = source.get("sr")
        for name in cuts:
            if sr is not None and not 0 < params[name] < sr / 2:
                raise Mismatch(name, f"{name}={params[name]:g} Hz is outside (0, sr/2) = "
                                     f"(0, {sr / 2:g}) Hz for the input at {sr} Hz; a digital "
                                     "filter's cut-offs must lie strictly between 0 and the "
                                     "Nyquist frequency")
        if len(cuts) == 2 and not params[cuts[0]] < params[cuts[1]]:
            raise Mismatch(cuts[1], f"{cuts[0]}={params[cuts[0]]:g} Hz must be below "
                                    f"{cuts[1]}={params[cuts[1]]:g} Hz")
        return {"signal": facts.take(source, SIGNAL)}
    return infer


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
    infer=_infer_filter("lowcut", "highcut"),
)

BUTTER_LOWPASS = NodeType(
    name="butter_lowpass",
    function=butter_lowpass,
    inputs=[Port("input", Signal, "the signal")],
    outputs=[Port("signal", Signal, "the filtered signal")],
    params=[Param("cutoff", float, REQUIRED, "cut-off, Hz (in (0, sr/2))", exclusive_minimum=0)]
    + _FILTER_PARAMS,
    infer=_infer_filter("cutoff"),
)

BUTTER_HIGHPASS = NodeType(
    name="butter_highpass",
    function=butter_highpass,
    inputs=[Port("input", Signal, "the signal")],
    outputs=[Port("signal", Signal, "the filtered signal")],
    params=[Param("cutoff", float, REQUIRED, "cut-off, Hz (in (0, sr/2))", exclusive_minimum=0)]
    + _FILTER_PARAMS,
    infer=_infer_filter("cutoff"),
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
