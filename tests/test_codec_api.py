"""The codec end to end: encode -> bytes -> decode, rates, refusals, bad input."""

import numpy as np
import pytest

from audiogp import vq
from audiogp.codec import decode, encode
from audiogp.codec.api import decode_frames, encode_frames, settings_of
from audiogp.codec.bitstream import Bitstream, BitstreamError
from audiogp.codec.training import train_on_vectors, training_vectors
from audiogp.data import example
from audiogp.errors import ParameterError


@pytest.fixture(scope="module")
def speech():
    y, sr = example("vowels", sr=8000, duration=3.0)
    return y.astype(np.float64), sr


@pytest.fixture(scope="module")
def small_codebook(speech):
    """A 6 + 6 bit codebook trained on the example's own rate-K vectors (tests only)."""
    y, sr = speech
    X = np.concatenate([training_vectors(y, sr)[0], training_vectors(0.3 * y[::-1].copy(), sr)[0]])
    return train_on_vectors(X, stages=(64, 64), seed=0)


@pytest.fixture(scope="module")
def clamped_codebook(speech):
    """As small_codebook, on vectors clamped 35 dB below their peak (meta dynamic_range=35)."""
    y, sr = speech
    X = np.concatenate([training_vectors(y, sr, dynamic_range=35.0)[0],
                        training_vectors(0.3 * y[::-1].copy(), sr, dynamic_range=35.0)[0]])
    return train_on_vectors(X, stages=(64, 64), seed=0, dynamic_range=35.0)


@pytest.fixture(scope="module")
def wide_codebook(small_codebook):
    """2 x 512 entries (28-bit frames): the small codebook's codewords plus seeded jitter."""
    rng = np.random.default_rng(0)
    stages = [np.concatenate([C, C[rng.integers(0, len(C), 512 - len(C))]
                              + rng.normal(0, 0.5, (512 - len(C), C.shape[1]))])
              for C in small_codebook.stages]
    return vq.Codebook(stages, meta=small_codebook.meta)


