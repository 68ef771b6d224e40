"""Build the compiled core.

Every ``src/_core/<name>.pyx`` becomes the extension ``audiogp._core.<name>``:
adding a kernel needs no change here unless it wants Cython directives other
than ``BASE_DIRECTIVES`` (list them in ``MODULE_DIRECTIVES``).

Environment switches for developers:

``AUDIOGP_CYTHON_ANNOTATE=1``
    write Cython's HTML annotation next to each ``.pyx``.
``AUDIOGP_DEBUG_BUILD=1``
    bounds checks on, no optimisation: for chasing a crash in a kernel.
"""

import os
import sys
from pathlib import Path

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, find_packages, setup

HERE = Path(__file__).parent
CORE_DIR = Path("src") / "_core"
DEBUG = os.environ.get("AUDIOGP_DEBUG_BUILD") == "1"

BASE_DIRECTIVES = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": False,
    "initializedcheck": DEBUG,
    "cdivision": True,
    "nonecheck": False,
    "embedsignature": True,
    "freethreading_compatible": True,
}

# Per-module additions to BASE_DIRECTIVES.
MODULE_DIRECTIVES = {
    "stft": {},
}


def compile_args():
    if sys.platform == "win32":
        return ["/Od"] if DEBUG else ["/O2"]
    # No -march=native and no -ffast-math: wheels run on any CPU of their
    # architecture, and the kernels rely on IEEE NaN/Inf semantics.
    return ["-O0", "-g"] if DEBUG else ["-O3", "-g0"]


def core_extensions():
    modules = []
    for pyx in sorted((HERE / CORE_DIR).glob("*.pyx")):
        name = pyx.stem
        ext = Extension(
            f"audiogp._core.{name}",
            [str(CORE_DIR / pyx.name)],
            include_dirs=[np.get_include(), str(CORE_DIR)],
            define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_9_API_VERSION")],
            extra_compile_args=compile_args(),
        )
        directives = {**BASE_DIRECTIVES, **MODULE_DIRECTIVES.get(name, {})}
        modules += cythonize(
            [ext],
            compiler_directives=directives,
            annotate=os.environ.get("AUDIOGP_CYTHON_ANNOTATE") == "1",
            include_path=[str(CORE_DIR)],
        )
    return modules


setup(
    # The Cython sources live in src/_core but install as audiogp._core:
    # no top-level ``_core`` module ever reaches site-packages.
    package_dir={"": "src", "audiogp._core": str(CORE_DIR)},
    packages=find_packages("src", include=["audiogp", "audiogp.*"]) + ["audiogp._core"],
    package_data={"audiogp": ["py.typed"], "audiogp._core": ["*.pxd"],
                  "audiogp.codec": ["data/*.npz", "data/*.json"]},
    exclude_package_data={"audiogp._core": ["*.c", "*.html", "*.pyx"]},
    ext_modules=core_extensions(),
    zip_safe=False,
)
