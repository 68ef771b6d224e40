"""Codec node types: harmonic analysis, rate K, synthesis, spectral distortion, the 700 bit/s
codec (encode to a bitstream file, decode from one), codebook training, and PESQ.

Thin adapters over :mod:`audiogp.codec`; the values they pass (:mod:`audiogp.codec.types`)
carry sample rate, hop and length, so that miswiring is refused when the spec loads.
"""

import shutil
import tempfile
from pathlib import Path

import numpy as np

from audiogp.codec.types import CodecBitstream, CodecCodebook, HarmonicAmplitudes, RateKVectors
from audiogp.errors import ParameterError
from audiogp.plugins import InputFile, Mismatch, NodeType, OutputFile, Param, Port, hookimpl
from audiogp.types import Metrics, Signal

_MODES = ("700", "1400", "2800")


def _mono(signal, node):
    y = np.asarray(signal.y)
    if y.ndim != 1:
        raise ParameterError(f"{node}: the codec takes one channel, the input has shape {y.shape}; "
                             "load it with mono: true")
    return y.astype(np.float64)


def _summary_metrics(sd, prefix=""):
    from audiogp.codec import distortion_summary

    s = distortion_summary(sd)
    return {f"{prefix}{k}": float(v) for k, v in s.items()}


def _codebook(value, path, node):
    from audiogp import vq
    from audiogp.codec import default_codebook

    if value is not None and path is not None:
        raise ParameterError(f"{node}: give the codebook as an input or as codebook_file, not both")
    if value is not None:
        return value.codebook
    return default_codebook() if path is None else vq.load(str(path))


def _mono_check(key):
    def infer(params, inputs):
        source = inputs.get(key) or {}
        if source.get("channels", 1) != 1:
            raise Mismatch(key, f"the codec takes one channel, the input has {source['channels']}: "
                           "load it with mono: true")
        return None
    return infer


# -- harmonic_analysis ----------------------------------------------------------------------------

def harmonic_analysis(ctx, *, input, fmin, fmax, refine):
    """Pitch and harmonic amplitudes of a speech signal per 10 ms frame (the codec's analysis)."""
    from audiogp.codec import harmonic_analysis as analyse
    from audiogp.dsp import pitch_track

    y = _mono(input, ctx.node)
    hop = round(0.010 * input.sr)
    track = pitch_track(y, input.sr, fmin=fmin, fmax=fmax, hop_length=hop)
    frames = analyse(y, input.sr, track, fmin=fmin, fmax=fmax, refine=refine)
    return HarmonicAmplitudes(frames, input.sr, hop, len(y))


def _infer_analysis(params, inputs):
    _mono_check("input")(params, inputs)
    source = inputs["input"]
    if params["fmax"] <= params["fmin"]:
        raise Mismatch("fmax", f"fmax={params['fmax']} must be above fmin={params['fmin']}")
    sr = source.get("sr")
    return {"amplitudes": {"sr": sr, "length": source.get("length"),
                           "hop_length": None if sr is None else round(0.010 * sr)}}


HARMONIC_ANALYSIS = NodeType(
    name="harmonic_analysis",
    kind="analysis",
    function=harmonic_analysis,
    inputs=[Port("input", Signal, "speech, one channel")],
    outputs=[Port("amplitudes", HarmonicAmplitudes, "F0, voicing and A_m per 10 ms frame")],
    params=[Param("fmin", float, 50.0, "lowest F0, Hz", exclusive_minimum=0),
            Param("fmax", float, 400.0, "highest F0, Hz", exclusive_minimum=0),
            Param("refine", bool, True, "refine F0 by maximising the harmonic energy")],
    infer=_infer_analysis,
    facts_from=None,
)


# -- rate_k ----------------------------------------------------------------------------------------

def rate_k(ctx, *, input, K, fmin, fmax, method, dynamic_range):
    """Resample harmonic amplitudes in dB to K mel-spaced points (rate L -> rate K)."""
    from audiogp.codec import rate_k as to_k

    rk = to_k(input.frames, K, fmin, fmax, method=method, dynamic_range=dynamic_range)
    return RateKVectors(rk, None, input.sr, input.hop_length, input.length, K, fmin, fmax)


