"""Lazy attribute loading for packages (PEP 562).

``audiogp --help`` must not pay for SciPy, SymPy or librosa, so packages
expose their public names through :func:`attach`: a submodule is imported
the first time one of its names is looked up.
"""

import importlib


def attach(package_name, submodules_to_names):
    """Return ``(__getattr__, __dir__, __all__)`` for a lazily loaded package.

    Parameters
    ----------
    package_name : str
        ``__name__`` of the package being set up.
    submodules_to_names : dict of str to list of str
        For each submodule (relative name), the public names it provides.
        A submodule listed with an empty list is itself exported.

    Returns
    -------
    tuple
        The module-level ``__getattr__``, ``__dir__`` and ``__all__``.
    """
    owner = {}
    for submodule, names in submodules_to_names.items():
        if not names:
            owner[submodule] = None
        for name in names:
            if name in owner:
                raise ValueError(f"{package_name}.{name} is exported twice")
            owner[name] = submodule
    exported = sorted(owner)

    def __getattr__(name):
        if name not in owner:
            raise AttributeError(f"module {package_name!r} has no attribute {name!r}")
        submodule = owner[name]
        if submodule is None:
            return importlib.import_module(f"{package_name}.{name}")
        value = getattr(importlib.import_module(f"{package_name}.{submodule}"), name)
        return value

    def __dir__():
        return exported

    return __getattr__, __dir__, list(exported)
