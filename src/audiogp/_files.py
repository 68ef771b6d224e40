"""Safe output files, and operating-system errors told as what the user can do about them.

Three jobs, each small:

- :func:`publish` puts a finished file at its final name *without ever replacing* an
  existing one unless asked: a hard link (``link(2)`` fails with ``EEXIST`` if the
  name is taken, atomically), or, on a filesystem without hard links, an exclusive
  create (``O_CREAT | O_EXCL``) and a copy. The existence check and the creation are
  one step, so two programs writing the same name cannot both succeed.
- :func:`atomic_output` writes one file under a temporary name and publishes it
  (used outside a graph run; a run stages all its outputs first, see
  :mod:`audiogp.graph.outputs`).
- :func:`os_error_message` / :class:`EnvironmentProblem` turn an :class:`OSError`
  (disk full, read-only folder, name too long, ...) into one paragraph naming the
  path, what happened and what to do. Every errno the project explains is mapped
  here, in one place.

Files get the permissions the user's umask gives (``0o666 & ~umask``), as files
created by any other tool do.
"""

import contextlib
import errno
import os
import shutil
import tempfile
import threading
from pathlib import Path

from audiogp.errors import UserError

__all__ = ["OutputExistsError", "EnvironmentProblem", "os_error_message", "environment_error",
           "is_environment_error",
           "publish", "atomic_output", "file_mode", "current_umask", "check_path_text",
           "check_output_folder"]


class OutputExistsError(UserError):
    """An output file exists and overwriting was not allowed."""


class EnvironmentProblem(UserError):
    """The operating system refused an operation on a file (disk full, read-only folder, ...).

    Attributes
    ----------
    path : pathlib.Path or None
        The file or folder concerned.
    errno : int or None
        The operating system's error number.
    """

    def __init__(self, message, *, path=None, errno=None):
        super().__init__(message)
        self.path = path
        self.errno = errno


# errno -> (what happened, what to do). The message reads: "<action> <path> failed: <what>; <do>".
_ERRNO_ADVICE = {
    errno.ENOSPC: ("the disk is full", "free some space on that disk, or give --out a folder "
                   "on another one"),
    errno.EDQUOT: ("your disk quota is used up", "free some space within your quota, or give "
                   "--out a folder elsewhere"),
    errno.EROFS: ("the filesystem is read-only", "give --out a folder on a writable disk"),
    errno.EACCES: ("permission denied", "give --out a folder you can write to, or change the "
                   "folder's permissions"),
    errno.EPERM: ("the operation is not permitted", "give --out a folder you can write to"),
    errno.ENAMETOOLONG: ("a file name is too long for the filesystem (at most 255 bytes per name "
                         "on most)", "choose a shorter name"),
    errno.ELOOP: ("the path goes through a symbolic link loop (or too many links)",
                  "fix or remove the symbolic link"),
    errno.ENOTDIR: ("a part of the path is a file, not a folder", "check the path; each part "
                    "but the last must be a folder"),
    errno.EISDIR: ("that is a folder, not a file", "give a file name, or remove the folder"),
    errno.ENOENT: ("a folder on the way does not exist", "check the path"),
    errno.EEXIST: ("a file of that name exists", "rerun with --force to replace it, or choose "
                   "another --out"),
    errno.EIO: ("an input/output error (a failing disk or a lost network share)",
                "check the disk, then run again"),
    errno.EMFILE: ("too many files are open", "raise the open-files limit (ulimit -n)"),
    errno.EFBIG: ("the file is larger than the filesystem allows", "write to another filesystem"),
}


def os_error_message(error, path=None, action="writing"):
    """One paragraph for ``error``: the path, what happened, what to do.

    Parameters
    ----------
    error : OSError
    path : path-like, optional
        The file or folder concerned (default: the error's own ``filename``).
    action : str
        What was being done, e.g. ``"writing"`` or ``"creating the output folder"``.

    Returns
    -------
    str
    """
    where = path if path is not None else error.filename
    what, todo = _ERRNO_ADVICE.get(error.errno, (error.strerror or str(error), None))
    message = f"{action} {where} failed: {what}" if where is not None else f"{action} failed: {what}"
    if todo:
        message += f"; {todo}"
    return message


def is_environment_error(error):
    """True if ``error`` is an :class:`OSError` this module explains (disk full, read-only...)."""
    return isinstance(error, OSError) and error.errno in _ERRNO_ADVICE


def environment_error(error, path=None, action="writing"):
    """An :class:`EnvironmentProblem` telling ``error`` (see :func:`os_error_message`)."""
    return EnvironmentProblem(os_error_message(error, path, action),
                              path=None if path is None else Path(path), errno=error.errno)


