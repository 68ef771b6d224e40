"""Plugins that are not installed: ``--plugin MODULE`` and ``--plugins-dir DIR``.

For developing a plugin, and for one-off plugins of a project (pytest's
``-p``, datasette's ``--plugins-dir``). A development plugin is a module with
the same ``@hookimpl`` functions as an installed one; it is loaded after the
installed plugins, and replaces an installed plugin of the same module (the
copy being worked on wins). Asking for one that cannot be found or imported
is an error naming it, not a warning: it was asked for by name.
"""

import importlib
import importlib.util
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from audiogp.errors import UserError

__all__ = ["DevelopmentPlugin", "PluginLoadError", "load_development_plugins"]


class PluginLoadError(UserError):
    """A plugin given with ``--plugin`` or ``--plugins-dir`` cannot be found or imported."""


@dataclass(frozen=True)
class DevelopmentPlugin:
    """A plugin module loaded for development.

    Attributes
    ----------
    module : module
        The imported module.
    origin : str
        How it was asked for and where it was found (``"--plugin audiogp_lpc:
        /src/audiogp_lpc/__init__.py"``), as ``audiogp plugins`` shows it.
    """

    module: object
    origin: str

    @property
    def name(self):
        return self.module.__name__


def load_development_plugins(modules=(), dirs=()):
    """Import the plugins named by ``--plugin`` (``modules``) and found in ``--plugins-dir`` (``dirs``).

    Parameters
    ----------
    modules : sequence of str
        Each an importable module name (``audiogp_lpc``), or the path of a
        ``.py`` file or of a package folder. A name that is not importable is
        also looked for in the current folder, as ``NAME.py``, ``NAME/``,
        ``src/NAME.py`` or ``src/NAME/`` (a plugin distribution being worked on).
    dirs : sequence of path-like
        Folders whose ``*.py`` files and package folders are each a plugin
        (names starting with ``_`` or ``.`` are skipped).

    Returns
    -------
    list of DevelopmentPlugin
        In the order given, each module once.

    Raises
    ------
    PluginLoadError
        A module that cannot be found, or whose import fails (with the error
        and the line of the plugin it came from).
    """
    loaded = []
    for text in modules:
        module, path = _import_named(str(text))
        loaded.append(DevelopmentPlugin(module, f"--plugin {text}: {path}"))
    for folder in dirs:
        folder = Path(folder)
        if not folder.is_dir():
            reason = "does not exist" if not folder.exists() else "is not a folder"
            raise PluginLoadError(f"--plugins-dir {folder}: {reason}; give a folder of plugin "
                                  "modules (*.py files or packages)")
        for path in sorted(folder.iterdir()):
            if path.name.startswith(("_", ".")):
                continue
            if (path.suffix == ".py" and path.is_file()) or (path / "__init__.py").is_file():
                module = _import_path(path, f"--plugins-dir {folder}")
                loaded.append(DevelopmentPlugin(module, f"--plugins-dir {folder}: {path.resolve()}"))
    unique, seen = [], set()
    for plugin in loaded:
        if id(plugin.module) not in seen:
            seen.add(id(plugin.module))
            unique.append(plugin)
    return unique


def _import_named(text):
    """``(module, file)`` for ``--plugin TEXT``: a module name, or a path."""
    path = Path(text)
    if text.endswith(".py") or "/" in text or "\\" in text or path.is_dir():
        if not (path.is_file() or (path / "__init__.py").is_file()):
            raise PluginLoadError(f"--plugin {text}: no such .py file or package folder "
                                  f"(looked for {path.resolve()})")
        module = _import_path(path, f"--plugin {text}")
        return module, module.__file__
    if not text.replace(".", "_").isidentifier():
        raise PluginLoadError(f"--plugin {text!r} is neither a module name nor the path of a .py "
                              "file or package folder")
    try:
        module = importlib.import_module(text)
    except ModuleNotFoundError as error:
        if error.name is None or not (text == error.name or text.startswith(error.name + ".")):
            raise _import_failed(text, error) from None
        local = _local_copy(text)
        if local is None:
            raise PluginLoadError(
                f"--plugin {text}: no module {text!r} is importable, and there is no {text}.py, "
                f"{text}/, src/{text}.py or src/{text}/ in the current folder ({Path.cwd()}); give an importable "
                "module name or the path of a .py file or package folder") from None
        module = _import_path(local, f"--plugin {text}")
    except Exception as error:  # the plugin's own code failed: say where
        raise _import_failed(text, error) from None
    return module, getattr(module, "__file__", None) or text


def _local_copy(name):
    if "." in name:
        return None
    for candidate in (Path(f"{name}.py"), Path(name), Path("src") / f"{name}.py", Path("src") / name):
        if candidate.is_file() or (candidate / "__init__.py").is_file():
            return candidate
    return None


def _import_path(path, how):
    """Import the ``.py`` file or package folder ``path`` under its own name."""
    path = Path(path).resolve()
    package = path.is_dir()
    name = path.name if package else path.stem
    if not name.isidentifier():
        raise PluginLoadError(f"{how}: {path.name!r} is not a valid module name (letters, digits "
                              "and _; not starting with a digit)")
    location = path / "__init__.py" if package else path
    existing = sys.modules.get(name)
    if existing is not None and Path(getattr(existing, "__file__", "") or "").resolve() == location:
        return existing
    spec = importlib.util.spec_from_file_location(
        name, location, submodule_search_locations=[str(path)] if package else None)
    module = importlib.util.module_from_spec(spec)
    # Its folder goes first on sys.path so that it can import its sibling modules.
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    previous = sys.modules.get(name)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as error:
        if previous is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = previous
        if isinstance(error, Exception):
            raise _import_failed(f"{how} ({path})", error) from None
        raise
    return module


def _import_failed(what, error):
    frames = traceback.extract_tb(error.__traceback__)
    where = next((f"{frame.filename}:{frame.lineno}" for frame in reversed(frames)
                  if "importlib" not in frame.filename), "")
    if isinstance(error, SyntaxError) and error.filename:
        where = f"{error.filename}:{error.lineno}"
    return PluginLoadError(f"plugin {what} failed to import: {type(error).__name__}: {error}"
                           + (f" (at {where})" if where else ""))
