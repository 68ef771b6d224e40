"""Compiled kernels (Cython). Internal: use the documented functions in
:mod:`audiogp.dsp`, :mod:`audiogp.linalg` and :mod:`audiogp.gp`, which validate
their inputs before calling in here."""
