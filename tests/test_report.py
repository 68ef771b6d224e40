"""report.html: its contents, its spectrograms against librosa, and the page in headless Chromium."""

import html.parser
import re
import shutil
import subprocess
import urllib.parse
from pathlib import Path

import numpy as np
import pytest
import soundfile

from audiogp.cli import main
from audiogp.corpus import manifest
from audiogp.report.spectrograms import shared_scale, spectrogram_db
from corpus_helpers import make_corpus, tone, write_spec

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SINGLE = """\
audiogp: 1
seed: 3
nodes:
  voice:   {use: example, name: vowels, sr: 8000, duration: 0.3}
  spec:    {use: stft, input: voice, n_fft: 256, hop_length: 64}
  wave:    {use: griffinlim, input: spec, init: pghi, n_iter: 2}
  quality: {use: spectral_convergence, reference: spec, input: wave}
  out:     {use: save, input: wave, path: resynth.wav}
"""


class _Elements(html.parser.HTMLParser):
    """Collects the tags, attributes and the metrics table's rows of a page."""

    def __init__(self):
        super().__init__()
        self.tags = []
        self.rows = []
        self._in_body_row = False
        self._in_tbody = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "table" and attrs.get("id") == "metrics":
            self._in_tbody = 1
        elif tag == "tbody" and self._in_tbody == 1:
            self._in_tbody = 2
        elif tag == "tr" and self._in_tbody == 2:
            self.rows.append([])
        elif tag == "td" and self._in_tbody == 2:
            self.rows[-1].append(attrs.get("data-value"))

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_tbody = 0

    def handle_data(self, data):
        if self._in_tbody == 2 and self.rows and self.rows[-1] and self.rows[-1][-1] is None:
            self.rows[-1][-1] = data.strip()


def parse(text):
    parser = _Elements()
    parser.feed(text)
    return parser


def sources(page, folder):
    """Every audio and img src of the page, as files resolved from its folder."""
    found = []
    for tag, attrs in parse(page).tags:
        if tag in ("audio", "img"):
            source = attrs["src"]
            assert not re.match(r"^[a-z]+:|^/", source), f"not a relative link: {source}"
            found.append((tag, Path(folder) / urllib.parse.unquote(source)))
    return found


def corpus_report(tmp_path, monkeypatch, bad=("corrupt",)):
    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path)
    make_corpus(tmp_path, 4, bad=bad)
    status = main(["run", "spec.yaml", "--over", "voice.path=corpus/**/*.wav", "--out", "out",
                   "--builtins-only", "--report", "--quiet"])
    return status, tmp_path / "out" / "report.html"


def test_spectrograms_match_librosa_and_share_one_scale(tmp_path):
    librosa = pytest.importorskip("librosa")
    paths = []
    for index, gain in enumerate((0.05, 0.9)):
        path = tmp_path / f"{index}.wav"
        soundfile.write(path, gain * tone(index), 8000, subtype="FLOAT")
        paths.append(path)
    images = []
    for path in paths:
        image, sr = spectrogram_db(path)
        y, _ = soundfile.read(path, dtype="float32")
        reference = np.abs(librosa.stft(y, n_fft=512, hop_length=128))  # float32 magnitudes
        assert sr == 8000 and image.shape == reference.shape
        np.testing.assert_allclose(10 ** (image / 20), reference, rtol=1e-4,
                                   atol=1e-5 * reference.max())
        images.append(image)
    vmin, vmax = shared_scale(images, range_db=80)
    loudest = max(float(image.max()) for image in images)
    assert vmax == np.ceil(loudest) and vmax - vmin == 80


def test_a_corpus_report_lists_items_failures_players_and_images(tmp_path, monkeypatch):
    status, report = corpus_report(tmp_path, monkeypatch)
    assert status == 2
    page = report.read_text()
    assert "https://" not in page and "http://" not in page  # no CDN: self-contained
    records = manifest.read_latest(tmp_path / "out")
    digest = next(iter(records.values()))["spec_hash"]
    assert digest in page and "audiogp 0.1" in page
    assert "bad/corrupt.wav" in page and "cannot be read as audio" in page
    found = sources(page, report.parent)
    audio = sorted(p.resolve() for tag, p in found if tag == "audio")
    done = [r for r in records.values() if r["status"] == "done"]
    expected = sorted([Path(r["input"]).resolve() for r in done]
                      + [(tmp_path / "out" / Path(r["item"]).with_suffix("") / "resynth.wav")
                         .resolve() for r in done])
    assert audio == expected
    assert all(p.is_file() for _, p in found)
    assert sum(tag == "img" for tag, _ in found) == len(expected)
    assert page.count('preload="none"') == len(expected)
    for node in ("voice", "spec", "wave", "quality", "out", "report"):
        assert f"<tr><td>{node}</td>" in page  # a timing row per node


def test_a_single_run_report_beside_its_outputs(tmp_path, capsys):
    (tmp_path / "single.yaml").write_text(SINGLE)
    assert main(["run", str(tmp_path / "single.yaml"), "--out", str(tmp_path / "out"),
                 "--builtins-only", "--report"]) == 0
    page = (tmp_path / "out" / "report.html").read_text()
    assert "<dd>3</dd>" in page  # the seed
    found = sources(page, tmp_path / "out")
    assert [p.name for tag, p in found if tag == "audio"] == ["resynth.wav"]
    assert all(p.is_file() for _, p in found)
    table = parse(page).rows
    assert len(table) == 1 and table[0][0] == "single.yaml"
    assert float(table[0][3]) < 0  # spectral convergence in dB of 2 iterations
    assert "report:" in capsys.readouterr().out


def chromium(url, tmp_path, *args):
    result = subprocess.run(
        [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
         "--allow-file-access-from-files", *args, url],
        capture_output=True, text=True, timeout=120)
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    return result, console


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_the_console_check_catches_a_page_with_an_error(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<html><body><script>notAFunction();</script></body></html>")
    _, console = chromium(page.as_uri(), tmp_path, "--dump-dom")
    assert any("notAFunction" in line for line in console)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_the_report_in_headless_chromium(tmp_path, monkeypatch):
    status, report = corpus_report(tmp_path, monkeypatch, bad=())
    assert status == 0
    # sorted by the metric column (index 3), largest first, through the page's own script
    result, console = chromium(report.as_uri() + "#sort=3-", tmp_path, "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    assert console == []
    dom = result.stdout
    assert 'data-ready="yes"' in dom  # the inline script ran to its end
    rows = parse(dom).rows
    values = [float(row[3]) for row in rows]
    assert len(values) == 4 and values == sorted(values, reverse=True)
    assert all(p.is_file() for _, p in sources(dom, report.parent))
    shot = tmp_path / "report.png"
    result, console = chromium(report.as_uri(), tmp_path, f"--screenshot={shot}",
                               "--window-size=1200,1600", "--hide-scrollbars")
    assert console == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")
