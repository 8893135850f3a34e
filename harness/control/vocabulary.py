"""The action vocabulary: what the harness may ask to be done *to* the DUT.

OCPP cannot ask a station to have a cable plugged in, or a CSMS to start a remote
transaction. Test cases name such steps as actions; a control adapter carries them
out. Each action has the parameters it takes and the words an operator is shown.

Some parameters are secrets (:data:`SECRET_PARAMS`, a station's password): a case
gives them as they are, and :func:`protect_params` makes each a
:class:`harness.secrets.Secret` before the action is recorded or shown anywhere, so the
trace, the reports, the operator's terminal and the logs print ``***``. Only an adapter
that must hand the value on (the http adapter's request body, a command's environment)
reveals it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from harness.dut_kind import DutKind
from harness.secrets import Secret
from harness.verdicts import ScriptError

__all__ = [
    "ACTIONS",
    "PARAMS",
    "RESTARTS",
    "SECRET_PARAMS",
    "Action",
    "check_action",
    "protect_params",
    "prompt_for",
    "unshowable_secrets",
]

#: what each parameter of an action means (the http adapter sends them as they are, in
#: ``params``; docs/control.md lists them per action)
PARAMS: dict[str, str] = {
    "evse": "EVSE id, an integer from 1 (OCPP 1.6: the connector id)",
    "connector": "connector id on that EVSE, an integer from 1",
    "token": "the idToken value, a string",
    "token_type": "the idToken type (ISO14443, ISO15693, Central, eMAID, KeyCode, Local …)",
    "transaction_id": "the transaction id the station gave, a string",
    "type": "Reset type: Immediate or OnIdle (OCPP 1.6: Hard or Soft)",
    "operative": "true: make it Operative; false: Inoperative",
    "items": "a list of {component, variable} (get) or {component, variable, value} (set) "
    "objects, {component, variable, type, value, severity} for monitors; 1.6 reads variable "
    "as the configuration key",
    "keys": "a list of configuration keys (1.6); absent: all of them",
    "message": "the requestedMessage of TriggerMessage (Heartbeat, StatusNotification …)",
    "customer_identifier": "a customerIdentifier (CustomerInformation), a string of up to 64",
    "interval": "seconds the station is told to wait before it boots again (the interval of "
    "a Pending or Rejected answer); absent: the CSMS chooses",
    "report_base": "the reportBase of GetBaseReport: ConfigurationInventory, FullInventory or "
    "SummaryInventory",
    "criteria": "a list of componentCriteria (Active, Available, Enabled, Problem) of "
    "GetReport or GetMonitoringReport; absent: none",
    "configuration_slot": "the configurationSlot of SetNetworkProfile, an integer",
    "network_profile": "the connectionData object of SetNetworkProfile (ocppVersion, "
    "ocppTransport, ocppCsmsUrl, messageTimeout, securityProfile, ocppInterface)",
    "log_type": "the logType of GetLog: DiagnosticsLog or SecurityLog",
    "remote_location": "the URL the station uploads to (GetLog log.remoteLocation)",
    "report": "true: ask the station for a report of the customer's data (CustomerInformation)",
    "clear": "true: ask the station to clear the customer's data (CustomerInformation)",
    "vendor_id": "the vendorId of DataTransfer, a string of up to 255",
    "message_id": "the messageId of DataTransfer, a string of up to 50",
    "data": "the data of DataTransfer: any JSON value",
    "list_type": "the updateType of SendLocalList: Full or Differential",
    "tokens": "a list of {token, token_type, status} objects (status: an idTokenInfo status; "
    "absent from a Differential entry: remove the token)",
    "version": "the versionNumber of the local authorization list, an integer",
    "reservation_id": "the id of a reservation the CSMS made, an integer",
    "charging_profile": "a chargingProfile object as SetChargingProfile carries it",
    "profile_id": "the id of a charging profile, an integer",
    "purpose": "a chargingProfilePurpose (ChargingStationMaxProfile, TxDefaultProfile, "
    "TxProfile …)",
    "duration": "a duration in seconds, an integer",
    "rate_unit": "the chargingRateUnit: A or W",
    "display_id": "the id of a display message, an integer",
    "text": "the text of a display message",
    "priority": "a display message priority: AlwaysFront, InFront or NormalCycle",
    "state": "a display message state (Charging, Faulted, Idle, Unavailable)",
    "monitor_ids": "a list of variable monitor ids, integers",
    "password": "a Basic auth password (security profile 1 or 2; 2.0.1 A00.FR.205: 16 to 40 "
    "characters), a string; a secret: *** in every trace, report and prompt",
}

#: the parameters whose values are secrets: wrapped by :func:`protect_params`, shown as
#: ``***`` (an operator is told where to read the value), revealed only on the way to
#: the control service
SECRET_PARAMS: frozenset[str] = frozenset({"password"})


@dataclass(frozen=True)
class Action:
    name: str
    dut_kind: DutKind
    params: tuple[str, ...]
    prompt: str
    #: the station goes away and boots again: it need not be running before (a case
    #: that starts with this action may begin with no station connected), and an
    #: interval a Pending or Rejected answer gave it before binds it no more
    restarts: bool = False
    #: the action that undoes this one's change of the DUT: done after the case, passed
    #: or failed, once this one was carried out (a CSMS left answering Pending would
    #: make the next case blame a legal Pending on the DUT)
    undo: str | None = None
    #: the action sets how the DUT behaves, it makes it send nothing (the CSMS's boot
    #: answers, its registry of stations and tokens): a control service's progress
    #: report (queued, sent) says nothing about it
    configures: bool = False

    @property
    def makes_csms_send(self) -> bool:
        """The action makes the CSMS send a request to the station (what a control
        service's ``progress`` is about)."""
        return self.dut_kind is DutKind.CSMS and not self.configures


_STATION = DutKind.CHARGING_STATION
_CSMS = DutKind.CSMS

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        # Two different things, and verdicts depend on which (the boot reason, whether
        # the station may say goodbye first):
        Action(
            "power_cycle",
            _STATION,
            (),
            "Cut the power of the charging station {identity}, then restore it (cold boot)",
            restarts=True,
        ),
        Action(
            "reboot",
            _STATION,
            (),
            "Restart the charging station {identity} from its own maintenance interface "
            "(a graceful reboot, not a power cut)",
            restarts=True,
        ),
        Action(
            "plug_in",
            _STATION,
            ("evse", "connector"),
            "Plug a cable into EVSE {evse} connector {connector}",
        ),
        Action(
            "unplug",
            _STATION,
            ("evse", "connector"),
            "Unplug the cable from EVSE {evse} connector {connector}",
        ),
        Action(
            "ev_side_unplug",
            _STATION,
            ("evse", "connector"),
            "Pull the cable of EVSE {evse} connector {connector} out of the EV, leaving its "
            "other end in the charging station",
        ),
        Action(
            "ev_side_plug_in",
            _STATION,
            ("evse", "connector"),
            "Plug the cable of EVSE {evse} connector {connector} back into the EV",
        ),
        Action(
            "present_token",
            _STATION,
            ("token", "evse"),
            "Present the identification token {token} at EVSE {evse}",
        ),
        Action(
            "ev_suspend",
            _STATION,
            ("evse",),
            "Make the EV at EVSE {evse} suspend charging (before it is connected: not be "
            "ready to take energy)",
        ),
        Action("park", _STATION, ("evse",), "Drive the EV into the parking bay of EVSE {evse}"),
        Action(
            "leave_bay", _STATION, ("evse",), "Drive the EV out of the parking bay of EVSE {evse}"
        ),
        Action("fault", _STATION, ("evse",), "Put EVSE {evse} into a fault state"),
        Action("clear_fault", _STATION, ("evse",), "End the fault state of EVSE {evse}"),
        Action("network_down", _STATION, (), "Cut the network connection of {identity}"),
        Action(
            "store_customer_identifier",
            _STATION,
            ("customer_identifier",),
            "Store data about the customer {customer_identifier} at the charging station "
            "{identity}, so that a CustomerInformation for that customerIdentifier finds it",
        ),
        Action("network_up", _STATION, (), "Restore the network connection of {identity}"),
        Action(
            "master_pass_stop_all",
            _STATION,
            (),
            "On the master pass screen of {identity}, choose to stop all transactions",
        ),
        Action(
            "master_pass_stop",
            _STATION,
            ("evse",),
            "On the master pass screen of {identity}, choose to stop the transaction at "
            "EVSE {evse}",
        ),
        Action(
            "request_start",
            _CSMS,
            ("evse", "token", "token_type"),
            "Make the CSMS send a remote start (RequestStartTransaction) for {identity} "
            "EVSE {evse} with token {token}[ of type {token_type}]",
        ),
        Action(
            "request_stop",
            _CSMS,
            ("transaction_id",),
            "Make the CSMS send a remote stop for transaction {transaction_id}",
        ),
        Action(
            "reset",
            _CSMS,
            ("type", "evse"),
            "Make the CSMS send a Reset ({type}) to {identity}[ for EVSE {evse}]",
        ),
        Action(
            "reserve_now",
            _CSMS,
            ("evse", "token", "token_type"),
            "Make the CSMS reserve EVSE {evse} of {identity} for token {token} (ReserveNow)",
        ),
        Action(
            "change_availability",
            _CSMS,
            ("evse", "connector", "operative"),
            "Make the CSMS change the availability of {identity}[ EVSE {evse}][ connector "
            "{connector}] (ChangeAvailability; operative: {operative})",
        ),
        Action(
            "get_variables",
            _CSMS,
            ("items",),
            "Make the CSMS send GetVariables (1.6: GetConfiguration) to {identity}",
        ),
        Action(
            "get_configuration",
            _CSMS,
            ("keys",),
            "Make the CSMS send GetConfiguration to {identity}",
        ),
        Action(
            "set_variables",
            _CSMS,
            ("items",),
            "Make the CSMS send SetVariables (1.6: ChangeConfiguration) to {identity}",
        ),
        Action(
            "trigger_message",
            _CSMS,
            ("message", "evse", "connector"),
            "Make the CSMS send TriggerMessage({message}) to {identity}[ for EVSE {evse}]"
            "[ connector {connector}]",
        ),
        Action(
            "get_base_report",
            _CSMS,
            ("report_base",),
            "Make the CSMS send GetBaseReport[ ({report_base})] to {identity}",
        ),
        Action(
            "get_report",
            _CSMS,
            ("criteria", "items"),
            "Make the CSMS send GetReport to {identity}[ (criteria {criteria})][ for the "
            "variables {items}]",
        ),
        Action(
            "set_network_profile",
            _CSMS,
            ("configuration_slot", "network_profile"),
            "Make the CSMS send SetNetworkProfile to {identity}[ for slot {configuration_slot}]",
        ),
        Action("clear_cache", _CSMS, (), "Make the CSMS send ClearCache to {identity}"),
        Action(
            "get_transaction_status",
            _CSMS,
            ("transaction_id",),
            "Make the CSMS send GetTransactionStatus[ for transaction {transaction_id}] to "
            "{identity}",
        ),
        Action(
            "unlock_connector",
            _CSMS,
            ("evse", "connector"),
            "Make the CSMS send UnlockConnector to {identity}[ for EVSE {evse}][ connector "
            "{connector}]",
        ),
        Action(
            "get_log",
            _CSMS,
            ("log_type", "remote_location"),
            "Make the CSMS send GetLog[ ({log_type})] to {identity}",
        ),
        Action(
            "customer_information",
            _CSMS,
            ("customer_identifier", "token", "token_type", "report", "clear"),
            "Make the CSMS send CustomerInformation to {identity}[ (report: {report})]"
            "[ (clear: {clear})][ about customer {customer_identifier}][ about token {token}]",
        ),
        Action(
            "data_transfer",
            _CSMS,
            ("vendor_id", "message_id", "data"),
            "Make the CSMS send DataTransfer to {identity}[ (vendor {vendor_id})][ (message "
            "{message_id})]",
        ),
        Action(
            "send_local_list",
            _CSMS,
            ("list_type", "tokens", "version"),
            "Make the CSMS send a local authorization list to {identity}[ ({list_type})]"
            "[ with version {version}]",
        ),
        Action(
            "get_local_list_version",
            _CSMS,
            (),
            "Make the CSMS ask {identity} for its local list version (GetLocalListVersion)",
        ),
        Action(
            "cancel_reservation",
            _CSMS,
            ("reservation_id",),
            "Make the CSMS cancel reservation[ {reservation_id}] at {identity}",
        ),
        Action(
            "set_charging_profile",
            _CSMS,
            ("evse", "charging_profile"),
            "Make the CSMS send SetChargingProfile to {identity}[ for EVSE {evse}]",
        ),
        Action(
            "get_charging_profiles",
            _CSMS,
            ("evse", "criteria"),
            "Make the CSMS send GetChargingProfiles to {identity}[ for EVSE {evse}]",
        ),
        Action(
            "clear_charging_profile",
            _CSMS,
            ("profile_id", "evse", "purpose"),
            "Make the CSMS send ClearChargingProfile to {identity}[ for profile {profile_id}]"
            "[ on EVSE {evse}][ of purpose {purpose}]",
        ),
        Action(
            "get_composite_schedule",
            _CSMS,
            ("evse", "duration", "rate_unit"),
            "Make the CSMS send GetCompositeSchedule to {identity}[ for EVSE {evse}][ over "
            "{duration} s]",
        ),
        Action(
            "set_display_message",
            _CSMS,
            ("display_id", "text", "priority", "state", "transaction_id"),
            "Make the CSMS send SetDisplayMessage to {identity}[ with id {display_id}]"
            "[ ({priority})][ for transaction {transaction_id}][: {text}]",
        ),
        Action(
            "get_display_messages",
            _CSMS,
            ("display_id", "priority", "state"),
            "Make the CSMS send GetDisplayMessages to {identity}",
        ),
        Action(
            "clear_display_message",
            _CSMS,
            ("display_id",),
            "Make the CSMS clear display message[ {display_id}] at {identity}",
        ),
        Action(
            "set_variable_monitoring",
            _CSMS,
            ("items",),
            "Make the CSMS send SetVariableMonitoring to {identity}",
        ),
        Action(
            "clear_variable_monitoring",
            _CSMS,
            ("monitor_ids",),
            "Make the CSMS clear variable monitors at {identity}[: {monitor_ids}]",
        ),
        Action(
            "get_monitoring_report",
            _CSMS,
            ("criteria", "items"),
            "Make the CSMS send GetMonitoringReport to {identity}",
        ),
        Action(
            "register_station",
            _CSMS,
            (),
            "Register the charging station {identity} at the CSMS (its identity, with "
            "the security profile of the DUT profile), so that it may connect and boot",
            configures=True,
        ),
        Action(
            "set_station_password",
            _CSMS,
            ("password",),
            "Make the CSMS accept {password} as the Basic auth password of the charging "
            "station {identity} (security profile 1 or 2) from its next connection on, and "
            "no longer its old one",
            configures=True,
        ),
        Action(
            "provision_tokens",
            _CSMS,
            ("tokens",),
            "Make the CSMS know these idTokens with these statuses: {tokens}",
            configures=True,
        ),
        Action(
            "boot_pending",
            _CSMS,
            ("interval",),
            "Configure the CSMS to answer the next BootNotification of {identity} with "
            "Pending[ (interval {interval} s)]",
            undo="boot_accept",
            configures=True,
        ),
        Action(
            "boot_accept",
            _CSMS,
            (),
            "Configure the CSMS to answer BootNotifications of {identity} with Accepted",
            configures=True,
        ),
        Action(
            "boot_reject",
            _CSMS,
            ("interval",),
            "Configure the CSMS to answer the next BootNotification of {identity} with "
            "Rejected[ (interval {interval} s)]",
            undo="boot_accept",
            configures=True,
        ),
    )
}

