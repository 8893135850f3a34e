"""Package layout that pyproject.toml cannot express: the catalog (``testcases/``), our
schemas (``schemas/``) and the example profiles (``fixtures/``) live at the top of the
repository but ship inside the ``harness`` package, so that an installed wheel runs the
catalog from any directory."""

from setuptools import find_packages, setup


def _under(prefix: str, directory: str) -> list[str]:
    return [prefix, *(f"{prefix}.{name}" for name in find_packages(directory))]


setup(
    packages=[
        *_under("harness", "harness"),
        *_under("harness.catalog", "testcases"),
        "harness.schemas_data",
        "harness.fixtures_data",
    ],
    package_dir={
        "harness": "harness",
        "harness.catalog": "testcases",
        "harness.schemas_data": "schemas",
        "harness.fixtures_data": "fixtures",
    },
)
