"""Stand-in for the graph runner until YAML pipelines land (issue #4).

``audiogp run`` executes one fixed pipeline: the built-in ``vowels``
example, its STFT, the inverse STFT, and a WAV file of the result. The spec
is read only for its ``audiogp`` version key.
"""

import time
from pathlib import Path

from audiogp.errors import UserError


def run_spec(spec_path, *, out_dir="out", force=False, quiet=False):
    """Run the fixed quickstart pipeline and write ``resynth.wav`` into ``out_dir``."""
    import numpy as np
    import soundfile
    import yaml

    from audiogp import data, dsp
    from audiogp._files import atomic_output

    spec_path = Path(spec_path)
    try:
        spec = yaml.safe_load(spec_path.read_text())
    except FileNotFoundError:
        raise UserError(f"{spec_path}: no such spec file") from None
    except yaml.YAMLError as error:
        raise UserError(f"{spec_path}: not valid YAML: {error}") from None
    if not isinstance(spec, dict) or spec.get("audiogp") != 1:
        raise UserError(f"{spec_path}: expected a mapping with 'audiogp: 1' at the top")

    started = time.perf_counter()
    y, sr = data.example("vowels")
    spectrum = dsp.stft(y, n_fft=1024, hop_length=256)
    resynth = dsp.istft(spectrum, hop_length=256, length=y.shape[-1])
    error_db = 20 * np.log10(np.linalg.norm(resynth - y) / np.linalg.norm(y) + 1e-300)
    target = Path(out_dir) / "resynth.wav"
    with atomic_output(target, force=force) as temporary:
        soundfile.write(temporary, resynth, sr, format="WAV", subtype="FLOAT")
    if not quiet:
        print(f"vowels example: {y.shape[-1] / sr:.2f} s at {sr} Hz, "
              f"STFT {spectrum.shape[0]}x{spectrum.shape[1]}, round-trip error {error_db:.1f} dB")
        print(f"wrote {target} in {time.perf_counter() - started:.2f} s")
    return 0
