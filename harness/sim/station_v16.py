"""OCPP 1.6 behaviour of the simulated charge point: its frames and its answers.

1.6 has no EVSEs: connectors are numbered 1..N across the station (the simulator's
(evse, connector) pairs in sorted order) and connector 0 stands for the whole charge
point (OCPP 1.6 §4.9). Section numbers in comments are OCPP 1.6 edition 2.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from harness.sim.config_v16 import (
    LOCAL_AUTH_LIST_KEYS,
    Configuration,
    LocalAuthList,
    default_keys,
)
from harness.sim.connectors import Connector, Transaction
from harness.sim.declare import BOTH, V16, Defect, declare
from harness.sim.errors import SimError
from harness.sim.peer import Reply
from harness.sim.util import utc_now

if TYPE_CHECKING:
    from harness.sim.station_link import StationLink

__all__ = ["DEFECTS", "StationV16"]

#: the defects that live in this module, each under the function that perturbs it (the
#: first three apply to both versions, so station_v201 perturbs them in 2.0.1)
DEFECTS = declare(
    # StationV16.boot_request; in 2.0.1 StationV201.boot_request (harness.sim.station_v201)
    Defect(
        "boot-omits-model",
        "station",
        BOTH,
        "BootNotification omits the model (1.6: chargePointModel)",
        "schema:BootNotificationRequest:required",
    ),
    # StationV16._reset; in 2.0.1 StationV201._reset
    Defect(
        "ignores-reset",
        "station",
        BOTH,
        "answers Reset Accepted but does not reboot",
        {"1.6": "C16.5.14", "2.0.1": "B11.FR.03"},
    ),
    # StationV16._trigger_message; in 2.0.1 StationV201._trigger_message
    Defect(
        "ignores-trigger",
        "station",
        BOTH,
        "answers TriggerMessage Accepted but never sends the requested message",
        {"1.6": "C16.5.17", "2.0.1": "F06.FR.10"},
    ),
    # StationV16._get_configuration
    Defect(
        "get-configuration-missing-keys",
        "station",
        V16,
        "GetConfiguration without keys omits HeartbeatInterval and MeterValueSampleInterval",
        "C16.9.1",
    ),
    # StationV16._change_configuration
    Defect(
        "change-configuration-not-applied",
        "station",
        V16,
        "ChangeConfiguration answers Accepted but does not store the value",
        "C16.5.3",
    ),
    # StationV16._get_configuration
    Defect(
        "get-configuration-wrong-readonly",
        "station",
        V16,
        "GetConfiguration reports HeartbeatInterval readonly although §9.1 makes it RW",
        "C16.9",
    ),
    # StationV16._get_configuration
    Defect(
        "get-configuration-missing-profile-keys",
        "station",
        V16,
        "lists LocalAuthListManagement in SupportedFeatureProfiles but has none of the "
        "keys §9.2 requires for it",
        "C16.9.2",
    ),
)

Handler = Callable[[dict[str, Any]], Awaitable[Reply]]

#: the key of connector 0 (the charge point itself) in ``only=`` lists
CHARGE_POINT = (0, 0)


class StationV16:
    """Frames and Central System call handlers of a 1.6 charge point."""

    def __init__(self, station: StationLink) -> None:
        self.station = station
        self._ids = {key: index for index, key in enumerate(sorted(station.connectors), 1)}
        self._keys = {index: key for key, index in self._ids.items()}
        self.configuration = Configuration(
            default_keys(
                heartbeat_interval=max(0, round(station.timers.heartbeat_fallback)),
                connectors=len(self._ids),
            )
        )
        self._meter: dict[int, int] = {}
        self.local_list = LocalAuthList()
        self.handlers: dict[str, Handler] = {
            "GetConfiguration": self._get_configuration,
            "ChangeConfiguration": self._change_configuration,
            "Reset": self._reset,
            "TriggerMessage": self._trigger_message,
            "ChangeAvailability": self._change_availability,
            "RemoteStartTransaction": self._remote_start,
            "RemoteStopTransaction": self._remote_stop,
            "ClearCache": self._clear_cache,
            "DataTransfer": self._data_transfer,
            "GetLocalListVersion": self._get_local_list_version,
            "SendLocalList": self._send_local_list,
        }

    def connector_id(self, connector: Connector) -> int:
        return self._ids[(connector.evse, connector.connector)]

    # -- frames the charge point sends -----------------------------------------------------

    def boot_request(self) -> dict[str, Any]:
        station = self.station
        payload = {
            "chargePointVendor": station.vendor,
            "chargePointModel": station.model,
            "chargePointSerialNumber": station.serial,
        }
        if station.has("boot-omits-model"):
            del payload["chargePointModel"]
        return payload

    def status_name(self, connector: Connector) -> str:
        if connector.faulted:
            return "Faulted"
        if not connector.operative:
            return "Unavailable"
        if connector.transaction is not None:
            return "Charging"
        if connector.plugged:
            return "Preparing"
        return "Available"

    def _charge_point_status(self) -> str:
        connectors = self.station.connectors.values()
        if all(c.faulted for c in connectors):
            return "Faulted"
        if all(not c.operative for c in connectors):
            return "Unavailable"
        return "Available"

    def status_requests(
        self, *, only: Iterable[tuple[int, int]] | None = None, force_unavailable: bool = False
    ) -> list[dict[str, Any]]:
        """StatusNotification payloads; by default connector 0 and every connector
        (OCTT TC_001/002_CS)."""
        keys = [CHARGE_POINT, *sorted(self._ids)] if only is None else list(only)
        messages = []
        for key in keys:
            if key == CHARGE_POINT:
                status, faulted, connector_id = self._charge_point_status(), False, 0
            elif key in self._ids:
                connector = self.station.connectors[key]
                status, faulted = self.status_name(connector), connector.faulted
                connector_id = self._ids[key]
            else:
                continue
            messages.append(
                {
                    "connectorId": connector_id,
                    "errorCode": "OtherError" if faulted else "NoError",
                    "status": "Unavailable" if force_unavailable else status,
                    "timestamp": utc_now(),
                }
            )
        return messages

    def connector_reports(
        self, *, only: Iterable[tuple[int, int]] | None = None, force_unavailable: bool = False
    ) -> list[tuple[str, dict[str, Any]]]:
        """Connector state reports: 1.6 has only StatusNotification."""
        statuses = self.status_requests(only=only, force_unavailable=force_unavailable)
        return [("StatusNotification", status) for status in statuses]

    def startup_security_event(self, event_type: str) -> dict[str, Any] | None:
        """1.6 Core has no security events (the security whitepaper's are not simulated)."""
        return None

    def reset_boot_reason(self) -> str:
        """1.6 BootNotification carries no reason; kept for the common reboot path."""
        return "RemoteReset"

    def heartbeat_interval(self) -> int:
        return int(self.configuration.value("HeartbeatInterval"))

    def set_heartbeat_interval(self, seconds: int) -> None:
        self.configuration.store("HeartbeatInterval", str(seconds))
        self.station.heartbeat_changed()

    def _meter_wh(self, connector_id: int) -> int:
        value = self._meter.get(connector_id, 0)
        key = self._keys.get(connector_id)
        if key is not None and self.station.connectors[key].transaction is not None:
            value += 100
        self._meter[connector_id] = value
        return value

    def _meter_values(self, connector_id: int) -> dict[str, Any]:
        return {
            "connectorId": connector_id,
            "meterValue": [
                {
                    "timestamp": utc_now(),
                    "sampledValue": [
                        {
                            "value": str(self._meter_wh(connector_id)),
                            "measurand": "Energy.Active.Import.Register",
                            "unit": "Wh",
                        }
                    ],
                }
            ],
        }

    # -- transactions ---------------------------------------------------------------------

    def _begin(self, connector: Connector, token: str) -> Transaction:
        # The Central System assigns the id (StartTransaction.conf); -1 until it does.
        tx = Transaction(id=-1, evse=connector.evse, connector=connector.connector, token=token)
        tx.meter_start = self._meter_wh(self.connector_id(connector))
        connector.transaction = tx
        return tx

    async def _announce_start(self, tx: Transaction) -> None:
        key = (tx.evse, tx.connector)
        response = await self.station.send(
            "StartTransaction",
            {
                "connectorId": self._ids[key],
                "idTag": tx.token,
                "meterStart": tx.meter_start,
                "timestamp": utc_now(),
            },
        )
        transaction_id = response.get("transactionId")
        if isinstance(transaction_id, int):
            tx.id = transaction_id
        await self.station.report_status([key])
        if response.get("idTagInfo", {}).get("status") != "Accepted":
            await self._end(tx, "DeAuthorized")  # StopTransactionOnInvalidId = true

    async def _end(self, tx: Transaction, reason: str) -> None:
        key = (tx.evse, tx.connector)
        connector = self.station.connectors[key]
        if connector.transaction is tx:
            connector.transaction = None
        try:
            await self.station.send(
                "StopTransaction",
                {
                    "transactionId": tx.id,
                    "idTag": tx.token,
                    "meterStop": self._meter_wh(self._ids[key]),
                    "timestamp": utc_now(),
                    "reason": reason,
                },
            )
            await self.station.report_status([key])
        finally:
            await self.station.transaction_ended()

    async def on_plug(self, connector: Connector) -> None:
        """The cable is in: report the connector (a 1.6 transaction starts with a token)."""
        await self.station.report_status([(connector.evse, connector.connector)])

    async def on_unplug(self, connector: Connector) -> None:
        """StopTransactionOnEVSideDisconnect is true: unplugging ends the transaction."""
        tx = connector.transaction
        if tx is not None and self.configuration.value("StopTransactionOnEVSideDisconnect") in (
            "true",
            "True",
        ):
            await self._end(tx, "EVDisconnected")
        await self.station.report_status([(connector.evse, connector.connector)])

    async def on_bay(self, evse: int, occupied: bool) -> None:
        """1.6 has no parking-bay events."""

    async def on_ev_suspend(self, connector: Connector) -> None:
        """1.6 reports a suspension only as a status (SuspendedEV), not modelled here."""

    async def flush_queue(self) -> None:
        """1.6 transaction messages are not queued offline by this simulator."""

    def forget_sessions(self) -> None:
        """A reboot: 1.6 keeps its transactions on the connectors, cleared there."""

    async def present_token(self, token: str, evse: int | None = None) -> dict[str, Any]:
        """Authorize; if accepted, stop this token's transaction or start one on a plugged,
        free connector."""
        response = await self.station.send("Authorize", {"idTag": token})
        result: dict[str, Any] = {"response": response, "transaction": None}
        if response.get("idTagInfo", {}).get("status") != "Accepted":
            return result
        for tx in self.station.transactions():
            if tx.token == token:
                await self._end(tx, "Local")
                return {**result, "transaction": "stopped", "transaction_id": tx.id}
        for connector in self.station.connectors.values():
            if connector.plugged and connector.transaction is None and connector.usable:
                tx = self._begin(connector, token)
                await self._announce_start(tx)
                return {**result, "transaction": "started", "transaction_id": tx.id}
        return result

    # -- Central System calls -------------------------------------------------------------

    async def _get_configuration(self, payload: dict[str, Any]) -> Reply:
        hidden: set[str] = set()
        if self.station.has("get-configuration-missing-keys"):
            hidden |= {"HeartbeatInterval", "MeterValueSampleInterval"}
        if self.station.has("get-configuration-missing-profile-keys"):
            hidden |= set(LOCAL_AUTH_LIST_KEYS)  # the profile stays listed
        asked = payload.get("key") or []
        # §5.8: no keys -> every key (then none is "unknown": hidden ones are just absent)
        names = asked or [key.key for key in self.configuration]
        entries, unknown = [], []
        for name in names:
            key = self.configuration.get(name)
            if key is None or name in hidden:
                unknown.append(name)
                continue
            entry = key.as_entry()
            if name == "HeartbeatInterval" and self.station.has("get-configuration-wrong-readonly"):
                entry["readonly"] = True  # §9.1.10 makes it RW
            entries.append(entry)
        response: dict[str, Any] = {"configurationKey": entries}
        if unknown and asked:
            response["unknownKey"] = unknown
        return Reply(response)

    async def _change_configuration(self, payload: dict[str, Any]) -> Reply:
        key, value = payload["key"], payload["value"]
        status = self.configuration.check_change(key, value)
        if status == "Accepted" and not self.station.has("change-configuration-not-applied"):
            self.configuration.store(key, value)
            if key == "HeartbeatInterval":
                self.station.heartbeat_changed()
            elif key == "AuthorizationKey":
                self.station.password = value  # used from the next connection on
        return Reply({"status": status})

    async def _reset(self, payload: dict[str, Any]) -> Reply:
        station = self.station
        if station.has("ignores-reset"):
            return Reply({"status": "Accepted"})
        running = station.transactions()
        reason = "HardReset" if payload["type"] == "Hard" else "SoftReset"

        async def reboot() -> None:
            for tx in running:  # §5.14: StopTransaction before the reset
                with suppress(SimError):
                    await self._end(tx, reason)
            await station.go_down(self.reset_boot_reason(), event="ResetOrReboot")

        return Reply({"status": "Accepted"}, after=reboot)

    async def _trigger_message(self, payload: dict[str, Any]) -> Reply:
        station = self.station
        requested = payload["requestedMessage"]
        connector_id = payload.get("connectorId")
        if connector_id is not None and connector_id != 0 and connector_id not in self._keys:
            return Reply({"status": "Rejected"})
        if requested == "BootNotification":
            if station.boot_status == "Accepted":
                return Reply({"status": "Rejected"})  # E16 §3.35 (recommended)

            async def boot() -> None:
                station.request_boot_now()

            return Reply({"status": "Accepted"}, after=boot)
        work: Callable[[], Awaitable[None]]
        if requested == "Heartbeat":

            async def work() -> None:
                await station.send("Heartbeat", {})

        elif requested == "StatusNotification":
            if connector_id is None:
                keys = None
            elif connector_id == 0:
                keys = [CHARGE_POINT]
            else:
                keys = [self._keys[connector_id]]

            async def work() -> None:
                for message in self.status_requests(only=keys):
                    await station.send("StatusNotification", message)

        elif requested == "MeterValues":
            ids = sorted(self._keys) if not connector_id else [connector_id]

            async def work() -> None:
                for each in ids:
                    await station.send("MeterValues", self._meter_values(each))

        elif requested in ("DiagnosticsStatusNotification", "FirmwareStatusNotification"):

            async def work() -> None:
                await station.send(requested, {"status": "Idle"})

        else:
            return Reply({"status": "NotImplemented"})
        if station.has("ignores-trigger"):
            return Reply({"status": "Accepted"})
        return Reply({"status": "Accepted"}, after=work)

    async def _change_availability(self, payload: dict[str, Any]) -> Reply:
        connector_id = payload["connectorId"]
        operative = payload["type"] == "Operative"
        if connector_id == 0:
            targets = list(self.station.connectors.values())
        elif connector_id in self._keys:
            targets = [self.station.connectors[self._keys[connector_id]]]
        else:
            return Reply({"status": "Rejected"})
        if not operative and any(c.transaction is not None for c in targets):
            return Reply({"status": "Scheduled"})
        changed = [(c.evse, c.connector) for c in targets if c.operative != operative]
        for connector in targets:
            connector.operative = operative
        if connector_id == 0 and changed:
            changed.insert(0, CHARGE_POINT)

        async def report() -> None:
            await self.station.report_status(changed)

        return Reply({"status": "Accepted"}, after=report if changed else None)

    async def _remote_start(self, payload: dict[str, Any]) -> Reply:
        if self.station.boot_status != "Accepted":
            return Reply({"status": "Rejected"})  # §4.2: not while Pending
        connector_id = payload.get("connectorId")
        if connector_id is not None and connector_id not in self._keys:
            return Reply({"status": "Rejected"})
        candidates = [
            self.station.connectors[key]
            for index, key in sorted(self._keys.items())
            if connector_id in (None, index)
        ]
        candidates = [c for c in candidates if c.transaction is None and c.usable]
        if not candidates:
            return Reply({"status": "Rejected"})
        tx = self._begin(candidates[0], payload["idTag"])

        async def start() -> None:
            await self._announce_start(tx)

        return Reply({"status": "Accepted"}, after=start)

    async def _remote_stop(self, payload: dict[str, Any]) -> Reply:
        if self.station.boot_status != "Accepted":
            return Reply({"status": "Rejected"})
        for tx in self.station.transactions():
            if tx.id == payload["transactionId"]:

                async def stop(tx: Transaction = tx) -> None:
                    await self._end(tx, "Remote")

                return Reply({"status": "Accepted"}, after=stop)
        return Reply({"status": "Rejected"})

    async def _clear_cache(self, payload: dict[str, Any]) -> Reply:
        return Reply({"status": "Accepted"})

    async def _get_local_list_version(self, payload: dict[str, Any]) -> Reply:
        return Reply({"listVersion": self.local_list.version})  # §5.10

    async def _send_local_list(self, payload: dict[str, Any]) -> Reply:
        return Reply({"status": self.local_list.update(payload)})  # §5.15

    async def _data_transfer(self, payload: dict[str, Any]) -> Reply:
        return Reply({"status": "UnknownVendorId"})
