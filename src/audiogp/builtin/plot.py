"""Node type ``plot``: a spectrogram (or waveform) as a PNG image.

matplotlib is imported inside the node function only, and drawn through its
object-oriented API (no pyplot global state).
"""

import math

import numpy as np

from audiogp.errors import ParameterError
from audiogp.plugins import NodeType, OutputFile, Param, Port, hookimpl
from audiogp.types import (
    MFCC,
    ComplexSpectrogram,
    DecibelSpectrogram,
    MagnitudeSpectrogram,
    MelSpectrogram,
    Signal,
)

PLOTTABLE = (ComplexSpectrogram, MagnitudeSpectrogram, MelSpectrogram, DecibelSpectrogram, MFCC,
             Signal)


def plot(ctx, *, input, path, title, cmap, top_db, y_axis, dpi, width, height):
    """Draw a spectrogram in dB (or a waveform) to a PNG file."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if path.suffix.lower() != ".png":
        raise ParameterError(f"path={path.name!r} must end in .png")
    ctx.progress(0, 2, "stages")  # drawing, then rendering the PNG
    figure = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    columns = 2 * int(math.ceil(width * dpi))  # more than two values per pixel cannot be seen
    if isinstance(input, Signal):
        y = _first_channel(ctx, input.y, 1)
        step = -(-y.shape[-1] // columns)
        if step > 2:  # a long signal: its minimum and maximum per column, as a filled band
            low, high = _pool(y, step, np.min), _pool(y, step, np.max)
            edges = np.arange(low.shape[-1]) * step / input.sr
            axes.fill_between(edges, low, high, linewidth=0.5, step="post")
        else:
            axes.plot(np.arange(y.shape[-1]) / input.sr, y, linewidth=0.5)
        axes.set_xlabel("time (s)")
        axes.set_ylabel("amplitude")
    else:
        image, label, freqs = _image(input, top_db)
        image = _first_channel(ctx, image, 2)
        geometry = input.geometry
        # Frame t is centred on t * hop (center=True) or starts there: draw its cell accordingly.
        first = -0.5 * geometry.hop_length if geometry.center else 0.0
        n_frames = image.shape[-1]
        step = max(-(-n_frames // columns), 1)
        if step > 1:  # a long spectrogram: the loudest of each run of `step` frames, per bin
            image = _pool(image, step, np.max)
        starts = np.minimum(np.arange(image.shape[-1] + 1) * step, n_frames)
        times = (first + starts * geometry.hop_length) / geometry.sr
        rows = np.arange(image.shape[-2] + 1) if freqs is None else freqs
        mesh = axes.pcolormesh(times, rows, image, cmap=cmap, shading="flat", rasterized=True)
        figure.colorbar(mesh, ax=axes, label=label)
        axes.set_xlabel("time (s)")
        if freqs is None:
            axes.set_ylabel("mel band" if not isinstance(input, MFCC) else "coefficient")
        else:
            axes.set_ylabel("frequency (Hz)")
            if y_axis == "log":
                axes.set_yscale("symlog", linthresh=max(float(freqs[1]), 1e-3))
    axes.set_title(ctx.sources.get("input", [""])[0] if title is None else title)
    figure.tight_layout()
    ctx.progress(1, 2, "stages")
    with ctx.output(path) as temporary:
        # No "Software" metadata: the bytes depend only on the picture.
        figure.savefig(str(temporary), format="png", metadata={"Software": None})


def _pool(array, step, reduce):
    """``reduce`` over runs of ``step`` values along the last axis (the last run may be shorter)."""
    n = array.shape[-1]
    full = n // step * step
    pooled = reduce(array[..., :full].reshape(array.shape[:-1] + (-1, step)), axis=-1)
    if full < n:
        pooled = np.concatenate([pooled, reduce(array[..., full:], axis=-1, keepdims=True)], -1)
    return pooled


def _image(value, top_db):
    """(2-D image, colour-bar label, bin edges in Hz or None) of a spectrogram value."""
    if isinstance(value, MFCC):
        return np.asarray(value.C, dtype=np.float64), "coefficient", None
    if isinstance(value, DecibelSpectrogram):
        db = np.asarray(value.S, dtype=np.float64)
        edges = None if value.mel is not None else _bin_edges(value.geometry)
        return db, "dB", edges
    if isinstance(value, ComplexSpectrogram):
        power, factor = np.abs(value.S) ** 2, 10.0
    else:
        power, factor = np.asarray(value.S, dtype=np.float64), 10.0 / (value.power / 2.0)
    floor = 1e-20
    reference = max(float(np.max(power)) if power.size else 0.0, floor)
    db = factor * np.log10(np.maximum(power, floor) / reference)
    if top_db is not None:
        db = np.maximum(db, -top_db)
    edges = None if isinstance(value, MelSpectrogram) else _bin_edges(value.geometry)
    return db, "dB (re peak)", edges


def _bin_edges(geometry):
    n_bins = geometry.n_fft // 2 + 1
    step = geometry.sr / geometry.n_fft
    return (np.arange(n_bins + 1) - 0.5).clip(0) * step


def _first_channel(ctx, array, core_ndim):
    if array.ndim > core_ndim:
        ctx.log.warning("plotting the first of %d channels", int(np.prod(array.shape[:-core_ndim])))
        array = array.reshape((-1,) + array.shape[-core_ndim:])[0]
    return array


PLOT = NodeType(
    name="plot",
    requires=("matplotlib",),
    function=plot,
    inputs=[Port("input", PLOTTABLE, "a spectrogram of any kind, MFCC, or a signal")],
    params=[
        Param("path", OutputFile, doc="output .png file, inside --out", suffixes=(".png",)),
        Param("title", str, None, "title (default: the source node's name)"),
        Param("cmap", str, "magma", "matplotlib colour map"),
        Param("top_db", float, 80.0, "dynamic range shown below the peak, dB", exclusive_minimum=0),
        Param("y_axis", str, "linear", "frequency axis scale", choices=("linear", "log")),
        Param("dpi", int, 100, "resolution, dots per inch", minimum=10, maximum=1200),
        Param("width", float, 8.0, "width in inches", exclusive_minimum=0, maximum=100),
        Param("height", float, 4.0, "height in inches", exclusive_minimum=0, maximum=100),
    ],
    parallel_safe=False,
)


@hookimpl
def register_sinks(register):
    register(PLOT)
