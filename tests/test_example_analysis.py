"""examples/analysis.yaml runs from the command line and writes what it says."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import scipy.signal

from audiogp import data

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_analysis_example_runs(tmp_path):
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "audiogp", "run", str(EXAMPLES / "analysis.yaml"),
                             "--out", str(out), "--quiet"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["carrier.wav", "features.npz", "logmel.png",
                                                     "metrics.json"]
    y, sr = data.example("vowels", sr=22050, duration=1.0, seed=0)
    with np.load(out / "features.npz") as features:
        psd = features["psd_psd"]
        assert psd.shape == (1 + (y.size - 110) // 110, 56)  # 5 ms blocks at 22050 Hz
        _, expected = scipy.signal.periodogram(y[:110].astype(np.float64), fs=sr, detrend=False)
        np.testing.assert_allclose(psd[0], expected, rtol=1e-4, atol=1e-6 * expected.max())
        assert features["mfcc_C"].shape[0] == 13
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics) == {"sc", "lsd", "snr"}
    assert metrics["sc"]["spectral_convergence_db"] < 0
