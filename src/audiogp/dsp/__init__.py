"""Signal processing: numpy in, numpy out, with librosa's names and conventions.

Names are imported lazily from their modules on first use.
"""

from audiogp._lazy import attach as _attach

__getattr__, __dir__, __all__ = _attach(
    __name__,
    {
        "spectrum": ["stft", "istft", "get_window", "check_nola", "StftPlan"],
        "framing": ["frame", "autocorrelate"],
        "pitch": ["pitch_track", "PitchTrack", "pitch_frame_length", "PitchSettingError"],
        "psd": ["periodogram", "block_periodogram", "block_lengths", "bark_band_edges", "bark_band_centers", "bark_band", "BARK_BAND_EDGES", "BARK_BAND_CENTERS"],  # noqa: E501
        "mel": ["hz_to_mel", "mel_to_hz", "mel_frequencies", "mel_filters", "melspectrogram", "mfcc"],
        "db": ["power_to_db", "amplitude_to_db", "db_to_power", "db_to_amplitude"],
        "logspec": ["log_spectrogram", "inverse_log_spectrogram"],
        "filters": ["butter_sos", "butter_bandpass", "butter_lowpass", "butter_highpass"],
        "metrics": ["spectral_convergence", "log_spectral_distance", "snr", "stoi"],
        "envelope": ["rolling_std_envelope", "hilbert_envelope", "demodulate", "modulate"],
        "griffin_lim": ["griffinlim"],
        "mel_inverse": ["nnls", "mel_to_stft", "mel_to_audio", "mfcc_to_mel", "mfcc_to_audio"],
        "phase_gradient": ["pghi", "window_spread"],
        "random_phase_inversion": ["random_phase", "random_phase_psd"],
        "creative": ["keep_magnitude", "real_part", "constant_imaginary", "flip_frequency", "reverse_time", "shuffle_frames", "reorder_frames", "frame_features", "pca_order", "reorder_by_pca"],  # noqa: E501
    },
)
