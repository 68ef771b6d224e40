"""The ``pitch`` node type and the PitchTrack edge type: an adapter over :func:`audiogp.dsp.pitch_track`.

The track carries its frame geometry (``sr``, ``hop_length``,
``frame_length``, ``fmin``, ``fmax``) as facts, known when the spec is
validated whenever the input's rate is, so that nodes reading the track (the
harmonic analysis of the codec) need not be told the hop again.
"""

from audiogp.errors import ParameterError
from audiogp.plugins import Mismatch, NodeType, Param, Port, ValueType, hookimpl
from audiogp.types import Metrics, Signal

PITCH_TRACK = ValueType("PitchTrack", "audiogp.dsp.pitch:PitchTrack",
                        "F0 per frame, Hz, with voicing and frame geometry (audiogp.dsp.PitchTrack)")


def _geometry(params, sr):
    """``(hop_length, frame_length)`` the library will use at rate ``sr``; Mismatch on a bad setting."""
    from audiogp.dsp import pitch

    try:
        settings = pitch.check_settings(sr, params["fmin"], params["fmax"], params["hop_length"],
                                        params["frame_length"], params["win_length"])
    except pitch.PitchSettingError as error:
        raise Mismatch(error.parameter, str(error)) from None
    except ParameterError as error:
        raise Mismatch("fmin", str(error)) from None
    return settings["hop_length"], settings["frame_length"]


def settings_fit_the_signal(params, inputs):
    """fmin < fmax <= Nyquist, a frame long enough for fmin, and a signal of at least one frame."""
    source = inputs["input"]
    sr = source.get("sr")
    if sr is None:
        if params["fmin"] >= params["fmax"]:
            raise Mismatch("fmax", f"need fmin < fmax, got fmin={params['fmin']} Hz and "
                                   f"fmax={params['fmax']} Hz")
        return  # the rest needs the rate: checked again on the signal when the node runs
    _, frame_length = _geometry(params, sr)
    length = source.get("length")
    if length is not None and length < frame_length:
        raise Mismatch("input", f"the input has {length} samples ({1000 * length / sr:.1f} ms), "
                                f"fewer than one pitch analysis frame of {frame_length} samples "
                                f"({1000 * frame_length / sr:.1f} ms) with fmin={params['fmin']} Hz; "
                                "give a longer signal or raise fmin")
    channels = source.get("channels")
    if channels is not None and channels != 1:
        raise Mismatch("input", f"the input has {channels} channels; pitch tracks one: mix to "
                                "mono first")


def infer_pitch(params, inputs):
    """The track's geometry facts, when the input's rate is known."""
    sr = inputs["input"].get("sr")
    if sr is None:
        return {"track": {"fmin": params["fmin"], "fmax": params["fmax"]}}
    hop_length, frame_length = _geometry(params, sr)
    return {"track": {"sr": sr, "hop_length": hop_length, "frame_length": frame_length,
                      "fmin": params["fmin"], "fmax": params["fmax"]}}


def pitch(ctx, *, input, fmin, fmax, hop_length, frame_length, win_length):
    """F0 per frame with a voicing decision (probabilistic YIN with an HMM; Mauch & Dixon 2014)."""
    import numpy as np

    from audiogp import dsp

    track = dsp.pitch_track(input.y, input.sr, fmin=fmin, fmax=fmax, hop_length=hop_length,
                            frame_length=frame_length, win_length=win_length)
    voiced = track.f0[track.voiced]
    stats = {"voiced_fraction": float(np.mean(track.voiced)),
             "f0_median_hz": float(np.median(voiced)) if voiced.size else float("nan"),
             "n_frames": int(track.n_frames)}
    return {"track": track, "stats": Metrics(stats)}


PITCH = NodeType(
    name="pitch",
    kind="analysis",
    function=pitch,
    inputs=[Port("input", Signal, "the signal, one channel (speech, 8 to 48 kHz)")],
    outputs=[Port("track", "PitchTrack", "f0 (Hz, interpolated over unvoiced frames), voiced, "
                                         "probability and times per frame"),
             Port("stats", Metrics, "voiced_fraction, f0_median_hz (voiced frames; NaN if none), "
                                    "n_frames")],
    params=[
        Param("fmin", float, 50.0, "lowest F0 searched, Hz", exclusive_minimum=0),
        Param("fmax", float, 500.0, "highest F0 searched, Hz (at most sr / 2)",
              exclusive_minimum=0),
        Param("hop_length", int, None, "samples between frames (default 10 ms)", minimum=1),
        Param("frame_length", int, None, "analysis frame, samples (default: 50 ms and at least "
              "two periods of fmin)", minimum=8),
        Param("win_length", int, None, "YIN integration window (default frame_length // 2)",
              minimum=2),
    ],
    checks=[settings_fit_the_signal],
    infer=infer_pitch,
)


@hookimpl
def register_value_types(register):
    register(PITCH_TRACK)


@hookimpl
def register_node_types(register):
    register(PITCH)
