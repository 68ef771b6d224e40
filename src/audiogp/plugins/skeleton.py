"""``audiogp new-plugin NAME``: the skeleton of a plugin distribution, whose tests pass as written.

It writes ``audiogp-NAME/`` with a ``pyproject.toml`` (the entry point and
the audiogp version range to depend on), a package ``audiogp_NAME`` holding a
library function (numpy in, numpy out), a value type and one node type
adapting the function (registered through ``register_node_types``), tests on
:mod:`audiogp.testing` and a README. The example node measures the RMS level
of each frame of a signal, which its tests check against a closed form.
"""

import keyword
import re
from pathlib import Path
from string import Template

from audiogp.errors import UserError

__all__ = ["write_skeleton", "skeleton_files"]

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

_PYPROJECT = Template('''\
[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "audiogp-$name"
version = "0.1.0"
description = "Frame RMS level as an audiogp node type (the skeleton of audiogp new-plugin)."
readme = "README.md"
requires-python = ">=3.10"
# Plugin API $api_major.x: from the audiogp release that brought the API version used here, up to
# (not including) the next audiogp major, which alone may remove anything (docs/plugins.md).
dependencies = ["audiogp>=$audiogp_version,<$next_major", "numpy>=1.25"]

[project.optional-dependencies]
test = ["pytest>=8"]

# This makes it a plugin: audiogp loads every entry point of the group "audiogp".
[project.entry-points.audiogp]
$name = "$package"

[tool.setuptools.packages.find]
where = ["src"]
''')

_INIT = Template('''\
"""audiogp-$name: the node type ``$name``, the RMS level of each frame of a signal.

The algorithm is the library function :func:`$package.core.frame_rms` (numpy in,
numpy out); the node type only adapts it, and :class:`$value_type` carries the
result on graph edges.
"""

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from audiogp.plugins import Mismatch, NodeType, Param, Port, hookimpl
from audiogp.types import Signal, Value

__version__ = "0.1.0"


@dataclass(frozen=True, eq=False)
class $value_type(Value):
    """RMS level of each frame of a signal.

    Attributes
    ----------
    rms : numpy.ndarray, shape (..., n_frames)
        Root-mean-square amplitude of each frame (linear, not dB).
    times : numpy.ndarray, shape (n_frames,)
        Time of each frame's start, seconds.
    sr : int
        Sample rate of the analysed signal, Hz.
    frame_length, hop_length : int
        Frame length and hop, samples.
    """

    rms: np.ndarray
    times: np.ndarray
    sr: int
    frame_length: int
    hop_length: int
    attrs: Mapping[str, Any] = field(default_factory=dict)


def $function(ctx, *, input, frame_length, hop_length):
    """RMS level of each frame of a signal."""
    from $package.core import frame_rms

    rms = frame_rms(input.y, frame_length=frame_length, hop_length=hop_length)
    times = np.arange(rms.shape[-1]) * hop_length / input.sr
    return $value_type(rms, times, input.sr, frame_length, hop_length)


def frame_fits_the_signal(params, inputs):
    """Declared once: checked when the spec is validated (if the length is known) and when it runs."""
    length = inputs["input"].get("length")
    if length is not None and length < params["frame_length"]:
        raise Mismatch("frame_length", f"frame_length={params['frame_length']} is longer than the "
                                       f"input signal ({length} samples)")


$constant = NodeType(
    name="$name",
    kind="analysis",
    function=$function,
    inputs=[Port("input", Signal, "the signal")],
    outputs=[Port("levels", $value_type, "RMS per frame")],
    params=[
        Param("frame_length", int, 2048, "samples per frame", minimum=1),
        Param("hop_length", int, 512, "samples between frame starts", minimum=1),
    ],
    checks=[frame_fits_the_signal],
    # The output's facts: sr passes on from the input; these two come from the parameters.
    infer=lambda params, inputs: {"levels": {"frame_length": params["frame_length"],
                                             "hop_length": params["hop_length"]}},
)


@hookimpl
def register_node_types(register):
    register($constant)
''')

_CORE = Template('''\
"""Frame RMS level: numpy in, numpy out, nothing of graphs or plugins."""

import numpy as np

from audiogp.errors import ParameterError


def frame_rms(y, *, frame_length=2048, hop_length=512):
    """Root-mean-square amplitude of each frame of ``y``.

    Parameters
    ----------
    y : numpy.ndarray, shape (..., n)
        Real signal(s); leading axes are channels.
    frame_length : int
        Samples per frame; frame ``t`` is ``y[..., t * hop_length : t * hop_length + frame_length]``.
    hop_length : int
        Samples between frame starts.

    Returns
    -------
    numpy.ndarray, shape (..., 1 + (n - frame_length) // hop_length)
        ``sqrt(mean(frame ** 2))`` of each frame.
    """
    y = np.asarray(y)
    if y.dtype.kind != "f":
        raise ParameterError(f"y must be a floating-point signal, got dtype {y.dtype}")
    if frame_length < 1 or hop_length < 1:
        raise ParameterError(f"frame_length={frame_length} and hop_length={hop_length} must be >= 1")
    if y.shape[-1] < frame_length:
        raise ParameterError(f"y has {y.shape[-1]} samples, fewer than frame_length={frame_length}")
    frames = np.lib.stride_tricks.sliding_window_view(y, frame_length, axis=-1)[..., ::hop_length, :]
    return np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=-1))
''')

