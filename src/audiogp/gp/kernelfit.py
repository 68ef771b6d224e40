"""The result of fitting a kernel to every block of a signal: :class:`KernelFit`.

A KernelFit is a piecewise-stationary Gaussian-process model of a signal:
for each block, the parameters of ``n_components`` copies of a component
kernel (their sum is the block's covariance) and a white-noise floor, plus
what is needed to turn samples of the model back into the signal: the
block geometry, the scale the carrier was divided by, and the amplitude
envelope. It is written to ``.npz`` (arrays, and the metadata as a JSON
string) or ``.json``; neither uses pickle.
"""

import dataclasses
import json
from pathlib import Path
from typing import Any, Mapping, Optional

import numpy as np

from audiogp import _validate as check
from audiogp.errors import ParameterError
from audiogp.gp.kernels import Kernel

FORMAT = "audiogp.KernelFit"
FORMAT_VERSION = 1


@dataclasses.dataclass(frozen=True, eq=False)
class KernelFit:
    """A kernel fitted to each block of a signal.

    Attributes
    ----------
    kernel : Kernel
        The component kernel; a block's covariance is the sum of
        ``n_components`` copies with their own parameters, plus white noise.
    params : mapping of str to numpy.ndarray, shape (n_blocks, n_components)
        Each kernel parameter per block and component, in the kernel's units
        (for the spectral mixture: ``s``, ``l`` in seconds, ``p`` in Hz), as
        fitted to the carrier divided by :attr:`scale`.
    noise : numpy.ndarray, shape (n_blocks,)
        Variance of the white-noise floor of each block (same units).
    sr : int
        Sample rate in Hz.
    block_length, hop_length : int
        Analysis block length and hop in samples. Block ``b`` was centred on
        the samples ``[b * hop_length, (b + 1) * hop_length)`` of the signal,
        which is what synthesis draws for it.
    n_samples : int
        Length of the fitted signal.
    scale : float
        The carrier was divided by this (its RMS) before fitting;
        :meth:`psd` and :meth:`autocov` include it again.
    envelope : numpy.ndarray or None, shape (n_samples,)
        Amplitude envelope divided out before fitting and multiplied back
        after synthesis (None: none).
    window : str
        Window of the block periodograms.
    loss : str
        ``"whittle"`` or ``"logls"``.
    info : mapping
        How the fit went: ``init``, ``smoothness``, ``n_iter``,
        ``n_evaluations``, ``objective``, ``message``, ``converged``.
    """

    kernel: Kernel
    params: Mapping[str, np.ndarray]
    noise: np.ndarray
    sr: int
    block_length: int
    hop_length: int
    n_samples: int
    scale: float = 1.0
    envelope: Optional[np.ndarray] = None
    window: str = "hann"
    loss: str = "whittle"
    info: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        names = self.kernel.parameter_names
        if set(self.params) != set(names):
            raise ParameterError(f"params has {sorted(self.params)}, the kernel needs {list(names)}")
        shapes = {np.shape(v) for v in self.params.values()}
        if len(shapes) != 1 or len(next(iter(shapes))) != 2:
            raise ParameterError(f"every params array must have the same shape (n_blocks, n_components), "
                                 f"got {sorted(shapes)}")
        if np.shape(self.noise) != (self.n_blocks,):
            raise ParameterError(f"noise must have shape ({self.n_blocks},), got {np.shape(self.noise)}")
        if self.envelope is not None and np.shape(self.envelope) != (self.n_samples,):
            raise ParameterError(f"envelope must have shape ({self.n_samples},), got {np.shape(self.envelope)}")
        if self.n_blocks * self.hop_length < self.n_samples:
            raise ParameterError(f"{self.n_blocks} blocks of hop {self.hop_length} do not cover "
                                 f"{self.n_samples} samples")

    @property
    def n_blocks(self):
        return int(np.shape(next(iter(self.params.values())))[0])

    @property
    def n_components(self):
        return int(np.shape(next(iter(self.params.values())))[1])

    @property
    def block_ms(self):
        return 1000.0 * self.block_length / self.sr

    @property
    def hop_ms(self):
        return 1000.0 * self.hop_length / self.sr

    @property
    def lead(self):
        """Samples of padding before the signal: block ``b`` starts at ``b * hop_length - lead``."""
        return (self.block_length - self.hop_length) // 2

    def block_times(self):
        """Centre of each block's synthesis segment, in seconds."""
        return (np.arange(self.n_blocks) + 0.5) * self.hop_length / self.sr

    def _positional(self):
        return [np.asarray(self.params[n], dtype=np.float64) for n in self.kernel.parameter_names]

    def psd(self, freqs):
        """The fitted one-sided power spectral density of each block.

        Parameters
        ----------
        freqs : array_like, shape (n_freqs,)
            Frequencies in Hz, in ``[0, sr/2]``.

        Returns
        -------
        numpy.ndarray, shape (n_blocks, n_freqs)
            ``c · scale² · (Σ_q S(f; θ_bq) + noise_b / sr)`` in units²/Hz, with
            ``c = 2`` except at 0 Hz and Nyquist (``c = 1``): the scaling of
            :func:`audiogp.dsp.block_periodogram` with ``scaling="density"``.
        """
        from audiogp.gp.spectral import spectral_density

        freqs = check.float_array(np.atleast_1d(np.asarray(freqs, dtype=np.float64)), "freqs")
        if freqs.ndim != 1:
            raise ParameterError(f"freqs must be 1-D, got shape {freqs.shape}")
        outside = np.flatnonzero((freqs < 0) | (freqs > self.sr / 2))
        if outside.size:
            raise ParameterError(f"freqs must be within [0, sr/2] = [0, {self.sr / 2:g}] Hz, got "
                                 f"{freqs[outside[0]]:g} at index {int(outside[0])}")
        density = spectral_density(self.kernel)
        theta = [p[:, :, None] for p in self._positional()]
        out = np.empty((self.n_blocks, freqs.shape[0]))
        for start in range(0, self.n_blocks, 64):
            stop = min(start + 64, self.n_blocks)
            values = density.value(freqs, *[t[start:stop] for t in theta])
            out[start:stop] = values.sum(axis=1)
        out += (np.asarray(self.noise, dtype=np.float64) / self.sr)[:, None]
        factor = np.where((freqs == 0) | (freqs == self.sr / 2), 1.0, 2.0)
        return out * factor * self.scale**2

    def autocov(self, n_lags):
        """Autocovariance of each block's model at lags ``0 .. n_lags - 1`` samples.

        Returns
        -------
        numpy.ndarray, shape (n_blocks, n_lags)
            ``scale² · (Σ_q k(τ / sr; θ_bq) + noise_b · [τ = 0])``, the first
            column of each block's Toeplitz covariance matrix (what
            :func:`audiogp.gp.sample_blocks` takes).
        """
        from audiogp.gp.spectral import spectral_density

        from audiogp._threads import run_split

        n_lags = check.integer(n_lags, "n_lags", minimum=1)
        density = spectral_density(self.kernel)
        lags = np.arange(n_lags) / self.sr
        theta = [p[:, :, None] for p in self._positional()]
        out = np.empty((self.n_blocks, n_lags))
        rows = max(1, (1 << 14) // max(1, n_lags * self.n_components))  # small, cache-sized chunks

        def evaluate(first, last):  # NumPy releases the GIL: blocks are spread over threads
            for start in range(first * rows, min(last * rows, self.n_blocks), rows):
                stop = min(start + rows, self.n_blocks)
                values = density.covariance_positional(lags, *[t[start:stop] for t in theta])
                out[start:stop] = values.sum(axis=1)

        run_split(evaluate, -(-self.n_blocks // rows))
        out[:, 0] += self.noise
        return out * self.scale**2

    # ----------------------------------------------------------------------------------------
    # Saving and loading.

    def _metadata(self):
        return {
            "format": FORMAT, "version": FORMAT_VERSION, "kernel": self.kernel.to_dict(),
            "sr": int(self.sr), "block_length": int(self.block_length),
            "hop_length": int(self.hop_length), "n_samples": int(self.n_samples),
            "scale": float(self.scale), "window": self.window, "loss": self.loss,
            "info": _jsonable(dict(self.info)),
        }

    def save(self, path, *, format=None):
        """Write the fit to ``path``.

        Parameters
        ----------
        path : str or path-like
        format : {"npz", "json"}, optional
            Default: JSON for a ``.json`` suffix, else NumPy ``.npz`` (arrays,
            with the metadata as a JSON string). Neither uses pickle.

        The file is written under a temporary name and renamed into place;
        an existing file is replaced.
        """
        from audiogp._files import atomic_output

        path = Path(path)
        if format is None:
            format = "json" if path.suffix.lower() == ".json" else "npz"
        check.choice(format, "format", ("npz", "json"))
        with atomic_output(path, force=True) as temporary:
            if format == "json":
                data = self._metadata()
                data["params"] = {k: np.asarray(v).tolist() for k, v in self.params.items()}
                data["noise"] = np.asarray(self.noise).tolist()
                data["envelope"] = None if self.envelope is None else np.asarray(self.envelope).tolist()
                temporary.write_text(json.dumps(data))
            else:
                arrays = {f"param_{k}": np.asarray(v) for k, v in self.params.items()}
                arrays["noise"] = np.asarray(self.noise)
                if self.envelope is not None:
                    arrays["envelope"] = np.asarray(self.envelope)
                arrays["metadata"] = np.array(json.dumps(self._metadata()))
                with open(temporary, "wb") as stream:
                    np.savez_compressed(stream, **arrays)
        return path

    @classmethod
    def load(cls, path):
        """Read a fit written by :meth:`save` (never unpickles anything).

        Raises
        ------
        ParameterError
            The file is not a saved KernelFit.
        """
        path = Path(path)
        if not path.is_file():
            raise ParameterError(f"{path}: no such file")
        try:
            if path.suffix.lower() == ".json" or path.read_bytes()[:1] == b"{":
                data = json.loads(path.read_text())
                params = {k: np.asarray(v, dtype=np.float64) for k, v in data["params"].items()}
                noise = np.asarray(data["noise"], dtype=np.float64)
                envelope = data.get("envelope")
                envelope = None if envelope is None else np.asarray(envelope, dtype=np.float32)
                metadata = data
            else:
                with np.load(path, allow_pickle=False) as archive:
                    metadata = json.loads(str(archive["metadata"]))
                    params = {k[len("param_"):]: archive[k] for k in archive.files if k.startswith("param_")}
                    noise = archive["noise"]
                    envelope = archive["envelope"] if "envelope" in archive.files else None
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ParameterError(f"{path} is not a saved KernelFit: {error}") from None
        if metadata.get("format") != FORMAT:
            raise ParameterError(f"{path} is not a saved KernelFit (format {metadata.get('format')!r})")
        if metadata.get("version", 0) > FORMAT_VERSION:
            raise ParameterError(f"{path} was written by a newer audiogp (KernelFit version "
                                 f"{metadata['version']}); upgrade audiogp to read it")
        return cls(kernel=Kernel.from_dict(metadata["kernel"]), params=params, noise=noise,
                   sr=metadata["sr"], block_length=metadata["block_length"],
                   hop_length=metadata["hop_length"], n_samples=metadata["n_samples"],
                   scale=metadata["scale"], envelope=envelope, window=metadata["window"],
                   loss=metadata["loss"], info=metadata.get("info", {}))

    def summary(self):
        """One line: kernel, size, geometry."""
        return (f"KernelFit({self.kernel.name} x {self.n_components}, {self.n_blocks} blocks of "
                f"{self.block_ms:.1f} ms hop {self.hop_ms:.1f} ms at {self.sr} Hz, {self.loss})")


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value

