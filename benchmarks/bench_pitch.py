"""Pitch: audiogp.dsp.pitch_track beside librosa.pyin and pyworld.harvest.

Materials: speech rendered here by espeak-ng in several voices (male and
female, low and high pitch; nothing is stored), and the project's speech clip
of the corpus (eight phrases, one male speaker), each at 22050 Hz and
resampled to 8000 Hz (the codec's rate); and synthetic harmonic signals with a
known F0 (glides and vibrato, 10 dB SNR white noise), where both we and pyin
are scored against the truth.

Agreement with a peer, on the same 10 ms frames: ``within 20 %`` is the share
of the frames both call voiced whose F0s differ by at most 20 % (of the
peer's); ``voicing agreement`` the share of all frames with the same decision.
The two peers are also compared with each other, for scale. Times are ratios
ours / peer in one process.

Run: ``python benchmarks/run.py pitch`` (or this file directly).
"""

import shutil
import subprocess
import sys
import tempfile
import types
from pathlib import Path

import numpy as np

from audiogp import dsp
from harness import Row, speech_clip, time_once

FMIN, FMAX = 50.0, 500.0
RATES = (22050, 8000)
# (voice, espeak-ng pitch 0-99, words per minute, text)
VOICES = (
    ("en-us", 30, 150, "The quick brown fox jumps over the lazy dog, and then it runs away."),
    ("en-gb+m3", 15, 140, "Please call Stella and ask her to bring these things with her."),
    ("en-us+f3", 60, 160, "She sells sea shells by the sea shore on a sunny summer morning."),
    ("en-gb+f4", 85, 150, "Would you like a cup of tea with some milk and a little sugar?"),
    ("de+f2", 70, 140, "Heute ist das Wetter schoen, wir gehen im Park spazieren."),
)


def pyworld():
    """pyworld, importable without pkg_resources (its __init__ asks it only for the version)."""
    if "pkg_resources" not in sys.modules:
        try:
            import pkg_resources  # noqa: F401
        except ImportError:
            from importlib.metadata import version

            shim = types.ModuleType("pkg_resources")
            shim.get_distribution = lambda name: types.SimpleNamespace(version=version(name))
            sys.modules["pkg_resources"] = shim
    import pyworld as module

    return module


def resample(y, sr, target):
    import soxr

    return y if sr == target else soxr.resample(y, sr, target, quality="HQ")


def espeak_speech():
    """``[(label, y, sr)]``: each voice of :data:`VOICES` rendered by espeak-ng (22050 Hz)."""
    import soundfile

    if shutil.which("espeak-ng") is None:
        return []
    rendered = []
    with tempfile.TemporaryDirectory() as folder:
        for voice, pitch, speed, text in VOICES:
            path = Path(folder) / "speech.wav"
            subprocess.run(["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed),
                            "-w", str(path), text], check=True, capture_output=True)
            y, sr = soundfile.read(path, dtype="float64")
            rendered.append((f"espeak-ng {voice} -p {pitch}", y, sr))
    return rendered


def ours(y, sr):
    track = dsp.pitch_track(y, sr, fmin=FMIN, fmax=FMAX)
    return track.f0, track.voiced


def pyin(y, sr):
    import librosa

    hop = round(0.010 * sr)
    frame = int(2 ** np.ceil(np.log2(0.090 * sr)))        # librosa's 2048 at 22050 Hz
    f0, voiced, _ = librosa.pyin(y, fmin=FMIN, fmax=FMAX, sr=sr, frame_length=frame,
                                 hop_length=hop, center=True)
    return np.nan_to_num(f0), voiced


def harvest(y, sr):
    hop = round(0.010 * sr)
    f0, _ = pyworld().harvest(y, sr, f0_floor=FMIN, f0_ceil=FMAX, frame_period=1000 * hop / sr)
    return f0, f0 > 0


def agreement(a, b):
    """(% of both-voiced frames within 20 %, % of frames with the same voicing) of tracks a and b."""
    (fa, va), (fb, vb) = a, b
    n = min(len(fa), len(fb))
    fa, va, fb, vb = fa[:n], va[:n], fb[:n], vb[:n]
    both = va & vb
    within = 100 * np.mean(np.abs(fa[both] - fb[both]) <= 0.2 * fb[both]) if both.any() else np.nan
    return float(within), float(100 * np.mean(va == vb))


