"""Inversion node types: phase retrieval and mel/MFCC inversion, adapters over
:mod:`audiogp.dsp` (``griffinlim``, ``pghi``, ``mel_to_stft``, ``mel_to_audio``,
``mfcc_to_mel``, ``mfcc_to_audio``, ``random_phase``).

Every spectrogram value carries its STFT geometry (and mel values their filter
bank), so these nodes take no geometry parameters: an inverse always uses the
grid its input was made on. Where two inputs meet (a magnitude and a phase),
their geometries must agree. Their ``infer`` checks that when the spec is
validated, with the output ``length``, the NOLA condition and the windows PGHI
supports, wherever the input's facts are known.
"""

import numpy as np

from audiogp.builtin import _facts as facts
from audiogp.builtin._facts import GEOMETRY, MEL_BANK
from audiogp.builtin._memory import MAX_ITER, gla_memory
from audiogp.errors import ParameterError
from audiogp.plugins import Mismatch, NodeType, Param, Port, hookimpl
from audiogp.types import (
    MFCC,
    ComplexSpectrogram,
    MagnitudeSpectrogram,
    MelSpectrogram,
    Phase,
    Signal,
)

_SPECTROGRAMS = (ComplexSpectrogram, MagnitudeSpectrogram)
_INITS = ("random", "zero", "pghi")


def _magnitude(value):
    """``|X|`` of a spectrogram value: the magnitude of a complex STFT (its phase is dropped)."""
    if isinstance(value, ComplexSpectrogram):
        return np.abs(value.S)
    S = np.asarray(value.S)
    return S if value.power == 1.0 else np.maximum(S, 0) ** (1.0 / value.power)


def _length(geometry, length):
    """The output length: the node's ``length`` parameter, else the analysed signal's."""
    return geometry.length if length is None else length


def _infer_signal(geometry, params):
    """The output signal's facts, after checking the inversion's settings against ``geometry``."""
    facts.check_nola(geometry, "input", "the input spectrogram")
    facts.check_length(params["length"], geometry)
    if params.get("init") == "pghi":
        facts.check_window_for_pghi(geometry, "init", "init='pghi' cannot start from this "
                                    "spectrogram (use init: random)")
    length = geometry.get("length") if params["length"] is None else params["length"]
    return {"signal": {"sr": geometry.get("sr"), "length": length}}


def _gla_params(init_default):
    return [
        Param("n_iter", int, 32, "Griffin-Lim iterations", minimum=0, maximum=MAX_ITER),
        Param("momentum", float, 0.99, "fast Griffin-Lim momentum (0: plain Griffin-Lim)", minimum=0),
        Param("init", str, init_default, "initial phase (a 'phase' input overrides it)",
              choices=_INITS),
        Param("length", int, None, "output length in samples (default: the analysed signal's)",
              minimum=1),
    ]


# -- griffinlim ----------------------------------------------------------------------------------

def griffinlim(ctx, *, input, phase, n_iter, momentum, init, length, pad_mode):
    """Signal whose STFT magnitude matches the input's, by fast Griffin-Lim."""
    from audiogp import dsp

    geometry = input.geometry
    if phase is not None:
        if phase.geometry != geometry or phase.phase.shape != np.shape(input.S):
            raise ParameterError(
                f"the phase input has shape {phase.phase.shape} on {phase.geometry} but the "
                f"spectrogram has shape {np.shape(input.S)} on {geometry}: connect a phase made "
                "from the same spectrogram"
            )
        init = phase.phase
    kwargs = geometry.istft_kwargs()
    kwargs["length"] = _length(geometry, length)
    ctx.progress(0, n_iter, "iterations")  # shown while the start (PGHI, random) is computed
    y = dsp.griffinlim(_magnitude(input), n_iter=n_iter, momentum=momentum, init=init,
                       random_state=ctx.seed, pad_mode=pad_mode,
                       progress=ctx.progress_in("iterations"), **kwargs)
    return Signal(y, geometry.sr)


_PHASE_GRID = ("sr", "n_fft", "hop_length", "win_length", "window", "center", "length")


def infer_griffinlim(params, inputs):
    geometry, phase = inputs["input"], inputs["phase"]
    difference = facts.first_difference(phase, geometry, _PHASE_GRID)
    if difference:
        name, theirs, ours = difference
        raise Mismatch("phase", f"the phase input was computed with {name}={theirs!r} but the "
                                f"spectrogram has {name}={ours!r}: connect a phase made from the "
                                "same spectrogram")
    if phase.types:  # a phase input replaces init
        params = dict(params, init=None)
    return _infer_signal(geometry, params)


