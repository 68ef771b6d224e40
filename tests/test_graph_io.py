"""The built-in I/O, example and STFT nodes, run in specs; librosa and soundfile as references."""

import hashlib
import json
import zipfile

import numpy as np
import pytest
import soundfile

from audiogp import graph
from audiogp.graph import parse_spec
from audiogp.graph.runner import NodeFailed
from audiogp.plugins.manager import load_registry

REGISTRY = load_registry(set())
SR = 16000


def run(text, tmp_path, folder=None, **options):
    body = "".join(f"  {line}\n" for line in text.splitlines())
    return graph.run(parse_spec("audiogp: 1\nnodes:\n" + body, source="io.yaml",
                                folder=folder or tmp_path),
                     out_dir=tmp_path / "out", registry=REGISTRY, **options)


def stereo_file(path, seconds=0.5, sr=SR, fmt=None):
    t = np.arange(int(seconds * sr)) / sr
    y = np.stack([0.5 * np.sin(2 * np.pi * 440 * t), 0.25 * np.sin(2 * np.pi * 660 * t)], axis=1)
    soundfile.write(path, y, sr, format=fmt)
    return path


# -- load ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", ["wav", "flac", "ogg"])
def test_load_resamples_like_librosa(tmp_path, suffix):
    librosa = pytest.importorskip("librosa")
    path = stereo_file(tmp_path / f"in.{suffix}")
    result = run("x: {use: load, path: in.%s, sr: 22050}\n" % suffix, tmp_path)
    signal = result.values["x"]["signal"]
    expected, expected_sr = librosa.load(path, sr=22050, res_type="soxr_hq")
    assert signal.sr == expected_sr == 22050
    assert signal.y.dtype == np.float32 and signal.y.shape == expected.shape
    np.testing.assert_allclose(signal.y, expected, atol=1e-6)


def test_load_offset_duration_channels_like_librosa(tmp_path):
    librosa = pytest.importorskip("librosa")
    path = stereo_file(tmp_path / "in.wav")
    result = run("a: {use: load, path: in.wav, sr: null, mono: false, offset: 0.1, duration: 0.2}\n"
                 "b: {use: load, path: in.wav, sr: null, channel: 1}\n", tmp_path)
    expected, _ = librosa.load(path, sr=None, mono=False, offset=0.1, duration=0.2)
    np.testing.assert_allclose(result.values["a"]["signal"].y, expected, atol=1e-7)
    right, _ = soundfile.read(path, dtype="float32")
    np.testing.assert_array_equal(result.values["b"]["signal"].y, right[:, 1])
    assert result.values["b"]["signal"].sr == SR


def test_load_checks_the_file_before_running(tmp_path):
    from audiogp.graph import SpecError

    stereo_file(tmp_path / "in.wav")
    (tmp_path / "text.wav").write_text("not audio")
    with pytest.raises(SpecError) as caught:
        run("x: {use: load, path: in.wav, channel: 2}\ny: {use: load, path: text.wav}\n"
            "z: {use: load, path: in.wav, offset: 3.5}\n", tmp_path)
    messages = [str(p) for p in caught.value.problems]
    assert "io.yaml:3:41: node 'x', parameter 'channel': channel=2 but in.wav has 2 channel(s)" in messages[0]
    assert "node 'y', parameter 'path': text.wav cannot be read as audio" in messages[1]
    assert "node 'z', parameter 'offset': offset=3.5 s is past the end of in.wav (0.500 s long)" in messages[2]


def test_load_names_the_file_and_sample_of_a_nan(tmp_path):
    y = np.zeros((SR, 2), dtype=np.float32)
    y[1234, 1] = np.nan
    soundfile.write(tmp_path / "bad.wav", y, SR, subtype="FLOAT")
    with pytest.raises(NodeFailed) as caught:
        run("x: {use: load, path: bad.wav, offset: 0.01}\ny: {use: save, input: x, path: out.wav}\n",
            tmp_path)
    message = str(caught.value)
    assert "node 'x'" in message and "bad.wav holds nan at sample 1234" in message
    assert "channel 1" in message
    assert not (tmp_path / "out" / "out.wav").exists()


def test_inputs_are_never_written(tmp_path):
    path = stereo_file(tmp_path / "in.wav")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    run("x: {use: load, path: in.wav}\ny: {use: save, input: x, path: copy.wav}\n", tmp_path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


# -- save ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, subtype, tolerance", [("a.wav", "PCM_24", 2**-22), ("a.flac", "PCM_16", 2**-14),
                                                      ("a.wav", "FLOAT", 0)])
