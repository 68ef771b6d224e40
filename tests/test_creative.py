"""Creative resynthesis: phase and frame manipulations, log-mel features, PCA frame order."""

import librosa
import numpy as np
import pytest

from audiogp import dsp
from audiogp.errors import ParameterError, ParameterTypeError

SR = 16000


@pytest.fixture
def D(rng):
    return librosa.stft(rng.standard_normal(6000), n_fft=256, hop_length=64)


def test_keep_magnitude_real_part_and_constant_imaginary(D):
    np.testing.assert_array_equal(dsp.keep_magnitude(D), np.abs(D) + 0j)
    np.testing.assert_array_equal(dsp.real_part(D), D.real + 0j)
    out = dsp.constant_imaginary(D, 0.25)
    np.testing.assert_array_equal(out.real, D.real)
    assert np.all(out.imag == 0.25) and out.dtype == D.dtype


def test_zero_phase_resynthesis_is_the_istft_of_the_magnitude(D):
    # an independent path: librosa inverts the zero-phase STFT
    y = dsp.istft(dsp.keep_magnitude(D), hop_length=64)
    np.testing.assert_allclose(y, librosa.istft(np.abs(D).astype(D.dtype), hop_length=64), atol=1e-5)


def test_flip_and_reverse(D):
    flipped = dsp.flip_frequency(D)
    assert flipped[0, 3] == D[-1, 3] and flipped[-1, 0] == D[0, 0]
    reversed_ = dsp.reverse_time(np.abs(D))
    np.testing.assert_array_equal(reversed_[:, 0], np.abs(D)[:, -1])
    # twice is the identity
    np.testing.assert_array_equal(dsp.flip_frequency(flipped), D)


def test_reversing_the_frames_of_a_rising_chirp_makes_it_fall():
    t = np.arange(SR) / SR
    y = np.sin(2 * np.pi * (200 * t + 1500 * t**2))  # 200 Hz -> 3200 Hz
    D = librosa.stft(y, n_fft=512, hop_length=128)
    back = dsp.istft(dsp.reverse_time(D), hop_length=128)
    peaks = np.argmax(np.abs(librosa.stft(back, n_fft=512, hop_length=128))[:, 5:-5], axis=0)
    assert np.all(np.diff(peaks) <= 0) and peaks[0] > peaks[-1] + 50


def test_shuffle_is_a_seeded_permutation(D):
    a = dsp.shuffle_frames(D, random_state=3)
    assert a.tobytes() == dsp.shuffle_frames(D, random_state=3).tobytes()
    assert not np.array_equal(a, D)
    # the same frames, in another order
    key = lambda X: sorted(map(bytes, np.ascontiguousarray(X.T)))  # noqa: E731
    assert key(a) == key(D)


def test_channels_are_reordered_alike(rng):
    D2 = librosa.stft(rng.standard_normal((2, 4000)), n_fft=256, hop_length=64)
    out = dsp.shuffle_frames(D2, random_state=0)
    order = [int(np.flatnonzero((D2[0].T == f).all(axis=1))[0]) for f in out[0].T]
    np.testing.assert_array_equal(out[1], D2[1][:, order])


def test_reorder_frames_refuses_non_permutations(D):
    n = D.shape[1]
    with pytest.raises(ParameterError, match="permutation"):
        dsp.reorder_frames(D, np.zeros(n, dtype=int))
    with pytest.raises(ParameterTypeError, match="integer"):
        dsp.reorder_frames(D, np.linspace(0, 1, n))


def test_frame_features_are_librosa_log_mel(D):
    features = dsp.frame_features(D, sr=SR, n_mels=30)
    mel = librosa.feature.melspectrogram(S=np.abs(D) ** 2, sr=SR, n_mels=30)
    reference = 10 * np.log10(mel + mel.max() * 1e-8).T
    np.testing.assert_allclose(features, reference, atol=1e-6)


def test_volume_normalised_features_ignore_loudness(D):
    louder = D.copy()
    louder[:, ::2] *= 10
    a = dsp.frame_features(D, sr=SR, normalize_volume=True)
    b = dsp.frame_features(louder, sr=SR, normalize_volume=True)
    np.testing.assert_allclose(a, b, atol=0.01)  # up to the -80 dB floor


def test_log_frequency_weighting_weighs_bands_by_octaves(D):
    plain = dsp.frame_features(D, sr=SR, n_mels=20)
    weighted = dsp.frame_features(D, sr=SR, n_mels=20, log_frequency_weighting=True)
    edges = np.maximum(librosa.mel_frequencies(22, fmin=0, fmax=SR / 2), 20.0)
    octaves = np.log2(edges[2:] / edges[:-2])
    np.testing.assert_allclose(weighted, plain * octaves / octaves.mean(), rtol=1e-10)


def test_pca_order_is_the_first_eigenvector_order(rng):
    features = rng.standard_normal((50, 6)) @ np.diag([5, 1, 0.5, 0.3, 0.2, 0.1])
    centred = features - features.mean(axis=0)
    _, vectors = np.linalg.eigh(centred.T @ centred)
    projection = centred @ vectors[:, -1]
    order = dsp.pca_order(features)
    reference = np.argsort(projection)
    assert np.array_equal(order, reference) or np.array_equal(order, reference[::-1])


def test_pca_recovers_the_order_of_a_shuffled_crossfade(rng):
    # a crossfade from low-band to high-band noise: one timbre axis, traversed monotonically
    import scipy.signal

    n = 2 * SR
    low = scipy.signal.sosfilt(scipy.signal.butter(6, 800, fs=SR, output="sos"), rng.standard_normal(n))
    high = scipy.signal.sosfilt(scipy.signal.butter(6, 3000, "high", fs=SR, output="sos"),
                                rng.standard_normal(n))
    mix = np.linspace(0, 1, n)
    D = librosa.stft((1 - mix) * low + mix * high, n_fft=512, hop_length=256)[:, 4:-4]
    shuffled = dsp.shuffle_frames(D, random_state=1)
    reordered, order = dsp.reorder_by_pca(shuffled, sr=SR, n_mels=40, normalize_volume=True)
    np.testing.assert_array_equal(reordered, shuffled[:, order])
    original_position = dsp.shuffle_frames(np.arange(D.shape[1])[None, :].astype(float),
                                           random_state=1)[0][order]
    rank = np.corrcoef(original_position, np.arange(original_position.size))[0, 1]
    assert abs(rank) > 0.95  # in time order, forwards or backwards


def test_constant_features_keep_the_order():
    np.testing.assert_array_equal(dsp.pca_order(np.ones((7, 3))), np.arange(7))


def test_inputs_are_not_modified(D):
    copy = D.copy()
    for fn in (dsp.keep_magnitude, dsp.real_part, dsp.flip_frequency, dsp.reverse_time):
        fn(D)
    dsp.reorder_by_pca(D, sr=SR)
    np.testing.assert_array_equal(D, copy)


def test_refuses_bad_input(D):
    with pytest.raises(ParameterTypeError, match="complex"):
        dsp.keep_magnitude(np.abs(D))
    with pytest.raises(ParameterError, match="non-negative"):
        dsp.flip_frequency(-np.abs(D))
    with pytest.raises(ParameterError, match="value"):
        dsp.constant_imaginary(D, np.nan)
