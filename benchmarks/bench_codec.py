"""The harmonic codec beside Codec 2 (c2enc/c2dec) on the corpus speech clip at 8 kHz.

Quality: every output (ours at 700 and 1400 bit/s, our unquantised vocoder, Codec 2 700C and
3200) is scored with STOI and PESQ-NB at the delay, 0 to 60 ms in 1 ms steps, that maximises its
STOI (the same rule for each). VQ error: ours is the mean squared error (dB^2) of the sent
frames' mean-removed rate-K vectors; Codec 2's is what ``c2enc 700C ... --var`` prints.
Distortion at each stage: rate-K round trip alone, after VQ stage 1, after stage 2.
Speed: encode + decode against c2enc + c2dec (processes, as a user runs them); analysis (pitch
and harmonic amplitudes) against pyworld's harvest + cheaptrick + d4c.

    python benchmarks/bench_codec.py          # prints the report
    python benchmarks/run.py codec            # rows for docs/benchmarks.md
"""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Row, speech_clip, time_pair  # noqa: E402

SR = 8000


def _c2(mode, y):
    """Run c2enc/c2dec on ``y``; return (decoded float64 array, --var output or None)."""
    with tempfile.TemporaryDirectory() as tmp:
        raw, bit, out = (Path(tmp) / n for n in ("in.raw", "out.bit", "out.raw"))
        np.clip(np.round(y * 32767), -32768, 32767).astype("<i2").tofile(raw)
        args = ["c2enc", mode, str(raw), str(bit)] + (["--var"] if mode == "700C" else [])
        enc = subprocess.run(args, capture_output=True, text=True, check=True)
        subprocess.run(["c2dec", mode, str(bit), str(out)], capture_output=True, check=True)
        decoded = np.fromfile(out, dtype="<i2").astype(np.float64) / 32768.0
    found = re.search(r"var:\s*([-+0-9.eE]+)", enc.stdout + enc.stderr)
    return decoded, float(found.group(1)) if found else None


def best_delay_scores(y, out, sr=SR, max_ms=60):
    """(stoi, pesq_nb, delay_ms) at the delay (0..max_ms, 1 ms steps) maximising STOI."""
    from pesq import pesq
    from pystoi import stoi

    best = (-1.0, 0)
    step = sr // 1000
    for d in range(0, max_ms * step + 1, step):
        n = min(len(y), len(out) - d)
        score = stoi(y[:n], out[d:d + n], sr)
        if score > best[0]:
            best = (score, d)
    d = best[1]
    n = min(len(y), len(out) - d)
    return best[0], float(pesq(sr, y[:n], out[d:d + n], "nb")), d * 1000.0 / sr


def rk_clamp(codebook):
    return codebook.meta.get("dynamic_range")


def stage_distortions(y, codebook):
    """Distortion (dB) at each stage over the sent 700 bit/s frames, and of the rate-K round trip."""
    from audiogp.codec import distortion_summary, harmonic_distortion, rate_l
    from audiogp.codec.api import encode_frames

    stream, info = encode_frames(y, SR, codebook, "700")
    frames, rk = info["frames"], info["ratek"]
    from audiogp.codec import rate_k

    amps, _ = rate_l(rk)
    sd = harmonic_distortion(frames, amps)
    plain, _ = rate_l(rate_k(frames, rk.K, rk.fmin, rk.fmax, method=rk.method))
    sd_plain = harmonic_distortion(frames, plain)
    report = {
        f"rate-K round trip, clamp {rk_clamp(codebook)} dB, all 10 ms frames (200-3700 Hz)":
            distortion_summary(sd),
        "rate-K round trip, clamp as above, voiced frames": distortion_summary(sd, frames=frames.voiced),
        "rate-K round trip, no clamp, all frames": distortion_summary(sd_plain),
        "rate-K round trip, no clamp, voiced frames": distortion_summary(sd_plain,
                                                                         frames=frames.voiced)}
    residual = info["residual"]
    idx = np.asarray(stream.indices[:, :len(codebook.sizes)], dtype=np.int64)
    partial = np.zeros_like(residual)
    for s, C in enumerate(codebook.stages):
        partial = partial + C[idx[:, s]]
        sd = np.sqrt(np.mean((residual - partial) ** 2, axis=1))
        report[f"after VQ stage {s + 1} (sent frames, K points)"] = distortion_summary(sd)
    return report