def test_save_round_trips(tmp_path, name, subtype, tolerance):
    result = run(f"x: {{use: example, name: chirp, duration: 0.2}}\n"
                 f"o: {{use: save, input: x, path: {name}, subtype: {subtype}}}\n", tmp_path)
    y, sr = soundfile.read(tmp_path / "out" / name, dtype="float64")
    assert soundfile.info(tmp_path / "out" / name).subtype == subtype
    np.testing.assert_allclose(y, result.values["x"]["signal"].y, atol=tolerance)
    assert sr == result.values["x"]["signal"].sr


def test_save_with_overload_error_refuses_to_clip_and_keeps_the_signal(tmp_path):
    with pytest.raises(NodeFailed) as caught:
        run("x: {use: example, duration: 0.2}\ns: {use: stft, input: x}\n"
            "w: {use: istft, input: s}\n"
            "o: {use: save, input: loud, path: loud.wav, overload: error}\n"
            "loud: {use: load, path: loud_in.wav, sr: null}\n", tmp_path,
            folder=_loud_input(tmp_path))
    assert "peaks at 2" in str(caught.value) and "overload: normalize" in str(caught.value)
    assert caught.value.kept_files == [(tmp_path / "out" / "loud.unsaved.wav").resolve()]
    # Nothing else was published; the kept file holds the computed samples exactly.
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["loud.unsaved.wav"]
    kept, sr = soundfile.read(tmp_path / "out" / "loud.unsaved.wav", dtype="float64")
    original, _ = soundfile.read(tmp_path / "in" / "loud_in.wav", dtype="float64")
    assert soundfile.info(tmp_path / "out" / "loud.unsaved.wav").subtype == "FLOAT"
    np.testing.assert_array_equal(kept, original)


def test_save_normalises_an_overload_by_default_and_says_by_how_much(tmp_path):
    result = run("loud: {use: load, path: loud_in.wav, sr: null}\n"
                 "o: {use: save, input: loud, path: n.wav}\n", tmp_path,
                 folder=_loud_input(tmp_path))
    y, _ = soundfile.read(tmp_path / "out" / "n.wav", dtype="float64")
    assert np.max(np.abs(y)) == pytest.approx(0.99, abs=2**-22)
    (warning,) = result.records[1].warnings
    assert "peaks at 2" in warning and "scaled by 0.495" in warning
    assert f"{20 * np.log10(0.495):.1f} dB" in warning  # closed form: 0.99 / 2


