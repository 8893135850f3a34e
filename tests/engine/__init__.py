"""Self-tests of the session and role facade, against the bundled simulators."""
