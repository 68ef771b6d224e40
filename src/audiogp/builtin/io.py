"""Built-in I/O node types: ``load``, ``save``, ``save_arrays``, ``metrics_json``.

They adapt soundfile (reading and writing audio), soxr (resampling) and
NumPy's ``.npy`` format; the heavy imports happen inside the node functions.
"""

import dataclasses
import io
import json
import math
import zipfile

import numpy as np

from audiogp.builtin._memory import MAX_SR, load_memory, resampled_length
from audiogp.errors import ParameterError
from audiogp.plugins import InputFile, Mismatch, NodeType, OutputFile, Param, Port, hookimpl
from audiogp.types import Metrics, Signal

RESAMPLING_QUALITIES = ("soxr_vhq", "soxr_hq", "soxr_mq", "soxr_lq", "soxr_qq")
AUDIO_FORMATS = {".wav": "WAV", ".flac": "FLAC"}
_INTEGER_SUBTYPES = ("PCM_S8", "PCM_U8", "PCM_16", "PCM_24", "PCM_32")
# Fixed timestamp for members of .npz archives, so identical arrays give identical bytes.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


# -- load ---------------------------------------------------------------------------------------

def load(ctx, *, path, sr, mono, channel, offset, duration, res_type):
    """Read an audio file (WAV, FLAC, OGG...), optionally resampled, as a float32 signal."""
    import soundfile

    try:
        info = soundfile.info(str(path))
    except (RuntimeError, soundfile.LibsndfileError) as error:
        raise ParameterError(f"path={str(path)!r} cannot be read as audio: {error}") from None
    native_sr = info.samplerate
    if info.frames == 0:
        raise ParameterError(f"path={str(path)!r} holds no samples (0 frames)")
    promised = _wav_promised_frames(path, info)
    if promised is not None and promised > info.frames:
        ctx.log.warning("%s is cut short: its header promises %d samples (%.3f s) but the file "
                        "holds %d (%.3f s); the samples present are used. Re-export or repair "
                        "the file if the end matters", path.name, promised, promised / native_sr,
                        info.frames, info.frames / native_sr)
    start = int(round(offset * native_sr))
    if start >= info.frames:
        raise ParameterError(f"offset={offset} s is {'past' if start > info.frames else 'at'} "
                             f"the end of {path} "
                             f"({info.frames / native_sr:.3f} s long)")
    frames = -1 if duration is None else int(round(duration * native_sr))
    with soundfile.SoundFile(str(path)) as handle:
        if start:
            handle.seek(start)
        y = handle.read(frames=frames, dtype="float32", always_2d=True).T  # (channels, n)
    _refuse_nonfinite(y, path, native_sr, start)
    if channel is not None:
        if channel >= y.shape[0]:
            raise ParameterError(f"channel={channel} but {path} has {y.shape[0]} channel(s) "
                                 f"(numbered from 0)")
        y = y[channel]
    elif mono:
        channels = y
        y = y.mean(axis=0, dtype=np.float64).astype(np.float32)
        _warn_cancelling(ctx, channels, y, path)
    elif y.shape[0] == 1:
        y = y[0]
    if sr is not None and sr != native_sr and y.shape[-1] > 0:
        y = resample(y, native_sr, sr, res_type)
    return Signal(np.ascontiguousarray(y, dtype=np.float32), native_sr if sr is None else sr)


def _wav_promised_frames(path, info):
    """Frames a WAV file's ``data`` chunk header promises (None if not a plain RIFF WAV).

    libsndfile quietly reads what is there when a file is cut short; this
    reads the header itself (RIFF: the ``data`` chunk's size field) to tell.
    """
    if info.format != "WAV":
        return None
    bytes_per_frame = {"PCM_U8": 1, "PCM_S8": 1, "PCM_16": 2, "PCM_24": 3, "PCM_32": 4,
                       "FLOAT": 4, "DOUBLE": 8, "ULAW": 1, "ALAW": 1}.get(info.subtype)
    if bytes_per_frame is None:
        return None
    try:
        with open(path, "rb") as handle:
            header = handle.read(12)
            if header[:4] != b"RIFF" or header[8:12] != b"WAVE":
                return None
            position = 12
            while True:
                handle.seek(position)
                chunk = handle.read(8)
                if len(chunk) < 8:
                    return None
                size = int.from_bytes(chunk[4:8], "little")
                if chunk[:4] == b"data":
                    if size in (0, 0xFFFFFFFF):  # streaming writers leave it open
                        return None
                    return size // (bytes_per_frame * info.channels)
                position += 8 + size + (size & 1)
    except OSError:
        return None


