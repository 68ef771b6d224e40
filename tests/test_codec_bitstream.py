"""Scalar quantisers, decimation and the bitstream format."""

import zlib

import numpy as np
import pytest

from audiogp.codec.bitstream import Bitstream, BitstreamError, pack_bits, unpack_bits
from audiogp.codec.quantise import PitchQuantiser, UniformQuantiser, decimate, interpolate_frames


def test_uniform_quantiser_error_is_within_half_a_step():
    q = UniformQuantiser(-50.0, 0.0, 4)
    x = np.linspace(-50, 0, 1001)
    err = q.decode(q.encode(x)) - x
    assert np.max(np.abs(err)) <= 50 / 15 / 2 + 1e-12
    assert q.encode([-80.0, 10.0]).tolist() == [0, 15]      # clipped


def test_pitch_quantiser_is_log_spaced_with_an_unvoiced_code():
    q = PitchQuantiser(50.0, 400.0, 6)
    np.testing.assert_allclose(np.diff(np.log(q.levels)), np.log(8.0) / 62)
    f0 = np.geomspace(50, 400, 500)
    idx = q.encode(f0, np.ones(500, bool))
    assert idx.min() == 1 and idx.max() == 63
    back, voiced = q.decode(idx)
    assert voiced.all()
    assert np.max(np.abs(np.log(back / f0))) <= np.log(8.0) / 62 / 2 + 1e-12
    assert q.encode([120.0], [False]).tolist() == [0]
    f, v = q.decode([0])
    assert not v[0] and f[0] == pytest.approx(np.sqrt(50 * 400))


def test_decimation_and_interpolation():
    sent = decimate(10, 4)
    assert sent.tolist() == [0, 4, 8]
    vec = np.array([[0.0, 0.0], [4.0, 8.0], [8.0, 0.0]])
    f0 = np.array([100.0, 400.0, 200.0])
    v, f, vo = interpolate_frames(sent, vec, f0, np.array([True, True, False]), 10)
    np.testing.assert_allclose(v[:, 0], [0, 1, 2, 3, 4, 5, 6, 7, 8, 8])
    np.testing.assert_allclose(f[:5], 100 * 4 ** (np.arange(5) / 4))   # geometric between voiced
    assert vo[:6].all() and not vo[6:].any()                            # nearer frame beyond
    np.testing.assert_allclose(f[9], 200.0)


def test_pack_unpack_round_trip_and_bit_order():
    assert pack_bits(np.array([[1, 0b101]]), (1, 3)) == bytes([0b11010000])
    rng = np.random.default_rng(0)
    widths = (9, 9, 4, 6)
    vals = np.stack([rng.integers(0, 1 << w, 37) for w in widths], axis=1)
    data = pack_bits(vals, widths)
    assert len(data) == (37 * 28 + 7) // 8
    np.testing.assert_array_equal(unpack_bits(data, widths, 37), vals)


def _stream(n=25):
    rng = np.random.default_rng(1)
    widths = (9, 9, 4, 6)
    idx = np.stack([rng.integers(0, 1 << w, n) for w in widths], axis=1)
    return Bitstream(mode="700", sr=8000, K=20, hop_length=80, decimation=4, stage_bits=(9, 9),
                     energy_bits=4, pitch_bits=6, n_samples=8000, codebook_hash="ab" * 32,
                     indices=idx)


def test_bitstream_round_trip_and_rate():
    b = _stream()
    assert b.bits_per_frame == 28 and b.bit_rate == pytest.approx(700.0)
    data = b.to_bytes()
    back = Bitstream.from_bytes(data)
    np.testing.assert_array_equal(back.indices, b.indices)
    assert (back.mode, back.sr, back.K, back.stage_bits, back.codebook_hash) == \
        ("700", 8000, 20, (9, 9), "ab" * 32)
    assert zlib.crc32(data[:-4]) == int.from_bytes(data[-4:], "little")


def test_foreign_truncated_and_corrupt_streams_are_refused_by_name():
    data = _stream().to_bytes()
    with pytest.raises(BitstreamError, match="x.bit is not an audiogp codec stream"):
        Bitstream.from_bytes(b"RIFF" + data[4:], source="x.bit")
    with pytest.raises(BitstreamError, match="x.bit is truncated"):
        Bitstream.from_bytes(data[:-10], source="x.bit")
    with pytest.raises(BitstreamError, match="x.bit is truncated"):
        Bitstream.from_bytes(data[:12], source="x.bit")
    flipped = bytearray(data)
    flipped[70] ^= 0x10
    with pytest.raises(BitstreamError, match="x.bit is corrupt"):
        Bitstream.from_bytes(bytes(flipped), source="x.bit")
