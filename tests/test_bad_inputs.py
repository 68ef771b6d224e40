"""A table of bad inputs, each with its defined outcome, run through the real command line.

Each row gives a spec (or none), the command line, the files it needs, and
what must happen: a located error (exit 2; the message names the file and
line:column, the node or the key it points at), a warning (exit 0), or a
defined result (exit 0). No row may print a traceback.

Rows run in-process (``audiogp.cli.main`` with capsys) in a fresh folder
holding the audio files below; the broken-pipe case needs a real pipe and
runs in a subprocess.
"""

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import soundfile

from audiogp.cli import main

HEAD = "audiogp: 1\nnodes:\n"
VOICE = "  voice: {use: example, duration: 0.1}\n"
SAVE = "  out: {use: save, input: voice, path: v.wav}\n"
BASE = HEAD + VOICE + SAVE


def nodes(*lines):
    """A spec: the version key, then ``nodes:`` with these node lines (indented here)."""
    return HEAD + "".join(f"  {line}\n" for line in lines)


@dataclass
class Row:
    id: str
    spec: object  # YAML text, bytes, or None (no spec file written)
    args: tuple = ("validate", "{spec}")
    outcome: str = "error"  # "error" (exit 2), "warning" or "ok" (exit 0)
    needles: tuple = ()  # every one must be in stderr (error/warning) or stdout+stderr (ok)
    env: dict = field(default_factory=dict)
    absent: tuple = ()  # none of these may be printed
    files: tuple = ()  # paths (relative to the folder) that must exist afterwards
    no_files: tuple = ()  # ... and must not
    at: object = None  # text (or (text, n) for its n-th occurrence) the error's line:column is at


def error(id, spec, *needles, args=("validate", "{spec}"), **kw):
    return Row(id, spec, args, "error", needles, **kw)


def warning(id, spec, *needles, args=("run", "{spec}", "--out", "o"), **kw):
    return Row(id, spec, args, "warning", needles, **kw)


def ok(id, spec, *needles, args=("validate", "{spec}"), **kw):
    return Row(id, spec, args, "ok", needles, **kw)


RUN = ("run", "{spec}", "--out", "o", "--quiet")

