"""The built-in plugin: node types that adapt audiogp's library functions.

Each module listed in :data:`MODULES` is a plugin module like any third
party's (hook implementations decorated with ``audiogp.plugins.hookimpl``),
registered by the plugin manager under the name ``audiogp.builtin.<module>``.
To add a built-in area, write ``src/audiogp/builtin/<area>.py`` as
``docs/plugins.md`` describes and add its name here (one line).

Node modules import their library (``audiogp.dsp``, ``audiogp.gp``...)
inside the node functions, so listing node types stays cheap.
"""

MODULES = (
    "types",
    "examples",
    "io",
    "plot",
    "stft",
    "analysis",
    "pitch",
    "metrics",
    "inversion",
    "creative",
    "gp",
    "restoration",
    "vq",
    "codec",
)