_CONFTEST = Template('''\
import pytest

# audiogp's test harness: the fixtures spec_runner, audiogp_plugins and example_signal.
pytest_plugins = ["audiogp.testing"]


@pytest.fixture
def audiogp_plugins():
    """The plugin under test, loaded whether or not it is installed."""
    import $package

    return [$package]
''')

_TEST = Template('''\
"""$package: the library function against a closed form, the node in specs, its mistakes located."""

import numpy as np
import pytest

from audiogp.testing import position, tone, white_noise

from $package import $value_type
from $package.core import frame_rms

SPEC = """
audiogp: 1
nodes:
  note:   {use: example, name: tones, sr: 8000, duration: 0.5}
  levels: {use: $name, input: note, frame_length: 400, hop_length: 200}
"""


def test_rms_of_a_sine_is_its_amplitude_over_root_two():
    # 0.5 sin at 200 Hz, sr 8000: a frame of 400 samples holds exactly 10 periods.
    levels = frame_rms(tone(200.0, sr=8000, duration=0.5, amplitude=0.5).y, frame_length=400,
                       hop_length=200)
    np.testing.assert_allclose(levels, 0.5 / np.sqrt(2), rtol=1e-12)


def test_rms_agrees_with_a_direct_computation():
    y = white_noise(sr=8000, duration=0.25, seed=3).y
    expected = [np.sqrt(np.mean(y[s:s + 256] ** 2)) for s in range(0, y.size - 255, 100)]
    np.testing.assert_allclose(frame_rms(y, frame_length=256, hop_length=100), expected)


def test_the_node_runs_in_a_spec(spec_runner):
    run = spec_runner.run(SPEC)
    levels = run["levels"]
    assert isinstance(levels, $value_type)
    np.testing.assert_allclose(levels.rms, frame_rms(run["note"].y, frame_length=400, hop_length=200))
    assert levels.times[1] == pytest.approx(200 / 8000)
    # Known before running: sr passed on from the signal, the frame settings from the node.
    assert run.facts("levels") == {"sr": 8000, "frame_length": 400, "hop_length": 200}


def test_a_frame_longer_than_the_signal_is_refused_at_its_key(spec_runner):
    # The 0.5 s note has 4000 samples: refused when the spec is validated, at the value.
    text = SPEC.replace("frame_length: 400", "frame_length: 9000")
    spec_runner.fails(text, at=position(text, "9000"), node="levels", key="frame_length",
                      match="longer than the input signal")


def test_a_bad_parameter_names_its_bound(spec_runner):
    spec_runner.fails(SPEC.replace("hop_length: 200", "hop_length: 0"), node="levels",
                      key="hop_length", match="integer >= 1")
''')

_README = Template('''\
# audiogp-$name

An [audiogp](https://github.com/audiogp/audiogp) plugin: the node type `$name`, the RMS level
of each frame of a signal, as a `$value_type` value.

```bash
pip install -e ".[test]"      # then: audiogp nodes $name
pytest tests
```

Without installing it (development): `audiogp nodes --plugin src/$package` and
`audiogp run spec.yaml --plugin src/$package`.

```yaml
audiogp: 1
nodes:
  voice:  {use: example, name: vowels}
  levels: {use: $name, input: voice, frame_length: 1024, hop_length: 256}
  out:    {use: save_arrays, input: levels, path: levels.npz}
```

Written by `audiogp new-plugin $name`; see audiogp's docs/plugins.md for what each part does.
''')


def skeleton_files(name):
    """``{relative path: text}`` of the distribution ``audiogp-NAME`` for plugin ``name``."""
    from audiogp import __version__
    from audiogp.plugins import API_VERSION

    if not isinstance(name, str) or not _NAME.match(name) or keyword.iskeyword(name):
        raise UserError(f"new-plugin: {name!r} is not a usable plugin name; give a lower-case "
                        "Python identifier (letters, digits, _; starting with a letter), e.g. "
                        "loudness")
    package = f"audiogp_{name}"
    camel = "".join(part.capitalize() for part in name.split("_") if part)
    values = dict(name=name, package=package, value_type=f"{camel}Levels",
                  function=f"{name}_node", constant=name.upper(), api_major=API_VERSION[0],
                  audiogp_version=__version__,
                  # Plugin API 1 holds through audiogp 0.x and 1.x; a major release after that.
                  next_major=max(2, int(__version__.split(".")[0]) + 1))
    return {
        "pyproject.toml": _PYPROJECT.substitute(values),
        "README.md": _README.substitute(values),
        f"src/{package}/__init__.py": _INIT.substitute(values),
        f"src/{package}/core.py": _CORE.substitute(values),
        "tests/conftest.py": _CONFTEST.substitute(values),
        f"tests/test_{name}.py": _TEST.substitute(values),
    }


def write_skeleton(name, folder="."):
    """Write ``folder/audiogp-NAME/`` (see :func:`skeleton_files`); return its path.

    Refuses to write into an existing ``audiogp-NAME`` (nothing is
    overwritten), and writes nothing if any file cannot be written.
    """
    files = skeleton_files(name)
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"new-plugin: {folder} is not a folder; --dir takes an existing folder")
    target = folder / f"audiogp-{name}"
    if target.exists():
        raise UserError(f"new-plugin: {target} exists; nothing was written (remove it, or choose "
                        "another name or --dir)")
    import shutil
    import tempfile

    # Written under a temporary name, renamed into place whole: a failure leaves nothing behind.
    staging = Path(tempfile.mkdtemp(prefix=f".audiogp-{name}-", dir=folder))
    try:
        for relative, text in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        staging.rename(target)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise UserError(f"new-plugin: cannot write {target}: {error}") from None
    return target
