"""Part 6 reusable states: bring the DUT into a named precondition (a case's "Before").

* :mod:`harness.states.cs` — a charging-station DUT, the harness is the CSMS (§2.18):
  ``booted``, ``booting``; :mod:`harness.states.cs_transactions` — Tables 425 and
  427-434, from ``unavailable`` and ``ev_connected_pre_session`` to ``ev_disconnected``;
  :mod:`harness.states.cs_memory` — the §2.19 memory states (Tables 442-445): a token
  on the local list or in the cache, a charging profile, an installed certificate.
* :mod:`harness.states.csms` — a CSMS DUT, the harness is the station (§3.18):
  ``booted``, and the boot and connector reports the harness's station sends.
* Tables 699–707 (CSMS DUT): ``csms.reserved``/``unavailable``, ``csms_transactions``.

Each state is a short sequence of ordinary facade steps, so it appears in the trace and
a DUT that cannot reach the state fails there, with the rule of the step that broke.
"""

from __future__ import annotations

from typing import Any

from harness.states import cs, csms
from harness.states.csms import boot_payload

__all__ = ["boot_payload", "booted_station", "cs", "csms"]


def booted_station(station: Any, dut: Any) -> Any:
    """State *Booted* with the harness as station (see :func:`harness.states.csms.booted`)."""
    return csms.booted(station, dut)
