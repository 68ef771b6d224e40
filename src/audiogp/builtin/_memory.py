"""Memory estimates and size checks of the built-in nodes (their ``memory=`` and ``checks=``).

Each estimator takes ``(params, inputs)`` as a node type's ``memory`` does
(:class:`audiogp.plugins.NodeType`) and returns ``(bytes, key)`` (the key
driving the estimate) or None when the facts on the edges do not tell the
sizes. The constants are the peak bytes measured with :mod:`tracemalloc`
around each node function (``tests/test_resources.py`` keeps them within a
factor of two of the measurement); they are only ever multiplied, never
allocated.
"""

import math

from audiogp._resources import signal_bytes, spectrogram_bytes
from audiogp.plugins import Mismatch

#: Largest FFT / window length accepted (a 2**20-point frame is 47 s at 22.05 kHz).
MAX_FFT = 2**20
#: Highest sample rate accepted by ``load`` (5 MHz: ultrasound and instrument recordings).
MAX_SR = 5_000_000
#: Most iterations of an iterative phase retrieval.
MAX_ITER = 1_000_000

# Peak bytes per sample or per spectrogram byte, measured (see the module docstring).
_STFT_PER_SPECTROGRAM_BYTE = 1.1
_GLA_PER_SPECTROGRAM_BYTE = 6.5
_ENVELOPE_PER_SAMPLE = 150
_LBFGS_COPIES = 30  # L-BFGS-B keeps ~2 x 10 correction pairs of the parameter vector, and a few more


def _info(path):
    import soundfile

    try:
        return soundfile.info(str(path))
    except Exception:  # unreadable: infer_load reports it
        return None


def resampled_length(frames, native_sr, sr):
    """Samples soxr returns for ``frames`` samples at ``native_sr`` resampled to ``sr``:
    ``floor(frames * sr / native_sr + 1/2)`` (checked against soxr in tests/test_resources.py)."""
    return (2 * frames * sr + native_sr) // (2 * native_sr)


def load_memory(params, inputs):
    """The file's samples as float32 (channels x n), the float64 mono mix, and the resampled copy."""
    info = _info(params["path"])
    if info is None:
        return None
    frames = info.frames - int(round(params["offset"] * info.samplerate))
    if params["duration"] is not None:
        frames = min(frames, int(round(params["duration"] * info.samplerate)))
    frames = max(frames, 0)
    read = frames * info.channels * 4 + frames * 8
    sr = params["sr"] or info.samplerate
    out = resampled_length(frames, info.samplerate, sr) * (1 if params["mono"] else info.channels)
    if sr == info.samplerate:
        return read, "path"
    return read + 3 * out * 4, ("sr" if sr > info.samplerate else "path")


#: Peak bytes per sample of :func:`audiogp.data.example` (float64 synthesis, float32 result).
_EXAMPLE_PER_SAMPLE = {"vowels": 80, "chirp": 24, "tones": 32}


def example_memory(params, inputs):
    """The built-in example's synthesis buffers, per sample of ``duration * sr``
    (or, with ``path``, what ``load`` of that file needs)."""
    if params.get("path") is not None:
        return load_memory(dict(path=params["path"], sr=params["sr"], mono=True, offset=0.0,
                                duration=None), inputs)
    n = int(round(params["duration"] * params["sr"]))
    return n * _EXAMPLE_PER_SAMPLE.get(params["name"], 80), "duration"


def stft_memory(params, inputs):
    """The complex64 spectrogram and per-frame buffers of n_fft samples."""
    signal = inputs["input"]
    n_fft = params["n_fft"]
    win_length = n_fft if params["win_length"] is None else params["win_length"]
    hop = win_length // 4 if params["hop_length"] is None else params["hop_length"]
    geometry = {"n_fft": n_fft, "hop_length": max(hop, 1), "center": params["center"],
                "length": signal.get("length")}
    spectrogram = spectrogram_bytes(geometry)
    return int(_STFT_PER_SPECTROGRAM_BYTE * spectrogram + 16 * n_fft), "n_fft"