#: the actions that restart the station (a case may start with one: see ``Action.restarts``)
RESTARTS = frozenset(name for name, action in ACTIONS.items() if action.restarts)


def check_action(action: str, params: dict[str, object]) -> None:
    """An action and parameters of the vocabulary, or a :class:`ScriptError` (a bug in
    the case): what a lab service is told to expect (docs/control.md) is all a case may
    ask for."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise ScriptError(f"dut.act({action!r}): not an action of the vocabulary")
    extra = sorted(set(params) - set(spec.params))
    if extra:
        raise ScriptError(
            f"dut.act({action!r}): {', '.join(extra)} not among its parameters "
            f"({', '.join(spec.params) or 'none'})"
        )


def protect_params(action: str, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with the value of each secret parameter a :class:`Secret` (registered,
    so :func:`harness.secrets.scrub` also removes it from text the harness did not
    build). Call it before the action is recorded anywhere.

    Raises :class:`ScriptError` when a secret parameter is neither a str nor a Secret
    (the message names its type, never its value).
    """
    protected = dict(params)
    for name in SECRET_PARAMS & params.keys():
        value = params[name]
        if isinstance(value, Secret):
            continue
        if not isinstance(value, str):
            raise ScriptError(
                f"dut.act({action!r}): {name} is a secret, a str or a Secret, not "
                f"{type(value).__name__}"
            )
        protected[name] = Secret(value)
    return protected


