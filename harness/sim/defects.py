"""Named defects: each makes a simulator break exactly one rule, on purpose.

The self-tests run every catalog case against the conformant simulators (must pass) and
against each defect the case claims to catch (must fail *for the stated rule*). So each
defect carries the rule id the harness verdict must name: a requirement id
(``B01.FR.04``), a schema rule (``schema:<SchemaName>:<keyword>``, as
:class:`harness.ocppj.SchemaViolation` spells it) or a framing/transport rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from harness.sim.registry import by_side

__all__ = [
    "CSMS_DEFECTS",
    "DEFECTS",
    "STATION_DEFECTS",
    "Defect",
    "defects_for",
    "get_defect",
    "validate_defects",
]

Side = Literal["station", "csms"]

_BOTH = frozenset({"1.6", "2.0.1"})
_V16 = frozenset({"1.6"})
_V201 = frozenset({"2.0.1"})


@dataclass(frozen=True)
class Defect:
    """One way a simulator misbehaves.

    ``rule`` is one string when the verdict names the same rule in every version, or a
    mapping version -> rule when the versions word the rule differently.
    """

    name: str
    side: Side
    versions: frozenset[str]
    description: str
    rule: str | Mapping[str, str]

    def rule_for(self, version: str) -> str:
        """The rule id the harness verdict must name for this defect in ``version``."""
        if isinstance(self.rule, str):
            return self.rule
        return self.rule[version]

    def applies_to(self, side: str, version: str) -> bool:
        return self.side == side and version in self.versions


def _defects(*items: Defect) -> dict[str, Defect]:
    table: dict[str, Defect] = {}
    for item in items:
        key = f"{item.side}:{item.name}"
        assert key not in table, key
        table[key] = item
    return table


# Keyed "side:name" internally because both sides have a ``never-replies``.
_TABLE = _defects(
    # -- charging station -------------------------------------------------------------
    # transactions (harness.sim.station_v201, Part 6 §2.18 states)
    Defect(
        "tx-first-event-updated",
        "station",
        _V201,
        "the first TransactionEvent of a transaction says Updated instead of Started",
        "E01.FR.02",
    ),
    Defect(
        "tx-no-evse-after-plug-in",
        "station",
        _V201,
        "the first TransactionEvent after the plug-in does not name the EVSE and connector",
        "E01.FR.16",
    ),
    Defect(
        "tx-no-token-after-authorization",
        "station",
        _V201,
        "the first TransactionEvent after an authorization does not carry the idToken",
        "E02.FR.20",
    ),
    Defect(
        "tx-remote-start-as-authorized",
        "station",
        _V201,
        "the first TransactionEvent after a RequestStartTransaction says Authorized, "
        "not RemoteStart",
        "F02.FR.21",
    ),
    Defect(
        "tx-no-charging-state",
        "station",
        _V201,
        "the TransactionEvent of the energy transfer leaves out chargingState Charging",
        "E02.FR.13",
    ),
    Defect(
        "tx-not-ended-at-unplug",
        "station",
        _V201,
        "with TxStopPoint EVConnected, the event of the unplug says Updated, not Ended",
        "E06.FR.02",
    ),
    Defect(
        "tx-authorize-before-stop",
        "station",
        _V201,
        "asks the CSMS about the token that started the authorization before ending it",
        "C01.FR.03",
    ),
    Defect(
        "tx-remote-stop-reason-local",
        "station",
        _V201,
        "a transaction stopped by RequestStopTransaction ends with stoppedReason Local",
        "F03.FR.03",
    ),
    Defect(
        "tx-stop-trigger-wrong",
        "station",
        _V201,
        "the event of a local stop says ChargingStateChanged, not StopAuthorized",
        "E07.FR.02",
    ),
    Defect(
        "reserve-no-reserved-status",
        "station",
        _V201,
        "accepts a ReserveNow but does not report the EVSE's connectors Reserved",
        "H01.FR.23",
    ),
    Defect(
        "tx-no-reservation-id",
        "station",
        _V201,
        "the first TransactionEvent after the reserved token was used leaves out the reservationId",
        "H01.FR.15",
    ),
    Defect(
        "offline-flag-missing",
        "station",
        _V201,
        "TransactionEvents that occurred while offline are delivered without offline true",
        "E04.FR.03",
    ),
    Defect(
        "drops-offline-events",
        "station",
        _V201,
        "TransactionEvents that occur while offline are lost instead of queued and sent "
        "once the link is back",
        "E04.FR.02",
    ),
    Defect(
        "no-occupied-at-plug-in",
        "station",
        _V201,
        "does not report the connector Occupied when the cable is plugged in",
        "G01.FR.03",
    ),
    # what the station keeps for the CSMS (harness.sim local_list_v201, charging_profiles_
    # v201, certificates_v201; Part 6 §2.19 memory states and their undo)
    Defect(
        "local-list-update-failed",
        "station",
        _V201,
        "answers a SendLocalList Full update that carries entries Failed",
        "D01.FR.15",
    ),
    Defect(
        "local-list-version-not-kept",
        "station",
        _V201,
        "accepts SendLocalList updates but keeps the list's old version number",
        "D01.FR.15",
    ),
    Defect(
        "local-list-not-emptied",
        "station",
        _V201,
        "answers a SendLocalList Full update without entries Failed and keeps its list",
        "D01.FR.04",
    ),
    Defect(
        "set-charging-profile-rejected",
        "station",
        _V201,
        "rejects a valid TxDefaultProfile for EVSE 0 (the whole station)",
        "K01.FR.14",
    ),
    Defect(
        "install-certificate-failed",
        "station",
        _V201,
        "answers InstallCertificate Failed for a valid root certificate",
        "M05.FR.02",
    ),
    Defect(
        "certificate-ids-omit-installed",
        "station",
        _V201,
        "answers GetInstalledCertificateIds NotFound although certificates are installed",
        "M03.FR.03",
    ),
    Defect(
        "delete-certificate-not-found",
        "station",
        _V201,
        "answers DeleteCertificate NotFound for a certificate it has installed, and keeps it",
        "M04.FR.02",
    ),
    Defect(
        "boot-omits-model",
        "station",
        _BOTH,
        "BootNotification omits the model (1.6: chargePointModel)",
        "schema:BootNotificationRequest:required",
    ),
    Defect(
        "wrong-connector-status",
        "station",
        _BOTH,
        "StatusNotification after an accepted boot reports Unavailable for idle connectors",
        {"1.6": "C16.4.9", "2.0.1": "B01.FR.05"},
    ),
    Defect(
        "no-heartbeat",
        "station",
        _BOTH,
        "never sends Heartbeat after the boot is accepted",
        {"1.6": "C16.4.6", "2.0.1": "B01.FR.04"},
    ),
    Defect(
        "sends-while-pending",
        "station",
        _BOTH,
        "sends StatusNotification while its boot is Pending",
        {"1.6": "C16.4.2", "2.0.1": "B02.FR.02"},
    ),
    Defect(
        "ignores-boot-interval",
        "station",
        _BOTH,
        "after a Rejected boot, retries BootNotification at once instead of after interval",
        {"1.6": "C16.4.2", "2.0.1": "B03.FR.02"},
    ),
    Defect(
        "get-variables-wrong-component",
        "station",
        _V201,
        "GetVariablesResult names a different component than the one requested",
        "B06.FR.02",
    ),
    Defect(
        "set-variables-not-applied",
        "station",
        _V201,
        "SetVariables answers Accepted but does not store the value",
        "B05.FR.10",
    ),
    Defect(
        "ignores-reset",
        "station",
        _BOTH,
        "answers Reset Accepted but does not reboot",
        {"1.6": "C16.5.14", "2.0.1": "B11.FR.03"},
    ),
    Defect(
        "ignores-trigger",
        "station",
        _BOTH,
        "answers TriggerMessage Accepted but never sends the requested message",
        {"1.6": "C16.5.17", "2.0.1": "F06.FR.10"},
    ),
    Defect(
        "get-configuration-missing-keys",
        "station",
        _V16,
        "GetConfiguration without keys omits HeartbeatInterval and MeterValueSampleInterval",
        "C16.9.1",
    ),
    Defect(
        "change-configuration-not-applied",
        "station",
        _V16,
        "ChangeConfiguration answers Accepted but does not store the value",
        "C16.5.3",
    ),
    Defect(
        "sends-invalid-json",
        "station",
        _BOTH,
        "sends the text '{not json' once after the boot is accepted",
        "ocppj.not-json",
    ),
    Defect(
        "reuses-message-id",
        "station",
        _BOTH,
        "the first CALL after BootNotification reuses the BootNotification's message id",
        "ocppj.message-id-reused",
    ),
    Defect(
        "no-subprotocol",
        "station",
        _BOTH,
        "offers no Sec-WebSocket-Protocol in the opening handshake",
        "transport.subprotocol",
    ),
    Defect(
        "replies-unknown-message-id",
        "station",
        _BOTH,
        "answers the first CSMS CALL with a random message id",
        "ocppj.unknown-message-id",
    ),
    Defect(
        "closes-mid-call",
        "station",
        _BOTH,
        "closes the websocket instead of answering the first CSMS CALL after boot",
        "transport.closed-mid-call",
    ),
    Defect(
        "never-replies",
        "station",
        _BOTH,
        "never answers CSMS CALLs",
        "timeout",
    ),
    Defect(
        "no-boot-security-event",
        "station",
        _V201,
        "after an accepted boot, never sends the StartupOfTheDevice/ResetOrReboot "
        "SecurityEventNotification",
        "A04.FR.01",
    ),
    Defect(
        "security-event-while-pending",
        "station",
        _V201,
        "sends its startup SecurityEventNotification while the boot is Pending, unasked",
        "B02.FR.02",
    ),
    Defect(
        "remote-start-while-pending",
        "station",
        _V201,
        "answers RequestStartTransaction Accepted while its boot is Pending",
        "B02.FR.05",
    ),
    Defect(
        "triggered-boot-wrong-reason",
        "station",
        _V201,
        "the BootNotification a TriggerMessage asked for says reason PowerUp, not Triggered",
        "B01.FR.09",
    ),
    Defect(
        "reset-boot-wrong-reason",
        "station",
        _V201,
        "the BootNotification after a Reset says reason PowerUp, not RemoteReset",
        "B01.FR.09",
    ),
    Defect(
        "get-variables-wrong-attribute-type",
        "station",
        _V201,
        "a GetVariablesResult carries another attributeType than the one asked for "
        "(Target when Actual was asked)",
        "B06.FR.03",
    ),
    Defect(
        "set-variables-wrong-attribute-type",
        "station",
        _V201,
        "a SetVariablesResult carries another attributeType than the one asked for "
        "(Target when Actual was asked)",
        "B05.FR.03",
    ),
    Defect(
        "answers-while-rejected",
        "station",
        _V201,
        "while its boot is Rejected, answers CSMS CALLs normally instead of with "
        "CALLERROR SecurityError",
        "B03.FR.08",
    ),
    Defect(
        "triggered-before-response",
        "station",
        _V201,
        "puts the message a TriggerMessage asked for on the wire before the TriggerMessageResponse",
        "F06.FR.04",
    ),
    Defect(
        "closes-while-pending",
        "station",
        _V201,
        "after a Pending answer, drops the connection when its wait is over and sends "
        "the next BootNotification on a new one",
        "B02.FR.06",
    ),
    Defect(
        "heartbeat-wrong-interval",
        "station",
        _V16,
        "sends Heartbeat at twice the interval the Central System gave it",
        "C16.4.2",
    ),
    Defect(
        "get-configuration-wrong-readonly",
        "station",
        _V16,
        "GetConfiguration reports HeartbeatInterval readonly although §9.1 makes it RW",
        "C16.9",
    ),
    Defect(
        "get-configuration-missing-profile-keys",
        "station",
        _V16,
        "lists LocalAuthListManagement in SupportedFeatureProfiles but has none of the "
        "keys §9.2 requires for it",
        "C16.9.2",
    ),
    # -- CSMS -------------------------------------------------------------------------
    Defect(
        "boot-response-invalid",
        "csms",
        _BOTH,
        "BootNotificationResponse omits currentTime",
        "schema:BootNotificationResponse:required",
    ),
    Defect(
        "heartbeat-response-invalid",
        "csms",
        _BOTH,
        "HeartbeatResponse omits currentTime",
        "schema:HeartbeatResponse:required",
    ),
    Defect(
        "pending-accepts-requests",
        "csms",
        _BOTH,
        "answers a Pending station's CALLs normally instead of with SecurityError",
        # 1.6 §4.2 lets a Pending charge point send nothing unasked; the SecurityError
        # answer is 2.0.1's (B02.FR.09), which the simulated central system keeps for 1.6
        {"1.6": "C16.4.2", "2.0.1": "B02.FR.09"},
    ),
    Defect(
        "get-variables-invalid",
        "csms",
        _BOTH,
        "GetVariables has an empty getVariableData (1.6: GetConfiguration key is a string)",
        {
            "1.6": "schema:GetConfigurationRequest:type",
            "2.0.1": "schema:GetVariablesRequest:minItems",
        },
    ),
    Defect(
        "accepts-unknown-subprotocol",
        "csms",
        _BOTH,
        "upgrades a connection that offers only an unknown subprotocol, echoing it",
        "OCPP-J 3.2",
    ),
    Defect(
        "get-configuration-with-keys",
        "csms",
        _V16,
        "get_configuration without keys sends a non-empty key list",
        "C16.5.8",
    ),
    Defect(
        "never-replies",
        "csms",
        _BOTH,
        "never answers station CALLs",
        "timeout",
    ),
    Defect(
        "rejected-accepts-requests",
        "csms",
        _V201,
        "answers the CALLs of a station it Rejected (other than BootNotification) "
        "normally instead of with SecurityError",
        "B03.FR.07",
    ),
    Defect(
        "closes-on-pending",
        "csms",
        _V201,
        "closes the connection right after answering a BootNotification Pending",
        "B02.FR.06",
    ),
    Defect(
        "pending-never-accepts",
        "csms",
        _V201,
        "set to answer Pending first, it answers every later BootNotification Pending too",
        "B02.FR.01",
    ),
    Defect(
        "get-variables-wrong-variable",
        "csms",
        _V201,
        "get_variables sends GetVariables for another variable of the component than "
        "the one it was asked to get",
        "expect:GetVariables",
    ),
    Defect(
        "upgrades-without-subprotocol-keeps-open",
        "csms",
        _V201,
        "upgrades a connection that offers only an unknown subprotocol, without a "
        "Sec-WebSocket-Protocol header, and then keeps it open",
        "OCPP-J 3.2",
    ),
    Defect(
        "authorize-rejects-valid-token",
        "csms",
        _V201,
        "answers every Authorize with idTokenInfo.status Invalid, the valid token's too",
        "C01.FR.07",
    ),
    Defect(
        "transaction-event-omits-id-token-info",
        "csms",
        _V201,
        "answers a TransactionEvent that carries an idToken without idTokenInfo",
        # the first such event of a transaction started by authorization (E03); a
        # transaction started by the cable (E02) fails for E02.FR.02 instead
        "E03.FR.02",
    ),
    Defect(
        "transaction-event-rejects-valid-token",
        "csms",
        _V201,
        "answers a TransactionEvent that carries the valid idToken with idTokenInfo.status Invalid",
        "E03.FR.02",
    ),
    Defect(
        "stop-authorized-omits-id-token-info",
        "csms",
        _V201,
        "answers the TransactionEvent with triggerReason StopAuthorized (and the idToken "
        "that stopped the charging) without idTokenInfo",
        "E01.FR.12",
    ),
    Defect(
        "reserve-now-wrong-evse",
        "csms",
        _V201,
        "reserve_now sends ReserveNow for the EVSE after the one it was asked to reserve",
        "expect:ReserveNow",
    ),
    Defect(
        "reserve-now-with-connector-type",
        "csms",
        _V201,
        "reserve_now for an EVSE also sends a connectorType (cType2)",
        "expect:ReserveNow",
    ),
    Defect(
        "reserve-now-wrong-token",
        "csms",
        _V201,
        "reserve_now reserves for another idToken than the one it was given (the last "
        "character changed)",
        "expect:ReserveNow",
    ),
    Defect(
        "change-availability-with-connector",
        "csms",
        _V201,
        "change_availability for an EVSE also names connector 1 in the ChangeAvailability",
        "expect:ChangeAvailability",
    ),
    Defect(
        "change-availability-operative",
        "csms",
        _V201,
        "change_availability asked for Inoperative sends operationalStatus Operative",
        "expect:ChangeAvailability",
    ),
)


def defects_for(side: str, version: str | None = None) -> dict[str, Defect]:
    """The defects of one side (and version, when given), keyed by name."""
    return by_side(_TABLE.values(), side, version)


#: Complete per-side tables, keyed by name. Use these (or :func:`get_defect`) whenever
#: the side is known: ``never-replies`` exists on both sides.
STATION_DEFECTS: dict[str, Defect] = defects_for("station")
CSMS_DEFECTS: dict[str, Defect] = defects_for("csms")

#: Every defect keyed by name. A name both sides share (``never-replies``, same rule
#: ``timeout``) maps to the station's entry; see :data:`CSMS_DEFECTS` for the other.
DEFECTS: dict[str, Defect] = {**CSMS_DEFECTS, **STATION_DEFECTS}


def get_defect(side: str, name: str) -> Defect:
    """The defect ``name`` of one side; ``KeyError`` when that side has none by that name."""
    return _TABLE[f"{side}:{name}"]


def validate_defects(side: str, version: str, names: Iterable[str]) -> frozenset[str]:
    """Check defect names for a simulator; returns them as a set.

    Raises ``ValueError`` with a one-line message naming the bad defect and the valid
    choices, so a typo on the command line or in a profile is caught before any traffic.
    """
    chosen = frozenset(names)
    valid = defects_for(side, version)
    for name in sorted(chosen):
        if name in valid:
            continue
        other = [d for d in _TABLE.values() if d.name == name]
        if not other:
            raise ValueError(
                f"unknown defect {name!r} for the simulated {side}; "
                f"choose from: {', '.join(sorted(valid))}"
            )
        if all(d.side != side for d in other):
            raise ValueError(f"defect {name!r} is a {other[0].side} defect, not a {side} one")
        versions = sorted(next(d for d in other if d.side == side).versions)
        raise ValueError(
            f"defect {name!r} does not apply to OCPP {version} (only {', '.join(versions)})"
        )
    return chosen
