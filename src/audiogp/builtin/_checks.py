"""Declared checks (``NodeType.checks``) shared by the built-in nodes that take an STFT window.

Each check reads only parameters, so it runs when the spec is validated and
again before the node runs; a contradiction is a :class:`Mismatch` at its key.
"""

from audiogp.plugins import Mismatch

__all__ = ["check_window", "check_win_length", "WINDOW_CHECKS"]

_PROBE_LENGTH = 16  # enough to let scipy build the window; nothing the size of a real one


def check_window(params, inputs):
    """Refuse a ``window`` that :func:`scipy.signal.get_window` does not know, naming near misses."""
    window = params.get("window")
    if window is None:
        return
    from audiogp.dsp.spectrum import get_window

    spec = tuple(window) if isinstance(window, list) else window
    try:
        get_window(spec, _PROBE_LENGTH)
    except (ValueError, TypeError, KeyError, IndexError) as error:
        message = str(error)
        if "window" not in message:
            message = f"window={window!r} is not a window scipy.signal.get_window builds ({message})"
        raise Mismatch("window", message) from None


def check_win_length(params, inputs):
    """Refuse ``win_length > n_fft``: the window must fit in the FFT frame."""
    win_length, n_fft = params.get("win_length"), params.get("n_fft")
    if win_length is not None and n_fft is not None and win_length > n_fft:
        raise Mismatch("win_length", f"win_length={win_length} must be <= n_fft={n_fft}: the "
                       "window must fit in the FFT frame; make n_fft at least win_length")


WINDOW_CHECKS = (check_window, check_win_length)
