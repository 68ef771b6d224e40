"""Spectrogram images of audio files, all on one shared dB colour scale.

The magnitudes are ``20 log10 |STFT|`` (Hann window, 512-point frames, hop
128, via :func:`audiogp.dsp.stft`); the scale's top is the loudest bin over
every image of the report and it spans ``range_db`` below that, so colours
compare across images. matplotlib is imported here only, when a report is
written (``audiogp[plot]``).
"""

import math
from pathlib import Path

import numpy as np

__all__ = ["AUDIO_SUFFIXES", "is_audio", "spectrogram_db", "shared_scale", "write_png"]

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif")
N_FFT = 512
HOP = 128


def is_audio(path):
    """Whether ``path`` names an audio file the report shows (by suffix)."""
    return Path(path).suffix.lower() in AUDIO_SUFFIXES


def spectrogram_db(path):
    """``(dB image (freq, frames), sample rate)`` of the audio file at ``path`` (channels averaged)."""
    import soundfile

    from audiogp.dsp import stft

    y, sr = soundfile.read(str(path), dtype="float32", always_2d=True)
    y = y.mean(axis=1)
    if y.size < N_FFT:
        y = np.pad(y, (0, N_FFT - y.size))
    magnitude = np.abs(stft(y, n_fft=N_FFT, hop_length=HOP))
    with np.errstate(divide="ignore"):
        return 20 * np.log10(np.maximum(magnitude, 1e-10)), sr


def shared_scale(images, range_db=80.0):
    """``(vmin, vmax)`` in dB for a list of dB images: the loudest bin and ``range_db`` below it."""
    finite = [float(np.max(image)) for image in images if image.size]
    top = max(finite) if finite else 0.0
    top = math.ceil(top) if math.isfinite(top) else 0.0
    return top - range_db, top


def write_png(image_db, sr, path, *, vmin, vmax, title=""):
    """Draw one dB image with the shared scale into ``path`` (PNG, no time-stamp metadata)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(5.0, 2.0), dpi=80)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.1, 0.22, 0.75, 0.66))
    frames = image_db.shape[1]
    extent = (0.0, frames * HOP / sr, 0.0, sr / 2000.0)
    shown = axes.imshow(image_db, origin="lower", aspect="auto", extent=extent, vmin=vmin,
                        vmax=vmax, cmap="magma", interpolation="nearest")
    axes.set_xlabel("time (s)", fontsize=7)
    axes.set_ylabel("kHz", fontsize=7)
    axes.tick_params(labelsize=6)
    if title:
        axes.set_title(title, fontsize=7)
    bar = figure.colorbar(shown, cax=figure.add_axes((0.87, 0.22, 0.025, 0.66)))
    bar.ax.tick_params(labelsize=6)
    bar.set_label("dB", fontsize=7)
    figure.savefig(str(path), format="png", metadata={"Software": None})