def report():
    from audiogp.codec import decode, default_codebook, encode, harmonic_analysis, synthesise
    from audiogp.dsp import pitch_track

    y, _ = speech_clip(sr=SR)
    y = y.astype(np.float64)
    cb = default_codebook()
    lines = [f"speech clip: {len(y) / SR:.2f} s at {SR} Hz; codebook {cb.hash[:16]}..., "
             f"meta {cb.meta}"]
    outputs = {}
    for mode in ("700", "1400"):
        data = encode(y, SR, cb, mode)
        outputs[f"ours {mode} bit/s ({len(data)} bytes)"] = decode(data, cb)[0].astype(np.float64)
    frames = harmonic_analysis(y, SR, pitch_track(y, SR, fmin=50.0, fmax=400.0), fmin=50.0,
                               fmax=400.0)
    outputs["ours unquantised"] = synthesise(frames)
    c2_700, var = _c2("700C", y)
    outputs["Codec 2 700C"] = c2_700
    outputs["Codec 2 3200"] = _c2("3200", y)[0]
    scores = {}
    for name, out in outputs.items():
        scores[name] = best_delay_scores(y, out)
        s, p, d = scores[name]
        lines.append(f"{name:34s} STOI {s:.3f}  PESQ-NB {p:.2f}  (delay {d:.0f} ms)")
    stages = stage_distortions(y, cb)
    for name, s in stages.items():
        lines.append(f"{name}: mean {s['mean_db2']:.2f} dB^2, {s['mean_db']:.2f} dB, "
                     f"{s['pct_over_2db']:.1f}% > 2 dB, {s['pct_over_4db']:.1f}% > 4 dB "
                     f"({s['n_frames']} frames)")
    lines.append(f"VQ error: ours {list(stages.values())[-1]['mean_db2']:.2f} dB^2, "
                 f"Codec 2 700C --var {var}")
    return lines, scores, stages, var


def cases():
    from audiogp.codec import decode, default_codebook, encode, harmonic_analysis
    from audiogp.dsp import pitch_track

    y, _ = speech_clip(sr=SR)
    y = y.astype(np.float64)
    cb = default_codebook()
    lines, scores, stages, var = report()
    ours = scores[next(k for k in scores if k.startswith("ours 700"))]
    c2 = scores["Codec 2 700C"]
    vq_error = list(stages.values())[-1]["mean_db2"]
    unq, c3200 = scores["ours unquantised"], scores["Codec 2 3200"]

    t_ours, t_c2 = time_pair(lambda: decode(encode(y, SR, cb, "700"), cb),
                             lambda: _c2("700C", y), repeat=3, warmup=0)
    yield Row("codec", "encode + decode, 700 bit/s", f"speech clip {len(y) / SR:.1f} s, 8 kHz",
              t_ours, "c2enc + c2dec 700C", t_c2, target=3.0,
              quality={"STOI": round(ours[0], 3), "PESQ-NB": round(ours[1], 2),
                       "VQ dB^2": round(vq_error, 2), "c2 STOI": round(c2[0], 3),
                       "c2 PESQ-NB": round(c2[1], 2), "c2 --var dB^2": var},
              quality_met=bool(ours[0] >= c2[0] and ours[1] >= c2[1] and vq_error <= 6.5))

    try:
        import pkg_resources  # noqa: F401  (pyworld imports it for its version string)
    except ImportError:
        import types

        stub = types.ModuleType("pkg_resources")
        stub.get_distribution = lambda name: types.SimpleNamespace(version="unknown")
        sys.modules["pkg_resources"] = stub
    import pyworld

    def analysis():
        track = pitch_track(y, SR, fmin=50.0, fmax=400.0)
        harmonic_analysis(y, SR, track, fmin=50.0, fmax=400.0)

    def world():
        f0, t = pyworld.harvest(y, SR)
        pyworld.cheaptrick(y, f0, t, SR)
        pyworld.d4c(y, f0, t, SR)

    t_a, t_w = time_pair(analysis, world, repeat=3, warmup=0)
    yield Row("codec", "analysis: pitch + harmonic amplitudes", f"speech clip {len(y) / SR:.1f} s",
              t_a, "pyworld harvest + cheaptrick + d4c", t_w, target=0.1,
              quality={"unquantised STOI": round(unq[0], 3), "PESQ-NB": round(unq[1], 2),
                       "c2 3200 STOI": round(c3200[0], 3), "c2 3200 PESQ-NB": round(c3200[1], 2)},
              quality_met=bool(unq[0] >= c3200[0] and unq[1] >= c3200[1]))


if __name__ == "__main__":
    for line in report()[0]:
        print(line)