def _warn_cancelling(ctx, channels, mono, path):
    """Warn when averaging the channels to mono nearly cancels them (antiphase stereo)."""
    if channels.shape[0] < 2 or mono.size == 0:
        return
    level = float(np.sqrt(np.mean(np.square(channels, dtype=np.float64))))
    if level == 0.0:
        return
    mono_level = float(np.sqrt(np.mean(np.square(mono, dtype=np.float64))))
    if mono_level < 1e-3 * level:
        drop = ("silent" if mono_level == 0
                else f"{20 * np.log10(mono_level / level):.0f} dB below the channels")
        ctx.log.warning("the channels of %s cancel when averaged to mono (antiphase stereo): "
                        "the mono signal is %s. Set channel: 0 to take one "
                        "channel, or mono: false to keep them all", path.name, drop)


def _refuse_nonfinite(y, path, native_sr, start):
    """A float file holding NaN or Inf is named with the first bad sample, before anything uses it."""
    from audiogp._validate import first_nonfinite

    where = first_nonfinite(y)
    if where is not None:
        channel, index = where
        sample = start + index
        raise ParameterError(
            f"{path} holds {y[where]} at sample {sample} ({sample / native_sr:.4f} s, channel "
            f"{channel}); a float audio file must hold finite samples: repair it, or load a "
            "section without it (offset, duration)")


def resample(y, orig_sr, target_sr, quality="soxr_hq"):
    """Resample ``y`` (..., n) from ``orig_sr`` to ``target_sr`` with soxr (librosa's ``soxr_*`` types)."""
    import soxr

    channels = y.reshape(-1, y.shape[-1]).T  # soxr wants (n, channels)
    out = soxr.resample(channels, orig_sr, target_sr, quality=quality.removeprefix("soxr_").upper())
    return np.ascontiguousarray(out.T).reshape(y.shape[:-1] + (-1,))


def infer_load(params):
    """Check the file's channels and length against the parameters, before running."""
    import soundfile

    try:
        info = soundfile.info(str(params["path"]))
    except (RuntimeError, soundfile.LibsndfileError) as error:
        raise Mismatch("path", f"{params['path'].name} cannot be read as audio: {error}") from None
    if info.frames == 0:
        raise Mismatch("path", f"{params['path'].name} holds no samples (0 frames): give a "
                       "recording with sound in it")
    if params["channel"] is not None and params["channel"] >= info.channels:
        raise Mismatch("channel", f"channel={params['channel']} but {params['path'].name} has "
                       f"{info.channels} channel(s), numbered from 0")
    length = info.frames / info.samplerate
    if int(round(params["offset"] * info.samplerate)) >= info.frames:
        where = "past" if params["offset"] > length else "at"
        raise Mismatch("offset", f"offset={params['offset']} s is {where} the end of "
                       f"{params['path'].name} ({length:.3f} s long)")
    mono = params["mono"] or params["channel"] is not None or info.channels == 1
    facts = {"sr": params["sr"] or info.samplerate, "channels": 1 if mono else info.channels}
    frames = max(info.frames - int(round(params["offset"] * info.samplerate)), 0)
    if params["duration"] is not None:
        frames = min(frames, int(round(params["duration"] * info.samplerate)))
    # soxr's output length is floor(frames * sr / native_sr + 1/2), so it is known exactly too.
    facts["length"] = (frames if facts["sr"] == info.samplerate
                       else resampled_length(frames, info.samplerate, facts["sr"]))
    return {"signal": facts}