def _infer_rate_k(params, inputs):
    source = inputs["input"]
    sr = source.get("sr")
    if params["fmax"] <= params["fmin"]:
        raise Mismatch("fmax", f"fmax={params['fmax']} must be above fmin={params['fmin']}")
    if sr is not None and params["fmax"] > sr / 2:
        raise Mismatch("fmax", f"fmax={params['fmax']} Hz is above the Nyquist frequency "
                       f"({sr / 2:g} Hz) of the input's sr={sr}")
    return {"vectors": {**{k: source.get(k) for k in ("sr", "hop_length", "length")},
                        "K": params["K"], "fmin": params["fmin"], "fmax": params["fmax"]}}


RATE_K = NodeType(
    name="rate_k",
    kind="transform",
    function=rate_k,
    inputs=[Port("input", HarmonicAmplitudes, "harmonic amplitudes (harmonic_analysis)")],
    outputs=[Port("vectors", RateKVectors, "dB at K mel-spaced points per frame")],
    params=[Param("K", int, 20, "number of points", minimum=2),
            Param("fmin", float, 200.0, "lowest point, Hz", minimum=0),
            Param("fmax", float, 3700.0, "highest point, Hz", exclusive_minimum=0),
            Param("method", str, "parabolic", "interpolation in dB", choices=("parabolic", "cubic")),
            Param("dynamic_range", float, None, "clamp each vector this many dB below its peak",
                  exclusive_minimum=0)],
    infer=_infer_rate_k,
    facts_from=None,
)


# -- harmonic_synthesis ----------------------------------------------------------------------------

def harmonic_synthesis(ctx, *, input, quantised, post_filter):
    """Sinusoidal synthesis (phases from the amplitudes) of harmonic amplitudes or rate-K vectors."""
    from audiogp.codec import harmonic_synthesis as synth
    from audiogp.codec import postfilter, resample_to_l

    if isinstance(input, HarmonicAmplitudes):
        f = input.frames
        f0, voiced, amps, L = f.f0, f.voiced, f.amplitudes, f.L
    else:
        rk = input.ratek
        vectors = input.quantised if (quantised and input.quantised is not None) else rk.vectors
        db, L = resample_to_l(vectors, rk.points, rk.f0, input.sr, method=rk.method)
        m = np.arange(1, db.shape[1] + 1)
        amps = np.where(m[None, :] <= L[:, None], 10.0 ** (db / 20.0), 0.0)
        f0, voiced = rk.f0, rk.voiced
    if post_filter:
        amps = postfilter(amps, L)
    y = synth(f0, voiced, amps, input.sr, input.hop_length, L=L, n_samples=input.length,
              seed=ctx.seed)
    return Signal(y.astype(np.float32), input.sr)


HARMONIC_SYNTHESIS = NodeType(
    name="harmonic_synthesis",
    kind="synthesis",
    function=harmonic_synthesis,
    inputs=[Port("input", (HarmonicAmplitudes, RateKVectors),
                 "harmonic amplitudes, or rate-K vectors (resampled to the harmonics)")],
    outputs=[Port("signal", Signal, "the synthesised speech")],
    params=[Param("quantised", bool, True, "for rate-K input: use its quantised vectors when it "
                  "has them (codec_encode's)"),
            Param("post_filter", bool, False, "sharpen formants before synthesis")],
    infer=lambda params, inputs: {"signal": {"sr": inputs["input"].get("sr"),
                                             "length": inputs["input"].get("length"),
                                             "channels": 1}},
    facts_from=None,
)


# -- spectral_distortion ---------------------------------------------------------------------------