GRIFFINLIM = NodeType(
    name="griffinlim",
    function=griffinlim,
    details="Fast Griffin-Lim (Perraudin, Balazs & Søndergaard 2013) in librosa's "
            "parametrisation. A complex input is inverted from its magnitude alone. With "
            "init: pghi the start is the phase-gradient estimate, which reaches in 16 iterations "
            "a consistency that random initialisation does not reach in 32.",
    inputs=[Port("input", _SPECTROGRAMS, "spectrogram whose magnitude is kept"),
            Port("phase", Phase, "initial phase (e.g. from a pghi node)", optional=True)],
    outputs=[Port("signal", Signal, "the reconstructed signal")],
    params=_gla_params("random") + [
        Param("pad_mode", str, "constant", "padding of the re-analysis when frames are centred",
              choices=("constant", "reflect")),
    ],
    infer=infer_griffinlim,
    memory=gla_memory,
)


# -- pghi ----------------------------------------------------------------------------------------

def pghi(ctx, *, input, tol):
    """Phase of a spectrogram's magnitude by phase-gradient heap integration (no iterations)."""
    from audiogp import dsp

    geometry = input.geometry
    ctx.progress(0, 1, "spectrograms")
    phase = dsp.pghi(_magnitude(input), n_fft=geometry.n_fft, hop_length=geometry.hop_length,
                     win_length=geometry.win_length, window=geometry.window, tol=tol)
    ctx.progress(1, 1, "spectrograms")
    return Phase(phase, geometry)


def infer_pghi(geometry):
    facts.check_window_for_pghi(geometry, "input", "the input spectrogram's window does not suit "
                                "pghi")
    return {"phase": facts.take(geometry, GEOMETRY)}


PGHI = NodeType(
    name="pghi",
    function=pghi,
    details="Průša, Balazs & Søndergaard 2017, for Hann, Hamming and Gaussian windows; the "
            "phase is in librosa's convention, ready for an istft of |S| exp(i phase) or as the "
            "phase input of griffinlim.",
    inputs=[Port("input", _SPECTROGRAMS, "spectrogram (a complex one's phase is ignored)")],
    outputs=[Port("phase", Phase, "phase in radians on the input's grid")],
    params=[Param("tol", float, 1e-5, "coefficients below tol * max get phase 0",
                  exclusive_minimum=0, exclusive_maximum=1)],
    infer=lambda params, inputs: infer_pghi(inputs["input"]),
    memory=gla_memory,
)


# -- mel and MFCC inversion ----------------------------------------------------------------------

def _mel_kwargs(mel):
    return dict(sr=mel.sr, n_fft=mel.n_fft, fmin=mel.fmin, fmax=mel.fmax, htk=mel.htk, norm=mel.norm)


def _check_mel(value):
    if value.mel.n_fft != value.geometry.n_fft or value.mel.sr != value.geometry.sr:
        raise ParameterError(
            f"the mel filter bank (sr={value.mel.sr}, n_fft={value.mel.n_fft}) does not match the "
            f"STFT geometry (sr={value.geometry.sr}, n_fft={value.geometry.n_fft})"
        )


def mel_to_stft(ctx, *, input):
    """STFT magnitude from a mel spectrogram by non-negative least squares."""
    from audiogp import dsp

    _check_mel(input)
    S = dsp.mel_to_stft(input.S, power=input.power, progress=ctx.progress, **_mel_kwargs(input.mel))
    return MagnitudeSpectrogram(S, input.geometry, power=1.0)


MEL_TO_STFT = NodeType(
    name="mel_to_stft",
    function=mel_to_stft,
    details="The least-norm exact NNLS solution (librosa.feature.inverse.mel_to_stft's objective, "
            "solved to the optimum).",
    inputs=[Port("input", MelSpectrogram, "mel spectrogram with its filter bank")],
    outputs=[Port("spectrogram", MagnitudeSpectrogram, "magnitude (power 1) on the input's grid")],
    infer=lambda params, inputs: {"spectrogram": {**facts.take(inputs["input"], GEOMETRY),
                                                  "power": 1.0}},
)


