"""Provisioning of the simulated 1.6 charge point: GetConfiguration, ChangeConfiguration,
Reset (OCPP 1.6 §5.8, §5.3, §5.14).

The keys themselves are :mod:`harness.sim.config_v16`; the boot is the station's wire
engine (:mod:`harness.sim.station_link`) with the frames of :mod:`harness.sim.station_v16`.
Section numbers are OCPP 1.6 edition 2.
"""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING, Any

from harness.sim.blocks import Block
from harness.sim.config_v16 import LOCAL_AUTH_LIST_KEYS
from harness.sim.declare import BOTH, V16, Defect, declare
from harness.sim.errors import SimError
from harness.sim.peer import Reply

if TYPE_CHECKING:
    from harness.sim.station_v16 import StationV16

__all__ = ["BLOCK", "DEFECTS"]

#: the defects that live in this module, each under the function that perturbs it (the
#: first applies to both versions; in 2.0.1 the function named second perturbs it)
DEFECTS = declare(
    # reset; in 2.0.1 provisioning_v201.reset
    Defect(
        "ignores-reset",
        "station",
        BOTH,
        "answers Reset Accepted but does not reboot",
        {"1.6": "C16.5.14", "2.0.1": "B11.FR.03"},
    ),
    # get_configuration
    Defect(
        "get-configuration-missing-keys",
        "station",
        V16,
        "GetConfiguration without keys omits HeartbeatInterval and MeterValueSampleInterval",
        "C16.9.1",
    ),
    # change_configuration
    Defect(
        "change-configuration-not-applied",
        "station",
        V16,
        "ChangeConfiguration answers Accepted but does not store the value",
        "C16.5.3",
    ),
    # get_configuration
    Defect(
        "get-configuration-wrong-readonly",
        "station",
        V16,
        "GetConfiguration reports HeartbeatInterval readonly although §9.1 makes it RW",
        "C16.9",
    ),
    # get_configuration
    Defect(
        "get-configuration-ignores-key-filter",
        "station",
        V16,
        "GetConfiguration for some keys returns every key (§5.8: only the keys asked for)",
        "C16.5.8",
    ),
    # get_configuration
    Defect(
        "get-configuration-missing-profile-keys",
        "station",
        V16,
        "lists LocalAuthListManagement in SupportedFeatureProfiles but has none of the "
        "keys §9.2 requires for it",
        "C16.9.2",
    ),
)


async def get_configuration(v16: StationV16, payload: dict[str, Any]) -> Reply:
    """§5.8: the keys asked for (every key when none is), and the unknown ones."""
    hidden: set[str] = set()
    if v16.station.has("get-configuration-missing-keys"):
        hidden |= {"HeartbeatInterval", "MeterValueSampleInterval"}
    if v16.station.has("get-configuration-missing-profile-keys"):
        hidden |= set(LOCAL_AUTH_LIST_KEYS)  # the profile stays listed
    asked = payload.get("key") or []
    # §5.8: no keys -> every key (then none is "unknown": hidden ones are just absent)
    names = asked or [key.key for key in v16.configuration]
    if asked and v16.station.has("get-configuration-ignores-key-filter"):
        names = [key.key for key in v16.configuration]
    entries, unknown = [], []
    for name in names:
        key = v16.configuration.get(name)
        if key is None or name in hidden:
            unknown.append(name)
            continue
        entry = key.as_entry()
        if name == "HeartbeatInterval" and v16.station.has("get-configuration-wrong-readonly"):
            entry["readonly"] = True  # §9.1.10 makes it RW
        entries.append(entry)
    response: dict[str, Any] = {"configurationKey": entries}
    if unknown and asked:
        response["unknownKey"] = unknown
    return Reply(response)


async def change_configuration(v16: StationV16, payload: dict[str, Any]) -> Reply:
    """§5.3: store a value the key accepts; some take effect at once."""
    key, value = payload["key"], payload["value"]
    status = v16.configuration.check_change(key, value)
    if status == "Accepted" and not v16.station.has("change-configuration-not-applied"):
        v16.configuration.store(key, value)
        if key == "HeartbeatInterval":
            v16.station.heartbeat_changed()
        elif key == "AuthorizationKey":
            v16.station.password = value  # used from the next connection on
    return Reply({"status": status})


async def reset(v16: StationV16, payload: dict[str, Any]) -> Reply:
    """§5.14: end the transactions, then reboot."""
    station = v16.station
    if station.has("ignores-reset"):
        return Reply({"status": "Accepted"})
    running = station.transactions()
    reason = "HardReset" if payload["type"] == "Hard" else "SoftReset"

    async def reboot() -> None:
        for tx in running:  # §5.14: StopTransaction before the reset
            with suppress(SimError):
                await v16.end(tx, reason)
        await station.go_down(v16.reset_boot_reason(), event="ResetOrReboot")

    return Reply({"status": "Accepted"}, after=reboot)


BLOCK: Block[StationV16] = Block(
    "provisioning",
    V16,
    {
        "GetConfiguration": get_configuration,
        "ChangeConfiguration": change_configuration,
        "Reset": reset,
    },
)
