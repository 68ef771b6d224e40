"""Analysis node types run in specs, checked against librosa, SciPy and NumPy."""

import librosa
import numpy as np
import pytest
import scipy.signal

from audiogp import graph
from audiogp.graph import SpecError
from audiogp.types import BlockPSD, DecibelSpectrogram, MelBank, MelSpectrogram, Signal


def run(tmp_path, nodes):
    text = "audiogp: 1\nseed: 0\nnodes:\n" + "".join(f"  {line}\n" for line in nodes)
    return graph.run_text(text, out_dir=tmp_path, builtins_only=True).values


VOICE = "voice: {use: example, name: vowels, sr: 16000, duration: 0.5}"


def test_melspectrogram_and_mfcc_nodes_match_librosa(tmp_path):
    values = run(tmp_path, [
        VOICE,
        "mel: {use: melspectrogram, input: voice, n_fft: 1024, hop_length: 256, n_mels: 40}",
        "cc: {use: mfcc, input: voice, n_fft: 1024, hop_length: 256, n_mels: 40, n_mfcc: 13, "
        "lifter: 22}",
        "logmel: {use: power_to_db, input: mel}",
        "cc2: {use: mfcc, input: logmel, n_mfcc: 13, lifter: 22}",
    ])
    y = values["voice"]["signal"].y
    mel = values["mel"]["mel"]
    assert isinstance(mel, MelSpectrogram)
    assert mel.mel == MelBank(sr=16000, n_fft=1024, n_mels=40)
    assert (mel.geometry.n_fft, mel.geometry.hop_length, mel.geometry.length) == (1024, 256, y.size)
    expected = librosa.feature.melspectrogram(y=y, sr=16000, n_fft=1024, hop_length=256, n_mels=40)
    np.testing.assert_allclose(mel.S, expected, rtol=1e-4, atol=1e-6 * expected.max())
    expected_cc = librosa.feature.mfcc(y=y, sr=16000, n_fft=1024, hop_length=256, n_mels=40,
                                       n_mfcc=13, lifter=22)
    for node in ("cc", "cc2"):
        cc = values[node]["mfcc"]
        assert cc.n_mfcc == 13 and cc.lifter == 22 and cc.mel.n_mels == 40
        assert np.max(np.abs(cc.C - expected_cc)) <= 1e-3 * np.ptp(expected_cc)


def test_mel_from_an_stft_node_uses_its_geometry(tmp_path):
    values = run(tmp_path, [
        VOICE,
        "spec: {use: stft, input: voice, n_fft: 512, hop_length: 128}",
        "mel: {use: melspectrogram, input: spec, n_mels: 32, power: 1.0}",
    ])
    y = values["voice"]["signal"].y
    expected = librosa.feature.melspectrogram(y=y, sr=16000, n_fft=512, hop_length=128, n_mels=32,
                                              power=1.0)
    mel = values["mel"]["mel"]
    assert mel.power == 1.0 and mel.geometry.hop_length == 128
    np.testing.assert_allclose(mel.S, expected, rtol=1e-4, atol=1e-6 * expected.max())


def test_conflicting_stft_settings_are_reported_when_the_spec_loads(tmp_path):
    with pytest.raises(SpecError, match="n_fft=1024 but the input spectrogram was made with "
                                         "n_fft=512"):
        run(tmp_path, [
            VOICE,
            "spec: {use: stft, input: voice, n_fft: 512}",
            "mel: {use: melspectrogram, input: spec, n_fft: 1024}",
        ])


def test_db_nodes_match_librosa_and_invert(tmp_path):
    values = run(tmp_path, [
        VOICE,
        "spec: {use: stft, input: voice, n_fft: 512, hop_length: 128}",
        "db: {use: amplitude_to_db, input: spec, ref: max, top_db: null}",
        "mag: {use: db_to_amplitude, input: db}",
        "mel: {use: melspectrogram, input: voice, n_fft: 512, hop_length: 128, n_mels: 30}",
        "logmel: {use: power_to_db, input: mel, ref: max, top_db: 60}",
        "mel_back: {use: db_to_mel, input: logmel}",
    ])
    D = values["spec"]["spectrogram"].S
    db = values["db"]["db"]
    assert isinstance(db, DecibelSpectrogram) and db.power == 1.0
    assert db.ref == pytest.approx(np.abs(D).max())
    np.testing.assert_allclose(db.S, librosa.amplitude_to_db(np.abs(D), ref=np.max, top_db=None),
                               atol=1e-3)
    magnitude = values["mag"]["spectrogram"]
    floor = 1e-5  # amplitude_to_db's amin
    np.testing.assert_allclose(magnitude.S, np.maximum(np.abs(D), floor), rtol=1e-4)
    mel = values["mel"]["mel"].S
    logmel = values["logmel"]["db"]
    assert logmel.mel is not None and logmel.top_db == 60
    np.testing.assert_allclose(logmel.S, librosa.power_to_db(mel, ref=np.max, top_db=60), atol=1e-3)
    back = values["mel_back"]["mel"].S
    kept = logmel.S > logmel.S.max() - 60  # unclipped bins come back
    np.testing.assert_allclose(back[kept], mel[kept], rtol=1e-4)


