"""The values that travel on the edges of a pipeline graph.

Each value carries what is needed to interpret it, so no node has to be told
twice: a :class:`Signal` knows its sample rate, a spectrogram its STFT
geometry (:class:`StftGeometry`), a mel spectrogram its filter bank
(:class:`MelBank`), a block PSD its block length and hop.

Node declarations name these types on their ports (``Port("input", Signal)``
or ``Port("input", "Signal")``); a graph whose types do not fit is rejected
when it loads, before any work. Plugins add their own value types through the
``register_value_types`` hook (see ``docs/plugins.md``).

Values are frozen dataclasses holding NumPy arrays. Nodes must treat the
arrays of their inputs as read-only: the same value may be handed to several
nodes, possibly running at the same time.

Array layouts follow librosa: signals are ``(..., n_samples)`` with leading
channel axes; spectrograms are ``(..., n_bins, n_frames)``.

*Facts* are the plain settings a value carries (a signal's ``sr``, ``length``
and ``channels``; a spectrogram's geometry): :meth:`Value.facts` gives them
for a value, :meth:`Value.fact_names` names them for a type. Node types'
``infer`` functions pass the same names along the graph before running, and
their declared checks read them from the values when they run.
"""

import dataclasses
import typing
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar, Mapping, Optional

import numpy as np

__all__ = [
    "Value", "Signal", "StftGeometry", "MelBank", "ComplexSpectrogram", "MagnitudeSpectrogram",
    "MelSpectrogram", "DecibelSpectrogram", "MFCC", "Phase", "BlockPSD", "Metrics",
    "BUILTIN_VALUE_TYPES", "GEOMETRY_FACTS", "MEL_BANK_FACTS", "fact_names", "facts_of",
]

#: The facts of a :class:`StftGeometry` (every value made by an STFT carries them).
GEOMETRY_FACTS = ("sr", "n_fft", "hop_length", "win_length", "window", "center", "length")
#: The facts of a :class:`MelBank` besides ``sr`` and ``n_fft``.
MEL_BANK_FACTS = ("n_mels", "fmin", "fmax", "htk", "norm")

_SCALARS = (bool, int, float, str, np.bool_, np.integer, np.floating)


def _is_fact(value):
    """Whether ``value`` is a plain setting: None, a scalar, or a tuple/list of those."""
    if value is None or isinstance(value, _SCALARS):
        return True
    return isinstance(value, (tuple, list)) and all(_is_fact(v) for v in value)


def _plain(value):
    if isinstance(value, (np.bool_, np.integer, np.floating)):
        return value.item()
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


def _hint(cls, name):
    """The resolved annotation of field ``name`` of ``cls``; ``Any`` when it cannot be resolved."""
    try:
        return typing.get_type_hints(cls).get(name, Any)
    except Exception:  # an annotation naming what the module cannot resolve: take it as plain
        return Any


def _alternatives(hint):
    return typing.get_args(hint) if typing.get_origin(hint) is typing.Union else (hint,)


def _nested_dataclass(cls, name):
    """The dataclass type field ``name`` of ``cls`` is annotated with (``Optional`` unwrapped), or None."""
    for candidate in _alternatives(_hint(cls, name)):
        if isinstance(candidate, type) and dataclasses.is_dataclass(candidate):
            return candidate
    return None


_PLAIN_HINTS = (Any, int, float, str, bool, tuple, type(None))


def _plain_hint(hint):
    """Whether a field annotated ``hint`` holds a plain setting (a number, a string, a tuple...)."""
    return all(a in _PLAIN_HINTS or typing.get_origin(a) in (tuple, typing.Literal)
               for a in _alternatives(hint))