def check_path_text(text, what="path"):
    """Refuse a path the operating system cannot take at all (a NUL byte), naming it.

    Raises
    ------
    EnvironmentProblem
    """
    if "\0" in str(text):
        raise EnvironmentProblem(f"{what} {str(text)!r} contains a NUL character, which no file name can "
                        "hold; remove it")


_umask_lock = threading.Lock()


def current_umask():
    """The process's umask, read without changing it where the system allows (Linux ``/proc``)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    with _umask_lock:  # os.umask can only be read by setting it
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def file_mode():
    """The mode a new regular file gets from the umask: ``0o666 & ~umask`` (0o644 under 022)."""
    return 0o666 & ~current_umask()


def _link_unsupported(error):
    return error.errno in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS, errno.EXDEV, errno.EMLINK,
                           errno.EACCES) and not isinstance(error, FileExistsError)


def publish(source, target, *, force=False):
    """Give the finished file ``source`` the name ``target``; never replace unless ``force``.

    Parameters
    ----------
    source, target : path-like
        On the same filesystem. ``source`` is left in place (a hard link, or a copy),
        except with ``force``, where it is renamed.
    force : bool
        Replace an existing ``target`` (``os.replace``, atomic).

    Returns
    -------
    str
        How it was published: ``"link"``, ``"copy"`` or ``"replace"``.

    Raises
    ------
    FileExistsError
        ``target`` exists and ``force`` is false; nothing was changed.
    OSError
        Anything else the operating system refused; ``target`` is left as it was.
    """
    source, target = os.fspath(source), os.fspath(target)
    if force:
        os.replace(source, target)
        return "replace"
    try:
        os.link(source, target, follow_symlinks=False)
        return "link"
    except FileExistsError:
        raise
    except OSError as error:
        if not _link_unsupported(error):
            raise
    # No hard links here (some FUSE, SMB, exFAT mounts): an exclusive create is just as
    # safe against a concurrent writer; the copy is removed if it fails midway.
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as out, open(source, "rb") as data:
            shutil.copyfileobj(data, out, 1 << 20)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(target)
        raise
    return "copy"


@contextlib.contextmanager
def atomic_output(path, *, force=False, suffix=None):
    """Yield a temporary path in the target's folder; publish it as ``path`` on success.

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
        If ``path`` exists (before, or created meanwhile by another program) and
        ``force`` is false.
    EnvironmentProblem
        The operating system refused (disk full, read-only, name too long...).
    """
    path = Path(path)
    check_path_text(path)
    if path.exists() and not force:
        raise OutputExistsError(f"{path} exists; pass --force to overwrite it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name[:100]}.", suffix=(path.suffix if suffix is None else suffix) + ".part",
            dir=path.parent)
        os.close(handle)
    except OSError as error:
        raise environment_error(error, path) from None
    temporary = Path(temporary)
    try:
        yield temporary
        try:
            os.chmod(temporary, file_mode())
            publish(temporary, path, force=force)
        except FileExistsError:
            raise OutputExistsError(f"{path} was created by another program while it was being "
                                    "written; it was left as it is. Pass --force to overwrite "
                                    "it") from None
        except OSError as error:
            raise environment_error(error, path) from None
    except OSError as error:
        if isinstance(error, FileExistsError) or error.errno not in _ERRNO_ADVICE:
            raise
        raise environment_error(error, path) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def check_output_folder(folder, *, create=False):
    """Refuse an output folder that cannot be one; with ``create``, make it if missing.

    A folder that is a file, holds a NUL, is read-only, or cannot be created is
    refused with one paragraph naming it (:class:`EnvironmentProblem`).
    """
    text = os.fspath(folder)
    if text == "":
        raise EnvironmentProblem("the output folder is empty (--out \"\"); give a folder, e.g. "
                                 "--out out")
    check_path_text(text, "the output folder")
    path = Path(text)
    try:
        with contextlib.suppress(FileNotFoundError):
            os.stat(path)  # a symbolic link loop, a name too long, a file on the way: said here
        if path.exists() and not path.is_dir():
            raise EnvironmentProblem(f"the output folder {path} is a file; give --out a folder",
                                     path=path, errno=errno.ENOTDIR)
        if path.is_dir() and not os.access(path, os.W_OK | os.X_OK):
            raise environment_error(OSError(errno.EACCES, "not writable"), path,
                                    "writing into the output folder")
        if create:
            path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise environment_error(error, path, "creating the output folder") from None
    return path