def test_db_nodes_refuse_the_wrong_power_when_the_spec_loads(tmp_path):
    with pytest.raises(SpecError, match="use the amplitude_to_db node"):
        run(tmp_path, [
            VOICE,
            "mel: {use: melspectrogram, input: voice, power: 1.0}",
            "db: {use: power_to_db, input: mel}",
        ])
    with pytest.raises(SpecError, match="db_to_mel"):
        run(tmp_path, [
            VOICE,
            "mel: {use: melspectrogram, input: voice}",
            "db: {use: power_to_db, input: mel}",
            "back: {use: db_to_power, input: db}",
        ])


def test_log_spectrogram_node(tmp_path):
    values = run(tmp_path, [
        VOICE,
        "spec: {use: stft, input: voice, n_fft: 512}",
        "log: {use: log_spectrogram, input: spec, thresh: 3}",
    ])
    magnitude = np.abs(values["spec"]["spectrogram"].S)
    expected = 20 * np.maximum(np.log10(magnitude / magnitude.max()), -3)
    log = values["log"]["db"]
    np.testing.assert_allclose(log.S, expected, rtol=1e-5, atol=1e-4)
    assert log.ref == pytest.approx(magnitude.max()) and log.top_db == 60


def test_block_periodogram_node(tmp_path):
    values = run(tmp_path, [
        VOICE,
        "psd: {use: block_periodogram, input: voice, block_ms: 20, hop_ms: 10, window: hann}",
    ])
    y = values["voice"]["signal"].y
    psd = values["psd"]["psd"]
    assert isinstance(psd, BlockPSD)
    assert (psd.block_length, psd.hop_length, psd.sr, psd.length) == (320, 160, 16000, y.size)
    freqs, _, expected = scipy.signal.spectrogram(y.astype(np.float64), fs=16000, window="hann",
                                                  nperseg=320, noverlap=160, detrend=False)
    np.testing.assert_allclose(psd.freqs, freqs)
    np.testing.assert_allclose(psd.psd, expected.T, rtol=1e-4, atol=1e-6 * expected.max())


@pytest.mark.parametrize("method", ["rolling_std", "hilbert"])
def test_envelope_and_modulate_nodes_give_back_the_signal(tmp_path, method):
    values = run(tmp_path, [
        VOICE,
        f"env: {{use: envelope, input: voice, method: {method}, frame_length: 160}}",
        "back: {use: modulate, carrier: env.carrier, envelope: env.envelope}",
    ])
    y = values["voice"]["signal"].y
    envelope = values["env"]["envelope"].y
    assert np.all(envelope >= 1e-3)
    if method == "rolling_std":
        t = 4000
        assert envelope[t] == pytest.approx(max(np.std(y[t - 80:t + 80]), 1e-3), rel=1e-4)
    np.testing.assert_allclose(values["back"]["signal"].y, y, rtol=1e-6, atol=1e-9)


def test_butterworth_nodes_match_scipy(tmp_path):
    values = run(tmp_path, [
        VOICE,
        "band: {use: butter_bandpass, input: voice, lowcut: 300, highcut: 3400, order: 4}",
        "low: {use: butter_lowpass, input: voice, cutoff: 1000, zero_phase: true}",
        "high: {use: butter_highpass, input: voice, cutoff: 1000, order: 2}",
    ])
    y = values["voice"]["signal"].y.astype(np.float64)
    cases = {
        "band": scipy.signal.sosfilt(scipy.signal.butter(4, [300, 3400], "bandpass", fs=16000,
                                                         output="sos"), y),
        "low": scipy.signal.sosfiltfilt(scipy.signal.butter(5, 1000, "lowpass", fs=16000,
                                                            output="sos"), y),
        "high": scipy.signal.sosfilt(scipy.signal.butter(2, 1000, "highpass", fs=16000,
                                                         output="sos"), y),
    }
    for node, expected in cases.items():
        out = values[node]["signal"]
        assert isinstance(out, Signal) and out.sr == 16000
        np.testing.assert_allclose(out.y, expected, atol=1e-6)


def test_cut_above_nyquist_names_the_node_when_the_spec_loads(tmp_path):
    with pytest.raises(SpecError, match=r"'band'.*highcut=9000 Hz is outside \(0, sr/2\)"):
        run(tmp_path, [
            VOICE,
            "band: {use: butter_bandpass, input: voice, lowcut: 300, highcut: 9000}",
        ])


def test_type_mismatch_is_caught_when_the_spec_loads(tmp_path):
    with pytest.raises(SpecError, match="mfcc"):
        run(tmp_path, [
            VOICE,
            "spec: {use: stft, input: voice}",
            "cc: {use: mfcc, input: spec}",
        ])