def fact_names(cls):
    """The names of the facts a value of class ``cls`` carries on a graph edge.

    ``cls.FACTS`` when the class declares it; otherwise its dataclass fields
    annotated as plain settings (numbers, strings, booleans, tuples, ``Any``;
    not arrays or mappings), with the fields of nested dataclasses (a
    :class:`StftGeometry`) in place of the field holding them. A class that is
    not a dataclass carries none.
    """
    declared = getattr(cls, "FACTS", None)
    if declared is not None:
        return tuple(declared)
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        return ()
    names = []
    for f in fields(cls):
        if f.name == "attrs":
            continue
        nested = _nested_dataclass(cls, f.name)
        if nested is not None:
            candidates = list(fact_names(nested))
        else:
            candidates = [f.name] if _plain_hint(_hint(cls, f.name)) else []
        names += [name for name in candidates if name not in names]
    return tuple(names)


def facts_of(value):
    """The facts ``value`` carries: ``{name: setting}`` for each of its :func:`fact_names` that holds one.

    A :class:`Value` gives its :meth:`Value.facts`; another dataclass its plain
    fields (and those of nested dataclasses); anything else nothing. Settings
    are plain Python (NumPy scalars become ``int``/``float``, lists tuples);
    a fact holding an array is left out.
    """
    own = getattr(value, "facts", None)
    if callable(own) and not isinstance(value, type):
        return dict(own())
    return _facts_from_fields(value, fact_names(type(value)))


def _facts_from_fields(value, names):
    """The facts ``names`` read from ``value``'s attributes, else from its nested dataclasses.

    The first object that has the attribute decides: a setting is kept, an
    array (or anything else that is not a plain setting) is left out.
    """
    holders = [value]
    if dataclasses.is_dataclass(value):
        holders += [getattr(value, f.name) for f in fields(value)
                    if dataclasses.is_dataclass(getattr(value, f.name))
                    and not isinstance(getattr(value, f.name), type)]
    found = {}
    for name in names:
        holder = next((h for h in holders if hasattr(h, name)), None)
        setting = getattr(holder, name) if holder is not None else None
        if setting is not None and _is_fact(setting):  # None is "not known", as before running
            found[name] = _plain(setting)
    return found