def test_700_mode_is_28_bits_per_40_ms(speech, wide_codebook):
    y, sr = speech
    data = encode(y, sr, wide_codebook, mode="700")
    stream = Bitstream.from_bytes(data)
    n_frames = 1 + len(y) // 80
    n_sent = -(-n_frames // 4)
    assert stream.indices.shape == (n_sent, 4)
    assert stream.bits_per_frame == 28 and stream.bit_rate == pytest.approx(700.0)
    header = len(stream.to_bytes()) - (n_sent * 28 + 7) // 8 - 4
    assert header < 80
    assert len(data) == header + (n_sent * 28 + 7) // 8 + 4
    assert stream.codebook_hash == wide_codebook.hash
    for mode, rate in (("1400", 1400.0), ("2800", 2800.0)):
        s = Bitstream.from_bytes(encode(y, sr, wide_codebook, mode=mode))
        assert s.bit_rate == pytest.approx(rate)


def test_round_trip_is_intelligible_and_parameters_are_quantised_faithfully(speech, small_codebook):
    pystoi = pytest.importorskip("pystoi")
    y, sr = speech
    stream, info = encode_frames(y, sr, small_codebook, "700")
    out, out_sr = decode(stream.to_bytes(), small_codebook)
    assert out_sr == sr and out.shape == y.shape and out.dtype == np.float32
    score = pystoi.stoi(y, out.astype(np.float64), sr)
    # the example's fast vibrato is hard at 40 ms frames: the unquantised vocoder scores ~0.76,
    # rate K alone ~0.69; frames decoded in a shuffled order must score far lower
    assert score > 0.45
    rng = np.random.default_rng(0)
    shuffled = Bitstream(**{**stream.__dict__, "indices": stream.indices[rng.permutation(len(stream.indices))]})
    scrambled, _ = decode(shuffled, small_codebook)
    assert score > pystoi.stoi(y, scrambled.astype(np.float64), sr) + 0.15
    # decoded pitch of voiced sent frames within half a log step of the encoder's F0
    p = decode_frames(stream, small_codebook)
    sent = info["sent"]
    frames = info["frames"]
    voiced = frames.voiced[sent] & (stream.indices[:, -1] > 0)
    assert voiced.mean() > 0.5
    q = settings_of(small_codebook).pitch
    step = np.log(q.fmax / q.fmin) / ((1 << q.bits) - 2)
    f_in = np.clip(frames.f0[sent][voiced], q.fmin, q.fmax)
    assert np.max(np.abs(np.log(p["f0"][sent][voiced] / f_in))) <= step / 2 + 1e-9
    # decoded energy (vector mean) within half an energy step where not clipped
    e = settings_of(small_codebook).energy
    mean_in = info["ratek"].vectors[sent].mean(axis=1)
    inside = (mean_in > e.lo) & (mean_in < e.hi)
    half = (e.hi - e.lo) / ((1 << e.bits) - 1) / 2
    mean_out = p["sent_vectors"].mean(axis=1)
    assert np.max(np.abs(mean_out[inside] - mean_in[inside])) <= half + 1e-6


def test_same_input_same_bytes(speech, small_codebook):
    y, sr = speech
    a = encode(y, sr, small_codebook)
    assert a == encode(y, sr, small_codebook)
    np.testing.assert_array_equal(decode(a, small_codebook)[0], decode(a, small_codebook)[0])


def test_wrong_codebook_truncated_and_foreign_streams_are_refused(speech, small_codebook,
                                                                   wide_codebook):
    y, sr = speech
    data = encode(y, sr, small_codebook)
    with pytest.raises(BitstreamError, match="speech.agc was encoded with codebook"):
        decode(data, wide_codebook, source="speech.agc")
    with pytest.raises(BitstreamError, match="speech.agc is truncated"):
        decode(data[:-3], small_codebook, source="speech.agc")
    with pytest.raises(BitstreamError, match="not an audiogp codec stream"):
        decode(b"\x00" * 100, small_codebook, source="speech.agc")


def test_other_sample_rate_is_refused_or_resampled(small_codebook):
    y, sr = example("vowels", sr=16000, duration=1.0)
    with pytest.raises(ParameterError, match="trained for sr=8000 Hz but y is at sr=16000"):
        encode(y, sr, small_codebook)
    out, out_sr = decode(encode(y, sr, small_codebook, resample=True), small_codebook)
    assert out_sr == 8000 and out.shape == (8000,)


def test_bad_input_has_defined_results(small_codebook, clamped_codebook):
    sr = 8000
    t = np.arange(sr) / sr
    y = 0.3 * np.sin(2 * np.pi * 200 * t)
    y[777] = np.nan
    with pytest.raises(ParameterError, match="index 777"):
        encode(y, sr, small_codebook)
    with pytest.raises(ParameterError, match="fewer than one 40 ms analysis frame"):
        encode(np.zeros(100), sr, small_codebook)
    # silence decodes to silence (below -90 dBFS)
    out, _ = decode(encode(np.zeros(sr), sr, small_codebook), small_codebook)
    assert out.shape == (sr,) and np.sqrt(np.mean(out.astype(float) ** 2)) < 10 ** (-90 / 20)
    # a pure tone (with the dynamic-range clamp; without it, its rate-K mean, one strong point
    # and the rest at the -100 dB floor, falls below the lowest energy level and mostly mutes)
    # comes back with its frequency as the strongest component
    tone = 0.3 * np.sin(2 * np.pi * 200 * t)
    out, _ = decode(encode(tone, sr, clamped_codebook), clamped_codebook)
    spectrum = np.abs(np.fft.rfft(out[2000:6000] * np.hanning(4000)))
    assert abs(np.argmax(spectrum) * sr / 4000 - 200) <= 20
    # noise and clipped speech: finite output of the right length
    rng = np.random.default_rng(0)
    for x in (0.1 * rng.standard_normal(sr), np.clip(3 * example("vowels", sr=sr, duration=1.0)[0],
                                                     -0.5, 0.5).astype(float)):
        out, _ = decode(encode(x, sr, small_codebook), small_codebook)
        assert out.shape == x.shape and np.all(np.isfinite(out)) and np.abs(out).max() <= 1


def test_codebook_of_another_dimension_is_refused(small_codebook):
    other = vq.Codebook([np.zeros((4, 10))], meta={"K": 20, "sr": 8000})
    with pytest.raises(ParameterError, match="10 values but its meta says K=20"):
        encode(np.zeros(8000), 8000, other)