def spectral_distortion(ctx, *, input, reference, fmin, fmax):
    """Spectral distortion (RMS dB per frame; mean dB^2, mean dB, % frames > 2 and > 4 dB)."""
    from audiogp.codec import frame_distortion, harmonic_distortion, resample_to_l

    rk = input.ratek
    if reference is None:
        if input.quantised is None:
            raise ParameterError(f"{ctx.node}: the input has no quantised vectors (it is not "
                                 "from codec_encode); give reference: a harmonic_analysis node")
        sd = frame_distortion(rk.vectors, input.quantised)
        return Metrics(_summary_metrics(sd, "sd_"))
    if reference.frames.n_frames != rk.vectors.shape[0]:
        raise ParameterError(f"{ctx.node}: the reference has {reference.frames.n_frames} frames, "
                             f"the input {rk.vectors.shape[0]}; use the analysis it was made from")
    vectors = input.quantised if input.quantised is not None else rk.vectors
    f = reference.frames
    db, L = resample_to_l(vectors, rk.points, f.f0, input.sr, method=rk.method, L=f.L)
    m = np.arange(1, db.shape[1] + 1)
    amps = np.where(m[None, :] <= L[:, None], 10.0 ** (db / 20.0), 0.0)
    sd = harmonic_distortion(f, amps, fmin=fmin, fmax=fmax)
    return Metrics(_summary_metrics(sd, "sd_"))


def _infer_sd(params, inputs):
    ref = inputs.get("reference")
    if ref:
        for key in ("sr", "hop_length", "length"):
            a, b = inputs["input"].get(key), ref.get(key)
            if a is not None and b is not None and a != b:
                raise Mismatch("reference", f"the reference has {key}={b} but the input {key}={a}")
    return {}


SPECTRAL_DISTORTION = NodeType(
    name="spectral_distortion",
    kind="metric",
    function=spectral_distortion,
    inputs=[Port("input", RateKVectors, "rate-K vectors (quantised ones, from codec_encode)"),
            Port("reference", HarmonicAmplitudes, "the rate-L amplitudes to compare with "
                 "(default: the unquantised vectors over the K points)", optional=True)],
    outputs=[Port("metrics", Metrics, "sd_mean_db2, sd_mean_db, sd_pct_over_2db, "
                  "sd_pct_over_4db, sd_n_frames")],
    params=[Param("fmin", float, 200.0, "with a reference: lowest harmonic compared, Hz", minimum=0),
            Param("fmax", float, 3700.0, "with a reference: highest harmonic compared, Hz",
                  exclusive_minimum=0)],
    infer=_infer_sd,
    facts_from=None,
)


# -- codec_encode / codec_decode -------------------------------------------------------------------

def codec_encode(ctx, *, input, codebook, mode, codebook_file, path, resample):
    """Encode speech at 700/1400/2800 bit/s to the codec's bitstream (optionally a file)."""
    from audiogp.codec.api import decode_frames, encode_frames
    from audiogp.codec.ratek import RateK

    cb = _codebook(codebook, codebook_file, ctx.node)
    stream, info = encode_frames(_mono(input, ctx.node), input.sr, cb, mode, resample=resample)
    data = stream.to_bytes()
    if path is not None:
        with ctx.output(path) as temporary:
            Path(temporary).write_bytes(data)
    decoded = decode_frames(stream, cb)
    rk = info["ratek"]
    vectors = RateKVectors(rk, decoded["vectors"], stream.sr, stream.hop_length, stream.n_samples,
                           rk.K, rk.fmin, rk.fmax)
    assert isinstance(rk, RateK)
    vq_error = np.mean((info["residual"] - info["quantised"]) ** 2, axis=1)
    metrics = Metrics({"bit_rate": float(stream.bit_rate), "bytes": float(len(data)),
                       "vq_mean_db2": float(np.mean(vq_error)),
                       **_summary_metrics(np.sqrt(vq_error), "vq_")})
    bitstream = CodecBitstream(data, mode, stream.sr, stream.n_samples, stream.codebook_hash)
    return {"bitstream": bitstream, "vectors": vectors, "metrics": metrics}


def _infer_encode(params, inputs):
    _mono_check("input")(params, inputs)
    source = inputs["input"]
    sr = source.get("sr")
    default = params["codebook_file"] is None and not inputs.get("codebook")
    if sr is not None and sr != 8000 and default and not params["resample"]:
        raise Mismatch("resample", f"the default codebook is for sr=8000 Hz but the input has "
                       f"sr={sr}: load it with sr: 8000, or set resample: true")
    out_sr = 8000 if (default or params["resample"]) else sr
    length = source.get("length") if sr == out_sr else None
    return {"bitstream": {"mode": params["mode"], "sr": out_sr, "length": length},
            "vectors": {"sr": out_sr, "length": length}}