def speech_rows(label, y, sr, *, repeat):
    t_ours, mine = time_once(lambda: ours(y, sr), repeat=repeat)
    t_pyin, theirs = time_once(lambda: pyin(y, sr), repeat=repeat)
    t_harvest, world = time_once(lambda: harvest(y, sr), repeat=repeat)
    inputs = f"{label}, {len(y) / sr:.1f} s, {sr} Hz"
    voiced = {"ours": 100 * mine[1].mean(), "pyin": 100 * theirs[1].mean(),
              "harvest": 100 * world[1].mean()}
    for peer, track, seconds, other_name, other in (
            ("librosa.pyin", theirs, t_pyin, "harvest", world),
            ("pyworld.harvest", world, t_harvest, "pyin", theirs)):
        within, voicing = agreement(mine, track)
        peers_within, peers_voicing = agreement(other, track)
        name = peer.split(".")[1]
        quality = {"within 20 %": f"{within:.1f} %", "voicing agreement": f"{voicing:.1f} %",
                   f"{other_name} vs {name}": f"{peers_within:.1f} % / {peers_voicing:.1f} %",
                   "voiced ours/peer": f"{voiced['ours']:.0f} % / {voiced[name]:.0f} %"}
        yield Row("pitch", f"pitch_track vs {peer}", inputs, t_ours, peer, seconds, quality=quality)


def glide(sr, seconds, start, stop):
    t = np.arange(int(seconds * sr)) / sr
    return start * (stop / start) ** (t / seconds)


def vibrato(sr, seconds, centre=220.0, rate=5.5, semitones=1.0):
    t = np.arange(int(seconds * sr)) / sr
    return centre * 2 ** (semitones / 12 * np.sin(2 * np.pi * rate * t))


def harmonic(sr, f0, spectrum, seed):
    rng = np.random.default_rng(seed)
    phase = 2 * np.pi * np.cumsum(f0) / sr
    y = np.zeros(len(f0))
    for k in range(1, 80):
        amplitude = {"1/k": 1.0 / k, "flat": 1.0,
                     "formant": (1 + 3 * np.exp(-((k * f0 - 700) / 200) ** 2)) / k,
                     "no fundamental": (k > 1) / k}[spectrum]
        y += np.where(k * f0 < 0.45 * sr, amplitude * np.sin(k * phase + rng.uniform(0, 6.3)), 0)
    return y + rng.standard_normal(len(y)) * np.sqrt(np.mean(y ** 2) / 10)   # 10 dB SNR


def synthetic_rows(sr):
    """Gross (> 20 %) and median relative errors against the true F0, ours and pyin's."""
    errors = {"ours": [], "pyin": []}
    seconds = {"ours": 0.0, "pyin": 0.0}
    n_signals = 0
    for contour in ("glide up", "glide down", "vibrato"):
        f0 = {"glide up": glide(sr, 2.0, 60.0, 500.0), "glide down": glide(sr, 2.0, 480.0, 65.0),
              "vibrato": vibrato(sr, 2.0)}[contour]
        for spectrum in ("1/k", "flat", "formant", "no fundamental"):
            y = harmonic(sr, f0, spectrum, seed=n_signals)
            n_signals += 1
            times = np.arange(1 + len(y) // round(0.010 * sr)) * round(0.010 * sr) / sr
            truth = np.interp(times, np.arange(len(f0)) / sr, f0)
            for name, method in (("ours", ours), ("pyin", pyin)):
                took, (estimate, voiced) = time_once(lambda: method(y, sr), repeat=1)
                seconds[name] += took
                n = min(len(truth), len(estimate))
                err = np.abs(estimate[:n] - truth[:n]) / truth[:n]
                errors[name].append((err, voiced[:n]))
    quality = {}
    for name in ("ours", "pyin"):
        err = np.concatenate([e[v] for e, v in errors[name]])
        voiced = np.mean(np.concatenate([v for _, v in errors[name]]))
        quality[f"{name}: gross"] = f"{100 * np.mean(err > 0.2):.2f} %"
        quality[f"{name}: median"] = f"{100 * np.median(err):.2f} %"
        quality[f"{name}: voiced"] = f"{100 * voiced:.1f} %"
    gross, median = (float(quality["ours: gross"][:-2]), float(quality["ours: median"][:-2]))
    yield Row("pitch", "pitch_track, synthetic F0 (targets: gross < 2 %, median < 1 %)",
              f"{n_signals} signals of 2 s (3 contours x 4 spectra), 10 dB SNR, {sr} Hz",
              seconds["ours"], "librosa.pyin", seconds["pyin"], quality=quality,
              quality_met=gross < 2 and median < 1)


def cases():
    clip, clip_sr = speech_clip(sr=22050)
    materials = [("corpus speech", clip.astype(np.float64), clip_sr)] + espeak_speech()
    for sr in RATES:
        for label, y, native in materials:
            yield from speech_rows(label, resample(y, native, sr), sr,
                                   repeat=3 if label == "corpus speech" else 1)
    for sr in (8000, 16000, 44100):
        yield from synthetic_rows(sr)


if __name__ == "__main__":
    for row in cases():
        print(row.line(), flush=True)
