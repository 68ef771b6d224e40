"""The codec end to end: ``encode(y, sr) -> bytes`` and ``decode(bytes) -> (y, sr)``.

Encoder, per 10 ms frame: pitch (:func:`audiogp.dsp.pitch_track`), harmonic amplitudes
(:func:`audiogp.codec.harmonic_analysis`), rate K (K mel-spaced points, dB), mean removed. One
frame in ``decimation`` is sent: the mean-removed vector through the multi-stage VQ, its mean
(energy) through a 4-bit uniform quantiser, the pitch through a 6-bit log quantiser whose index 0
means unvoiced. Decoder: the sent frames are decoded and interpolated back to 10 ms, resampled to
the harmonics of the decoded F0, optionally post-filtered and synthesised with phases recovered
from the amplitudes (:mod:`audiogp.codec.synthesis`).

This is the structure of Codec 2's 700C (D. Rowe, Codec 2 documentation, doc/codec2.tex,
"newamp1"); the analysis, quantisers, codebook and format here are audiogp's own.
"""

from dataclasses import dataclass

import numpy as np

from audiogp import _validate as check
from audiogp.codec.bitstream import MODES, Bitstream, BitstreamError
from audiogp.codec.quantise import PitchQuantiser, UniformQuantiser, decimate, interpolate_frames
from audiogp.errors import ParameterError

__all__ = ["encode", "decode", "encode_frames", "decode_frames", "default_codebook",
           "DEFAULT_CODEBOOK", "CodecSettings", "settings_of"]

DEFAULT_CODEBOOK = "default_8k_k20.npz"
_DEFAULTS = {"sr": 8000, "K": 20, "fmin": 200.0, "fmax": 3700.0, "energy_lo": -75.0,
             "energy_hi": -20.0, "pitch_fmin": 50.0, "pitch_fmax": 400.0, "method": "parabolic",
             "dynamic_range": None}


def default_codebook():
    """The narrowband codebook shipped with audiogp (8 kHz, K = 20, two stages of 512)."""
    from importlib.resources import as_file, files

    from audiogp import vq

    resource = files("audiogp.codec") / "data" / DEFAULT_CODEBOOK
    with as_file(resource) as path:
        return vq.load(str(path))


@dataclass(frozen=True)
class CodecSettings:
    """What the codec needs besides the codebook's arrays; read from its ``meta``."""

    sr: int
    K: int
    fmin: float
    fmax: float
    energy: UniformQuantiser
    pitch: PitchQuantiser
    method: str
    dynamic_range: object = None


def settings_of(codebook):
    """The :class:`CodecSettings` of a codebook (its ``meta`` over the defaults)."""
    meta = {**_DEFAULTS, **dict(getattr(codebook, "meta", None) or {})}
    s = CodecSettings(sr=int(meta["sr"]), K=int(meta["K"]), fmin=float(meta["fmin"]),
                      fmax=float(meta["fmax"]),
                      energy=UniformQuantiser(float(meta["energy_lo"]), float(meta["energy_hi"]), 4),
                      pitch=PitchQuantiser(float(meta["pitch_fmin"]), float(meta["pitch_fmax"]), 6),
                      method=str(meta["method"]),
                      dynamic_range=None if meta["dynamic_range"] is None else float(meta["dynamic_range"]))
    if codebook.dim != s.K:
        raise ParameterError(f"the codebook's vectors have {codebook.dim} values but its meta says "
                             f"K={s.K}; it was not made for this codec")
    return s


def _stage_bits(codebook):
    bits = []
    for size in codebook.sizes:
        b = int(size - 1).bit_length()
        if 1 << b != size:
            raise ParameterError(f"codebook stage sizes must be powers of two for the bitstream, "
                                 f"got {tuple(codebook.sizes)}")
        bits.append(b)
    return tuple(bits)