def unshowable_secrets(params: dict[str, Any]) -> list[str]:
    """The secret parameters of ``params`` a person cannot be pointed to: no ``origin``
    says where the value is written (a password the case made up), and it is never
    printed, so an operator could not type it in."""
    return sorted(name for name in SECRET_PARAMS & params.keys() if _origin(params[name]) is None)


def _origin(value: object) -> str | None:
    return value.origin if isinstance(value, Secret) else None


def _shown(name: str, value: object) -> object:
    """What a prompt shows of a parameter: a secret's whereabouts, never its value."""
    if name not in SECRET_PARAMS:
        return value
    origin = _origin(value)
    return f"the value of {origin}" if origin else f"the {name} the case chose (not shown)"


#: a bracketed part of a prompt: shown only when every parameter it names was given
_OPTIONAL_PART = re.compile(r"\[([^\[\]]*)\]")
_FIELD = re.compile(r"\{(\w+)\}")


def prompt_for(action: str, params: dict[str, object], identity: str) -> str:
    """The operator's instruction for an action, with its parameters filled in. A part
    of the prompt in square brackets is left out when a parameter it names was not
    given (the service chooses it): an operator reads "for EVSE 1" or nothing, never
    "for EVSE -". A secret parameter is named by where to read it (its ``origin``),
    never printed."""
    spec = ACTIONS.get(action)
    if spec is None:
        shown = {name: _shown(name, value) for name, value in params.items()}
        return f"Do '{action}' on {identity} ({shown})"

    def optional(match: re.Match[str]) -> str:
        given = all(name in params for name in _FIELD.findall(match.group(1)))
        return match.group(1) if given else ""

    template = _OPTIONAL_PART.sub(optional, spec.prompt)
    values = {name: _shown(name, params.get(name, "-")) for name in spec.params}
    try:
        return template.format(identity=identity, **values)
    except (KeyError, IndexError):
        return template