@dataclass(frozen=True, eq=False)
class Value:
    """Base class of every value on a graph edge.

    ``attrs`` is free-form metadata (JSON-able), for settings a producer wants
    to pass along that have no field of their own.

    ``FACTS`` (a class attribute) names the facts values of the type carry;
    left at None they are the dataclass fields (see :func:`fact_names`).
    """

    FACTS: ClassVar[Optional[tuple]] = None

    @classmethod
    def fact_names(cls):
        """The names of the facts values of this type carry (:func:`fact_names`)."""
        return fact_names(cls)

    def facts(self):
        """``{name: setting}`` of the facts this value carries (see :func:`facts_of`).

        The same names a node type's ``infer`` uses for this type before
        running: ``sr``, ``length`` and ``channels`` of a :class:`Signal`, the
        :class:`StftGeometry` fields of a spectrogram, and so on.
        """
        return _facts_from_fields(self, self.fact_names())

    def summary(self):
        """One line describing the value (shape, rate...) for logs and ``audiogp run``."""
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                parts.append(f"{f.name}{tuple(value.shape)} {value.dtype}")
            elif f.name != "attrs" and isinstance(value, (int, float, str, bool)):
                parts.append(f"{f.name}={value}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def replace(self, **changes):
        """A copy of this value with some fields replaced (``dataclasses.replace``)."""
        return replace(self, **changes)


@dataclass(frozen=True, eq=False)
class Signal(Value):
    """Audio samples with their sample rate.

    Attributes
    ----------
    y : numpy.ndarray, float, shape (..., n_samples)
        The samples; leading axes are channels (librosa's layout).
    sr : int
        Sample rate in Hz.
    """

    y: np.ndarray
    sr: int
    attrs: Mapping[str, Any] = field(default_factory=dict)

    FACTS: ClassVar[tuple] = ("sr", "length", "channels")

    @property
    def n_samples(self):
        return int(self.y.shape[-1])

    @property
    def n_channels(self):
        """Channels: 1 for a ``(n,)`` signal, the product of the leading axes otherwise."""
        return int(np.prod(self.y.shape[:-1], dtype=np.int64)) if self.y.ndim > 1 else 1

    def facts(self):
        """``sr``, ``length`` (samples) and ``channels``."""
        return {"sr": _plain(self.sr), "length": self.n_samples, "channels": self.n_channels}

    @property
    def duration(self):
        """Length in seconds."""
        return self.n_samples / self.sr


@dataclass(frozen=True)
class StftGeometry:
    """Everything needed to interpret (and invert) an STFT.

    The names and meanings are those of ``librosa.stft`` / ``audiogp.dsp.stft``.

    Attributes
    ----------
    sr : int
        Sample rate of the analysed signal, Hz.
    n_fft, hop_length, win_length : int
        FFT length, hop and window length in samples.
    window : str or tuple
        The window specification (as given to ``scipy.signal.get_window``).
    center : bool
        Whether frames are centred on ``t * hop_length``.
    length : int or None
        Number of samples of the analysed signal (for an exact-length inverse).
    """

    sr: int
    n_fft: int
    hop_length: int
    win_length: int
    window: Any = "hann"
    center: bool = True
    length: Optional[int] = None

    def istft_kwargs(self):
        """Keyword arguments for ``audiogp.dsp.istft`` (and other inverses) from this geometry."""
        return dict(n_fft=self.n_fft, hop_length=self.hop_length, win_length=self.win_length,
                    window=self.window, center=self.center, length=self.length)

    def stft_kwargs(self):
        """Keyword arguments for ``audiogp.dsp.stft`` that reproduce this geometry."""
        return dict(n_fft=self.n_fft, hop_length=self.hop_length, win_length=self.win_length,
                    window=self.window, center=self.center)


@dataclass(frozen=True)
class MelBank:
    """Settings of a mel filter bank (``librosa.filters.mel`` names)."""

    sr: int
    n_fft: int
    n_mels: int = 128
    fmin: float = 0.0
    fmax: Optional[float] = None
    htk: bool = False
    norm: Any = "slaney"


@dataclass(frozen=True, eq=False)
class ComplexSpectrogram(Value):
    """A complex STFT, ``S`` of shape (..., 1 + n_fft // 2, n_frames), and its geometry."""

    S: np.ndarray
    geometry: StftGeometry
    attrs: Mapping[str, Any] = field(default_factory=dict)

    FACTS: ClassVar[tuple] = GEOMETRY_FACTS


@dataclass(frozen=True, eq=False)
class MagnitudeSpectrogram(Value):
    """``|STFT| ** power``: magnitude (``power=1``) or power (``power=2``) spectrogram."""

    S: np.ndarray
    geometry: StftGeometry
    power: float = 1.0
    attrs: Mapping[str, Any] = field(default_factory=dict)

    FACTS: ClassVar[tuple] = GEOMETRY_FACTS + ("power",)


@dataclass(frozen=True, eq=False)
class MelSpectrogram(Value):
    """A mel spectrogram ``mel_basis @ |STFT| ** power``, shape (..., n_mels, n_frames)."""

    S: np.ndarray
    geometry: StftGeometry
    mel: MelBank
    power: float = 2.0
    attrs: Mapping[str, Any] = field(default_factory=dict)

    FACTS: ClassVar[tuple] = GEOMETRY_FACTS + MEL_BANK_FACTS + ("power",)


@dataclass(frozen=True, eq=False)
class DecibelSpectrogram(Value):
    """A spectrogram in decibels (``librosa.power_to_db`` / ``amplitude_to_db``).

    Attributes
    ----------
    S : numpy.ndarray
        Values in dB.
    geometry : StftGeometry
    power : float
        What was converted: 1 for magnitudes (20 log10), 2 for power (10 log10).
    ref : float
        The reference value actually used (so the conversion can be undone).
    amin : float
        Floor applied before the logarithm.
    top_db : float or None
        Dynamic range the values were clipped to (below the peak).
    mel : MelBank or None
        The filter bank when this is a log-mel spectrogram, else None.
    """

    S: np.ndarray
    geometry: StftGeometry
    power: float = 2.0
    ref: float = 1.0
    amin: float = 1e-10
    top_db: Optional[float] = 80.0
    mel: Optional[MelBank] = None
    attrs: Mapping[str, Any] = field(default_factory=dict)

    FACTS: ClassVar[tuple] = (GEOMETRY_FACTS + ("power", "ref", "amin", "top_db", "mel")
                              + MEL_BANK_FACTS)

    def facts(self):
        """The geometry, the dB settings, ``mel`` (whether it is a log-mel spectrogram) and,
        for a log-mel one, the filter bank."""
        known = _facts_from_fields(self, GEOMETRY_FACTS + ("power", "ref", "amin", "top_db"))
        known["mel"] = self.mel is not None
        if self.mel is not None:
            known.update(_facts_from_fields(self.mel, MEL_BANK_FACTS))
        return known


@dataclass(frozen=True, eq=False)
class MFCC(Value):
    """Mel-frequency cepstral coefficients, shape (..., n_mfcc, n_frames) (``librosa.feature.mfcc``)."""

    C: np.ndarray
    geometry: StftGeometry
    mel: MelBank
    dct_type: int = 2
    norm: Optional[str] = "ortho"
    lifter: float = 0.0
    attrs: Mapping[str, Any] = field(default_factory=dict)

    FACTS: ClassVar[tuple] = GEOMETRY_FACTS + MEL_BANK_FACTS + ("n_mfcc", "dct_type", "lifter")

    @property
    def n_mfcc(self):
        return int(self.C.shape[-2])

    def facts(self):
        """The geometry, the filter bank (``norm`` is the bank's, not the DCT's), ``n_mfcc``,
        ``dct_type`` and ``lifter``."""
        known = _facts_from_fields(self.geometry, GEOMETRY_FACTS)
        known.update(_facts_from_fields(self.mel, MEL_BANK_FACTS))
        known.update(n_mfcc=self.n_mfcc, dct_type=_plain(self.dct_type), lifter=_plain(self.lifter))
        return known


@dataclass(frozen=True, eq=False)
class Phase(Value):
    """An STFT phase in radians, shape (..., 1 + n_fft // 2, n_frames)."""

    phase: np.ndarray
    geometry: StftGeometry
    attrs: Mapping[str, Any] = field(default_factory=dict)

    FACTS: ClassVar[tuple] = GEOMETRY_FACTS


@dataclass(frozen=True, eq=False)
class BlockPSD(Value):
    """Power spectral densities of consecutive blocks of a signal.

    Attributes
    ----------
    psd : numpy.ndarray, shape (..., n_blocks, n_freqs)
        One spectrum per block.
    freqs : numpy.ndarray, shape (n_freqs,)
        Frequencies in Hz.
    sr : int
        Sample rate of the signal, Hz.
    block_length, hop_length : int
        Block length and hop in samples.
    window : str or tuple
        Window applied to each block.
    scaling : str
        ``"density"`` (units²/Hz) or ``"spectrum"`` (units²), as in ``scipy.signal.periodogram``.
    onesided : bool
        Whether negative frequencies are folded onto positive ones.
    length : int or None
        Number of samples of the analysed signal.
    """

    psd: np.ndarray
    freqs: np.ndarray
    sr: int
    block_length: int
    hop_length: int
    window: Any = "hann"
    scaling: str = "density"
    onesided: bool = True
    length: Optional[int] = None
    attrs: Mapping[str, Any] = field(default_factory=dict)

    FACTS: ClassVar[tuple] = ("sr", "block_length", "hop_length", "window", "scaling", "onesided",
                              "length")


@dataclass(frozen=True, eq=False)
class Metrics(Value):
    """Named scalar measurements (``{"spectral_convergence_db": -31.2, ...}``)."""

    values: Mapping[str, float]
    attrs: Mapping[str, Any] = field(default_factory=dict)

    FACTS: ClassVar[tuple] = ()

    def summary(self):
        listed = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                           for k, v in self.values.items())
        return f"Metrics({listed})"


#: The value types audiogp itself defines; registered by the built-in plugin.
BUILTIN_VALUE_TYPES = (Signal, ComplexSpectrogram, MagnitudeSpectrogram, MelSpectrogram,
                       DecibelSpectrogram, MFCC, Phase, BlockPSD, Metrics)
