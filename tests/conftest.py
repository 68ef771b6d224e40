"""Shared test fixtures. Tests build their own signals; none reads ../shared."""

import numpy as np
import pytest


@pytest.fixture
def rng():
    """A fresh, fixed-seed generator per test."""
    return np.random.default_rng(20261122)