LOAD = NodeType(
    name="load",
    function=load,
    outputs=[Port("signal", Signal, "the samples, (n,) for mono or (channels, n)")],
    params=[
        Param("path", InputFile, doc="audio file, relative to the spec's folder"),
        Param("sr", int, 22050, "resample to this rate in Hz; null keeps the file's rate",
              minimum=1, maximum=MAX_SR, nullable=True),
        Param("mono", bool, True, "average the channels to one"),
        Param("channel", int, None, "take only this channel (from 0); overrides mono", minimum=0),
        Param("offset", float, 0.0, "start reading this many seconds in", minimum=0),
        Param("duration", float, None, "read at most this many seconds", exclusive_minimum=0),
        Param("res_type", str, "soxr_hq", "resampling quality", choices=RESAMPLING_QUALITIES),
    ],
    infer=lambda params, inputs: infer_load(params),
    memory=load_memory,
)


# -- save ---------------------------------------------------------------------------------------

OVERLOAD_POLICIES = ("normalize", "clip", "error")


def save(ctx, *, input, path, subtype, normalize, peak, overload):
    """Write a signal to a WAV or FLAC file (never clips silently).

    What happens to a signal whose peak is above 1.0 in an integer sample
    format is decided by ``overload``, written in the spec, so a long run is
    never thrown away at its last node: ``normalize`` scales it to ``peak``
    and ``clip`` clips it, each with a warning saying by how much;
    ``error`` refuses, and keeps the computed signal, unscaled, as
    ``<name>.unsaved.wav`` (32-bit float) in the output folder.
    """
    import soundfile

    audio_format = AUDIO_FORMATS.get(path.suffix.lower())
    if audio_format is None:
        raise ParameterError(f"path={path.name!r}: the file name must end in "
                             f"{' or '.join(AUDIO_FORMATS)}")
    subtype = subtype or "PCM_24"
    if not soundfile.check_format(audio_format, subtype):
        allowed = ", ".join(sorted(soundfile.available_subtypes(audio_format)))
        raise ParameterError(f"subtype={subtype!r} is not available for {audio_format} "
                             f"(available: {allowed})")
    y = np.asarray(input.y, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(y.reshape(-1)))
    if bad.size:
        raise ParameterError(f"the signal to save contains {y.reshape(-1)[bad[0]]} at sample "
                             f"{bad[0] % y.shape[-1]}; nothing was written")
    top = float(np.max(np.abs(y))) if y.size else 0.0
    if normalize:
        if top > 0:
            y = y * (peak / top)
        else:
            ctx.log.warning("the signal is silent (all zeros): saved as silence, not normalised")
    elif subtype in _INTEGER_SUBTYPES and top > 1.0:
        y = _overload(ctx, y, input.sr, path, top, subtype, peak, overload)
    _write_audio(ctx, path, y, input.sr, audio_format, subtype)


def _overload(ctx, y, sr, path, top, subtype, peak, overload):
    """Apply the ``overload`` policy to a signal peaking at ``top`` > 1 (see :func:`save`)."""
    position = int(np.argmax(np.abs(y).reshape(-1))) % y.shape[-1]
    where = f"the signal peaks at {top:.3g} (sample {position}, {position / sr:.3f} s), above 1.0"
    if overload == "normalize":
        gain = peak / top
        ctx.log.warning("%s: scaled by %.3g (%.1f dB) to peak %g, as overload: normalize says "
                        "(overload: clip keeps the level and clips)", where, gain,
                        20 * math.log10(gain), peak)
        return y * gain
    if overload == "clip":
        count = int(np.count_nonzero(np.abs(y) > 1.0))
        ctx.log.warning("%s: clipped %d of %d samples (%.2g%%) to [-1, 1], as overload: clip "
                        "says (overload: normalize scales instead)", where, count, y.size,
                        100 * count / y.size)
        return np.clip(y, -1.0, 1.0)
    unsaved = path.with_name(path.stem + ".unsaved.wav")
    _write_audio(ctx, unsaved, y, sr, "WAV", "FLOAT", keep_on_failure=True)
    raise ParameterError(
        f"{where}: {subtype} would clip it, and overload: error refuses to. The computed signal "
        f"is kept, unscaled, as {unsaved.name} (32-bit float) in the output folder. Set "
        "overload: normalize (scale to the peak) or clip, or subtype: FLOAT, and run again")