def mel_to_audio(ctx, *, input, n_iter, momentum, init, length):
    """Signal from a mel spectrogram: NNLS magnitude, then Griffin-Lim (PGHI start by default)."""
    from audiogp import dsp

    _check_mel(input)
    geometry = input.geometry
    y = dsp.mel_to_audio(input.S, power=input.power, hop_length=geometry.hop_length,
                         win_length=geometry.win_length, window=geometry.window,
                         center=geometry.center, n_iter=n_iter, momentum=momentum, init=init,
                         random_state=ctx.seed, length=_length(geometry, length), dtype=np.float32,
                         progress=ctx.progress_in("iterations"), **_mel_kwargs(input.mel))
    return Signal(y, geometry.sr)


MEL_TO_AUDIO = NodeType(
    name="mel_to_audio",
    function=mel_to_audio,
    inputs=[Port("input", MelSpectrogram, "mel spectrogram with its filter bank")],
    outputs=[Port("signal", Signal, "the reconstructed signal")],
    params=_gla_params("pghi"),
    infer=lambda params, inputs: _infer_signal(inputs["input"], params),
)


def mfcc_to_mel(ctx, *, input, ref):
    """Mel power spectrogram from MFCCs (inverse DCT, then dB to power)."""
    from audiogp import dsp

    M = dsp.mfcc_to_mel(input.C, n_mels=input.mel.n_mels, dct_type=input.dct_type, norm=input.norm,
                        ref=ref, lifter=input.lifter)
    return MelSpectrogram(M, input.geometry, input.mel, power=2.0)


_REF = Param("ref", float, 1.0, "reference power of the dB scale the MFCCs were computed on",
             exclusive_minimum=0)

MFCC_TO_MEL = NodeType(
    name="mfcc_to_mel",
    function=mfcc_to_mel,
    inputs=[Port("input", MFCC, "MFCCs with their filter bank and DCT settings")],
    outputs=[Port("mel", MelSpectrogram, "mel power spectrogram")],
    params=[_REF],
    infer=lambda params, inputs: {"mel": {**facts.take(inputs["input"], GEOMETRY + MEL_BANK),
                                          "power": 2.0}},
)


def mfcc_to_audio(ctx, *, input, ref, n_iter, momentum, init, length):
    """Signal from MFCCs: mfcc_to_mel, then mel_to_audio."""
    mel = mfcc_to_mel(ctx, input=input, ref=ref)
    return mel_to_audio(ctx, input=mel, n_iter=n_iter, momentum=momentum, init=init, length=length)


MFCC_TO_AUDIO = NodeType(
    name="mfcc_to_audio",
    function=mfcc_to_audio,
    inputs=[Port("input", MFCC, "MFCCs with their filter bank and DCT settings")],
    outputs=[Port("signal", Signal, "the reconstructed signal")],
    params=[_REF] + _gla_params("pghi"),
    infer=lambda params, inputs: _infer_signal(inputs["input"], params),
)


# -- random phase --------------------------------------------------------------------------------

def random_phase(ctx, *, input, match_energy, length):
    """Signal from a spectrogram's magnitude with independent uniform random phases."""
    from audiogp import dsp

    geometry = input.geometry
    kwargs = geometry.istft_kwargs()
    kwargs["length"] = _length(geometry, length)
    y = dsp.random_phase(_magnitude(input), random_state=ctx.seed, match_energy=match_energy,
                         **kwargs)
    return Signal(y, geometry.sr)


RANDOM_PHASE = NodeType(
    name="random_phase",
    function=random_phase,
    inputs=[Port("input", _SPECTROGRAMS, "spectrogram whose magnitude is kept")],
    outputs=[Port("signal", Signal, "the resynthesised signal")],
    params=[
        Param("match_energy", bool, True, "restore the power lost by overlap-adding frames of "
              "unrelated phase (gain sqrt(n_fft / hop_length))"),
        Param("length", int, None, "output length in samples (default: the analysed signal's)",
              minimum=1),
    ],
    infer=lambda params, inputs: _infer_signal(inputs["input"], params),
)


@hookimpl
def register_inversions(register):
    for node_type in (GRIFFINLIM, PGHI, MEL_TO_STFT, MEL_TO_AUDIO, MFCC_TO_MEL, MFCC_TO_AUDIO,
                      RANDOM_PHASE):
        register(node_type)
