"""Contradictions the built-in nodes find before running: each located at its key, nothing run.

Every case is a spec that would fail (or, worse, compute something meaningless)
once running; validation must report it at ``file:line:column`` with the node
and key, and run nothing.
"""

import re
import subprocess
import sys

import numpy as np
import pytest

from audiogp import graph
from audiogp.graph import SpecError
from audiogp.plugins import NodeType, Port, hookimpl
from audiogp.plugins.manager import load_registry
from audiogp.types import Signal

RAN = []


class _Tick:
    """A source with no inputs: it runs first in any spec that runs at all."""

    @hookimpl
    def register_sources(self, register):
        def tick(ctx):
            RAN.append(ctx.node)
            return Signal(np.zeros(8, np.float32), 8000)

        register(NodeType("tick", tick, outputs=[Port("signal", Signal)]))


REGISTRY = load_registry(set(), plugins=[_Tick()])
_INPUT_KEYS = ("input", "phase", "carrier", "envelope", "reference")

V16 = "voice: {use: example, sr: 16000, duration: 0.25}"          # 4000 samples
V8 = "low: {use: example, sr: 8000, duration: 0.25}"               # 2000 samples
SPEC = "spec: {use: stft, input: voice, n_fft: 512, hop_length: 128}"


def value_position(text, at):
    """(line, column) of the last value in the first occurrence of ``at`` (``"... key: value"``)."""
    index = text.index(at) + at.rindex(": ") + 2
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def check_located(tmp_path, lines, node, key, at, message):
    """Run the spec; assert one problem at ``at`` (or at the node when None), and nothing run."""
    text = "audiogp: 1\nnodes:\n  tick: {use: tick}\n" + "".join(f"  {line}\n" for line in lines)
    path = tmp_path / "s.yaml"
    path.write_text(text)
    RAN.clear()
    with pytest.raises(SpecError) as caught:
        graph.run(path, out_dir=tmp_path / "out", registry=REGISTRY)
    assert RAN == [] and not (tmp_path / "out").exists()
    problems = caught.value.problems
    assert len(problems) == 1, [str(p) for p in problems]
    problem = problems[0]
    row, column = value_position(text, at if at else f"{node}: {{")
    assert str(problem.location) == f"{path}:{row}:{column}"
    assert (problem.node, problem.key) == (node, key)
    assert problem.key_kind == ("input" if key in _INPUT_KEYS else "parameter")
    assert re.search(message, problem.message), problem.message
    return problem