def _write_audio(ctx, path, y, sr, audio_format, subtype, keep_on_failure=False):
    import soundfile

    from audiogp._files import environment_error

    frames = y.T if y.ndim > 1 else y
    with ctx.output(path, keep_on_failure=keep_on_failure) as temporary:
        try:
            soundfile.write(str(temporary), frames, sr, format=audio_format, subtype=subtype)
            if audio_format == "WAV":
                _clear_peak_timestamp(temporary)
        except OSError as error:
            raise environment_error(error, path) from None
        except (RuntimeError, soundfile.LibsndfileError) as error:
            # libsndfile reports a full disk as "System error": say what it most likely is.
            raise _write_failure(temporary, path, error) from None


def _write_failure(temporary, path, error):
    """A user error for libsndfile failing to write (it does not pass the errno on)."""
    import errno
    import os
    import shutil

    from audiogp._files import environment_error
    from audiogp.errors import UserError

    try:
        free = shutil.disk_usage(temporary.parent).free
    except OSError:
        free = None
    if free is not None and free < 16 * 1024 * 1024:
        return environment_error(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), path)
    return UserError(f"writing {path} failed: libsndfile says {error}; check that the disk has "
                     "space and the folder is writable, then run again")


def _clear_peak_timestamp(path):
    """Zero the time stamp libsndfile puts in a WAV file's PEAK chunk (float subtypes).

    Without this, the same samples written a second later give different bytes.
    """
    with open(path, "r+b") as handle:
        header = handle.read(12)
        if header[:4] != b"RIFF" or header[8:12] != b"WAVE":
            return
        position = 12
        while True:
            handle.seek(position)
            chunk = handle.read(8)
            if len(chunk) < 8:
                return
            size = int.from_bytes(chunk[4:8], "little")
            if chunk[:4] == b"PEAK" and size >= 8:
                handle.seek(position + 12)  # after id, size and the 4-byte version
                handle.write(b"\0\0\0\0")
                return
            position += 8 + size + (size & 1)


def infer_save(params):
    """Check that the sample format fits the file format, before running."""
    import soundfile

    audio_format = AUDIO_FORMATS.get(params["path"].suffix.lower())
    if audio_format is None:  # '.wav' alone is a hidden file's name, with no suffix
        raise Mismatch("path", f"{params['path'].name!r} is a name without a stem (a hidden file "
                       f"with no suffix); give a name before the suffix, e.g. out"
                       f"{params['path'].name}")
    subtype = params["subtype"] or "PCM_24"
    if not soundfile.check_format(audio_format, subtype):
        allowed = ", ".join(sorted(soundfile.available_subtypes(audio_format)))
        raise Mismatch("subtype", f"subtype={subtype!r} is not available for {audio_format} "
                       f"(available: {allowed})")
    return {}


SAVE = NodeType(
    name="save",
    function=save,
    inputs=[Port("input", Signal, "the signal to write")],
    params=[
        Param("path", OutputFile, doc="output file (.wav or .flac), inside --out",
              suffixes=tuple(AUDIO_FORMATS)),
        Param("subtype", str, None, "sample format, e.g. PCM_16, PCM_24, FLOAT "
              "(default PCM_24)"),
        Param("normalize", bool, False, "scale so the peak is `peak`"),
        Param("peak", float, 0.99, "peak amplitude when normalizing", exclusive_minimum=0,
              maximum=1),
        Param("overload", str, "normalize", "a signal peaking above 1.0 in an integer format: "
              "normalize (scale to `peak`, with a warning), clip (with a warning giving the "
              "count), or error (refuse, keeping the signal as <name>.unsaved.wav, float)",
              choices=OVERLOAD_POLICIES),
    ],
    infer=lambda params, inputs: infer_save(params),
)


