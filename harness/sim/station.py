"""The simulated charging station as drivers use it: checked names, actions, state.

:class:`SimStation` is the station of :mod:`harness.sim.station_link` (connection, boot,
heartbeat, answers to the CSMS) with the defect names checked against the registry
(:mod:`harness.sim.defects`, which imports the station modules for their declarations,
so the check lives above them, here), the action vocabulary a driver uses (plug in,
present a token, lose the network ...: DESIGN §7) and the state snapshot.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, ClassVar

from harness.ocppj import OcppVersion
from harness.sim.connectors import Connector, Transaction
from harness.sim.defects import validate_defects
from harness.sim.errors import InvalidParams, NotConnected, UnsupportedAction
from harness.sim.station_link import StationLink

__all__ = ["Connector", "SimStation", "Transaction"]

Action = Callable[["SimStation", dict[str, Any]], Awaitable[dict[str, Any]]]


class SimStation(StationLink):
    """A charging station that connects to ``csms_url`` and behaves per OCPP.

    Conformant by default; each name in ``defects`` (see :mod:`harness.sim.defects`)
    makes it break one rule, each name in ``options`` (:mod:`harness.sim.options`)
    picks a legal variation. ``connected``, ``accepted`` and :meth:`wait_until` let
    tests wait for states instead of sleeping; :meth:`act` carries out the actions.
    """

    def _checked_defects(self, names: Iterable[str]) -> frozenset[str]:
        return validate_defects("station", self.version.value, names)

    # -- actions --------------------------------------------------------------------------

    def offered_actions(self) -> list[str]:
        """The actions this station can be driven with (its control API's describe)."""
        return sorted(self._ACTIONS)

    async def act(self, action: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Carry out one action of the vocabulary (DESIGN §7); returns a small result dict."""
        handler = self._ACTIONS.get(action)
        if handler is None:
            raise UnsupportedAction(action)
        return await handler(self, dict(params or {}))

    def _target(self, params: dict[str, Any]) -> Connector:
        try:
            evse = int(params.get("evse", 1))
            connector = params.get("connector")
            return self.connector(evse, None if connector is None else int(connector))
        except (TypeError, ValueError) as exc:
            raise InvalidParams(f"bad evse/connector: {exc}") from None

    async def _act_power_cycle(self, params: dict[str, Any]) -> dict[str, Any]:
        """The power is cut and restored: no goodbye, a cold boot (PowerUp)."""
        if not self._switch_on():
            await self.go_down("PowerUp", event="StartupOfTheDevice", graceful=False)
        self._online.set()
        self._wake.set()
        return {"rebooting": True}

    async def _act_reboot(self, params: dict[str, Any]) -> dict[str, Any]:
        """A graceful restart from the station's own maintenance interface: it may say
        goodbye first (option unavailable-before-reboot), and boots with LocalReset."""
        if not self._switch_on():
            await self.go_down("LocalReset", event="ResetOrReboot")
        self._online.set()
        self._wake.set()
        return {"rebooting": True}

    def _switch_on(self) -> bool:
        """Option off-until-started: the first restarting action starts a station that
        was off (it boots as a device powered up, PowerUp); whether it was off."""
        was_off, self.off = self.off, False
        return was_off

    async def _act_plug_in(self, params: dict[str, Any]) -> dict[str, Any]:
        connector = self._target(params)
        connector.plugged = True
        await self.behaviour.on_plug(connector)
        self._changed()
        return self._connector_result(connector)

    async def _act_unplug(self, params: dict[str, Any]) -> dict[str, Any]:
        connector = self._target(params)
        if connector.locked:
            return {**self._connector_result(connector), "locked": True}  # it stays in
        connector.plugged = False
        await self.behaviour.on_unplug(connector)
        self._changed()
        return self._connector_result(connector)

    async def _act_ev_side(self, params: dict[str, Any], action: str) -> dict[str, Any]:
        """The cable comes out of (or goes back into) the EV, its station end staying."""
        connector = self._target(params)
        handler = getattr(self.behaviour, f"on_{action}", None)
        if handler is None:
            raise UnsupportedAction(action)
        await handler(connector)
        self._changed()
        return self._connector_result(connector)

    async def _act_ev_side_unplug(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._act_ev_side(params, "ev_side_unplug")

    async def _act_ev_side_plug_in(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._act_ev_side(params, "ev_side_plug_in")

    async def _act_fault(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"faulted": await self._set_fault(params, True)}

    async def _act_clear_fault(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"cleared": await self._set_fault(params, False)}

    async def _set_fault(self, params: dict[str, Any], faulted: bool) -> list[list[int]]:
        """The connectors ``params`` names in, or out of, a fault state, each reported;
        their (evse, connector) pairs. An EVSE's fault is every connector's of it (a
        connector named: that one); no EVSE named: every connector of the station."""
        if "connector" in params:
            targets = [self._target(params)]
        elif "evse" in params:
            evse = self._target(params).evse
            targets = [c for (e, _), c in sorted(self.connectors.items()) if e == evse]
        else:
            targets = list(self.connectors.values())
        for connector in targets:
            connector.faulted = faulted
        await self.report_status((c.evse, c.connector) for c in targets)
        self._changed()
        return [[c.evse, c.connector] for c in targets]

    async def _act_park(self, params: dict[str, Any]) -> dict[str, Any]:
        connector = self._target(params)
        await self.behaviour.on_bay(connector.evse, True)
        self._changed()
        return {"evse": connector.evse, "bay": "occupied"}

    async def _act_leave_bay(self, params: dict[str, Any]) -> dict[str, Any]:
        connector = self._target(params)
        await self.behaviour.on_bay(connector.evse, False)
        self._changed()
        return {"evse": connector.evse, "bay": "free"}

    async def _act_ev_suspend(self, params: dict[str, Any]) -> dict[str, Any]:
        connector = self._target(params)
        await self.behaviour.on_ev_suspend(connector)
        self._changed()
        return self._connector_result(connector)

    async def _act_present_token(self, params: dict[str, Any]) -> dict[str, Any]:
        token = str(params.get("token", self.valid_token))
        # A 2.0.1 station authorizes offline as its configuration allows (C15); a 1.6
        # one here needs the central system.
        offline_ok = self.version is not OcppVersion.V16
        if self.boot_status != "Accepted" or (not self.online and not offline_ok):
            raise NotConnected(f"{self.identity} is not connected and accepted")
        evse = params.get("evse")
        result = await self.behaviour.present_token(token, None if evse is None else int(evse))
        self._changed()
        return result

    async def _act_network_down(self, params: dict[str, Any]) -> dict[str, Any]:
        self._online.clear()
        self._disconnect.set()
        await self.wait_until(lambda: not self.connected.is_set(), self.timers.message_timeout)
        return {"online": False}

    async def _act_network_up(self, params: dict[str, Any]) -> dict[str, Any]:
        self._online.set()
        self._wake.set()
        return {"online": True}

    async def _act_store_customer_identifier(self, params: dict[str, Any]) -> dict[str, Any]:
        customers = getattr(self.behaviour, "customer_info", None)
        if customers is None:  # 1.6 has no CustomerInformation
            raise UnsupportedAction("store_customer_identifier")
        identifier = str(params.get("customer_identifier", ""))
        if not identifier:
            raise InvalidParams("customer_identifier is required")
        customers.store(identifier)
        return {"customer_identifier": identifier}

    async def _act_master_pass_stop_all(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._master_pass_choice(None)

    async def _act_master_pass_stop(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._master_pass_choice(int(params.get("evse", 1)))

    async def _master_pass_choice(self, evse: int | None) -> dict[str, Any]:
        """A choice on the master pass screen (C16.FR.01): only a station with a user
        interface (option master-pass-ui) has one, and only once a master pass shows it."""
        choose = getattr(self.behaviour, "master_pass_choice", None)
        if choose is None or not self.has_option("master-pass-ui"):
            raise UnsupportedAction("master_pass_stop")  # no user interface
        if not self.behaviour.token_groups.screen_shown:  # type: ignore[union-attr]
            raise InvalidParams("no master pass screen is shown: present a master pass first")
        result: dict[str, Any] = await choose(evse)
        self._changed()
        return result

    async def _act_state(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.state()

    _ACTIONS: ClassVar[Mapping[str, Action]] = {
        "reboot": _act_reboot,
        "power_cycle": _act_power_cycle,
        "plug_in": _act_plug_in,
        "unplug": _act_unplug,
        "ev_side_unplug": _act_ev_side_unplug,
        "ev_side_plug_in": _act_ev_side_plug_in,
        "present_token": _act_present_token,
        "network_down": _act_network_down,
        "network_up": _act_network_up,
        "fault": _act_fault,
        "clear_fault": _act_clear_fault,
        "ev_suspend": _act_ev_suspend,
        "park": _act_park,
        "leave_bay": _act_leave_bay,
        "store_customer_identifier": _act_store_customer_identifier,
        "master_pass_stop_all": _act_master_pass_stop_all,
        "master_pass_stop": _act_master_pass_stop,
        "state": _act_state,
    }

    def _connector_result(self, connector: Connector) -> dict[str, Any]:
        return {
            "evse": connector.evse,
            "connector": connector.connector,
            "status": self.behaviour.status_name(connector),
        }

    def state(self) -> dict[str, Any]:
        """A JSON-able snapshot for tests, the control API and operators."""
        return {
            "identity": self.identity,
            "ocpp": self.version.value,
            "connected": self.connected.is_set(),
            "boot_status": self.boot_status,
            "boots_sent": self.boots_sent,
            "boots_accepted": self.boots_accepted,
            "connections": self.connections,
            "heartbeat_interval": self.behaviour.heartbeat_interval(),
            "connectors": [
                {
                    **self._connector_result(c),
                    "transaction_id": c.transaction.id if c.transaction else None,
                }
                for c in self.connectors.values()
            ],
            "defects": sorted(self.defects),
            "options": sorted(self.options),
            "security_events_queued": [e["type"] for e in self.security_events],
        }
