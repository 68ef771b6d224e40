"""What the built-in nodes say about their outputs before running agrees with the values they make.

For every output of a pipeline through most built-in node types, each fact known when the spec
is validated (``infer``, or facts passed on) must equal the same fact read from the value the
node returned (:func:`audiogp.types.facts_of`, from the value's own fields). A fact that lied
would let a wrong spec through, or refuse a right one.
"""

import numpy as np

from audiogp.testing import run_spec, tone
from audiogp.types import facts_of

SPEC = """
audiogp: 1
seed: 0
nodes:
  v:    {use: example, name: vowels, sr: 8000, duration: 0.3}
  f:    {use: load, path: stereo.wav, sr: null, mono: false, offset: 0.01}
  bp:   {use: butter_bandpass, input: v, lowcut: 100, highcut: 3000}
  env:  {use: envelope, input: bp}
  mod:  {use: modulate, carrier: env.carrier, envelope: env.envelope}
  s:    {use: stft, input: mod, n_fft: 256, hop_length: 64, window: hamming}
  sk:   {use: stft, input: v, n_fft: 256, window: [kaiser, 8.0]}
  sf:   {use: stft, input: f, n_fft: 128, center: false}
  mag:  {use: keep_magnitude, input: s}
  rev:  {use: reverse_time, input: s}
  mel:  {use: melspectrogram, input: v, n_fft: 256, hop_length: 64, n_mels: 20, fmax: 3500}
  db:   {use: power_to_db, input: mel}
  dbl:  {use: amplitude_to_db, input: s}
  back: {use: db_to_mel, input: db}
  lin:  {use: db_to_amplitude, input: dbl}
  mf:   {use: mfcc, input: db, n_mfcc: 8}
  mfs:  {use: mfcc, input: v, n_fft: 256, hop_length: 64, n_mels: 20, n_mfcc: 8}
  ph:   {use: pghi, input: s}
  gl:   {use: griffinlim, input: s, n_iter: 2}
  is:   {use: istft, input: rev, length: 2390}
  rp:   {use: random_phase, input: s}
  m2a:  {use: mel_to_audio, input: mel, n_iter: 2}
  psd:  {use: block_periodogram, input: v, block_length: 256}
  log:  {use: log_spectrogram, input: s}
  sc:   {use: spectral_convergence, reference: s, input: gl}
"""


def _same(a, b):
    a = tuple(a) if isinstance(a, list) else a
    b = tuple(b) if isinstance(b, list) else b
    return a == b


def test_facts_known_before_running_are_those_of_the_values(tmp_path):
    stereo = tone(440.0, sr=11025, duration=0.2)
    stereo = stereo.replace(y=np.stack([stereo.y, 0.5 * stereo.y]))
    run = run_spec(SPEC, files={"stereo.wav": stereo}, folder=tmp_path, out_dir=tmp_path / "out")
    compared, wrong = 0, []
    for name, node in run.graph.nodes.items():
        for port, static in node.static.items():
            actual = facts_of(run.values[name][port])
            for fact, value in static.items():
                if value is None:
                    continue
                compared += 1
                if fact not in actual or not _same(value, actual[fact]):
                    wrong.append(f"{name}.{port}: {fact}={value!r} before running, "
                                 f"{actual.get(fact, 'absent')!r} in the value")
    assert not wrong, "\n".join(wrong)
    assert compared > 150      # the spec exercises the facts, not an empty comparison
    assert run.facts("f") == {"sr": 11025, "channels": 2, "length": 2205 - 110}
