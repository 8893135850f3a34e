"""Self-test configuration: pytester runs the plugin from outside, as xdist's own tests do."""

pytest_plugins = ["pytester", "tests.matrix"]


#: the self-tests that run the whole catalog, or a slice of it, for minutes each
_LONG = (
    "tests/test_order.py::test_the_verdicts_do_not_depend_on_the_order_of_the_cases",
    "tests/test_standalone_sim.py::test_the_core_station_cases_pass_against_the_simulator",
    "tests/test_standalone_sim.py::test_the_core_csms_cases_pass_against_the_simulator",
)


def pytest_collection_modifyitems(config, items):
    """Spread the long self-tests over the xdist workers, each at the head of a chunk.

    xdist's load scheduling hands each worker a run of consecutive items (a quarter of
    its share at first, then chunks as it drains). Long items all at the front land in
    the first worker's run and queue behind one another there: that worker then ends
    minutes after the others. So each chunk begins with one long item, the first ones
    in the workers' first chunks, so they start at once and run side by side."""
    long = [item for item in items if item.nodeid.startswith(_LONG)]
    if not long:
        return
    rest = [item for item in items if not item.nodeid.startswith(_LONG)]
    workers = config.getoption("numprocesses", None)
    workers = workers if isinstance(workers, int) and workers > 1 else 1
    chunk = max(len(items) // workers // 4, 2)
    ordered = []
    while long or rest:
        if long:
            ordered.append(long.pop(0))
        ordered.extend(rest[: chunk - 1])
        del rest[: chunk - 1]
    items[:] = ordered