# -- save_arrays --------------------------------------------------------------------------------

def save_arrays(ctx, *, input, path):
    """Write values' arrays and metadata to .npz (or one array to .npy)."""
    suffix = path.suffix.lower()
    if suffix not in (".npy", ".npz"):
        raise ParameterError(f"path={path.name!r} must end in .npy or .npz")
    sources = ctx.sources.get("input") or [f"input{i}" for i in range(len(input))]
    if suffix == ".npy":
        if len(input) != 1:
            raise ParameterError(f".npy holds one array but {len(input)} inputs were given; "
                                 "use a .npz path")
        with ctx.output(path) as temporary:
            with open(temporary, "wb") as handle:
                np.lib.format.write_array(handle, _main_array(input[0]), allow_pickle=False)
        return
    members = {}
    for source, value in zip(sources, input):
        prefix = "" if len(input) == 1 else source.replace(".", "_") + "_"
        for key, array in _flatten(value):
            members[prefix + key] = array
    with ctx.output(path) as temporary:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_STORED) as archive:
            for key, array in members.items():
                buffer = io.BytesIO()
                np.lib.format.write_array(buffer, array, allow_pickle=False)
                archive.writestr(zipfile.ZipInfo(key + ".npy", date_time=_ZIP_DATE), buffer.getvalue())


def _main_array(value):
    for f in dataclasses.fields(value):
        field_value = getattr(value, f.name)
        if isinstance(field_value, np.ndarray):
            return field_value
    if isinstance(value, Metrics):
        return np.array([float(v) for v in value.values.values()])
    raise ParameterError(f"{type(value).__name__} holds no array to save")


def _flatten(value, prefix=""):
    """(name, array) pairs of a value's arrays and scalar metadata (0-d arrays)."""
    if isinstance(value, Metrics):
        for name, number in value.values.items():
            yield prefix + name, np.asarray(number)
        return
    for f in dataclasses.fields(value):
        item = getattr(value, f.name)
        if f.name == "attrs" or item is None:
            continue
        if isinstance(item, np.ndarray):
            yield prefix + f.name, item
        elif dataclasses.is_dataclass(item):
            yield from _flatten(item, prefix)
        elif isinstance(item, (bool, int, float, np.number)):
            yield prefix + f.name, np.asarray(item)
        elif isinstance(item, (str, tuple)):
            yield prefix + f.name, np.asarray(str(item))


SAVE_ARRAYS = NodeType(
    name="save_arrays",
    function=save_arrays,
    inputs=[Port("input", "Any", "values to save (one or a list)", many=True)],
    params=[Param("path", OutputFile, doc="output .npz (every array and setting: named <field> "
                  "for one input, <source>_<field> for several) or .npy (the main array of one "
                  "input)", suffixes=(".npz", ".npy"))],
)


# -- metrics_json -------------------------------------------------------------------------------

def metrics_json(ctx, *, input, path):
    """Write metrics to a JSON file, one object per source node."""
    sources = ctx.sources.get("input") or [f"input{i}" for i in range(len(input))]
    document = {}
    for source, value in zip(sources, input):
        entries = {}
        for name, number in value.values.items():
            number = float(number)
            if not math.isfinite(number):
                ctx.log.warning("metric %s of %s is %s: written as null", name, source, number)
                number = None
            entries[name] = number
        document[source] = entries
    with ctx.output(path) as temporary:
        temporary.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")


METRICS_JSON = NodeType(
    name="metrics_json",
    function=metrics_json,
    inputs=[Port("input", Metrics, "metrics to write (one or a list)", many=True)],
    params=[Param("path", OutputFile, doc="output .json file, inside --out", suffixes=(".json",))],
)


@hookimpl
def register_sources(register):
    register(LOAD)


@hookimpl
def register_sinks(register):
    register(SAVE)
    register(SAVE_ARRAYS)
    register(METRICS_JSON)
