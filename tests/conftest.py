"""Self-test configuration: pytester runs the plugin from outside, as xdist's own tests do."""

pytest_plugins = ["pytester", "tests.matrix"]
