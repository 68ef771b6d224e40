import pytest

# audiogp's test harness: the fixtures spec_runner, audiogp_plugins and example_signal.
pytest_plugins = ["audiogp.testing"]


@pytest.fixture
def audiogp_plugins():
    """The plugin under test, loaded whether or not it is installed."""
    import audiogp_lpc

    return [audiogp_lpc]
