"""OCPP 1.6 behaviour of the simulated charge point: frames, transactions, its blocks.

1.6 has no EVSEs: connectors are numbered 1..N across the station (the simulator's
(evse, connector) pairs in sorted order) and connector 0 stands for the whole charge
point (OCPP 1.6 §4.9). Section numbers in comments are OCPP 1.6 edition 2.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from harness.sim.auth_cache_v16 import BLOCK as AUTHORIZATION_CACHE
from harness.sim.availability_v16 import BLOCK as AVAILABILITY
from harness.sim.blocks import Handler, dispatch
from harness.sim.config_v16 import Configuration, LocalAuthList, default_keys
from harness.sim.connectors import CHARGE_POINT, Connector, Transaction
from harness.sim.data_transfer import BLOCK as DATA_TRANSFER
from harness.sim.declare import BOTH, Defect, declare
from harness.sim.local_list_v16 import BLOCK as LOCAL_LIST
from harness.sim.provisioning_v16 import BLOCK as PROVISIONING
from harness.sim.remote_control_v16 import BLOCK as REMOTE_CONTROL
from harness.sim.util import utc_now

if TYPE_CHECKING:
    from harness.sim.network_profiles_v201 import NetworkProfiles
    from harness.sim.station_link import StationLink

__all__ = ["DEFECTS", "StationV16"]

#: the defects that live in this module, each under the function that perturbs it (this
#: one applies to both versions; in 2.0.1 the function named second perturbs it)
DEFECTS = declare(
    # StationV16.boot_request; in 2.0.1 StationV201.boot_request (harness.sim.station_v201)
    Defect(
        "boot-omits-model",
        "station",
        BOTH,
        "BootNotification omits the model (1.6: chargePointModel)",
        "schema:BootNotificationRequest:required",
    ),
)


class StationV16:
    """Frames, transactions and state of a 1.6 charge point; its answers to the Central
    System come from its functional blocks (:attr:`handlers`)."""

    #: 1.6 has no network connection profiles: the station keeps its one endpoint
    network: NetworkProfiles | None = None

    def __init__(self, station: StationLink) -> None:
        self.station = station
        self._ids = {key: index for index, key in enumerate(sorted(station.connectors), 1)}
        #: 1.6 connector id -> the simulator's (evse, connector)
        self.connector_keys = {index: key for key, index in self._ids.items()}
        self.configuration = Configuration(
            default_keys(
                heartbeat_interval=max(0, round(station.timers.heartbeat_fallback)),
                connectors=len(self._ids),
            )
        )
        self._meter: dict[int, int] = {}
        self.local_list = LocalAuthList()
        #: what it answers: the calls of its functional blocks, one module each
        self.handlers: dict[str, Handler] = dispatch(
            "1.6",
            PROVISIONING.bind(self),
            AVAILABILITY.bind(self),
            REMOTE_CONTROL.bind(self),
            DATA_TRANSFER.bind(self),
            LOCAL_LIST.bind(self.local_list),
            AUTHORIZATION_CACHE.bind(self),
        )

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

    def reset_boot_reason(self, *, scheduled: bool = False) -> str:
        """1.6 BootNotification carries no reason; kept for the common reboot path."""
        return "RemoteReset"

    async def periodic(self) -> None:
        """Nothing on its own clock beside the heartbeat (the simulated 1.6 station sends
        no clock-aligned meter values): waits until the connection ends."""
        await asyncio.Event().wait()

    def offline_threshold(self) -> float | None:
        """1.6 has no OfflineThreshold: after a reconnect, what changed is reported."""
        return None

    def retry_backoff(self, attempt: int) -> float | None:
        """1.6 has no RetryBackOff configuration: the simulator's own timers."""
        return None

    def heartbeat_interval(self) -> int:
        return int(self.configuration.value("HeartbeatInterval"))

    def set_heartbeat_interval(self, seconds: int) -> None:
        self.configuration.store("HeartbeatInterval", str(seconds))
        self.station.heartbeat_changed()

    def _meter_wh(self, connector_id: int) -> int:
        value = self._meter.get(connector_id, 0)
        key = self.connector_keys.get(connector_id)
        if key is not None and self.station.connectors[key].transaction is not None:
            value += 100
        self._meter[connector_id] = value
        return value

    def meter_values(self, connector_id: int) -> dict[str, Any]:
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

    def begin(self, connector: Connector, token: str) -> Transaction:
        # The Central System assigns the id (StartTransaction.conf); -1 until it does.
        tx = Transaction(id=-1, evse=connector.evse, connector=connector.connector, token=token)
        tx.meter_start = self._meter_wh(self.connector_id(connector))
        connector.transaction = tx
        return tx

    async def announce_start(self, tx: Transaction) -> None:
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
            await self.end(tx, "DeAuthorized")  # StopTransactionOnInvalidId = true

    async def end(self, tx: Transaction, reason: str) -> None:
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
            await self.end(tx, "EVDisconnected")
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
                await self.end(tx, "Local")
                return {**result, "transaction": "stopped", "transaction_id": tx.id}
        for connector in self.station.connectors.values():
            if connector.plugged and connector.transaction is None and connector.usable:
                tx = self.begin(connector, token)
                await self.announce_start(tx)
                return {**result, "transaction": "started", "transaction_id": tx.id}
        return result