def _check_signal(y, sr, settings, resample):
    y = check.float_array(y, "y").astype(np.float64, copy=False)
    if y.ndim != 1:
        raise ParameterError(f"y must be mono (1-D), got shape {y.shape}; mix down or pick a channel")
    sr = check.integer(sr, "sr", minimum=1000)
    if sr != settings.sr:
        if not resample:
            raise ParameterError(
                f"the codebook was trained for sr={settings.sr} Hz but y is at sr={sr} Hz; "
                f"resample it to {settings.sr} Hz first, or pass resample=True")
        from math import gcd

        from scipy.signal import resample_poly

        g = gcd(sr, settings.sr)
        y = resample_poly(y, settings.sr // g, sr // g)
        sr = settings.sr
    return y, sr


def encode_frames(y, sr, codebook=None, mode="700", *, resample=False, m_best=8):
    """Encode to a :class:`Bitstream` and also return the encoder's intermediate values.

    Returns
    -------
    stream : Bitstream
    info : dict
        ``frames`` (HarmonicFrames), ``ratek`` (RateK), ``sent`` (frame indices),
        ``residual`` (sent mean-removed vectors), ``quantised`` (their VQ reconstruction).
    """
    from audiogp.codec.harmonic import harmonic_analysis
    from audiogp.codec.ratek import rate_k, remove_mean
    from audiogp.dsp import pitch_track

    check.choice(mode, "mode", tuple(MODES))
    codebook = default_codebook() if codebook is None else codebook
    settings = settings_of(codebook)
    stage_bits = _stage_bits(codebook)
    y, sr = _check_signal(y, sr, settings, resample)
    hop = round(0.010 * sr)
    window = round(0.040 * sr)
    if len(y) < window:
        raise ParameterError(f"y has {len(y)} samples, fewer than one 40 ms analysis frame "
                             f"({window} samples at {sr} Hz); nothing to encode")
    track = pitch_track(y, sr, fmin=settings.pitch.fmin, fmax=settings.pitch.fmax, hop_length=hop)
    frames = harmonic_analysis(y, sr, track, fmin=settings.pitch.fmin, fmax=settings.pitch.fmax)
    rk = rate_k(frames, settings.K, settings.fmin, settings.fmax, method=settings.method,
                dynamic_range=settings.dynamic_range)
    m = MODES[mode]
    sent = decimate(frames.n_frames, m.decimation)
    residual, mean = remove_mean(rk.vectors[sent])
    vq_idx = np.asarray(codebook.encode(residual, m_best=m_best), dtype=np.int64).reshape(len(sent), -1)
    energy_idx = settings.energy.encode(mean)
    pitch_idx = settings.pitch.encode(frames.f0[sent], frames.voiced[sent])
    indices = np.concatenate([vq_idx, energy_idx[:, None], pitch_idx[:, None]], axis=1)
    stream = Bitstream(mode=mode, sr=sr, K=settings.K, hop_length=hop, decimation=m.decimation,
                       stage_bits=stage_bits, energy_bits=settings.energy.bits,
                       pitch_bits=settings.pitch.bits, n_samples=len(y), codebook_hash=codebook.hash,
                       indices=indices)
    info = {"frames": frames, "ratek": rk, "sent": sent, "residual": residual,
            "quantised": np.asarray(codebook.decode(vq_idx.astype(np.int32)), dtype=np.float64)}
    return stream, info


def encode(y, sr, codebook=None, mode="700", *, resample=False, m_best=8):
    """Encode a narrowband speech signal to the codec's bytes.

    Parameters
    ----------
    y : numpy.ndarray (n,)
        Mono float signal (full scale 1.0); NaN/Inf refused, naming the sample.
    sr : int
        Its sample rate; must be the codebook's (8000 for the default) unless ``resample``.
    codebook : audiogp.vq codebook, optional
        Default: :func:`default_codebook`.
    mode : {"700", "1400", "2800"}
        28 bits every 40, 20 or 10 ms.
    resample : bool
        Resample ``y`` to the codebook's rate instead of refusing another rate.
    m_best : int
        Candidates carried across VQ stages.

    Returns
    -------
    bytes
    """
    stream, _ = encode_frames(y, sr, codebook, mode, resample=resample, m_best=m_best)
    return stream.to_bytes()


def decode_frames(stream, codebook=None, *, source="the stream"):
    """Decoded parameters of a :class:`Bitstream` at every 10 ms frame.

    Returns
    -------
    dict
        ``vectors`` (n_frames, K) rate-K dB, ``f0``, ``voiced``, ``amplitudes`` (rate L),
        ``L``, ``points``, ``sent_vectors`` (the sent frames' vectors).
    """
    from audiogp.codec.ratek import mel_points, resample_to_l

    codebook = default_codebook() if codebook is None else codebook
    if stream.codebook_hash != codebook.hash:
        raise BitstreamError(
            f"{source} was encoded with codebook {stream.codebook_hash[:16]}... but the codebook "
            f"given is {codebook.hash[:16]}...; decode with the codebook it was encoded with")
    settings = settings_of(codebook)
    if stream.K != settings.K or stream.sr != settings.sr:
        raise BitstreamError(f"{source} has K={stream.K}, sr={stream.sr} but the codebook has "
                             f"K={settings.K}, sr={settings.sr}")
    n_stages = len(stream.stage_bits)
    idx = stream.indices
    residual = np.asarray(codebook.decode(idx[:, :n_stages].astype(np.int32)), dtype=np.float64)
    mean = settings.energy.decode(idx[:, n_stages])
    f0, voiced = settings.pitch.decode(idx[:, n_stages + 1], unvoiced_f0=100.0)
    sent_vectors = residual + mean[:, None]
    # the lowest energy code is silence: 40 dB below the lowest level, flat (fades, not clicks)
    sent_vectors[idx[:, n_stages] == 0] = settings.energy.lo - 40.0
    n_frames = 1 + stream.n_samples // stream.hop_length
    sent = decimate(n_frames, stream.decimation)
    if len(sent) != idx.shape[0]:
        raise BitstreamError(f"{source} has {idx.shape[0]} frames but {stream.n_samples} samples "
                             f"need {len(sent)}")
    vectors, f0_all, voiced_all = interpolate_frames(sent, sent_vectors, f0, voiced, n_frames)
    points = mel_points(settings.K, settings.fmin, settings.fmax)
    db, L = resample_to_l(vectors, points, f0_all, stream.sr, method=settings.method)
    m = np.arange(1, db.shape[1] + 1)
    amplitudes = np.where((m[None, :] <= L[:, None]) & (db > -250.0), 10.0 ** (db / 20.0), 0.0)
    return {"vectors": vectors, "f0": f0_all, "voiced": voiced_all, "amplitudes": amplitudes,
            "L": L, "points": points, "sent_vectors": sent_vectors}


def decode(data, codebook=None, *, post_filter=False, seed=0, source="the stream"):
    """Decode bytes written by :func:`encode`.

    Parameters
    ----------
    data : bytes or Bitstream
    codebook : optional
        The codebook it was encoded with (default: :func:`default_codebook`); another is refused.
    post_filter : bool
        Sharpen the decoded formants (:func:`audiogp.codec.postfilter`).
    seed : int
        Seed of the unvoiced phases.
    source : str
        Name used in error messages (e.g. the file name).

    Returns
    -------
    y : numpy.ndarray, float32 (n_samples,)
    sr : int
    """
    from audiogp.codec.synthesis import harmonic_synthesis, postfilter

    stream = data if isinstance(data, Bitstream) else Bitstream.from_bytes(data, source=source)
    p = decode_frames(stream, codebook, source=source)
    amplitudes = postfilter(p["amplitudes"], p["L"]) if post_filter else p["amplitudes"]
    y = harmonic_synthesis(p["f0"], p["voiced"], amplitudes, stream.sr, stream.hop_length,
                           L=p["L"], n_samples=stream.n_samples, seed=seed)
    return np.clip(y, -1.0, 1.0).astype(np.float32), stream.sr