CASES = {
    # -- analysis --------------------------------------------------------------------------------
    "mel n_fft repeats the spectrogram's, differently": (
        [V16, SPEC, "mel: {use: melspectrogram, input: spec, n_fft: 1024}"],
        "mel", "n_fft", "n_fft: 1024",
        r"n_fft=1024 but the input spectrogram was made with n_fft=512"),
    "mel window differs": (
        [V16, SPEC, "mel: {use: melspectrogram, input: spec, window: [kaiser, 8.0]}"],
        "mel", "window", "window: [kaiser, 8.0]", r"window=\['kaiser', 8.0\] but .* window='hann'"),
    "mel center differs": (
        [V16, SPEC, "mel: {use: melspectrogram, input: spec, center: false}"],
        "mel", "center", "center: false", r"center=False but .* center=True"),
    "mel win_length above n_fft": (
        [V16, "mel: {use: melspectrogram, input: voice, n_fft: 256, win_length: 512}"],
        "mel", "win_length", "win_length: 512", r"win_length=512 must be <= n_fft=256"),
    "mel frames outside an uncentred signal": (
        [V16, "mel: {use: melspectrogram, input: voice, n_fft: 8192, center: false}"],
        "mel", "n_fft", "n_fft: 8192", r"4000 samples, fewer than n_fft=8192"),
    "mel fmax below fmin": (
        [V16, "mel: {use: melspectrogram, input: voice, fmin: 500, fmax: 300}"],
        "mel", "fmax", "fmax: 300", r"fmax=300 must be greater than fmin=500"),
    "mel fmin above the default fmax": (
        [V16, "mel: {use: melspectrogram, input: voice, fmin: 9000}"],
        "mel", "fmin", "fmin: 9000", r"fmin=9000 .* sr / 2 = 8000 Hz"),
    "mel norm misspelt": (
        [V16, "mel: {use: melspectrogram, input: voice, norm: slanye}"],
        "mel", "norm", "norm: slanye", r"norm='slanye' is not one of 'slaney'"),
    "mfcc of a mel spectrogram given mel settings": (
        [V16, "mel: {use: melspectrogram, input: voice, n_mels: 40}",
         "cc: {use: mfcc, input: mel, n_mels: 64}"],
        "cc", "n_mels", "n_mels: 64", r"n_mels only apply to a signal input"),
    "mfcc of a linear dB spectrogram": (
        [V16, SPEC, "db: {use: power_to_db, input: spec}", "cc: {use: mfcc, input: db}"],
        "cc", "input", "input: db", r"needs a log-mel spectrogram"),
    "mfcc with more coefficients than bands (signal)": (
        [V16, "cc: {use: mfcc, input: voice, n_mels: 10, n_mfcc: 20}"],
        "cc", "n_mfcc", "n_mfcc: 20", r"n_mfcc=20 is more than the 10 mel bands"),
    "mfcc with more coefficients than bands (mel input)": (
        [V16, "mel: {use: melspectrogram, input: voice, n_mels: 16}",
         "cc: {use: mfcc, input: mel, n_mfcc: 20}"],
        "cc", "n_mfcc", "n_mfcc: 20", r"n_mfcc=20 is more than the 16 mel bands"),
    "power_to_db of magnitudes": (
        [V16, "mel: {use: melspectrogram, input: voice, power: 1.0}",
         "db: {use: power_to_db, input: mel}"],
        "db", "input", "input: mel", r"holds magnitudes \(power 1\): use the amplitude_to_db node"),
    "amplitude_to_db of power": (
        [V16, "mel: {use: melspectrogram, input: voice}", "db: {use: amplitude_to_db, input: mel}"],
        "db", "input", "input: mel", r"holds power \(power 2\): use the power_to_db node"),
    "dB reference neither a number nor max": (
        [V16, SPEC, "db: {use: power_to_db, input: spec, ref: peak}"],
        "db", "ref", "ref: peak", r"ref='peak': give a number or 'max'"),
    "db_to_power of a log-mel spectrogram": (
        [V16, "mel: {use: melspectrogram, input: voice}", "db: {use: power_to_db, input: mel}",
         "back: {use: db_to_power, input: db}"],
        "back", "input", "input: db", r"log-mel spectrogram: use the db_to_mel node"),
    "db_to_mel of a linear spectrogram": (
        [V16, SPEC, "db: {use: amplitude_to_db, input: spec}", "back: {use: db_to_mel, input: db}"],
        "back", "input", "input: db", r"has no mel filter bank"),
    "block in samples and in ms": (
        [V16, "psd: {use: block_periodogram, input: voice, block_length: 256, block_ms: 20}"],
        "psd", "block_ms", "block_ms: 20", r"give block_length .* or block_ms .*, not both"),
    "block of less than a sample": (
        [V8, "psd: {use: block_periodogram, input: low, block_ms: 0.05}"],
        "psd", "block_ms", "block_ms: 0.05", r"less than one sample at sr=8000"),
    "periodogram n_fft shorter than the block": (
        [V16, "psd: {use: block_periodogram, input: voice, block_ms: 64, n_fft: 512}"],
        "psd", "n_fft", "n_fft: 512", r"n_fft=512 must be >= block_length=1024"),
    "block longer than the signal": (
        [V16, "psd: {use: block_periodogram, input: voice, block_length: 5000}"],
        "psd", "block_length", "block_length: 5000", r"4000 samples, fewer than block_length=5000"),
    "modulate: envelope at another rate": (
        [V16, V8, "env: {use: envelope, input: low}",
         "back: {use: modulate, carrier: voice, envelope: env.envelope}"],
        "back", "envelope", "envelope: env.envelope",
        r"the carrier is at 16000 Hz but the envelope at 8000 Hz"),
    "modulate: envelope of another length": (
        [V16, "short: {use: example, sr: 16000, duration: 0.2}", "env: {use: envelope, input: short}",
         "back: {use: modulate, carrier: voice, envelope: env.envelope}"],
        "back", "envelope", "envelope: env.envelope",
        r"the carrier has 4000 samples but the envelope 3200"),
    "band edge above Nyquist": (
        [V16, "band: {use: butter_bandpass, input: voice, lowcut: 300, highcut: 9000}"],
        "band", "highcut", "highcut: 9000", r"highcut=9000 Hz is outside \(0, sr/2\) = \(0, 8000\)"),
    "band edges in the wrong order": (
        [V16, "band: {use: butter_bandpass, input: voice, lowcut: 3000, highcut: 300}"],
        "band", "highcut", "highcut: 300", r"lowcut=3000 Hz must be below highcut=300 Hz"),
    "low-pass cut above Nyquist": (
        [V8, "lp: {use: butter_lowpass, input: low, cutoff: 4000}"],
        "lp", "cutoff", "cutoff: 4000", r"cutoff=4000 Hz is outside \(0, sr/2\) = \(0, 4000\)"),
    # -- inversion -------------------------------------------------------------------------------
    "griffinlim phase from another hop": (
        [V16, SPEC, "other: {use: stft, input: voice, n_fft: 512, hop_length: 64}",
         "phase: {use: pghi, input: other}", "wave: {use: griffinlim, input: spec, phase: phase}"],
        "wave", "phase", "phase: phase",
        r"phase input was computed with hop_length=64 but the spectrogram has hop_length=128"),
    "griffinlim phase from another n_fft": (
        [V16, SPEC, "other: {use: stft, input: voice, n_fft: 1024, hop_length: 128}",
         "phase: {use: pghi, input: other}", "wave: {use: griffinlim, input: spec, phase: phase}"],
        "wave", "phase", "phase: phase", r"n_fft=1024 but the spectrogram has n_fft=512"),
    "griffinlim phase of another signal": (
        [V16, SPEC, "short: {use: example, sr: 16000, duration: 0.2}",
         "other: {use: stft, input: short, n_fft: 512, hop_length: 128}",
         "phase: {use: pghi, input: other}", "wave: {use: griffinlim, input: spec, phase: phase}"],
        "wave", "phase", "phase: phase", r"length=3200 but the spectrogram has length=4000"),
    "griffinlim length beyond the frames": (
        [V16, SPEC, "wave: {use: griffinlim, input: spec, length: 8000}"],
        "wave", "length", "length: 8000",
        r"length=8000 gives 63 frames at hop_length=128 .* the spectrogram has 32 .*4000 samples"),
    "uncentred griffinlim length shorter than a frame": (
        [V16, "spec: {use: stft, input: voice, n_fft: 512, hop_length: 128, center: false}",
         "wave: {use: griffinlim, input: spec, length: 300}"],
        "wave", "length", "length: 300", r"shorter than n_fft=512, so with center=False"),
    "griffinlim pghi start on a boxcar window": (
        [V16, "spec: {use: stft, input: voice, n_fft: 512, hop_length: 128, window: boxcar}",
         "wave: {use: griffinlim, input: spec, init: pghi}"],
        "wave", "init", "init: pghi", r"window='boxcar' is not supported by pghi"),
    "pghi of a boxcar spectrogram": (
        [V16, "spec: {use: stft, input: voice, n_fft: 512, hop_length: 128, window: boxcar}",
         "phase: {use: pghi, input: spec}"],
        "phase", "input", "input: spec", r"window='boxcar' is not supported by pghi"),
    "mel_to_audio's default pghi start on a boxcar window": (
        [V16, "mel: {use: melspectrogram, input: voice, n_fft: 512, window: boxcar, n_mels: 32}",
         "wave: {use: mel_to_audio, input: mel}"],
        "wave", "init", None, r"init='pghi' .* window='boxcar' is not supported"),
    "mel_to_audio length beyond the frames": (
        [V16, "mel: {use: melspectrogram, input: voice, n_fft: 1024, n_mels: 32}",
         "wave: {use: mel_to_audio, input: mel, length: 9000}"],
        "wave", "length", "length: 9000", r"length=9000 gives 18 frames at hop_length=512 .* has 8"),
    "mfcc_to_audio length beyond the frames": (
        [V16, "cc: {use: mfcc, input: voice, n_fft: 1024, n_mels: 32}",
         "wave: {use: mfcc_to_audio, input: cc, length: 100}"],
        "wave", "length", "length: 100", r"length=100 gives 1 frame at .* has 8"),
    "mfcc_to_audio of coefficients whose hop leaves gaps": (
        [V16, "cc: {use: mfcc, input: voice, n_fft: 512, n_mels: 32}",
         "wave: {use: mfcc_to_audio, input: cc}"],
        "wave", "input", "input: cc", r"cannot be inverted: window='hann' \(win_length=512, "
        r"n_fft=512\) with hop_length=512 does not satisfy the NOLA condition"),
    "istft of a spectrogram whose hop leaves gaps": (
        [V16, "spec: {use: stft, input: voice, n_fft: 256, hop_length: 300}",
         "wave: {use: istft, input: spec}"],
        "wave", "input", "input: spec", r"hop_length=300 does not satisfy the NOLA condition"),
    "griffinlim of a spectrogram whose hop leaves gaps": (
        [V16, "spec: {use: stft, input: voice, n_fft: 256, hop_length: 256}",
         "wave: {use: griffinlim, input: spec}"],
        "wave", "input", "input: spec", r"hop_length=256 does not satisfy the NOLA condition"),
    "random_phase length beyond the frames": (
        [V16, SPEC, "wave: {use: random_phase, input: spec, length: 2000}"],
        "wave", "length", "length: 2000", r"length=2000 gives 16 frames .* has 32"),
    # -- metrics ---------------------------------------------------------------------------------
    "spectral convergence of a signal at another rate": (
        [V16, SPEC, V8, "sc: {use: spectral_convergence, reference: spec, input: low}"],
        "sc", "input", "input: low",
        r"the input signal is at 8000 Hz but the reference spectrogram at 16000 Hz"),
    "spectral convergence of spectrograms on other grids": (
        [V16, SPEC, "other: {use: stft, input: voice, n_fft: 1024, hop_length: 128}",
         "sc: {use: spectral_convergence, reference: spec, input: other}"],
        "sc", "input", "input: other", r"input spectrogram has n_fft=1024 but the reference n_fft=512"),
    "spectral convergence of a signal of another length": (
        [V16, SPEC, "short: {use: example, sr: 16000, duration: 0.2}",
         "sc: {use: spectral_convergence, reference: spec, input: short}"],
        "sc", "input", "input: short",
        r"3200 samples, so its STFT on the reference's grid has 26 frames but the reference has 32"),
    "spectral convergence of a too short inversion": (
        [V16, SPEC, "wave: {use: istft, input: spec, length: 2000}",
         "sc: {use: spectral_convergence, reference: spec, input: wave}"],
        "sc", "input", "input: wave", r"2000 samples, .* 16 frames but the reference has 32"),
    "log-spectral distance of a mel and a linear spectrogram": (
        [V16, SPEC, "mel: {use: melspectrogram, input: spec, n_mels: 32}",
         "lsd: {use: log_spectral_distance, reference: spec, input: mel}"],
        "lsd", "input", "input: mel", r"compare a mel spectrogram with a mel spectrogram"),
    "log-spectral distance of two mel banks": (
        [V16, SPEC, "a: {use: melspectrogram, input: spec, n_mels: 32}",
         "b: {use: melspectrogram, input: spec, n_mels: 40}",
         "lsd: {use: log_spectral_distance, reference: a, input: b}"],
        "lsd", "input", "input: b", r"different filter banks \(n_mels=40 against the reference's 32\)"),
    "log-spectral distance of a signal at another rate": (
        [V16, SPEC, V8, "lsd: {use: log_spectral_distance, reference: spec, input: low}"],
        "lsd", "input", "input: low", r"at 8000 Hz but the reference spectrogram at 16000 Hz"),
    "SNR at another rate": (
        [V16, V8, "snr: {use: snr, reference: voice, input: low}"],
        "snr", "input", "input: low", r"the input is at 8000 Hz but the reference at 16000 Hz"),
    "SNR of another length": (
        [V16, "short: {use: example, sr: 16000, duration: 0.2}",
         "snr: {use: snr, reference: voice, input: short}"],
        "snr", "input", "input: short", r"the input has 3200 samples but the reference 4000"),
    "STOI at another rate": (
        [V16, V8, "stoi: {use: stoi, reference: voice, input: low}"],
        "stoi", "input", "input: low", r"at 8000 Hz but the reference at 16000 Hz"),
    # -- creative --------------------------------------------------------------------------------
    "pca features with fmax below fmin": (
        [V16, SPEC, "pca: {use: reorder_frames_pca, input: spec, fmin: 1000, fmax: 500}"],
        "pca", "fmax", "fmax: 500", r"fmax=500 must be greater than fmin=1000"),
    "a creative transform keeps the geometry it is checked against": (
        [V16, SPEC, "flip: {use: flip_frequency, input: spec}",
         "back: {use: reverse_time, input: flip}",
         "other: {use: stft, input: voice, n_fft: 512, hop_length: 64}",
         "phase: {use: pghi, input: other}", "wave: {use: griffinlim, input: back, phase: phase}"],
        "wave", "phase", "phase: phase", r"hop_length=64 but the spectrogram has hop_length=128"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_contradiction_is_located_before_running(tmp_path, case):
    lines, node, key, at, message = CASES[case]
    check_located(tmp_path, lines, node, key, at, message)


def test_stoi_of_a_stereo_file_is_refused_before_running(tmp_path):
    import soundfile

    soundfile.write(tmp_path / "two.wav", np.zeros((4000, 2)), 16000)
    check_located(tmp_path, [V16, "two: {use: load, path: two.wav, sr: null, mono: false}",
                             "stoi: {use: stoi, reference: voice, input: two}"],
                  "stoi", "input", "input: two", r"stoi takes one channel, but the input has 2")


def test_audiogp_validate_reports_every_contradiction_in_one_run(tmp_path):
    text = ("audiogp: 1\nnodes:\n"
            f"  {V16}\n  {SPEC}\n"
            "  other: {use: stft, input: voice, n_fft: 512, hop_length: 64}\n"
            "  phase: {use: pghi, input: other}\n"
            "  wave:  {use: griffinlim, input: spec, phase: phase, length: 8000}\n"
            "  mel:   {use: melspectrogram, input: spec, n_fft: 1024}\n"
            "  low:   {use: example, sr: 8000, duration: 0.25}\n"
            "  env:   {use: envelope, input: low}\n"
            "  back:  {use: modulate, carrier: voice, envelope: env.envelope}\n"
            "  sc:    {use: spectral_convergence, reference: spec, input: low}\n"
            "  out:   {use: save, input: back, path: back.wav}\n")
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    result = subprocess.run([sys.executable, "-m", "audiogp", "validate", "--builtins-only",
                             str(path)], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].endswith("4 problems found; nothing was run.")
    expected = [("phase: phase", "node 'wave', input 'phase': the phase input was computed with "
                 "hop_length=64"),
                ("n_fft: 1024", "node 'mel', parameter 'n_fft': n_fft=1024 but"),
                ("envelope: env.envelope", "node 'back', input 'envelope': the carrier is at 16000 Hz"),
                ("reference: spec, input: low", "node 'sc', input 'input': the input signal is at "
                 "8000 Hz")]
    for line, (at, words) in zip(lines[1:], expected):
        row, column = value_position(text, at)
        assert line.startswith(f"{path}:{row}:{column}: {words}"), line
    assert not (tmp_path / "out").exists()