CODEC_ENCODE = NodeType(
    name="codec_encode",
    kind="transform",
    function=codec_encode,
    inputs=[Port("input", Signal, "speech, one channel, at the codebook's rate (8 kHz)"),
            Port("codebook", CodecCodebook, "a codebook from codec_train (default: codebook_file, "
                 "else the shipped one)", optional=True)],
    outputs=[Port("bitstream", CodecBitstream, "the encoded stream"),
             Port("vectors", RateKVectors, "rate-K vectors and their decoded (quantised) version"),
             Port("metrics", Metrics, "bit_rate, bytes, and the VQ error of the sent frames "
                  "(vq_mean_db2 as c2enc --var, vq_mean_db, vq_pct_over_2db/4db)")],
    params=[Param("mode", str, "700", "bit rate", choices=_MODES),
            Param("codebook_file", InputFile, None, "codebook .npz (default: the shipped 8 kHz "
                  "one)", suffixes=(".npz",)),
            Param("path", OutputFile, None, "write the stream to this file (e.g. speech.agc)"),
            Param("resample", bool, False, "resample to the codebook's rate instead of refusing")],
    infer=_infer_encode,
    facts_from=None,
)


def codec_decode(ctx, *, input, codebook, path, codebook_file, post_filter):
    """Decode the codec's bitstream (a codec_encode output, or a file) to speech."""
    from audiogp.codec import decode

    if (input is None) == (path is None):
        raise ParameterError(f"{ctx.node}: give exactly one of input (a codec_encode node) or path "
                             "(a stream file)")
    if input is not None:
        data, source = input.data, f"the stream of {ctx.sources.get('input', ['input'])[0]}"
    else:
        data, source = Path(path).read_bytes(), str(path)
    y, sr = decode(data, _codebook(codebook, codebook_file, ctx.node), post_filter=post_filter, seed=ctx.seed,
                   source=source)
    return Signal(y, sr)


CODEC_DECODE = NodeType(
    name="codec_decode",
    kind="inversion",
    function=codec_decode,
    inputs=[Port("input", CodecBitstream, "the stream (or give path)", optional=True),
            Port("codebook", CodecCodebook, "a codebook from codec_train", optional=True)],
    outputs=[Port("signal", Signal, "the decoded speech")],
    params=[Param("path", InputFile, None, "a stream file written by codec_encode"),
            Param("codebook_file", InputFile, None, "the codebook it was encoded with (default: "
                  "the shipped one)", suffixes=(".npz",)),
            Param("post_filter", bool, False, "sharpen formants before synthesis")],
    infer=lambda params, inputs: {"signal": {"sr": (inputs.get("input") or {}).get("sr"),
                                             "length": (inputs.get("input") or {}).get("length"),
                                             "channels": 1}},
    facts_from=None,
)


# -- codec_train -----------------------------------------------------------------------------------

