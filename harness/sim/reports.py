"""Device-model reports (Part 2 B07/B08): which variables a report holds and how it is
cut into NotifyReport messages.

One implementation for both stations: the simulated one (harness.sim.provisioning_v201,
whose defects perturb around it) and the harness's own station when the DUT is a CSMS
(harness.station_model), so what a CSMS gets after GetBaseReport is what a conformant
station sends, whichever of the two it talks to. Pure functions: no I/O, no clock but
the timestamp the caller passes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from harness.sim.device_model import Variable

__all__ = ["PROBLEM_VARIABLES", "REPORT_CHUNK", "base_report_variables", "notify_report_parts"]

#: variables a NotifyReport carries at most (a station may choose; 32 keeps frames small)
REPORT_CHUNK = 32

#: the variables of a component's condition a SummaryInventory gives when they are set
PROBLEM_VARIABLES = ("Problem", "Tripped", "Overload", "Fallback")


def base_report_variables(
    model: Iterable[Variable],
    base: str,
    *,
    summary_inventory: bool,
    read_only_in_configuration: bool = False,
    problems: Sequence[str] = PROBLEM_VARIABLES,
) -> list[Variable] | None:
    """The variables of a GetBaseReport ``base``, None when the station does not support
    it (answered NotSupported).

    FullInventory: every variable. ConfigurationInventory: the ones the CSMS can set
    (not ReadOnly; B07.FR.07). SummaryInventory, only when ``summary_inventory`` (Part 5
    C-56): every AvailabilityState and, of components in an abnormal state, the
    ``problems`` variables that are set (B07.FR.09).
    """
    variables = list(model)
    if base == "FullInventory":
        return variables
    if base == "ConfigurationInventory":
        return [v for v in variables if read_only_in_configuration or v.mutability != "ReadOnly"]
    if base == "SummaryInventory" and summary_inventory:
        return [
            v
            for v in variables
            if v.name == "AvailabilityState" or (v.name in problems and v.current() == "true")
        ]
    return None


def notify_report_parts(
    data: Sequence[dict[str, Any]],
    request_id: int,
    generated_at: str,
    *,
    first_seq_no: int = 0,
    chunk: int = REPORT_CHUNK,
) -> list[dict[str, Any]]:
    """NotifyReport payloads for ``data`` (reportData items): the CSMS's requestId in
    each (B07.FR.04), seqNo from 0 (B07.FR.10), ``tbc`` on every part but the last. An
    empty report is still one message (the CSMS waits for a report to end)."""
    chunks = [list(data[i : i + chunk]) for i in range(0, len(data), chunk)] or [[]]
    parts = []
    for index, items in enumerate(chunks):
        message: dict[str, Any] = {
            "requestId": request_id,
            "generatedAt": generated_at,
            "seqNo": first_seq_no + index,
        }
        if items:
            message["reportData"] = items
        if index < len(chunks) - 1:
            message["tbc"] = True
        parts.append(message)
    return parts
