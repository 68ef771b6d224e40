"""Gap filling: audiogp.gp.inpaint against Janssen, Veldhuis & Vries (1986) (benchmarks/janssen.py).

Gaps of 5, 10, 20 and 40 ms every half second (the first at 0.25 s) are
punched into the speech benchmark clip (22050 Hz) and into each music
recording of the corpus (16 kHz, as recorded), and filled by both. Quality is
the SNR over the missing samples only, all gaps of a material pooled
(``gp.gap_snr``); the issue's target is ours >= peer + 1 dB at every gap
length, in at most the peer's time (ratio <= 1, interleaved in one process).

The peer runs at the paper's order (p = 3m + 2 for m missing samples, a
segment of 3p) with 3 iterations, its best of 1, 3 and 10 on material other
than this benchmark's (docs/inpainting.md).
"""

import numpy as np

from audiogp import gp
from harness import Row, corpus_files, load_corpus_file, speech_clip, time_pair
from janssen import janssen_inpaint

GAP_MS = (5, 10, 20, 40)
EVERY_MS = 500.0
FIRST_MS = 250.0
PEER_ITERATIONS = 3
MUSIC_SR = 16000


def materials():
    y, sr = speech_clip(sr=22050)
    yield "speech", f"speech {len(y) / sr:.1f} s, {sr} Hz", [(y.astype(np.float64), sr)]
    music = [(load_corpus_file(path, MUSIC_SR).astype(np.float64), MUSIC_SR)
             for path in corpus_files("music")]
    seconds = sum(len(y) for y, _ in music) / MUSIC_SR
    yield "music", f"4 music recordings, {seconds:.1f} s, {MUSIC_SR} Hz", music


def pooled_snr(clips, filled, gap_sets):
    signal = noise = 0.0
    for (y, _), estimate, gaps in zip(clips, filled, gap_sets):
        for start, stop in gaps:
            signal += np.sum(y[start:stop] ** 2)
            noise += np.sum((y[start:stop] - estimate[start:stop]) ** 2)
    return 10 * np.log10(signal / noise)


def cases():
    for material, inputs, clips in materials():
        for gap_ms in GAP_MS:
            gap_sets = [gp.periodic_gaps(len(y), sr, length_ms=gap_ms, every_ms=EVERY_MS,
                                         first_ms=FIRST_MS) for y, sr in clips]
            punched = []
            for (y, _), gaps in zip(clips, gap_sets):
                holes = y.copy()
                for start, stop in gaps:
                    holes[start:stop] = 0.0
                punched.append(holes)

            def ours():
                return [gp.inpaint(holes, sr, gaps) for holes, (_, sr), gaps in
                        zip(punched, clips, gap_sets)]

            def peer():
                return [janssen_inpaint(holes, gaps, n_iter=PEER_ITERATIONS)
                        for holes, gaps in zip(punched, gap_sets)]

            ours_s, peer_s = time_pair(ours, peer, repeat=3, min_seconds=0.0)
            snr_ours = pooled_snr(clips, ours(), gap_sets)
            snr_peer = pooled_snr(clips, peer(), gap_sets)
            gain = snr_ours - snr_peer
            n_gaps = sum(len(g) for g in gap_sets)
            yield Row("inpaint", f"{gap_ms} ms gaps every 0.5 s, {material}",
                      f"{inputs}, {n_gaps} gaps", ours_s, "Janssen et al. 1986", peer_s,
                      target=1.0,
                      quality={"gap SNR": f"{snr_ours:.2f} dB",
                               "peer gap SNR": f"{snr_peer:.2f} dB",
                               "gain": f"{gain:+.2f} dB (target >= +1)"},
                      quality_met=bool(gain >= 1.0))
