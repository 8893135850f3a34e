"""The simulated 2.0.1 station's charging profiles: Set-, Clear- and GetChargingProfiles.

The station keeps the profiles the CSMS installs, per EVSE (0 is the station as a
whole), and reports or clears them on request. It checks a new profile against the
basic rules of K01 and rejects what breaks one; it does not compute composite schedules
or limit any power (the simulated EVSE has no power path to limit). Requirement ids are
from OCPP 2.0.1 Part 2; the limits come from SmartChargingCtrlr (ProfileStackLevel,
PeriodsPerSchedule, RateUnit).

A TxProfile that comes with a RequestStartTransaction is checked as one of
SetChargingProfile is (F01.FR.26) and installed for the transaction the request
starts (F01.FR.10). With option no-smart-charging the station has no smart charging:
SmartChargingCtrlr.Available and Enabled are false, these calls are not supported, and
the profile of a remote start is ignored (F01.FR.12).

Choices where Part 2 leaves the station free: a second profile of the same purpose,
stack level and EVSE under another id is rejected (K01.FR.06 forbids the CSMS to send
one); a TxProfile without a transactionId applies to the transaction running at the
EVSE; a TxProfile is forgotten once its transaction is over (K02.FR.05), noticed
the next time the profiles are looked at.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from harness.sim.blocks import Block, Handler
from harness.sim.declare import V201, Defect, declare
from harness.sim.device_model import DeviceModel
from harness.sim.peer import Reply

__all__ = ["BLOCK", "DEFECTS", "ChargingProfiles", "Installed"]

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # ChargingProfiles.install
    Defect(
        "set-charging-profile-rejected",
        "station",
        V201,
        "rejects a valid TxDefaultProfile for EVSE 0 (the whole station)",
        "K01.FR.14",
    ),
)

_CTRLR = "SmartChargingCtrlr"

Send = Callable[[str, dict[str, Any]], Awaitable[Any]]

#: the source of every profile installed by SetChargingProfile (ChargingLimitSourceEnum)
_SOURCE = "CSO"


@dataclass
class Installed:
    """One installed profile, the EVSE it is for, and (TxProfile) its transaction."""

    evse: int
    profile: dict[str, Any]
    transaction_id: str | None = None


class ChargingProfiles:
    """The installed profiles and the answers to the CSMS's requests about them.

    ``evses`` gives the station's EVSE ids, ``transaction_at`` the id of the
    transaction running at an EVSE (None when idle), ``send`` sends a report to the CSMS
    (none: the owner sends :meth:`reports` itself, as the harness's station does).
    """

    def __init__(
        self,
        model: DeviceModel,
        has: Callable[[str], bool],
        *,
        evses: Callable[[], Iterable[int]],
        transaction_at: Callable[[int], str | None],
        send: Send | None = None,
    ) -> None:
        self._model = model
        self._has = has
        self._evses = evses
        self._transaction_at = transaction_at
        self._send = send
        self._installed: dict[int, Installed] = {}

    def __len__(self) -> int:
        return len(self.installed())

    def installed(self) -> list[Installed]:
        """The profiles in force, TxProfiles of ended transactions dropped (K02.FR.05)."""
        for profile_id, item in list(self._installed.items()):
            if item.transaction_id is not None and (
                self._transaction_at(item.evse) != item.transaction_id
            ):
                del self._installed[profile_id]
        return list(self._installed.values())

    # -- SetChargingProfile (K01) -----------------------------------------------------------

    def problem(self, evse: int, profile: Mapping[str, Any]) -> str | None:
        """Why the station rejects ``profile`` for ``evse`` (the rule), or None."""
        purpose = profile["chargingProfilePurpose"]
        if evse != 0 and evse not in set(self._evses()):
            return "K01.FR.28"  # no such EVSE
        if purpose == "ChargingStationExternalConstraints":
            return "K01.FR.22"  # only an external system sets those
        if purpose == "TxProfile":
            running = self._transaction_at(evse) if evse > 0 else None
            if evse == 0:
                return "K01.FR.16"
            if running is None:
                return "K01.FR.09"
            if profile.get("transactionId", running) != running:
                return "K01.FR.33"
        kind = profile["chargingProfileKind"]
        if purpose == "ChargingStationMaxProfile" and kind == "Relative":
            return "K01.FR.38"
        if int(profile["stackLevel"]) > int(self._model.value(_CTRLR, "ProfileStackLevel")):
            return "SmartChargingCtrlr.ProfileStackLevel"
        schedules = profile["chargingSchedule"]
        if len(schedules) != 1:
            return "K01.FR.34"  # more than one schedule is for ISO 15118 only
        return self._schedule_problem(schedules[0], kind) or self._clash(evse, profile)

    def _schedule_problem(self, schedule: Mapping[str, Any], kind: str) -> str | None:
        units = self._model.value(_CTRLR, "RateUnit").split(",")
        if schedule["chargingRateUnit"] not in units:
            return "K01.FR.26"
        if kind in ("Absolute", "Recurring") and "startSchedule" not in schedule:
            return "K01.FR.40"
        if kind == "Relative" and "startSchedule" in schedule:
            return "K01.FR.41"
        starts = [int(period["startPeriod"]) for period in schedule["chargingSchedulePeriod"]]
        if starts[0] != 0:
            return "K01.FR.31"
        if any(later <= earlier for earlier, later in zip(starts, starts[1:], strict=False)):
            return "K01.FR.35"
        if len(starts) > int(self._model.value(_CTRLR, "PeriodsPerSchedule")):
            return "SmartChargingCtrlr.PeriodsPerSchedule"
        return None

    def _clash(self, evse: int, profile: Mapping[str, Any]) -> str | None:
        """Another profile (another id) of the same purpose and stack level that would be
        in force together with this one (K01.FR.06, K01.FR.52/.53)."""
        purpose, level = profile["chargingProfilePurpose"], profile["stackLevel"]
        for item in self.installed():
            other = item.profile
            if other["id"] == profile["id"] or other["chargingProfilePurpose"] != purpose:
                continue
            if other["stackLevel"] != level:
                continue
            if item.evse == evse:
                return "K01.FR.06"
            if purpose == "TxDefaultProfile" and 0 in (item.evse, evse):
                return "K01.FR.52" if evse == 0 else "K01.FR.53"
        return None

    def install(self, evse: int, profile: Mapping[str, Any]) -> str | None:
        """Install ``profile`` (replacing one with its id: K01.FR.05); None when it was
        accepted, else the rule it broke."""
        problem = self.problem(evse, profile)
        if problem is not None:
            return problem
        whole_station = profile["chargingProfilePurpose"] == "TxDefaultProfile" and evse == 0
        if whole_station and self._has("set-charging-profile-rejected"):
            return "set-charging-profile-rejected"
        running = self._transaction_at(evse) if evse > 0 else None
        tx = running if profile["chargingProfilePurpose"] == "TxProfile" else None
        self._installed[int(profile["id"])] = Installed(evse, dict(profile), tx)
        return None

    # -- the TxProfile of a RequestStartTransaction (F01.FR.08-.11, F01.FR.26) ------------

    def remote_start_problem(self, profile: Mapping[str, Any]) -> str | None:
        """Why the station rejects the chargingProfile of a RequestStartTransaction (the
        rule), or None: it must be a TxProfile (F01.FR.09) without a transactionId
        (F01.FR.11), and a schedule the station can follow (F01.FR.26)."""
        if profile["chargingProfilePurpose"] != "TxProfile":
            return "F01.FR.09"
        if "transactionId" in profile:
            return "F01.FR.11"
        if int(profile["stackLevel"]) > int(self._model.value(_CTRLR, "ProfileStackLevel")):
            return "SmartChargingCtrlr.ProfileStackLevel"
        schedules = profile["chargingSchedule"]
        if len(schedules) != 1:
            return "K01.FR.34"
        return self._schedule_problem(schedules[0], profile["chargingProfileKind"])

    def for_transaction(self, evse: int, profile: Mapping[str, Any], transaction_id: str) -> None:
        """The TxProfile of a remote start, installed for the transaction it started
        (F01.FR.10); it goes with that transaction (K02.FR.05)."""
        installed = {**profile, "transactionId": transaction_id}
        self._installed[int(profile["id"])] = Installed(evse, installed, transaction_id)

    # -- ClearChargingProfile (K10) and GetChargingProfiles (K09) -------------------------

    def clear(self, request: Mapping[str, Any]) -> str:
        """Remove what the request names; the status of the answer."""
        self.installed()
        if "chargingProfileId" in request:
            found = self._installed.pop(int(request["chargingProfileId"]), None)
            return "Unknown" if found is None else "Accepted"  # K10.FR.01, K10.FR.03
        criteria = request.get("chargingProfileCriteria") or {}
        gone = [
            profile_id
            for profile_id, item in self._installed.items()
            if _matches(item, criteria, evse_key="evseId")
        ]
        for profile_id in gone:
            del self._installed[profile_id]
        return "Accepted" if gone else "Unknown"  # K10.FR.04, K10.FR.01

    def matching(self, request: Mapping[str, Any]) -> list[Installed]:
        """The installed profiles a GetChargingProfilesRequest asks for (K09.FR.04-.06)."""
        criterion = request.get("chargingProfile") or {}
        sources = criterion.get("chargingLimitSource")
        if sources is not None and _SOURCE not in sources:
            return []
        wanted_ids = criterion.get("chargingProfileId")
        found = []
        for item in self.installed():
            if "evseId" in request and item.evse != request["evseId"]:
                continue
            if wanted_ids is not None and item.profile["id"] not in wanted_ids:
                continue
            if _matches(item, criterion):
                found.append(item)
        return found

    # -- the CSMS's requests ----------------------------------------------------------------

    def handlers(self) -> dict[str, Handler]:
        """This keeper's calls (:data:`BLOCK`), bound to it."""
        return dict(BLOCK.bind(self).handlers)

    def set_answer(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Install the profile of a SetChargingProfileRequest; the answer: Accepted, or
        Rejected with the rule the profile broke (K01)."""
        problem = self.install(int(request["evseId"]), request["chargingProfile"])
        if problem is None:
            return {"status": "Accepted"}
        return {
            "status": "Rejected",
            "statusInfo": {"reasonCode": "InvalidProfile", "additionalInfo": problem},
        }

    async def _set_charging_profile(self, payload: dict[str, Any]) -> Reply:
        return Reply(self.set_answer(payload))

    async def _clear_charging_profile(self, payload: dict[str, Any]) -> Reply:
        return Reply({"status": self.clear(payload)})

    def reports(self, request: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The ReportChargingProfiles messages that answer a GetChargingProfilesRequest:
        one per EVSE with matching profiles, all but the last marked tbc (K09.FR.01/.02);
        none when nothing matches (the answer is then NoProfiles)."""
        by_evse: dict[int, list[dict[str, Any]]] = {}
        for item in self.matching(request):
            by_evse.setdefault(item.evse, []).append(item.profile)
        evses = sorted(by_evse)
        messages = []
        for number, evse in enumerate(evses):
            message: dict[str, Any] = {
                "requestId": request["requestId"],  # K09.FR.01
                "chargingLimitSource": _SOURCE,
                "evseId": evse,
                "chargingProfile": by_evse[evse],
            }
            if number < len(evses) - 1:
                message["tbc"] = True  # K09.FR.02
            messages.append(message)
        return messages

    async def _get_charging_profiles(self, payload: dict[str, Any]) -> Reply:
        messages = self.reports(payload)
        if not messages:
            return Reply({"status": "NoProfiles"})
        send = self._send
        assert send is not None, "a keeper that answers by itself sends its reports"

        async def report() -> None:
            for message in messages:
                await send("ReportChargingProfiles", message)

        return Reply({"status": "Accepted"}, after=report)


def _matches(item: Installed, criteria: Mapping[str, Any], *, evse_key: str = "") -> bool:
    """Does ``item`` match every field the criteria give (a logical AND)?"""
    profile = item.profile
    if evse_key and evse_key in criteria and item.evse != criteria[evse_key]:
        return False
    if "chargingProfilePurpose" in criteria and (
        profile["chargingProfilePurpose"] != criteria["chargingProfilePurpose"]
    ):
        return False
    return not ("stackLevel" in criteria and profile["stackLevel"] != criteria["stackLevel"])


BLOCK: Block[ChargingProfiles] = Block(
    "smart charging",
    V201,
    {
        "SetChargingProfile": ChargingProfiles._set_charging_profile,
        "ClearChargingProfile": ChargingProfiles._clear_charging_profile,
        "GetChargingProfiles": ChargingProfiles._get_charging_profiles,
    },
)
