"""The codec's file format: a small header, frames of packed bit fields, and a CRC-32.

Layout (little-endian)::

    magic        4 bytes  b"AGPC"
    version      u8       1
    mode         8 bytes  ASCII, NUL padded ("700", "1400", "2800")
    sr           u32      sample rate of the decoded signal (Hz)
    K            u8       rate-K vector length
    hop_length   u16      analysis hop (samples)
    decimation   u8       analysis frames per sent frame
    n_stages     u8       VQ stages, then one u8 per stage: its index width in bits
    energy_bits  u8
    pitch_bits   u8
    n_frames     u32      sent frames
    n_samples    u32      length of the decoded signal
    codebook     32 bytes SHA-256 of the codebook (see audiogp.vq)
    payload      ceil(n_frames * bits_per_frame / 8) bytes, fields MSB first in the order
                 VQ stage 1..n, energy, pitch, frame after frame
    crc32        u32      zlib CRC-32 of everything before it

Mode "700" is 28 bits per 40 ms (9 + 9 VQ, 4 energy, 6 pitch): 700 bit/s, as Codec 2's 700C.
"1400" sends the same fields every 20 ms, "2800" every 10 ms.
"""

import struct
import zlib
from dataclasses import dataclass

import numpy as np

from audiogp.errors import ParameterError, UserError

__all__ = ["Mode", "MODES", "Bitstream", "BitstreamError", "pack_bits", "unpack_bits"]

MAGIC = b"AGPC"
VERSION = 1


class BitstreamError(UserError, ValueError):
    """A codec stream that cannot be decoded: foreign, truncated, corrupt, or for another codebook."""


@dataclass(frozen=True)
class Mode:
    """A bit rate: how many 10 ms analysis frames per sent frame, and the scalar field widths."""

    name: str
    decimation: int
    energy_bits: int = 4
    pitch_bits: int = 6


MODES = {"700": Mode("700", 4), "1400": Mode("1400", 2), "2800": Mode("2800", 1)}


def pack_bits(values, widths):
    """Pack non-negative integers ``values`` (n, F) into bytes, field ``j`` taking ``widths[j]`` bits, MSB first."""
    values = np.asarray(values, dtype=np.int64)
    cols = []
    for j, w in enumerate(widths):
        v = values[:, j]
        if np.any((v < 0) | (v >= 1 << w)):
            raise ParameterError(f"field {j} has a value outside 0..{(1 << w) - 1}")
        cols.append((v[:, None] >> np.arange(w - 1, -1, -1)[None, :]) & 1)
    bits = np.concatenate(cols, axis=1).astype(np.uint8).ravel() if cols else np.zeros(0, np.uint8)
    return np.packbits(bits).tobytes()


def unpack_bits(data, widths, n):
    """Inverse of :func:`pack_bits`: ``n`` rows of fields of ``widths`` bits from ``data``."""
    total = int(sum(widths))
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8))[:n * total].reshape(n, total)
    out = np.empty((n, len(widths)), dtype=np.int64)
    pos = 0
    for j, w in enumerate(widths):
        weights = 1 << np.arange(w - 1, -1, -1, dtype=np.int64)
        out[:, j] = bits[:, pos:pos + w].astype(np.int64) @ weights
        pos += w
    return out


_FIXED = struct.Struct("<4sB8sIBHBB")


@dataclass(frozen=True, eq=False)
class Bitstream:
    """An encoded signal: the header fields and the per-frame indices (n_frames, n_stages + 2).

    Columns of :attr:`indices`: VQ stage 1..n, energy, pitch.
    """

    mode: str
    sr: int
    K: int
    hop_length: int
    decimation: int
    stage_bits: tuple
    energy_bits: int
    pitch_bits: int
    n_samples: int
    codebook_hash: str
    indices: np.ndarray

    @property
    def widths(self):
        """Bit width of each column of :attr:`indices`."""
        return (*self.stage_bits, self.energy_bits, self.pitch_bits)

    @property
    def bits_per_frame(self):
        """Bits per sent frame."""
        return int(sum(self.widths))

    @property
    def bit_rate(self):
        """Payload bits per second."""
        return self.bits_per_frame * self.sr / (self.hop_length * self.decimation)

    def to_bytes(self):
        """Serialise (header, payload, CRC-32)."""
        n = int(self.indices.shape[0])
        head = _FIXED.pack(MAGIC, VERSION, self.mode.encode("ascii")[:8], self.sr, self.K,
                           self.hop_length, self.decimation, len(self.stage_bits))
        head += bytes(self.stage_bits)
        head += struct.pack("<BBII", self.energy_bits, self.pitch_bits, n, self.n_samples)
        head += bytes.fromhex(self.codebook_hash)
        body = head + pack_bits(self.indices, self.widths)
        return body + struct.pack("<I", zlib.crc32(body))

    @classmethod
    def from_bytes(cls, data, *, source="the stream"):
        """Parse bytes written by :meth:`to_bytes`; ``source`` (e.g. a file name) is named in errors.

        Raises
        ------
        BitstreamError
            Foreign data (no magic), an unknown version, a truncated or corrupt stream (CRC).
        """
        data = bytes(data)
        if len(data) < 4 or data[:4] != MAGIC:
            raise BitstreamError(f"{source} is not an audiogp codec stream (it does not start with "
                                 f"{MAGIC!r}); give a file written by audiogp.codec.encode")
        if len(data) < _FIXED.size:
            raise BitstreamError(f"{source} is truncated: {len(data)} bytes, shorter than the header")
        magic, version, mode, sr, K, hop, dec, n_stages = _FIXED.unpack_from(data)
        if version != VERSION:
            raise BitstreamError(f"{source} has codec stream version {version}; this audiogp reads "
                                 f"version {VERSION}")
        pos = _FIXED.size
        need = pos + n_stages + 10 + 32
        if len(data) < need + 4:
            raise BitstreamError(f"{source} is truncated: {len(data)} bytes, shorter than its header")
        stage_bits = tuple(data[pos:pos + n_stages])
        pos += n_stages
        energy_bits, pitch_bits, n, n_samples = struct.unpack_from("<BBII", data, pos)
        pos += 10
        codebook_hash = data[pos:pos + 32].hex()
        pos += 32
        widths = (*stage_bits, energy_bits, pitch_bits)
        payload_len = (n * sum(widths) + 7) // 8
        if len(data) != pos + payload_len + 4:
            raise BitstreamError(
                f"{source} is truncated or has trailing data: the header announces {n} frames "
                f"({pos + payload_len + 4} bytes) but it has {len(data)} bytes")
        (crc,) = struct.unpack_from("<I", data, pos + payload_len)
        if crc != zlib.crc32(data[:pos + payload_len]):
            raise BitstreamError(f"{source} is corrupt: its CRC-32 does not match its contents")
        indices = unpack_bits(data[pos:pos + payload_len], widths, n)
        return cls(mode=mode.rstrip(b"\0").decode("ascii", "replace"), sr=sr, K=K, hop_length=hop,
                   decimation=dec, stage_bits=stage_bits, energy_bits=energy_bits,
                   pitch_bits=pitch_bits, n_samples=n_samples, codebook_hash=codebook_hash,
                   indices=indices)
