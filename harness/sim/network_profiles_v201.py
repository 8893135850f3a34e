"""Which CSMS the simulated 2.0.1 station connects to: its network connection profiles.

A profile (SetNetworkProfile's connectionData) lives in a configuration slot, one of
the entries of NetworkConfigurationPriority's valuesList; slot 0 holds the profile the
station was set up with (the endpoint it was started with). A SetNetworkProfile stores
one (B09.FR.01); NetworkConfigurationPriority orders the slots, and a new order counts
from the next start of the station on (B10.FR.04: it then begins with the first entry).

From a start the station tries the slots in that order, NetworkProfileConnectionAttempts
attempts each (B10.FR.03), moving on to the next slot at once after the last attempt on
one. When every slot has failed it falls back to the profile of its last successful
connection and reconnects there with the usual back-off (B10.FR.07, Part 4 §5.3) for as
long as it takes. Once connected, a lost connection is retried on the same profile.

The websocket side (attempts, back-off, the socket) is :class:`StationLink`'s; this
module only answers which endpoint comes next.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.sim.declare import V201, Defect, declare
from harness.sim.device_model import NETWORK_SLOTS, DeviceModel

__all__ = ["DEFECTS", "NetworkProfiles"]

_COMM = "OCPPCommCtrlr"

#: the defects that live in this module, each under the method that perturbs it
DEFECTS = declare(
    # NetworkProfiles.store
    Defect(
        "network-profile-refused",
        "station",
        V201,
        "answers a valid SetNetworkProfile Rejected and keeps nothing of it",
        "B09.FR.01",
    ),
    # NetworkProfiles.priority_status
    Defect(
        "network-priority-read-only",
        "station",
        V201,
        "answers a SetVariables of NetworkConfigurationPriority naming only configured "
        "slots Rejected, as if it could not be changed",
        "B10.FR.01",
    ),
    # NetworkProfiles.started
    Defect(
        "network-priority-ignored",
        "station",
        V201,
        "after a reboot connects with the profile it used before, not with the first "
        "entry of the new NetworkConfigurationPriority",
        "B10.FR.04",
    ),
    # NetworkProfiles.failed
    Defect(
        "network-profile-one-attempt",
        "station",
        V201,
        "moves on to the next configuration slot after one failed attempt, whatever "
        "NetworkProfileConnectionAttempts says",
        "B10.FR.03",
    ),
    # NetworkProfiles.failed
    Defect(
        "network-no-fallback",
        "station",
        V201,
        "once every configuration slot has failed, starts over with the first one instead "
        "of falling back to the profile of its last successful connection",
        "B10.FR.07",
    ),
    # NetworkProfiles.early_endpoint (StationLink.go_down opens the connection)
    Defect(
        "network-migration-overlaps",
        "station",
        V201,
        "rebooting onto another CSMS, opens the connection to the new one before it has "
        "closed the one to the old",
        "B10.FR.06",
    ),
)


class NetworkProfiles:
    """The station's configuration slots and where its next connection attempt goes."""

    def __init__(
        self,
        device_model: DeviceModel,
        has: Callable[[str], bool],
        has_option: Callable[[str], bool],
        *,
        url: str,
        security_profile: int,
        message_timeout: int,
    ) -> None:
        self._device_model = device_model
        self._has = has
        self._has_option = has_option
        #: the stored connectionData by slot; slot 0 is the profile it was set up with
        self.slots: dict[int, dict[str, Any]] = {
            0: {
                "ocppVersion": "OCPP20",
                "ocppTransport": "JSON",
                "ocppCsmsUrl": url,
                "messageTimeout": message_timeout,
                "securityProfile": security_profile,
                "ocppInterface": "Wired0",
            }
        }
        #: the slot of the last connection that opened (None before the first)
        self.last_connected: int | None = None
        self._plan: list[int] = []
        self._index = 0
        self._tries = 0
        #: set once every slot of the plan failed: the slot it falls back to (B10.FR.07)
        self._fallback: int | None = None
        self.started()

    # -- what the CSMS sets -----------------------------------------------------------

    def store(self, slot: int, data: dict[str, Any]) -> bool:
        """Keep ``data`` in ``slot`` (B09.FR.01); False when the station refuses it."""
        if self._has("network-profile-refused"):
            return False
        self.slots[slot] = dict(data)
        return True

    def valid_priority(self, value: str) -> bool:
        """A NetworkConfigurationPriority the station can take: slots of its valuesList,
        each once, each holding a profile (B10.FR.02 refuses any other)."""
        entries = [entry.strip() for entry in value.split(",")]
        if not entries or len(set(entries)) != len(entries):
            return False
        return all(entry in NETWORK_SLOTS and int(entry) in self.slots for entry in entries)

    def priority_status(self, status: str) -> str:
        """The attributeStatus of a SetVariables of NetworkConfigurationPriority the
        device model judged ``status``: the new order counts from the next start, so a
        station may say Accepted or RebootRequired (B10.FR.01; option
        network-priority-reboot-required)."""
        if status != "Accepted":
            return status
        if self._has("network-priority-read-only"):
            return "Rejected"
        if self._has_option("network-priority-reboot-required"):
            return "RebootRequired"
        return status

    # -- where the next attempt goes -------------------------------------------------------

    def _priority(self) -> list[int]:
        value = self._device_model.value(_COMM, "NetworkConfigurationPriority")
        slots = [int(entry) for entry in value.split(",") if entry.strip().isdigit()]
        return [slot for slot in slots if slot in self.slots] or [0]

    def _start_plan(self) -> list[int]:
        """The slots to try after a start, in order (B10.FR.04)."""
        plan = self._priority()
        if self._has("network-priority-ignored") and self.last_connected is not None:
            plan = [self.last_connected, *(s for s in plan if s != self.last_connected)]
        return plan

    def started(self) -> None:
        """The station (re)starts: it begins with the first entry of the priority."""
        self._plan = self._start_plan()
        self._index = 0
        self._tries = 0
        self._fallback = None

    @property
    def slot(self) -> int:
        """The slot of the next connection attempt."""
        return self._fallback if self._fallback is not None else self._plan[self._index]

    def url(self) -> str:
        """The CSMS endpoint (without the identity) of the next connection attempt."""
        return str(self.slots[self.slot]["ocppCsmsUrl"])

    def early_endpoint(self) -> str | None:
        """Where a station about to restart connects before it has left its CSMS: the
        endpoint the restart moves it to, with defect network-migration-overlaps
        (B10.FR.06 asks it to close the old connection first); else None."""
        if not self._has("network-migration-overlaps"):
            return None
        endpoint = str(self.slots[self._start_plan()[0]]["ocppCsmsUrl"])
        return endpoint if endpoint != self.url() else None

    def connected(self) -> None:
        """A connection opened: its profile is the one a lost connection retries and the
        one to fall back to later."""
        self.last_connected = self.slot
        self._plan = [self.slot]
        self._index = 0
        self._tries = 0
        self._fallback = None

    def failed(self) -> bool:
        """An attempt failed. True when the station moves on to another slot (it tries
        that one at once); False when it retries after its back-off."""
        if self._fallback is not None:
            return False  # reconnecting on the fallback profile (Part 4 §5.3)
        self._tries += 1
        attempts = max(1, int(self._device_model.value(_COMM, "NetworkProfileConnectionAttempts")))
        if self._has("network-profile-one-attempt"):
            attempts = 1
        if self._tries < attempts:
            return False
        self._tries = 0  # this slot's attempts are used up (B10.FR.03)
        if self._index + 1 < len(self._plan):
            self._index += 1
            return True
        # every slot failed: back to the profile that last connected (B10.FR.07)
        if self.last_connected is None or self._has("network-no-fallback"):
            self._index = 0
        else:
            self._fallback = self.last_connected
        return False
