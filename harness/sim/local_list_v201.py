"""The simulated 2.0.1 station's Local Authorization List: SendLocalList, GetLocalListVersion.

The list is what the CSMS tells the station about a chosen set of tokens ahead of time,
so that the station can authorize them itself (C13 offline, C14 online). Only the CSMS
changes it (D01.FR.09): a Full update replaces it, a Differential one adds, updates and
removes entries, and every accepted update sets the list's version number to the one in
the request. Whether a listed token is used without asking the CSMS is decided in
:mod:`harness.sim.local_auth_v201`; this module keeps the list and answers the two
messages. Requirement ids are from OCPP 2.0.1 Part 2.

Choices where Part 2 leaves the station free: an update while the list is disabled
(LocalAuthListCtrlr.Enabled false) is answered Failed; tokens are matched by value
without regard to case and by type (Part 2 §C 1.1: a token is a case-insensitive string
and a type); the list lives as long as the simulator (D01.FR.10 asks for reboots too).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from harness.sim.blocks import Block, Handler
from harness.sim.declare import V201, Defect, declare
from harness.sim.device_model import DeviceModel
from harness.sim.peer import Reply

__all__ = ["BLOCK", "DEFECTS", "LocalAuthList", "token_key"]

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # LocalAuthList.update
    Defect(
        "local-list-update-failed",
        "station",
        V201,
        "answers a SendLocalList Full update that carries entries Failed",
        "D01.FR.15",
    ),
    # LocalAuthList.update
    Defect(
        "local-list-version-not-kept",
        "station",
        V201,
        "accepts SendLocalList updates but keeps the list's old version number",
        "D01.FR.15",
    ),
    # LocalAuthList.update
    Defect(
        "local-list-not-emptied",
        "station",
        V201,
        "answers a SendLocalList Full update without entries Failed and keeps its list",
        "D01.FR.04",
    ),
)

_CTRLR = "LocalAuthListCtrlr"


def token_key(id_token: Mapping[str, Any]) -> tuple[str, str]:
    """How the station tells tokens apart: the value in any case, and the type."""
    return (str(id_token.get("idToken", "")).casefold(), str(id_token.get("type", "")))


class LocalAuthList:
    """The list, its version number, and the answers to the CSMS's requests about it."""

    def __init__(self, model: DeviceModel, has: Callable[[str], bool]) -> None:
        self._model = model
        self._has = has
        #: 0 until the first accepted update: "no list" (D02.FR.02)
        self.version = 0
        self._entries: dict[tuple[str, str], dict[str, Any]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def enabled(self) -> bool:
        """LocalAuthListCtrlr.Enabled (D01.FR.13)."""
        return self._model.value(_CTRLR, "Enabled") == "true"

    def lookup(self, id_token: Mapping[str, Any]) -> dict[str, Any] | None:
        """The idTokenInfo the list holds for ``id_token``; None when the token is not on
        it or the list is disabled."""
        if not self.enabled:
            return None
        entry = self._entries.get(token_key(id_token))
        return None if entry is None else dict(entry["idTokenInfo"])

    def version_number(self) -> int:
        """What GetLocalListVersion answers: the list's version, 0 when there is no list
        or the list is disabled (D02.FR.01/.02/.03)."""
        return self.version if self.enabled else 0

    def update(self, request: Mapping[str, Any]) -> str:
        """Apply a SendLocalListRequest; returns the status of the answer (D01.FR.02)."""
        items = list(request.get("localAuthorizationList") or [])
        version = int(request["versionNumber"])
        full = request["updateType"] == "Full"
        if not self.enabled or version <= 0:  # D01.FR.18: versions start at 1
            return "Failed"
        limit = int(self._model.value(_CTRLR, "ItemsPerMessage"))
        keys = [token_key(item["idToken"]) for item in items]
        if len(items) > limit or len(set(keys)) != len(keys):  # D01.FR.11, D01.FR.06
            return "Failed"
        if full:
            if any("idTokenInfo" not in item for item in items):
                return "Failed"  # Part 2 AuthorizationData: required in a Full update
            refused = (
                self._has("local-list-update-failed")  # a Full update with entries
                if items
                else self._has("local-list-not-emptied")  # the one that empties the list
            )
            if refused:
                return "Failed"
            # D01.FR.15 replaces the list; D01.FR.04: without entries it is emptied
            self._entries = {key: dict(item) for key, item in zip(keys, items, strict=True)}
        else:
            if version <= self.version:
                return "VersionMismatch"  # D01.FR.19
            for key, item in zip(keys, items, strict=True):
                if "idTokenInfo" in item:
                    self._entries[key] = dict(item)  # D01.FR.16: add or update
                else:
                    self._entries.pop(key, None)  # D01.FR.17: remove
            # D01.FR.05: an empty Differential update changes only the version
        if not self._has("local-list-version-not-kept"):
            self.version = version  # D01.FR.04/.05/.15/.16/.17
        return "Accepted"

    # -- the CSMS's requests ----------------------------------------------------------------

    def handlers(self) -> dict[str, Handler]:
        """This keeper's calls (:data:`BLOCK`), bound to it."""
        return dict(BLOCK.bind(self).handlers)

    async def _send_local_list(self, payload: dict[str, Any]) -> Reply:
        return Reply({"status": self.update(payload)})

    async def _get_local_list_version(self, payload: dict[str, Any]) -> Reply:
        return Reply({"versionNumber": self.version_number()})


BLOCK: Block[LocalAuthList] = Block(
    "local list",
    V201,
    {
        "SendLocalList": LocalAuthList._send_local_list,
        "GetLocalListVersion": LocalAuthList._get_local_list_version,
    },
)