ROWS = [
    # -- numbers and scalars as a user writes them (YAML 1.2 core schema) ----------------------
    ok("float-exponent", nodes("voice: {use: example, duration: 1e-1}", "out: {use: save, input: voice, path: v.wav}"), "valid (2 nodes)"),
    ok("float-leading-dot", nodes("voice: {use: example, duration: .1}", "out: {use: save, input: voice, path: v.wav}"), "valid"),
    ok("float-mantissa-exponent", nodes("voice: {use: example, duration: 1.0e-1}", "out: {use: save, input: voice, path: v.wav}"), "valid"),
    ok("float-1e3-is-a-number", nodes("voice: {use: example, duration: 0.1}", "f: {use: butter_lowpass, input: voice, cutoff: 1e3}", "out: {use: save, input: f, path: v.wav}"), "valid"),
    error("negative-exponent-float-out-of-range", nodes("voice: {use: example, duration: -2E-3}"), "node 'voice', parameter 'duration'", "> 0", "got -0.002", at="-2E-3"),
    ok("hex-integer", nodes("voice: {use: example, duration: 0.1, sr: 0x2000}", "out: {use: save, input: voice, path: v.wav}"), "valid"),
    error("octal-integer-below-minimum", nodes("voice: {use: example, sr: 0o17}"), "parameter 'sr'", "got 15", at="0o17"),
    error("leading-zero-is-decimal", nodes("voice: {use: example, sr: 010}"), "parameter 'sr'", "got 10"),
    error("yes-is-a-string", nodes("voice: {use: example, duration: 0.1}", "out: {use: save, input: voice, path: v.wav, normalize: yes}"), "parameter 'normalize'", "boolean", "'yes'", at="yes"),
    error("on-is-a-string", nodes("voice: {use: example, duration: 0.1}", "out: {use: save, input: voice, path: v.wav, normalize: on}"), "parameter 'normalize'", "'on'"),
    error("off-is-a-string", nodes("voice: {use: example, duration: 0.1}", "out: {use: save, input: voice, path: v.wav, normalize: off}"), "parameter 'normalize'", "'off'"),
    ok("TRUE-is-a-boolean", nodes("voice: {use: example, duration: 0.1}", "out: {use: save, input: voice, path: v.wav, normalize: TRUE}"), "valid"),
    error("float-for-integer", nodes("voice: {use: example, duration: 0.1}", "spec: {use: stft, input: voice, n_fft: 512.5}"), "parameter 'n_fft'", "integer"),
    error("nan-duration", nodes("voice: {use: example, duration: .nan}"), "parameter 'duration'", "finite"),
    error("inf-duration", nodes("voice: {use: example, duration: .inf}"), "parameter 'duration'"),
    error("string-for-integer", nodes("voice: {use: example, duration: 0.1}", "spec: {use: stft, input: voice, n_fft: '512'}"), "parameter 'n_fft'", "'512'"),
    error("huge-rate-as-float", nodes("voice: {use: load, path: mono.wav, sr: 2e9}"), "parameter 'sr'"),
    error("underscore-number-is-a-string", nodes("voice: {use: example, sr: 22_050}"), "parameter 'sr'", "'22_050'"),
    error("date-is-a-string", "audiogp: 1\nseed: 2024-01-01\nnodes:\n" + VOICE + SAVE, "seed must be a non-negative integer", at="2024-01-01"),
    error("negative-seed-in-spec", "audiogp: 1\nseed: -1\nnodes:\n" + VOICE + SAVE, "seed", at="-1"),

    # -- anchors and merge keys ------------------------------------------------------------------
    ok("merge-with-override", "audiogp: 1\ndefaults:\n  fft: &fft {n_fft: 512, hop_length: 128}\nnodes:\n" + VOICE
       + "  spec: {<<: *fft, use: stft, input: voice, n_fft: 1024}\n  w: {use: istft, input: spec}\n  out: {use: save, input: w, path: v.wav}\n", "valid (4 nodes)"),
    ok("merge-list-first-wins", "audiogp: 1\nx-a: &a {n_fft: 512}\nx-b: &b {n_fft: 256, hop_length: 64}\nnodes:\n" + VOICE
       + "  spec: {<<: [*a, *b], use: stft, input: voice}\n  w: {use: istft, input: spec}\n  out: {use: save, input: w, path: v.wav}\n", "valid"),
    ok("x-key-ignored", "audiogp: 1\nx-notes: anything at all\nnodes:\n" + VOICE + SAVE, "valid"),
    error("merge-of-a-scalar", "audiogp: 1\nnodes:\n  voice: {<<: 3, use: example}\n", "merge key", at="3, use"),
    error("merge-undefined-alias", "audiogp: 1\nnodes:\n  voice: {<<: *nope, use: example}\n", "s.yaml:3:", "undefined alias"),
    error("merge-still-refuses-duplicates", "audiogp: 1\nx-a: &a {sr: 8000}\nnodes:\n  voice: {<<: *a, use: example, sr: 16000, sr: 8000}\n" + SAVE, "s.yaml:4:", "duplicate key 'sr'"),
    error("misspelt-defaults", "audiogp: 1\ndefault: {}\nnodes:\n" + VOICE + SAVE, "unknown top-level key 'default'", "defaults", at="default:"),
    error("recursive-alias", "audiogp: 1\nx-a: &a [*a]\nnodes:\n" + VOICE + SAVE, "s.yaml:", "recursive alias"),
    error("alias-bomb", "audiogp: 1\nx-a: &a [1,1,1,1,1,1,1,1,1,1]\nx-b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nx-c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
          "x-d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\nx-e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nnodes:\n" + VOICE, "s.yaml:", "more than 100000 values"),

    # -- the document --------------------------------------------------------------------------
    error("empty-file", "", "a spec is a mapping", "nothing"),
    error("a-list", "[1, 2]\n", "a list", at="[1, 2]"),
    error("a-scalar", "hello\n", "a string", at="hello"),
    error("nodes-empty", "audiogp: 1\nnodes: {}\n", "'nodes' is empty", at="{}"),
    error("nodes-a-list", "audiogp: 1\nnodes: [voice]\n", "must be a mapping", "a list", at="[voice]"),
    error("nodes-null", "audiogp: 1\nnodes:\n", "'nodes' must be a mapping", "nothing (null)"),
    error("nodes-missing", "audiogp: 1\nseed: 0\n", "missing 'nodes:'"),
    error("version-missing", "nodes:\n" + VOICE + SAVE, "missing the version key"),
    error("version-2", "audiogp: 2\nnodes:\n" + VOICE + SAVE, "unsupported spec version 2", at="2"),
    error("version-true", "audiogp: true\nnodes:\n" + VOICE + SAVE, "unsupported spec version", at="true"),
    error("unknown-top-key", "audiogp: 1\nnode:\n" + VOICE, "unknown top-level key 'node'"),
    error("duplicate-node", BASE + VOICE, "duplicate node name 'voice'", at=("voice:", 2)),
    error("duplicate-key", nodes("voice: {use: example, sr: 8000, sr: 16000}"), "duplicate key 'sr'", at=("sr", 2)),
    error("yaml-unclosed-flow", "audiogp: 1\nnodes:\n  voice: {use: example\n", "s.yaml:", "not valid YAML"),
    error("yaml-tab-indent", "audiogp: 1\nnodes:\n\tvoice: {use: example}\n", "not valid YAML", at="\t"),
    error("yaml-bad-mapping", "audiogp: 1\nnodes: a: b\n", "s.yaml:2:", "not valid YAML"),
    error("two-documents", BASE + "---\n" + BASE, "s.yaml:", "not valid YAML"),
    error("not-utf8", b"audiogp: 1\nnodes:\n  voice: {use: example, name: caf\xe9}\n", "0xe9 is not UTF-8", at=b"\xe9"),
    ok("utf8-bom", ("\ufeff" + BASE).encode("utf-8"), "valid"),
    error("control-character", "audiogp: 1\nnodes:\n  voice: {use: \x07example}\n", "control character U+0007", at="\x07"),
    error("deep-list-5000", "audiogp: 1\nx-deep: " + "[" * 5000 + "]" * 5000 + "\nnodes:\n" + VOICE, "s.yaml:2:", "nested more than"),
    error("deep-mapping-5000", "audiogp: 1\nx-deep: " + "{a: " * 5000 + "1" + "}" * 5000 + "\nnodes:\n" + VOICE, "s.yaml:2:", "nested more than"),
    error("huge-spec", "audiogp: 1\nx-big: '" + "a" * (3 << 20) + "'\nnodes:\n" + VOICE, "MiB", "at most 1 MiB"),
    error("python-tag", "audiogp: 1\nnodes:\n  voice: !!python/object/apply:os.system ['echo hacked']\n", "not valid YAML", at="!!python"),
    error("python-name-scalar", "audiogp: 1\nnodes:\n  voice: {use: !!python/name:os.system }\n", "s.yaml:3:", "not valid YAML"),
    error("set-tag", "audiogp: 1\nnodes:\n  voice: !!set {a, b}\n", "unsupported tag", at="!!set"),
    error("mapping-key-a-list", "audiogp: 1\nnodes:\n  ? [a, b]\n  : {use: example}\n", "s.yaml:3:", "plain value"),

    # -- nodes, keys, edges ----------------------------------------------------------------------
    error("node-not-a-mapping", nodes("voice: example"), "node 'voice'", "expected a mapping", at="example"),
    error("node-without-use", nodes("voice: {name: vowels}"), "node 'voice'", "missing 'use:'"),
    error("use-not-a-string", nodes("voice: {use: 3}"), "'use' must name a node type", at="3}"),
    error("unknown-node-type", nodes("voice: {use: exampel}"), "unknown node type 'exampel'", "Did you mean 'example'", at="exampel"),
    error("unknown-key", nodes("voice: {use: example, durations: 1}"), "no parameter or input 'durations'", "duration", at="durations"),
    error("missing-input", nodes("voice: {use: example}", "spec: {use: stft}"), "node 'spec'", "missing input 'input'"),
    error("input-to-nowhere", nodes("spec: {use: stft, input: voice}"), "no node 'voice'", at="voice"),
    error("wrong-output-port", nodes("voice: {use: example}", "spec: {use: stft, input: voice.nope}"), "has no output 'nope'"),
    error("type-mismatch", nodes("voice: {use: example}", "spec: {use: stft, input: voice}", "again: {use: stft, input: spec}"), "node 'again'", "gives ComplexSpectrogram"),
    error("cycle", nodes("a: {use: butter_lowpass, input: b, cutoff: 1000}", "b: {use: butter_lowpass, input: a, cutoff: 1000}"), "cycle"),
    error("node-name-with-dot", nodes("my.voice: {use: example}"), "node name 'my.voice'", at="my.voice"),
    error("list-for-single-input", nodes("voice: {use: example}", "spec: {use: stft, input: [voice, voice]}"), "takes one source"),
    error("required-parameter", nodes("voice: {use: example}", "f: {use: butter_lowpass, input: voice}"), "missing required parameter 'cutoff'"),

    # -- parameters known before running ---------------------------------------------------------
    error("unknown-window", nodes("voice: {use: example}", "spec: {use: stft, input: voice, window: hanning2}"), "parameter 'window'", "'hanning2'", at="hanning2"),
    error("window-without-parameter", nodes("voice: {use: example}", "spec: {use: stft, input: voice, window: [kaiser]}"), "parameter 'window'", "kaiser"),
    error("mel-unknown-window", nodes("voice: {use: example}", "mel: {use: melspectrogram, input: voice, window: boxcars}"), "node 'mel', parameter 'window'"),
    error("psd-unknown-window", nodes("voice: {use: example}", "psd: {use: block_periodogram, input: voice, window: nope}"), "node 'psd', parameter 'window'"),
    ok("known-window-tuple", nodes("voice: {use: example, duration: 0.1}", "spec: {use: stft, input: voice, window: [kaiser, 8.0]}", "w: {use: istft, input: spec}", "out: {use: save, input: w, path: v.wav}"), "valid"),
    error("win-length-over-n-fft", nodes("voice: {use: example}", "spec: {use: stft, input: voice, n_fft: 512, win_length: 1024}"), "parameter 'win_length'", "must be <= n_fft=512", at="1024"),
    error("mfcc-win-length-over-n-fft", nodes("voice: {use: example}", "m: {use: mfcc, input: voice, n_fft: 256, win_length: 512}"), "node 'm', parameter 'win_length'"),
    error("n-fft-zero", nodes("voice: {use: example}", "spec: {use: stft, input: voice, n_fft: 0}"), "parameter 'n_fft'", ">= 1"),
    error("hop-negative", nodes("voice: {use: example}", "spec: {use: stft, input: voice, hop_length: -1}"), "parameter 'hop_length'"),
    error("peak-above-one", nodes("voice: {use: example}", "out: {use: save, input: voice, path: v.wav, normalize: true, peak: 2}"), "parameter 'peak'", "<= 1"),
    error("choice-misspelt", nodes("voice: {use: example, name: vowel}"), "parameter 'name'", "Did you mean 'vowels'"),

    # -- input files -----------------------------------------------------------------------------
    error("input-missing", nodes("voice: {use: load, path: nope.wav}"), "'nope.wav' does not exist", "spec's folder", at="nope.wav"),
    error("input-is-a-folder", nodes("voice: {use: load, path: folder.wav}"), "is a folder"),
    error("input-empty-file", nodes("voice: {use: load, path: empty.wav}"), "is empty (0 bytes", at="empty.wav"),
    error("input-no-samples", nodes("voice: {use: load, path: zero.wav}"), "holds no samples", at="zero.wav"),
    error("input-not-audio", nodes("voice: {use: load, path: text.wav}"), "cannot be read as audio", at="text.wav"),
    error("input-nul", nodes('voice: {use: load, path: "mo\\0no.wav"}'), "NUL character", at='"mo'),
    error("input-symlink-loop", nodes("voice: {use: load, path: loop.wav}"), "node 'voice'", at="loop.wav"),
    error("input-home-missing", nodes("voice: {use: load, path: ~/absent.wav}"), "does not exist", "home/absent.wav"),
    ok("input-home-expanded", nodes("voice: {use: load, path: ~/mono.wav}", "out: {use: save, input: voice, path: v.wav}"), "valid"),
    error("channel-past-last", nodes("voice: {use: load, path: stereo.wav, channel: 2}"), "parameter 'channel'", "2 channel(s)", at="2}"),
    error("offset-past-end", nodes("voice: {use: load, path: mono.wav, offset: 5}"), "parameter 'offset'", "past the end"),
    error("offset-at-end", nodes("voice: {use: load, path: mono.wav, offset: 0.5}"), "parameter 'offset'", "at the end"),
    error("nan-samples", nodes("voice: {use: load, path: nan.wav}", "out: {use: save, input: voice, path: v.wav}"), "node 'voice'", "nan at sample 100", args=RUN, no_files=("o/v.wav",)),
    warning("antiphase-stereo", nodes("voice: {use: load, path: anti.wav}", "out: {use: save, input: voice, path: v.wav}"), "warning: voice:", "cancel when averaged to mono", "channel: 0", files=("o/v.wav",)),
    ok("antiphase-one-channel", nodes("voice: {use: load, path: anti.wav, channel: 0}", "out: {use: save, input: voice, path: v.wav}"), args=RUN, absent=("cancel",), files=("o/v.wav",)),
    warning("wav-cut-short", nodes("voice: {use: load, path: cut.wav}", "out: {use: save, input: voice, path: v.wav}"), "warning: voice:", "cut short", "promises 8000 samples", files=("o/v.wav",)),
    ok("set-path-from-current-folder", "audiogp: 1\nnodes:\n  voice: {use: load, path: nope.wav}\n  out: {use: save, input: voice, path: v.wav}\n",
       "valid", args=("validate", "sub/s.yaml", "--set", "voice.path=mono.wav")),
    error("set-path-missing-says-current-folder", BASE, "--set voice.path=nope.wav", "current folder", args=("validate", "{spec}", "--set", "voice.path=nope.wav")),
    ok("spec-path-from-spec-folder", "audiogp: 1\nnodes:\n  voice: {use: load, path: inner.wav}\n  out: {use: save, input: voice, path: v.wav}\n",
       "valid", args=("validate", "sub/s.yaml")),
    ok("example-node-on-a-file", BASE, "valid", args=("validate", "{spec}", "--set", "voice.path=stereo.wav")),

    # -- output files and folders ----------------------------------------------------------------
    error("output-only-extension", nodes("voice: {use: example}", "out: {use: save, input: voice, path: .wav}"), "only an extension", at=".wav}"),
    error("output-nul", nodes("voice: {use: example}", 'out: {use: save, input: voice, path: "a\\0.wav"}'), "NUL character", at='"a'),
    error("output-name-too-long", nodes("voice: {use: example}", "out: {use: save, input: voice, path: " + "a" * 300 + ".wav}"), "bytes long", "at most", at="aaaa"),
    error("output-outside", nodes("voice: {use: example}", "out: {use: save, input: voice, path: ../v.wav}"), "leads outside the output folder"),
    error("output-absolute", nodes("voice: {use: example}", "out: {use: save, input: voice, path: /tmp/v.wav}"), "leads outside the output folder"),
    error("output-wrong-suffix", nodes("voice: {use: example}", "out: {use: save, input: voice, path: v.mp3}"), "parameter 'path'", ".wav or .flac"),
    error("output-twice", nodes("voice: {use: example}", "a: {use: save, input: voice, path: v.wav}", "b: {use: save, input: voice, path: v.wav}"), "also written by node 'a'"),
    error("output-exists", BASE, "exists; pass --force", args=("run", "{spec}", "--out", "full"), files=("full/v.wav",)),
    ok("output-exists-forced", BASE, args=("run", "{spec}", "--out", "full", "--force", "--quiet"), files=("full/v.wav",)),
    error("out-is-a-file", BASE, "is a file", args=("run", "{spec}", "--out", "mono.wav")),
    error("out-under-a-file", BASE, "mono.wav is a file", args=("run", "{spec}", "--out", "mono.wav/sub")),
    error("out-not-writable", BASE, "/sys/audiogp-test", "not writable", args=("run", "{spec}", "--out", "/sys/audiogp-test")),
    error("validate-out-not-writable", BASE, "not writable", args=("validate", "{spec}", "--out", "/sys/audiogp-test")),
    error("out-empty", BASE, "--out is empty", args=("run", "{spec}", "--out", "")),
    error("out-blank", BASE, "--out is empty", args=("run", "{spec}", "--out", "  ")),
    ok("out-home-expanded", BASE, args=("run", "{spec}", "--out", "~/results", "--quiet"), files=("home/results/v.wav",), no_files=("~",)),
    ok("out-relative-to-current-folder", BASE, args=("run", "sub/s.yaml", "--out", "here", "--quiet"), files=("here/v.wav",), no_files=("sub/here",)),

    # -- command lines ---------------------------------------------------------------------------
    error("workers-zero", BASE, "--workers 0", "at least 1", args=("run", "{spec}", "--workers", "0")),
    error("workers-negative", BASE, "--workers -2", args=("run", "{spec}", "--workers", "-2")),
    ok("workers-one", BASE, args=("run", "{spec}", "--out", "o", "--workers", "1", "--quiet"), files=("o/v.wav",)),
    error("seed-negative", BASE, "--seed -1", "non-negative", args=("run", "{spec}", "--seed", "-1")),
    error("seed-not-a-number", BASE, "--seed", "invalid int value", args=("run", "{spec}", "--seed", "x")),
    error("spec-missing", None, "no such spec file", args=("validate", "absent.yaml")),
    error("spec-is-a-folder", None, "is a folder, not a spec file", args=("validate", "sub")),
    error("unknown-command", None, "invalid choice", args=("runn", "x.yaml")),
    error("set-without-equals", BASE, "--set voice", "expected NODE.KEY=VALUE", args=("validate", "{spec}", "--set", "voice")),
    error("set-without-key", BASE, "expected NODE.KEY=VALUE", args=("validate", "{spec}", "--set", "voice=1")),
    error("set-unknown-node", BASE, "no node 'voic'", "voice", args=("validate", "{spec}", "--set", "voic.sr=8000")),
    error("set-bad-yaml", BASE, "not valid YAML", args=("validate", "{spec}", "--set", "voice.sr=[")),
    ok("set-core-schema-float", BASE, "valid", args=("validate", "{spec}", "--set", "voice.duration=1e-1")),
    error("set-yes-is-a-string", BASE, "--set out.normalize=yes", "'yes'", args=("validate", "{spec}", "--set", "out.normalize=yes")),
    error("set-unknown-key", BASE, "--set voice.durationn=1", "no parameter or input 'durationn'", args=("validate", "{spec}", "--set", "voice.durationn=1")),
    warning("unknown-plugin-name", BASE, "AUDIOGP_PLUGINS names 'no-such-plugin'", "ignored", args=("validate", "{spec}"), env={"AUDIOGP_PLUGINS": "no-such-plugin"}),
    ok("builtin-plugins-only", BASE, "valid", env={"AUDIOGP_PLUGINS": "builtin"}, absent=("warning",)),
    warning("nothing-saved-run", nodes("voice: {use: example, duration: 0.1}"), "saves nothing", "{use: save"),
    warning("nothing-saved-validate", nodes("voice: {use: example, duration: 0.1}"), "saves nothing", args=("validate", "{spec}")),
    error("nodes-unknown-name", None, "no node type or value type 'nosuch'", args=("nodes", "nosuch")),

    # -- library warnings reach the terminal as audiogp warnings --------------------------------
    warning("empty-mel-bands", nodes("voice: {use: example, duration: 0.1}", "mel: {use: melspectrogram, input: voice, n_fft: 128, n_mels: 128}", "out: {use: save_arrays, input: mel, path: m.npz}"),
            "warning: mel:", "contain no FFT bin", "audiogp nodes melspectrogram", absent=(".py", "UserWarning"), files=("o/m.npz",)),
    ok("load-a-section-keeps-its-rate", nodes("voice: {use: load, path: mono.wav, sr: null, offset: 0.1, duration: 0.2}", "out: {use: save, input: voice, path: v.wav}"),
       args=RUN, files=("o/v.wav",)),
]


