#!/usr/bin/env python3
"""Train the default narrowband codec codebook (seeded, on speech this script renders itself).

Renders synthetic speech with tools/render_speech.py (espeak-ng voices of many languages, voice
variants and pitches, and festival's diphone voice), never the benchmark corpus; analyses every
utterance at 8 kHz (pitch, harmonic amplitudes, rate K = 20 over 200-3700 Hz, mean removed);
trains a two-stage 512 x 512 VQ with :func:`audiogp.vq.train`; writes::

    src/audiogp/codec/data/default_8k_k20.npz   (the stage arrays)
    src/audiogp/codec/data/default_8k_k20.json  (dimension, sizes, hash, meta, training info)

Usage::

    python tools/train_codebook.py [--n 400] [--seed 0] [--max-vectors 100000] [--out PATH] [--force]
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

DEFAULT_OUT = HERE.parent / "src" / "audiogp" / "codec" / "data" / "default_8k_k20.npz"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=400, help="utterances to render (default 400)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-vectors", type=int, default=100000,
                        help="train on at most this many vectors (a seeded subset)")
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    parser.add_argument("--force", action="store_true", help="replace an existing codebook")
    parser.add_argument("--dynamic-range", type=float, default=35.0,
                        help="clamp rate-K vectors this many dB below their peak (default 35)")
    parser.add_argument("--speech", help="keep the rendered speech in this folder (reused if present)")
    args = parser.parse_args(argv)

    from render_speech import render

    from audiogp.codec.training import read_mono, train_on_vectors, training_vectors

    out = Path(args.out)
    if out.exists() and not args.force:
        parser.error(f"{out} exists; pass --force to replace it")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="agp-train-") as tmp:
        folder = Path(args.speech) if args.speech else Path(tmp) / "speech"
        if (folder / "manifest.json").is_file():
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            if (manifest["seed"], manifest["n_utterances"]) != (args.seed, args.n):
                parser.error(f"{folder} holds another rendering (seed {manifest['seed']}, "
                             f"{manifest['n_utterances']} utterances)")
        else:
            manifest = render(folder, n_utterances=args.n, seed=args.seed, rates=(8000,))
        files = sorted((folder / "sr8000").glob("*.wav"))
        print(f"{len(files)} utterances, {manifest['total_seconds']:.0f} s "
              f"({time.perf_counter() - start:.0f} s)", flush=True)
        parts = [training_vectors(read_mono(f, 8000), 8000, dynamic_range=args.dynamic_range)[0]
                 for f in files]
    X = np.concatenate(parts, axis=0)
    rng = np.random.default_rng(args.seed)
    if X.shape[0] > args.max_vectors:
        X = X[np.sort(rng.choice(X.shape[0], args.max_vectors, replace=False))]
    print(f"{X.shape[0]} training vectors ({time.perf_counter() - start:.0f} s)", flush=True)
    cb = train_on_vectors(X, stages=(512, 512), seed=args.seed, dynamic_range=args.dynamic_range,
                          extra_meta={"trained_by": "tools/train_codebook.py",
                                      "render_seed": args.seed, "n_utterances": args.n,
                                      "speech_seconds": manifest["total_seconds"]})
    out.parent.mkdir(parents=True, exist_ok=True)
    cb.save(str(out), force=args.force)
    print(f"wrote {out} (hash {cb.hash[:16]}..., {time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
