"""Exceptions shared by the library, the graph runner and the CLI.

Two families, which the CLI treats differently:

- :class:`UserError` and its subclasses are mistakes a user can fix (a bad
  parameter, a missing file, a spec that does not validate). The CLI prints
  the message alone, without a traceback, and exits with status 2.
- Anything else escaping a command is a bug in audiogp or a plugin: the CLI
  shows the traceback and exits with status 1.

Library functions raise :class:`ParameterError` for bad arguments; it is also
a :class:`ValueError`, so code written against NumPy/librosa conventions that
catches ``ValueError`` keeps working.
"""


class AudiogpError(Exception):
    """Base class of every exception audiogp raises on purpose."""


class UserError(AudiogpError):
    """A problem the user can fix; reported without a traceback."""


class ParameterError(UserError, ValueError):
    """A function argument has the wrong value, shape or dtype.

    The message names the parameter, what was given and what is expected.
    """


class ParameterTypeError(UserError, TypeError):
    """A function argument has the wrong type (e.g. complex where real is needed)."""


class NotPositiveDefiniteError(ParameterError):
    """A covariance or Toeplitz matrix is not positive definite.

    Attributes
    ----------
    batch_index : tuple of int or None
        Index of the offending matrix in the batch.
    order : int or None
        Recursion order (or row) at which positive definiteness failed.
    """

    def __init__(self, message, *, batch_index=None, order=None):
        super().__init__(message)
        self.batch_index = batch_index
        self.order = order


class MissingDependencyError(UserError, ImportError):
    """An optional dependency needed for the requested feature is not installed."""
