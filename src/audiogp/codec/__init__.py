"""Harmonic speech codec: amplitudes at the pitch harmonics, rate K/L, quantisers, bitstream, decoder.

Names are imported lazily from their modules on first use.
"""

from audiogp._lazy import attach as _attach

__getattr__, __dir__, __all__ = _attach(
    __name__,
    {
        "harmonic": ["HarmonicFrames", "harmonic_analysis"],
        "ratek": ["RateK", "mel_points", "rate_k", "rate_l", "resample_to_k", "resample_to_l",
                  "remove_mean"],
        "synthesis": ["minimum_phase", "excitation_phase", "harmonic_synthesis", "synthesise",
                      "postfilter"],
        "quantise": ["UniformQuantiser", "PitchQuantiser", "decimate", "interpolate_frames"],
        "bitstream": ["Bitstream", "BitstreamError", "MODES"],
        "api": ["encode", "decode", "encode_frames", "decode_frames", "default_codebook"],
        "training": ["train_codebook", "training_vectors", "train_on_vectors"],
        "distortion": ["frame_distortion", "distortion_summary", "harmonic_distortion"],
    },
)
