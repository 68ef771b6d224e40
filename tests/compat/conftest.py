# The distributions here are installed and tested by tests/test_plugins_compat.py, from a copy,
# the way a user would run them; the suite does not collect their own tests directly.
collect_ignore = ["audiogp-compat-v1"]
