"""A run's outputs as one transaction: staged while the run goes on, published when it succeeded.

Every file a run writes goes first into a private staging folder inside
``--out`` (``.audiogp-staging-<pid>-<random>/``, same filesystem, so publishing
is a link or a rename, not a copy). Only after every node has succeeded are the
files given their final names, each with :func:`audiogp._files.publish`: a hard
link that fails if the name is taken, so two runs writing the same ``--out`` at
once can never both create the same file (the existence check and the creation
are one system call). If any file cannot be published, the ones this run already
published are removed again (or, with ``--force``, the files they replaced are
put back) and the error names the node: the folder is as it was before the run.

A failed or interrupted run removes its staging folder, so it leaves nothing,
hidden or not, and a rerun needs no ``--force``. A staging folder left by a
process that was killed outright (SIGKILL, power loss) is removed by the next
run in that folder, once its process is gone.

This is the pattern of git's ``index.lock`` and rsync's temporary files,
extended to a set of files.
"""

import contextlib
import errno
import os
import secrets
import shutil
import socket
import stat
import threading
import time
from pathlib import Path

from audiogp._files import (EnvironmentProblem, OutputExistsError, check_path_text,
                            is_environment_error, environment_error, file_mode,
                            publish)
from audiogp.plugins.context import Cancelled

__all__ = ["OutputTransaction", "STAGING_PREFIX"]

STAGING_PREFIX = ".audiogp-staging-"
_OWNER = "owner"


