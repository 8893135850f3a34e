"""``python -m harness.sim station|csms …``: the simulators without the project CLI."""

import sys

from harness.sim.cli import main_sim

sys.exit(main_sim())