def gla_memory(params, inputs):
    """Griffin-Lim keeps the magnitude, two complex rebuilt spectra, the update and the signal."""
    geometry = inputs["input"]
    if geometry.get("length") is None:
        return None
    return int(_GLA_PER_SPECTROGRAM_BYTE * spectrogram_bytes(geometry)), "input"


def envelope_memory(params, inputs):
    """The envelope and the carrier (float32), and the float64 work arrays: section by section
    for ``rolling_std`` (:data:`audiogp.dsp.envelope.ROLLING_SECTION`), over the whole signal for
    ``hilbert`` (its FFT)."""
    from audiogp.dsp.envelope import ROLLING_SECTION

    n = signal_bytes(inputs["input"], itemsize=1)
    if n is None:
        return None
    if params["method"] == "hilbert":
        return n * _ENVELOPE_PER_SAMPLE, "input"
    section = max(ROLLING_SECTION, 4 * params["frame_length"]) + params["frame_length"]
    return 8 * n + _ENVELOPE_PER_SAMPLE * section, "input"


def _gp_blocks(params, facts):
    """``(block_length, hop_length, n_blocks)`` of gp_fit on ``facts``, None when unknown."""
    sr, length = facts.get("sr"), facts.get("length")
    if sr is None:
        return None
    block = int(round(params["block_ms"] * sr / 1000.0))
    hop_ms = params["block_ms"] / 2 if params["hop_ms"] is None else params["hop_ms"]
    hop = max(int(round(hop_ms * sr / 1000.0)), 1)
    n_blocks = None if length is None else -(-int(length) // hop)
    return block, hop, n_blocks


def _kernel_parameters(params, inputs):
    """Parameters of one component of gp_fit's kernel (3 for an unknown kernel input)."""
    if inputs.get("kernel"):
        return 3
    from audiogp.builtin.gp import resolve_kernel

    try:
        return len(resolve_kernel(params["kernel_name"]).parameter_names)
    except Exception:  # an unknown name is reported by infer_gp_fit
        return 3


def gp_fit_memory(params, inputs):
    """Model densities and gradients of every block at every frequency (blocks x components x
    frequencies), the periodograms, and L-BFGS-B's correction pairs of the parameter vector."""
    blocks = _gp_blocks(params, inputs["input"])
    if blocks is None or blocks[2] is None:
        return None
    block, _, n_blocks = blocks
    n_freqs = block // 2 + 1
    q = params["n_components"]
    per_block = _kernel_parameters(params, inputs) * q + 1
    dense = 8 * n_blocks * n_freqs * (0.75 * q + 16)
    return int(dense + 8 * per_block * n_blocks * _LBFGS_COPIES), "n_components"


def gp_fit_sizes(params, inputs):
    """A block must fit in the signal, and have more samples than the parameters fitted to it."""
    blocks = _gp_blocks(params, inputs["input"])
    if blocks is None:
        return
    block, _, _ = blocks
    length = inputs["input"].get("length")
    sr = inputs["input"].get("sr")
    if length is not None and block > length:
        raise Mismatch("block_ms", f"block_ms={params['block_ms']:g} gives blocks of {block} "
                                   f"samples, longer than the signal ({length} samples, "
                                   f"{length / sr * 1000:.1f} ms); use a block_ms of at most "
                                   f"{math.floor(length / sr * 1000):g}")
    per_component = _kernel_parameters(params, inputs)
    fitted = per_component * params["n_components"] + 1
    n_freqs = block // 2 + 1
    if fitted > n_freqs:
        most = max((n_freqs - 1) // per_component, 1)
        raise Mismatch("n_components", f"n_components={params['n_components']} fits {fitted} "
                                       f"parameters to each block's periodogram, which has only "
                                       f"{n_freqs} frequencies ({block}-sample blocks): use at "
                                       f"most {most} components, or a longer block_ms")


def gp_synthesize_memory(params, inputs):
    """Per sample: the drawn waveform and each component's covariance column (about 1.2 Q + 15 B)."""
    fit = inputs["fit"]
    length = fit.get("length", fit.get("n_samples"))  # before running / of a KernelFit value
    q = fit.get("n_components")
    if length is None:
        return None
    q = 24 if q is None else q
    return int(length * (1.2 * q + 15)), "fit"
