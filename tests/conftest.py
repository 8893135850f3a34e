"""Self-test configuration: pytester runs the plugin from outside, as xdist's own tests do."""

pytest_plugins = ["pytester", "tests.matrix"]


#: the self-tests that run the whole catalog: started first, so that the xdist workers
#: run everything else beside them instead of waiting on them at the end
_LONG = (
    "tests/test_order.py::test_the_verdicts_do_not_depend_on_the_order_of_the_cases",
    "tests/test_standalone_sim.py::test_the_core_station_cases_pass_against_the_simulator",
)


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: not item.nodeid.startswith(_LONG))
