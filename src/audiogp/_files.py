"""Safe output files: written under a temporary name, renamed into place.

A run that fails or is interrupted leaves no half-written output, and an
existing file is replaced only when the caller says so.
"""

import contextlib
import os
import tempfile
from pathlib import Path

from audiogp.errors import UserError


class OutputExistsError(UserError):
    """An output file exists and overwriting was not allowed."""


@contextlib.contextmanager
def atomic_output(path, *, force=False, suffix=None):
    """Yield a temporary path in the target's directory; rename it to ``path`` on success.

    Parameters
    ----------
    path : str or path-like
        Final location of the file.
    force : bool
        Replace an existing file at ``path``.
    suffix : str, optional
        Suffix of the temporary file (default: that of ``path``, so writers
        that infer the format from the name keep working).

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``force`` is false.
    """
    path = Path(path)
    if path.exists() and not force:
        raise OutputExistsError(f"{path} exists; pass --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=(path.suffix if suffix is None else suffix) + ".part",
        dir=path.parent,
    )
    os.close(handle)
    temporary = Path(temporary)
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