def position_of(text, at):
    """``line:column`` (1-based) of ``at`` in ``text``, by plain search: the independent
    reference for where an error must point."""
    needle, occurrence = at if isinstance(at, tuple) else (at, 1)
    if isinstance(text, bytes) and isinstance(needle, str):
        needle = needle.encode("utf-8")
    newline = b"\n" if isinstance(text, bytes) else "\n"
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    line = text.count(newline, 0, index) + 1
    column = index - (text.rfind(newline, 0, index) + 1) + 1
    return f"{line}:{column}"


def _write_audio(folder):
    sr = 8000
    t = np.arange(sr // 2) / sr
    tone = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    soundfile.write(folder / "mono.wav", tone, sr)
    soundfile.write(folder / "stereo.wav", np.stack([tone, 0.5 * tone], axis=1), sr)
    soundfile.write(folder / "anti.wav", np.stack([tone, -tone], axis=1), sr, subtype="FLOAT")
    bad = tone.copy()
    bad[100] = np.nan
    soundfile.write(folder / "nan.wav", bad, sr, subtype="FLOAT")
    soundfile.write(folder / "zero.wav", np.zeros(0, np.float32), sr)
    soundfile.write(folder / "whole.wav", np.tile(tone, 2), sr, subtype="PCM_16")  # 8000 samples
    whole = (folder / "whole.wav").read_bytes()
    (folder / "cut.wav").write_bytes(whole[: len(whole) // 2])  # header still promises 8000
    (folder / "empty.wav").write_bytes(b"")
    (folder / "text.wav").write_text("this is not audio\n")
    (folder / "folder.wav").mkdir()
    os.symlink("loop.wav", folder / "loop.wav")
    (folder / "sub").mkdir()
    soundfile.write(folder / "sub" / "inner.wav", tone, sr)
    (folder / "home").mkdir()
    soundfile.write(folder / "home" / "mono.wav", tone, sr)
    (folder / "full").mkdir()
    (folder / "full" / "v.wav").write_bytes(b"an earlier output")


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    _write_audio(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("AUDIOGP_PLUGINS", raising=False)
    return tmp_path


def run_row(row, folder, capsys, monkeypatch):
    for name, value in row.env.items():
        monkeypatch.setenv(name, value)
    if row.spec is not None:
        data = row.spec if isinstance(row.spec, bytes) else row.spec.encode("utf-8")
        (folder / "s.yaml").write_bytes(data)
        (folder / "sub" / "s.yaml").write_bytes(data)
    argv = [a.replace("{spec}", "s.yaml") for a in row.args]
    try:
        status = main(argv)
    except SystemExit as exit:  # argparse's own refusals
        status = exit.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_there_are_at_least_a_hundred_rows():
    assert len(ROWS) >= 100
    assert len({row.id for row in ROWS}) == len(ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_bad_input(row, workdir, capsys, monkeypatch):
    before = (workdir / "full" / "v.wav").read_bytes()
    status, out, err = run_row(row, workdir, capsys, monkeypatch)
    printed = out + err
    assert "Traceback" not in printed and 'File "' not in printed, printed
    if row.outcome == "error":
        assert status == 2, f"expected a user error (exit 2), got {status}:\n{printed}"
        assert err.startswith("audiogp: error:") or "usage:" in err, err
    else:
        assert status == 0, f"expected success, got {status}:\n{printed}"
    if row.outcome == "warning":
        assert "warning" in err, err
    for needle in row.needles:
        assert needle in (err if row.outcome != "ok" else printed), f"{needle!r} not in:\n{printed}"
    for needle in row.absent:
        assert needle not in printed, f"{needle!r} printed:\n{printed}"
    if row.at is not None:
        assert f"s.yaml:{position_of(row.spec, row.at)}:" in err, err
    for path in row.files:
        assert (workdir / path).exists(), f"{path} was not written"
    for path in row.no_files:
        assert not (workdir / path).exists(), f"{path} was written"
    if "--force" not in row.args:
        assert (workdir / "full" / "v.wav").read_bytes() == before, "an existing output was replaced"
    for name in ("mono.wav", "stereo.wav", "anti.wav"):
        assert soundfile.info(str(workdir / name)).frames > 0  # inputs are never written


def test_broken_pipe_is_quiet(tmp_path):
    """``audiogp nodes | head -1`` through a real pipe: no traceback, exit 0 or 141."""
    reader = subprocess.Popen(["head", "-c", "1"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    writer = subprocess.run([sys.executable, "-m", "audiogp", "nodes"], stdout=reader.stdin,
                            stderr=subprocess.PIPE, text=True, timeout=300,
                            env={**os.environ, "AUDIOGP_PLUGINS": "builtin"})
    reader.stdin.close()
    reader.wait(timeout=60)
    assert writer.returncode in (0, 141), writer.stderr
    assert writer.stderr == "", writer.stderr
