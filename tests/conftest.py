"""Shared test fixtures. Tests build their own signals; none reads ../shared."""

import numpy as np
import pytest
from hypothesis import settings

# CI must give the same verdict on every run: hypothesis draws its examples
# from a fixed seed by default. Explore new examples locally with
#   pytest --hypothesis-profile=explore
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, max_examples=500)
settings.load_profile("ci")


@pytest.fixture
def rng():
    """A fresh, fixed-seed generator per test."""
    return np.random.default_rng(20261122)