def test_save_clips_an_overload_when_asked_and_counts_the_samples(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    t = np.arange(800) / 8000
    y = 1.5 * np.sin(2 * np.pi * 50 * t)
    soundfile.write(folder / "loud_in.wav", y, 8000, subtype="FLOAT")
    original, _ = soundfile.read(folder / "loud_in.wav", dtype="float64")
    result = run("loud: {use: load, path: loud_in.wav, sr: null}\n"
                 "o: {use: save, input: loud, path: c.wav, overload: clip}\n", tmp_path,
                 folder=folder)
    saved, _ = soundfile.read(tmp_path / "out" / "c.wav", dtype="float64")
    np.testing.assert_allclose(saved, np.clip(original, -1, 1), atol=2**-22)
    (warning,) = result.records[1].warnings
    assert f"clipped {np.count_nonzero(np.abs(original) > 1)} of 800 samples" in warning


def _loud_input(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    y = np.zeros(800)
    y[100] = 2.0
    soundfile.write(folder / "loud_in.wav", y, 8000, subtype="FLOAT")
    return folder


def test_save_normalises_to_the_peak(tmp_path):
    run("loud: {use: load, path: loud_in.wav, sr: null}\n"
        "o: {use: save, input: loud, path: n.wav, normalize: true, peak: 0.5, subtype: FLOAT}\n",
        tmp_path, folder=_loud_input(tmp_path))
    y, _ = soundfile.read(tmp_path / "out" / "n.wav")
    assert np.max(np.abs(y)) == pytest.approx(0.5)


def test_normalising_silence_keeps_silence_and_warns(tmp_path, caplog):
    folder = tmp_path / "in"
    folder.mkdir()
    soundfile.write(folder / "quiet.wav", np.zeros(100), 8000)
    result = run("q: {use: load, path: quiet.wav, sr: null}\n"
                 "o: {use: save, input: q, path: q.wav, normalize: true}\n", tmp_path, folder=folder)
    y, _ = soundfile.read(tmp_path / "out" / "q.wav")
    assert np.all(y == 0)
    assert any("silent" in w for w in result.records[1].warnings)


def test_save_refuses_unknown_formats_and_subtypes(tmp_path):
    from audiogp.graph import SpecError

    with pytest.raises(SpecError, match=r"parameter 'path': expected a file name ending in \.wav or \.flac"):
        run("x: {use: example, duration: 0.1}\no: {use: save, input: x, path: a.mp3}\n", tmp_path)
    with pytest.raises(SpecError, match="parameter 'subtype': subtype='FLOAT' is not available for FLAC"):
        run("x: {use: example, duration: 0.1}\no: {use: save, input: x, path: a.flac, subtype: FLOAT}\n",
            tmp_path)


# -- arrays, metrics, plots ----------------------------------------------------------------------

def test_save_arrays_npz_holds_arrays_and_settings(tmp_path):
    result = run("x: {use: example, duration: 0.2}\ns: {use: stft, input: x, n_fft: 256}\n"
                 "a: {use: save_arrays, input: [x, s], path: a.npz}\n"
                 "b: {use: save_arrays, input: s, path: b.npy}\n", tmp_path)
    with np.load(tmp_path / "out" / "a.npz") as archive:
        np.testing.assert_array_equal(archive["x_y"], result.values["x"]["signal"].y)
        np.testing.assert_array_equal(archive["s_S"], result.values["s"]["spectrogram"].S)
        assert int(archive["s_n_fft"]) == 256 and int(archive["s_sr"]) == 22050
        assert str(archive["s_window"]) == "hann"
    np.testing.assert_array_equal(np.load(tmp_path / "out" / "b.npy"), result.values["s"]["spectrogram"].S)
    assert {i.date_time for i in zipfile.ZipFile(tmp_path / "out" / "a.npz").infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_metrics_json(tmp_path):
    from audiogp.plugins import NodeType, Port, hookimpl
    from audiogp.types import Metrics, Signal

    class Plugin:
        @hookimpl
        def register_metrics(self, register):
            register(NodeType("peak", lambda ctx, *, input: Metrics({"peak": float(np.max(np.abs(input.y))),
                                                                      "bad": float("nan")}),
                              inputs=[Port("input", Signal)], outputs=[Port("m", Metrics)]))

    registry = load_registry(set(), plugins=[Plugin()])
    graph.run(parse_spec("audiogp: 1\nnodes:\n  x: {use: example, duration: 0.2}\n"
                         "  p: {use: peak, input: x}\n  j: {use: metrics_json, input: [p], path: m.json}\n"),
              out_dir=tmp_path, registry=registry)
    document = json.loads((tmp_path / "m.json").read_text())
    assert document == {"p": {"peak": pytest.approx(0.5), "bad": None}}


@pytest.mark.parametrize("source", ["s", "x"])
def test_plot_writes_a_png_of_the_requested_size(tmp_path, source):
    import matplotlib.image

    run(f"x: {{use: example, duration: 0.2}}\ns: {{use: stft, input: x, n_fft: 256}}\n"
        f"p: {{use: plot, input: {source}, path: p.png, dpi: 50, width: 4, height: 3, y_axis: log}}\n", tmp_path)
    data = (tmp_path / "out" / "p.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert matplotlib.image.imread(tmp_path / "out" / "p.png").shape[:2] == (150, 200)


# -- example, stft, istft --------------------------------------------------------------------------

def test_example_node_is_the_library_example(tmp_path):
    from audiogp import data

    result = run("x: {use: example, name: tones, sr: 8000, duration: 0.25, seed: 3}\n", tmp_path)
    expected, _ = data.example("tones", sr=8000, duration=0.25, seed=3)
    np.testing.assert_array_equal(result.values["x"]["signal"].y, expected)


def test_stft_node_matches_librosa_and_istft_inverts_it(tmp_path):
    librosa = pytest.importorskip("librosa")
    result = run("x: {use: example, duration: 0.3}\n"
                 "s: {use: stft, input: x, n_fft: 512, hop_length: 100, win_length: 400, window: hamming}\n"
                 "w: {use: istft, input: s}\n", tmp_path)
    y = result.values["x"]["signal"].y
    spectrogram = result.values["s"]["spectrogram"]
    expected = librosa.stft(y, n_fft=512, hop_length=100, win_length=400, window="hamming")
    np.testing.assert_allclose(spectrogram.S, expected, atol=1e-4 * np.abs(expected).max())
    geometry = spectrogram.geometry
    assert (geometry.n_fft, geometry.hop_length, geometry.win_length, geometry.length) == (512, 100, 400, y.size)
    np.testing.assert_allclose(result.values["w"]["signal"].y, y, atol=1e-5)
