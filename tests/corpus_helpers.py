"""Small corpora for the corpus-runner tests: tones and noise written with soundfile."""

import hashlib
from pathlib import Path

import numpy as np
import soundfile

SR = 8000

SPEC = """\
audiogp: 1
seed: 7
nodes:
  voice:   {use: load, path: placeholder.wav, sr: null}
  spec:    {use: stft, input: voice, n_fft: 256, hop_length: 64, center: false}
  wave:    {use: griffinlim, input: spec, init: random, n_iter: 2}
  quality: {use: spectral_convergence, reference: spec, input: wave}
  out:     {use: save, input: wave, path: resynth.wav, subtype: FLOAT}
  report:  {use: metrics_json, input: quality, path: quality.json}
"""


def tone(index, seconds=0.25):
    """A decaying tone plus a little noise; every index gives a different signal."""
    t = np.arange(int(SR * seconds)) / SR
    rng = np.random.default_rng(index)
    y = 0.5 * np.sin(2 * np.pi * (200 + 37 * index) * t) * np.exp(-3 * t)
    return (y + 0.01 * rng.standard_normal(t.size)).astype(np.float32)


def write_spec(folder, text=SPEC):
    path = Path(folder) / "spec.yaml"
    path.write_text(text)
    return path


def make_corpus(folder, n_good, *, bad=()):
    """``n_good`` tones in two sub-folders of ``folder/corpus``, and the planted bad files named.

    ``bad`` takes any of ``"corrupt"``, ``"empty"``, ``"nan"``, ``"short"``.
    Returns ``(root, good relative paths, bad relative paths)``.
    """
    root = Path(folder) / "corpus"
    good = []
    for index in range(n_good):
        rel = f"{'ab'[index % 2]}/take{index:02d}.wav"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        soundfile.write(root / rel, tone(index), SR, subtype="PCM_16")
        good.append(rel)
    planted = []
    for kind in bad:
        rel = f"bad/{kind}.wav"
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "corrupt":
            path.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk")
        elif kind == "empty":
            path.write_bytes(b"")
        elif kind == "nan":
            y = tone(99)
            y[300] = np.nan
            soundfile.write(path, y, SR, subtype="FLOAT")
        elif kind == "short":
            soundfile.write(path, tone(98)[:100], SR, subtype="PCM_16")  # < n_fft, center false
        else:
            raise ValueError(kind)
        planted.append(rel)
    return root, good, planted


def tree_digest(out_dir):
    """``{relative path: sha256}`` of every item output below ``out_dir`` (not the manifest/CSV)."""
    out_dir = Path(out_dir)
    digests = {}
    for path in sorted(out_dir.rglob("*")):
        rel = path.relative_to(out_dir).as_posix()
        if path.is_file() and "/" in rel:
            digests[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests
