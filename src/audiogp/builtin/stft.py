"""Node types ``stft`` and ``istft``: adapters over :mod:`audiogp.dsp.spectrum`."""

from audiogp.builtin._checks import WINDOW_CHECKS
from audiogp.builtin._memory import MAX_FFT, stft_memory
from audiogp.plugins import NodeType, Param, Port, hookimpl
from audiogp.types import ComplexSpectrogram, Signal, StftGeometry

_WINDOW_DOC = "window name or [name, parameter] as scipy.signal.get_window takes it"


def stft(ctx, *, input, n_fft, hop_length, win_length, window, center, pad_mode):
    """Short-time Fourier transform of a signal (librosa.stft conventions)."""
    from audiogp import dsp

    window = tuple(window) if isinstance(window, list) else window
    win_length = n_fft if win_length is None else win_length
    hop_length = win_length // 4 if hop_length is None else hop_length
    S = dsp.stft(input.y, n_fft=n_fft, hop_length=hop_length, win_length=win_length,
                 window=window, center=center, pad_mode=pad_mode)
    geometry = StftGeometry(sr=input.sr, n_fft=n_fft, hop_length=hop_length,
                            win_length=win_length, window=window, center=center,
                            length=input.n_samples)
    return ComplexSpectrogram(S, geometry)


def istft(ctx, *, input, length):
    """Inverse STFT by weighted overlap-add, with the geometry the spectrogram carries."""
    from audiogp import dsp

    geometry = input.geometry
    kwargs = geometry.istft_kwargs()
    if length is not None:
        kwargs["length"] = length
    y = dsp.istft(input.S, **kwargs)
    return Signal(y, geometry.sr)


def infer_stft(params, inputs):
    win_length = params["n_fft"] if params["win_length"] is None else params["win_length"]
    window = params["window"]
    return {"spectrogram": dict(
        sr=inputs["input"].get("sr"), n_fft=params["n_fft"], win_length=win_length,
        hop_length=win_length // 4 if params["hop_length"] is None else params["hop_length"],
        window=tuple(window) if isinstance(window, list) else window, center=params["center"],
        length=inputs["input"].get("length"))}


def infer_istft(params, inputs):
    from audiogp.builtin._facts import check_nola

    check_nola(inputs["input"], "input", "the input spectrogram")
    length = inputs["input"].get("length") if params["length"] is None else params["length"]
    return {"signal": {"sr": inputs["input"].get("sr"), "length": length}}


STFT = NodeType(
    name="stft",
    function=stft,
    inputs=[Port("input", Signal, "the signal to analyse")],
    outputs=[Port("spectrogram", ComplexSpectrogram, "complex STFT with its geometry")],
    params=[
        Param("n_fft", int, 2048, "FFT length; 1 + n_fft // 2 frequency bins", minimum=1,
              maximum=MAX_FFT),
        Param("hop_length", int, None, "samples between frames (default win_length // 4)",
              minimum=1),
        Param("win_length", int, None, "window length (default n_fft)", minimum=1,
              maximum=MAX_FFT),
        Param("window", (str, list, float), "hann", _WINDOW_DOC),
        Param("center", bool, True, "centre frame t on sample t * hop_length"),
        Param("pad_mode", str, "constant", "padding when centred", choices=("constant", "reflect")),
    ],
    infer=infer_stft,
    checks=WINDOW_CHECKS,
    memory=stft_memory,
)


ISTFT = NodeType(
    name="istft",
    function=istft,
    inputs=[Port("input", ComplexSpectrogram, "complex STFT (its geometry is used)")],
    outputs=[Port("signal", Signal, "the resynthesised signal")],
    params=[Param("length", int, None, "output length in samples (default: the analysed "
                  "signal's length)", minimum=1)],
    infer=infer_istft,
)


@hookimpl
def register_analysis(register):
    register(STFT)


@hookimpl
def register_inversions(register):
    register(ISTFT)