class OutputTransaction:
    """Stage a run's output files in ``out_dir``, then publish them all or none.

    Parameters
    ----------
    out_dir : path-like
        The run's output folder; created if missing.
    force : bool
        Replace existing files when publishing (``--force``); otherwise a name
        that is taken makes the whole publication fail.
    where : callable, optional
        ``where(node) -> str``: the spec location of a node, put in front of
        error messages.

    Raises
    ------
    EnvironmentProblem
        The folder cannot be created or written (read-only, a file, ...).
    """

    def __init__(self, out_dir, *, force=False, where=None):
        self.out_dir = Path(out_dir)
        self.force = force
        self.where = where or (lambda node: f"node {node!r}")
        self.lock = threading.Lock()
        self.entries = []  # (node, staged path, final path, kept even if the run fails)
        self.committed = False
        self.closed = False
        self.published = []  # final paths, once committed
        check_path_text(self.out_dir, "the output folder")
        if self.out_dir.exists() and not self.out_dir.is_dir():
            raise OutputExistsError(f"the output folder {self.out_dir} is a file; give --out a folder")
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise environment_error(error, self.out_dir, "creating the output folder") from None
        self.top = self.out_dir.resolve()
        _remove_stale_staging(self.out_dir)
        name = f"{STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
        self.staging = self.out_dir / name
        try:
            self.staging.mkdir(mode=0o700)
            (self.staging / _OWNER).write_text(f"{socket.gethostname()} {os.getpid()}\n")
        except OSError as error:
            with contextlib.suppress(OSError):
                shutil.rmtree(self.staging)
            raise environment_error(error, self.out_dir, "writing into the output folder") from None

    def check_target(self, node, final):
        """Refuse, before any work, a final path no file can be published at.

        A name longer than the filesystem allows, a folder (or a symbolic link
        loop) already at that name, or a file where a folder is needed: each is
        an :class:`EnvironmentProblem` naming the node and the path.
        """
        final = Path(final)
        check_path_text(final, f"{self.where(node)}: the output path")
        try:
            relative = final.relative_to(self.top)
        except ValueError:
            relative = Path(final.name)
        try:
            name_max = os.pathconf(self.top, "PC_NAME_MAX")
        except (OSError, ValueError):
            name_max = 255
        action = f"{self.where(node)}: writing"
        for part in relative.parts:
            if len(os.fsencode(part)) > name_max:
                raise environment_error(OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG)),
                                        final, action)
        folder = self.top
        for part in relative.parts[:-1]:
            folder = folder / part
            if folder.exists() and not folder.is_dir():
                raise environment_error(OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR)),
                                        final, action)
        try:
            status = os.stat(final)
        except FileNotFoundError:
            return
        except OSError as error:
            raise environment_error(error, final, action) from None
        if stat.S_ISDIR(status.st_mode):
            raise environment_error(OSError(errno.EISDIR, os.strerror(errno.EISDIR)), final, action)

    # -- while the run goes on ----------------------------------------------------------------

    @contextlib.contextmanager
    def stage(self, node, path, *, keep_on_failure=False):
        """Yield the staging path where ``node`` writes the output ``path`` (inside ``out_dir``).

        The staged file keeps the final name (so writers that infer the format
        from the suffix work) and gets the umask's permissions when created.
        On leaving the block without error the file is registered for
        publication; on an error it is removed. With ``keep_on_failure`` it is
        published even when the run fails (:meth:`commit_kept`): a node's
        computed result that it refused to save as asked.
        """
        path = Path(path)
        check_path_text(path, "the output path")
        try:
            relative = path.resolve().relative_to(self.top)
        except ValueError:
            relative = Path(path.name)
        staged = self.staging / "files" / relative
        with self.lock:
            if self.closed:
                raise Cancelled(node)
            try:
                staged.parent.mkdir(parents=True, exist_ok=True)
                # An empty file, as the temporary files of ctx.output always were.
                os.close(os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666))
            except OSError as error:
                raise environment_error(error, path) from None
        try:
            yield staged
        except BaseException as error:
            with contextlib.suppress(OSError):
                staged.unlink()
            if is_environment_error(error):  # a writer's own OSError: disk full, quota...
                raise environment_error(error, path) from None
            raise
        with self.lock:
            if self.closed:
                raise Cancelled(node)
            if not staged.is_file():
                raise FileNotFoundError(f"node {node!r} did not write its output {path}")
            os.chmod(staged, file_mode())  # writers using mkstemp make 0600 files
            self.entries.append((node, staged, path, keep_on_failure))

    # -- at the end ---------------------------------------------------------------------------

    def commit_kept(self):
        """After a failed run, publish only the files staged with ``keep_on_failure``.

        Returns
        -------
        kept : list of pathlib.Path
            The files published.
        problems : list of str
            Why others could not be (a name taken, the disk full...).
        """
        kept, problems = [], []
        for entry in [e for e in self.entries if e[3]]:
            try:
                kept += self._publish([entry])
            except (OutputExistsError, EnvironmentProblem) as error:
                problems.append(str(error))
        return kept, problems

    def commit(self):
        """Publish every staged file under its final name, all or none.

        Raises
        ------
        OutputExistsError
            A final name was taken (by another program, since validation); what this
            run had published is removed again.
        EnvironmentProblem
            The operating system refused a step; likewise rolled back.
        """
        self.published = self._publish(self.entries)
        self.committed = True
        return list(self.published)

    def _publish(self, entries):
        done = []  # (final, how, backup, created folders, staged)
        try:
            for node, staged, final, _ in entries:
                created = _make_parents(final.parent, self.top)
                backup = None
                if self.force and final.is_file():
                    backup = self.staging / "replaced" / str(len(done))
                    backup.parent.mkdir(exist_ok=True)
                    os.link(final, backup)
                try:
                    how = publish(staged, final, force=self.force)
                except FileExistsError:
                    _remove_folders(created)
                    raise OutputExistsError(
                        f"{self.where(node)}: {final} appeared while this run was going on "
                        "(another run, or another program, wrote it since validation); it was "
                        "left as it is and this run published nothing. Rerun with --force to "
                        "replace it, or give another --out") from None
                except OSError as error:
                    _remove_folders(created)
                    raise environment_error(error, final, f"{self.where(node)}: publishing") from None
                done.append((final, how, backup, created, staged))
        except BaseException:
            self._roll_back(done)
            raise
        return [final for final, *_ in done]

    def _roll_back(self, done):
        for final, how, backup, created, staged in reversed(done):
            with contextlib.suppress(OSError):
                if backup is not None:
                    os.replace(backup, final)
                elif how == "link":
                    if os.path.samefile(staged, final):  # never remove another program's file
                        os.unlink(final)
                else:  # a copy, or (with --force) a file that did not exist before
                    os.unlink(final)
            _remove_folders(created)

    def close(self):
        """Remove the staging folder (after :meth:`commit`, or instead of it)."""
        with self.lock:
            self.closed = True
        for attempt in range(20):  # a cancelled writer may still create a file meanwhile
            try:
                shutil.rmtree(self.staging)
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.01)
        shutil.rmtree(self.staging, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        self.close()
        return False


def _make_parents(folder, top):
    """Create ``folder`` (inside ``top``) and the folders above it; return those created."""
    missing = []
    folder = Path(folder)
    while folder != top and not folder.exists() and top in folder.parents:
        missing.append(folder)
        folder = folder.parent
    created = []
    for path in reversed(missing):
        path.mkdir(exist_ok=True)
        created.append(path)
    return created


def _remove_folders(created):
    for folder in reversed(created):
        with contextlib.suppress(OSError):
            folder.rmdir()


def _remove_stale_staging(out_dir):
    """Remove staging folders of processes on this host that no longer exist (killed outright)."""
    host = socket.gethostname()
    try:
        candidates = [p for p in out_dir.iterdir() if p.name.startswith(STAGING_PREFIX)]
    except OSError:
        return
    for folder in candidates:
        try:
            owner_host, pid = (folder / _OWNER).read_text().split()
            pid = int(pid)
        except (OSError, ValueError):
            continue
        if owner_host != host or pid == os.getpid() or _alive(pid):
            continue
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