def codec_train(ctx, *, input, folder, path, stages, K, fmin, fmax, dynamic_range):
    """Train a codec codebook on signals and/or every audio file of a folder."""
    from audiogp.codec.training import read_mono, train_on_vectors, training_vectors

    sr = 8000
    parts = []
    for signal in input or []:
        y = _mono(signal, ctx.node)
        if signal.sr != sr:
            from math import gcd

            from scipy.signal import resample_poly

            g = gcd(signal.sr, sr)
            y = resample_poly(y, sr // g, signal.sr // g)
        parts.append(training_vectors(y, sr, K=K, fmin=fmin, fmax=fmax,
                                      dynamic_range=dynamic_range)[0])
    if folder is not None:
        files = sorted(p for p in Path(folder).rglob("*")
                       if p.suffix.lower() in (".wav", ".flac", ".ogg"))
        if not files:
            raise ParameterError(f"{ctx.node}: folder {folder} has no .wav, .flac or .ogg files")
        for done, f in enumerate(files, 1):
            parts.append(training_vectors(read_mono(f, sr), sr, K=K, fmin=fmin, fmax=fmax,
                                          dynamic_range=dynamic_range)[0])
            ctx.progress(done, len(files))
    if not parts:
        raise ParameterError(f"{ctx.node}: give input signals or a folder of audio to train on")
    X = np.concatenate(parts, axis=0)
    cb = train_on_vectors(X, sr=sr, K=K, fmin=fmin, fmax=fmax, stages=tuple(stages),
                          seed=ctx.seed, dynamic_range=dynamic_range)
    if path is not None:
        with tempfile.TemporaryDirectory() as tmp:
            cb.save(str(Path(tmp) / "cb.npz"))
            with ctx.output(path) as t_npz, ctx.output(path.with_suffix(".json")) as t_json:
                shutil.copyfile(Path(tmp) / "cb.npz", t_npz)
                shutil.copyfile(Path(tmp) / "cb.json", t_json)
    return CodecCodebook(cb, sr, K, cb.hash)


def _infer_train(params, inputs):
    stages = params["stages"]
    if not stages or not all(isinstance(s, int) and s >= 1 and (s & (s - 1)) == 0 for s in stages):
        raise Mismatch("stages", f"stages must be a list of powers of two (e.g. [512, 512]), "
                       f"got {stages}")
    return {"codebook": {"sr": 8000, "K": params["K"]}}


CODEC_TRAIN = NodeType(
    name="codec_train",
    kind="fitting",
    function=codec_train,
    inputs=[Port("input", Signal, "speech signals to train on", many=True, optional=True)],
    outputs=[Port("codebook", CodecCodebook, "the trained codebook")],
    params=[Param("folder", InputFile, None, "also train on every .wav/.flac/.ogg under this folder"),
            Param("path", OutputFile, None, "write the codebook (x.npz and x.json)",
                  suffixes=(".npz",)),
            Param("stages", list, [512, 512], "VQ stage sizes (powers of two)"),
            Param("K", int, 20, "rate-K points", minimum=2),
            Param("fmin", float, 200.0, "lowest point, Hz", minimum=0),
            Param("fmax", float, 3700.0, "highest point, Hz", exclusive_minimum=0, maximum=4000),
            Param("dynamic_range", float, None, "clamp vectors this many dB below their peak",
                  exclusive_minimum=0)],
    infer=_infer_train,
    facts_from=None,
)


# -- pesq ------------------------------------------------------------------------------------------

def pesq(ctx, *, reference, input, missing):
    """PESQ (ITU-T P.862) narrowband MOS-LQO of processed speech, through the pesq package.

    The pesq package is optional (it is built from source): without it, ``missing: skip``
    (the default) warns with the command that installs it and gives no value, so a spec
    that also writes other metrics still runs; ``missing: error`` refuses.
    """
    import importlib.util

    from audiogp.errors import UserError

    if importlib.util.find_spec("pesq") is None:
        advice = "pip install pesq (it needs a C compiler)"
        if missing == "error":
            raise UserError(f"{ctx.node}: PESQ needs the Python package 'pesq', which is not "
                            f"installed: {advice}")
        ctx.log.warning("PESQ was not computed: the Python package 'pesq' is not installed "
                        "(%s); the other metrics are written without it", advice)
        return Metrics({}, attrs={"skipped": "pesq not installed"})
    from pesq import NoUtterancesError, PesqError
    from pesq import pesq as p862

    if reference.sr not in (8000, 16000):
        raise ParameterError(f"{ctx.node}: PESQ needs sr 8000 or 16000 Hz, got {reference.sr}; "
                             "resample both signals (load with sr: 8000)")
    if reference.sr != input.sr or reference.n_samples != input.n_samples:
        raise ParameterError(f"{ctx.node}: reference ({reference.sr} Hz, {reference.n_samples} "
                             f"samples) and input ({input.sr} Hz, {input.n_samples}) differ")
    ref, est = _mono(reference, ctx.node), _mono(input, ctx.node)
    try:
        score = p862(reference.sr, ref, est, "nb")
    except NoUtterancesError:
        raise ParameterError(f"{ctx.node}: PESQ found no speech in the signals (silent or too "
                             "quiet for P.862's utterance detection); score speech, or drop the "
                             "pesq node for this input") from None
    except PesqError as error:  # too short, out of memory: the package's own words
        raise ParameterError(f"{ctx.node}: PESQ could not score these signals: {error}") from None
    return Metrics({"pesq_nb": float(score)})


PESQ = NodeType(
    name="pesq",
    kind="metric",
    function=pesq,
    inputs=[Port("reference", Signal, "the clean speech (8 or 16 kHz, one channel)"),
            Port("input", Signal, "the processed speech, same rate and length")],
    outputs=[Port("metrics", Metrics, "pesq_nb (about 1 to 4.5, higher is better); empty, with "
                  "a warning, when the pesq package is missing and missing is skip")],
    params=[Param("missing", str, "skip", "without the pesq package: skip (warn, no value) "
                  "or error", choices=("skip", "error"))],
    facts_from=None,
)


# -- vq_pager --------------------------------------------------------------------------------------

def vq_pager(ctx, *, input, reference, path, frames, dpi):
    """The "VQ pager": chosen frames' rate-L amplitudes, rate-K vector and its quantised version,
    each with its SD, and the SD of every frame over the file, as one PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from audiogp.codec import frame_distortion

    if input.quantised is None:
        raise ParameterError(f"{ctx.node}: the input has no quantised vectors; wire it to a "
                             "codec_encode node's vectors output")
    rk = input.ratek
    sd = frame_distortion(rk.vectors, input.quantised)
    n = rk.vectors.shape[0]
    if frames is None:
        loud = np.argsort(rk.vectors.mean(axis=1))[::-1]
        frames = sorted(int(i) for i in loud[:: max(1, len(loud) // 40)][:4])
    bad = [i for i in frames if not 0 <= int(i) < n]
    if bad:
        raise ParameterError(f"{ctx.node}: frames {bad} are outside 0..{n - 1}")
    figure = Figure(figsize=(10, 2.6 * (len(frames) + 1)), dpi=dpi)
    FigureCanvasAgg(figure)
    for row, i in enumerate(frames):
        axes = figure.add_subplot(len(frames) + 1, 1, row + 1)
        if reference is not None:
            f = reference.frames
            L = int(f.L[i])
            hz = f.f0[i] * np.arange(1, L + 1)
            axes.plot(hz, 20 * np.log10(np.maximum(f.amplitudes[i, :L], 1e-10)), "o-", ms=2,
                      lw=0.6, color="0.5", label="rate L")
        axes.plot(rk.points, rk.vectors[i], "s-", ms=3, label="rate K")
        axes.plot(rk.points, input.quantised[i], "x--", ms=4, label="quantised")
        axes.set_title(f"frame {i} ({i * input.hop_length / input.sr:.2f} s): SD {sd[i]:.2f} dB")
        axes.set_ylabel("dB")
        axes.legend(loc="upper right", fontsize="small")
    axes = figure.add_subplot(len(frames) + 1, 1, len(frames) + 1)
    axes.plot(np.arange(n) * input.hop_length / input.sr, sd, lw=0.7)
    axes.axhline(2.0, color="0.6", lw=0.5)
    axes.axhline(4.0, color="0.6", lw=0.5)
    axes.set_xlabel("time (s)")
    axes.set_ylabel("SD (dB)")
    figure.tight_layout()
    with ctx.output(path) as temporary:
        figure.savefig(str(temporary), format="png", metadata={"Software": None})


VQ_PAGER = NodeType(
    name="vq_pager",
    kind="sink",
    requires=("matplotlib",),
    function=vq_pager,
    inputs=[Port("input", RateKVectors, "codec_encode's vectors (with their quantised version)"),
            Port("reference", HarmonicAmplitudes, "the rate-L amplitudes to draw too",
                 optional=True)],
    params=[Param("path", OutputFile, doc="output .png", suffixes=(".png",)),
            Param("frames", list, None, "frame numbers to draw (default: 4 loud ones)"),
            Param("dpi", int, 80, "resolution", minimum=10)],
    facts_from=None,
)


@hookimpl
def register_node_types(register):
    for node_type in (HARMONIC_ANALYSIS, RATE_K, HARMONIC_SYNTHESIS, SPECTRAL_DISTORTION,
                      CODEC_ENCODE, CODEC_DECODE, CODEC_TRAIN, PESQ, VQ_PAGER):
        register(node_type)
