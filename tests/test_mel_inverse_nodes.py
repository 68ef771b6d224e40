"""The mel_to_stft, mel_to_audio, mfcc_to_mel and mfcc_to_audio node types, run in specs."""

import librosa
import numpy as np
import pytest

from audiogp import graph
from audiogp.graph import SpecError
from audiogp.types import MagnitudeSpectrogram, MelSpectrogram, Signal


def run(tmp_path, nodes):
    text = "audiogp: 1\nseed: 0\nnodes:\n" + "".join(f"  {line}\n" for line in nodes)
    return graph.run_text(text, out_dir=tmp_path, builtins_only=True).values


VOICE = "voice: {use: example, name: vowels, sr: 16000, duration: 0.5}"
MEL = "mel: {use: melspectrogram, input: voice, n_fft: 512, hop_length: 128, n_mels: 40}"


def test_mel_nodes_invert_a_mel_spectrogram(tmp_path):
    values = run(tmp_path, [
        VOICE, MEL,
        "mag: {use: mel_to_stft, input: mel}",
        "wave: {use: mel_to_audio, input: mel, n_iter: 8}",
    ])
    y = values["voice"]["signal"].y
    mel = values["mel"]["mel"]
    mag = values["mag"]["spectrogram"]
    assert isinstance(mag, MagnitudeSpectrogram) and mag.power == 1.0
    basis = librosa.filters.mel(sr=16000, n_fft=512, n_mels=40)
    # the NNLS magnitude reproduces the mel spectrogram it came from
    np.testing.assert_allclose(basis @ mag.S.astype(np.float64) ** 2, mel.S, rtol=1e-3,
                               atol=1e-6 * mel.S.max())
    wave = values["wave"]["signal"]
    assert isinstance(wave, Signal) and wave.n_samples == y.size and wave.sr == 16000
    assert np.all(np.isfinite(wave.y))


def test_mfcc_nodes_follow_the_mfcc_settings(tmp_path):
    values = run(tmp_path, [
        VOICE,
        "cc: {use: mfcc, input: voice, n_fft: 512, hop_length: 128, n_mels: 40, n_mfcc: 20, "
        "lifter: 22}",
        "mel: {use: mfcc_to_mel, input: cc}",
        "wave: {use: mfcc_to_audio, input: cc, n_iter: 4}",
    ])
    cc = values["cc"]["mfcc"]
    mel = values["mel"]["mel"]
    assert isinstance(mel, MelSpectrogram) and mel.mel.n_mels == 40
    expected = librosa.feature.inverse.mfcc_to_mel(cc.C, n_mels=40, lifter=22)
    np.testing.assert_allclose(mel.S, expected, rtol=1e-4)
    assert values["wave"]["signal"].n_samples == values["voice"]["signal"].n_samples


def test_mel_inversion_refuses_other_inputs_when_the_spec_loads(tmp_path):
    with pytest.raises(SpecError, match="takes"):
        run(tmp_path, [VOICE, "spec: {use: stft, input: voice}", "w: {use: mel_to_audio, input: spec}"])
