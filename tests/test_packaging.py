"""The installed package: compiled core inside audiogp, lazy subpackages."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import audiogp


def test_core_is_compiled_and_inside_the_package():
    import audiogp._core.stft as kernels

    assert kernels.__name__ == "audiogp._core.stft"
    assert Path(kernels.__file__).suffix in (".so", ".pyd")
    package_dir = Path(audiogp.__file__).parent
    if "site-packages" in package_dir.parts:  # an installed wheel, not an editable checkout
        assert Path(kernels.__file__).parent == package_dir / "_core"


def test_no_top_level_core_module():
    assert importlib.util.find_spec("_core") is None


def test_import_audiogp_does_not_import_scipy():
    probe = "import sys, audiogp; print('scipy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_lazy_attribute_of_unknown_name_raises_attribute_error():
    import pytest

    with pytest.raises(AttributeError, match="no_such_thing"):
        audiogp.dsp.no_such_thing  # noqa: B018
