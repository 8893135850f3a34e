"""Named options: legal variations real devices show, which a simulator can be told to show.

A defect (:mod:`harness.sim.defects`) breaks a rule on purpose; an option does not. It
picks one of the behaviours the specification leaves open: report a connector by
NotifyEvent instead of StatusNotification, drop the connection while Rejected, answer
Pending with interval 0 ... A catalog case must pass against the simulator with every
option that applies to it, because a case that fails a legal device is itself wrong.
So each option names the freedom it uses (the requirement or section that grants it).

The registry mirrors the defect registry: :data:`OPTIONS`, :func:`options_for` and
:func:`validate_options`, and the simulators take ``options=[...]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from harness.sim.registry import by_side

__all__ = [
    "OPTIONS",
    "SimOption",
    "declared_evses",
    "declared_features",
    "get_option",
    "options_for",
    "validate_options",
]

Side = Literal["station", "csms"]

_BOTH = frozenset({"1.6", "2.0.1"})
_V201 = frozenset({"2.0.1"})


@dataclass(frozen=True)
class SimOption:
    """One legal variation of a simulator's behaviour."""

    name: str
    side: Side
    versions: frozenset[str]
    description: str
    #: what a device showing this variation declares in its DUT profile's [features]
    #: (Part 5 ids): a variation of what the device *has* (reset per EVSE, a UI, a fixed
    #: cable), not only of how it behaves. While the option is on, the embedded profile
    #: declares these, so the cases of that branch of a Part 5 condition run and those of
    #: the other branch skip, as they would for such a device
    features: Mapping[str, bool] = field(default_factory=dict, compare=False)
    #: the cases whose verdict the variation can change, by case id or id prefix
    #: ("TC_N_": block N); empty: every case (it changes the connection, the boot, the
    #: connector reports). The self-test matrix runs the option with these cases, and
    #: the order runs (tests/test_order.py) the whole catalog with every option on
    concerns: tuple[str, ...] = ()
    #: the EVSEs (id, connector ids) a device with this variation has, in place of the
    #: DUT profile's [layout]; empty: the profile's
    evses: tuple[tuple[int, tuple[int, ...]], ...] = ()

    @property
    def makes_another_device(self) -> bool:
        """A variation of what the device has (its features, its EVSEs), not only of how
        it behaves: a case of the other branch runs with it on (environment.
        simulator_variant)."""
        return bool(self.features or self.evses)

    def applies_to(self, side: str, version: str) -> bool:
        return self.side == side and version in self.versions

    def concerns_case(self, case_id: str) -> bool:
        """Whether the variation can change ``case_id``'s verdict (:attr:`concerns`)."""
        return not self.concerns or case_id.startswith(self.concerns)


#: the station cases that restart the station (a Reset, a reboot, a power cycle), the
#: only ones a variation of how it restarts can change: blocks B and G, TC_C_32_CS and
#: the 1.6 cases (tests/test_order.py runs every case with these variations on)
RESTARTING_CASES = ("TC_B_", "TC_G_", "TC_C_32_CS", "TC_0")


def _options(*items: SimOption) -> dict[str, SimOption]:
    table: dict[str, SimOption] = {}
    for item in items:
        assert item.name not in table, item.name
        table[item.name] = item
    return table


#: every option, keyed by name (names are unique across both sides)
OPTIONS: dict[str, SimOption] = _options(
    # -- charging station -------------------------------------------------------------
    SimOption(
        "connector-report-notify-event",
        "station",
        _V201,
        "reports connector state by NotifyEvent (component Connector, variable "
        "AvailabilityState, trigger Delta) instead of StatusNotification, after every boot "
        "and on every change (G01.FR.03 to .07 let a station choose)",
    ),
    SimOption(
        "unavailable-before-reboot",
        "station",
        _BOTH,
        "on a Reset or a reboot, first reports every connector Unavailable, then goes down "
        "(B11.FR.03; 1.6 allows it too)",
        concerns=RESTARTING_CASES,
    ),
    SimOption(
        "disconnect-while-rejected",
        "station",
        _BOTH,
        "after a Rejected boot, closes the connection and reconnects once the interval is "
        "over (B03.FR.04; 1.6 §4.2 too)",
        concerns=("TC_B_",),
    ),
    SimOption(
        "slow-restart",
        "station",
        _BOTH,
        "after a Reset, a reboot or a power cycle, stays away for its restart time before it "
        "connects and boots (a real device takes tens of seconds): the boot comes well after "
        "the action or the Reset response (B01.FR.01 sets no time)",
        concerns=RESTARTING_CASES,
    ),
    SimOption(
        "late-boot-retry",
        "station",
        _BOTH,
        "after a Pending or Rejected answer, sends its next BootNotification its restart time "
        "after the interval rather than on the second (B02.FR.08, B03.FR.06: after the "
        "interval; Part 6 TC_B_03_CS: 'equal to or greater than')",
        concerns=("TC_B_",),
    ),
    SimOption(
        "off-until-started",
        "station",
        _BOTH,
        "is off until a reboot or power_cycle action starts it (a one-shot device, or one "
        "its control adapter starts), then connects and boots; cases that start with such "
        "an action find it, the others find no station",
    ),
    SimOption(
        "availability-reports-changes-only",
        "station",
        _V201,
        "after a ChangeAvailability, reports only the connectors whose state changed, "
        "none when it was asked for the state they had (G03.FR.04, G04.FR.05 ask no more)",
        concerns=("TC_G_", "TC_B_"),
    ),
    SimOption(
        "network-priority-reboot-required",
        "station",
        _V201,
        "answers a SetVariables of NetworkConfigurationPriority RebootRequired instead of "
        "Accepted (B10.FR.01 allows either: the new order counts from the next start)",
        concerns=("TC_B_4", "TC_B_5"),
    ),
    SimOption(
        "status-after-security-event",
        "station",
        _V201,
        "once accepted, sends its startup SecurityEventNotification before the connector "
        "reports (nothing fixes the order)",
    ),
    SimOption(
        "triggered-tx-event-without-evse",
        "station",
        _V201,
        "the TransactionEvent a TriggerMessage asks for leaves out evse: Part 2 asks the "
        "EVSE only of the first event after the plug-in (E01.FR.16); Part 6 TC_F_13_CS "
        "allows it, TC_F_14_CS expects it (an octt-stricter warning)",
        concerns=("TC_F_",),
    ),
    SimOption(
        "aligned-in-transaction-event",
        "station",
        _V201,
        "sends the clock-aligned readings of an EVSE with a running transaction as "
        "TransactionEvent Updated with triggerReason MeterValueClock instead of MeterValues "
        "(J01.FR.22 lets a station choose)",
        concerns=("TC_J_",),
    ),
    SimOption(
        "signs-energy-register-only",
        "station",
        _V201,
        "with SignReadings true signs only the energy register, the reading of its "
        "metrology meter; the Voltage its TxEndedMeasurands also read from the factory "
        "comes unsigned (J01.FR.21/J02.FR.21 ask signed values of the components that "
        "support signing; Part 6 TC_J_04/J_11_CS want every value signed, an "
        "octt-stricter warning)",
        concerns=("TC_J_04_CS", "TC_J_11_CS"),
    ),
    SimOption(
        "meters-every-transaction",
        "station",
        _V201,
        "comes from the factory with SampledDataCtrlr.TxUpdatedInterval 1: every "
        "transaction sends MeterValuePeriodic readings, queued with the rest while offline "
        "(E02.FR.10, J02.FR.11; the interval is the station's to choose)",
    ),
    SimOption(
        "evse-unknown-before-plug-in",
        "station",
        _V201,
        "a driver authorized before the cable is in is not tied to an EVSE yet (one reader "
        "for every EVSE): the transaction that starts then names no EVSE, and the start's "
        "readings (TxStartedMeasurands) come with the first event that names one, the "
        "plug-in's (E01.FR.17)",
    ),
    SimOption(
        "log-status-every-attempt",
        "station",
        _V201,
        "reports every attempt of a log upload that keeps failing: Uploading as each "
        "attempt starts and UploadFailure as it fails, not once for the whole upload "
        "(N01.FR.10 allows it; Part 6 TC_N_26_CS takes one or four of each)",
        concerns=("TC_N_", "TC_F_"),
    ),
    SimOption(
        "resets-per-evse",
        "station",
        _V201,
        "resets a single EVSE when a Reset names one (Part 5 C-13): at once, ending its "
        "transaction first (Immediate, B12.FR.08), or once its transaction has ended "
        "(OnIdle, B12.FR.07); a station without it answers Rejected (B11.FR.09)",
        features={"C-13": True},
        concerns=("TC_B_",),
    ),
    SimOption(
        "summary-inventory",
        "station",
        _V201,
        "answers a GetBaseReport SummaryInventory (Part 5 C-56) with the availability of "
        "the station and each EVSE and the problem variables of its components (B07.FR.09) "
        "instead of NotSupported (B07.FR.02)",
        features={"C-56": True},
        concerns=("TC_B_",),
    ),
    SimOption(
        "fixed-cable",
        "station",
        _V201,
        "its cable is permanently attached (Part 5 HFS-2): pulled out of the EV it frees "
        "the connector, there is no lock to open (UnlockOnEVSideDisconnect ReadOnly "
        "false), and a transaction kept authorized ends when the cable is not back within "
        "EVConnectionTimeOut (E10.FR.02; harness.sim.cable_v201)",
        features={"HFS-1": False, "HFS-2": True, "C-12.1": False},
        concerns=("TC_C_", "TC_E_", "TC_F_"),
    ),
    SimOption(
        "dc-charging",
        "station",
        _V201,
        "a DC station (Part 5 HFS-4) with a fixed cable that charges no IEC 61851-1 Mode 3 "
        "EV: the EV ends its session over high-level communication before the cable "
        "comes out, so the transaction that loss ends says stoppedReason StoppedByEV "
        "(ReasonEnumType; Part 6 TC_E_54_CS takes it)",
        features={"HFS-4": True, "AQ-9": False, "HFS-1": False, "HFS-2": True, "C-12.1": False},
        concerns=("TC_C_", "TC_E_", "TC_F_", "TC_J_"),
    ),
    SimOption(
        "two-evses",
        "station",
        _V201,
        "has two EVSEs of one connector each (Part 5 HFS-8: more than one EVSE), for "
        "the cases Part 6 runs only on such a station",
        evses=((1, (1,)), (2, (1,))),
        concerns=("TC_B_41",),
    ),
    SimOption(
        "no-smart-charging",
        "station",
        _V201,
        "has no smart charging (Part 5 profile Smart Charging not supported): "
        "SmartChargingCtrlr.Available and Enabled false, SetChargingProfile and the other "
        "K calls answered NotSupported, the chargingProfile of a RequestStartTransaction "
        "ignored (F01.FR.12) instead of used for the transaction (F01.FR.10)",
        features={"smart_charging": False},
        concerns=("TC_K_", "TC_F_"),
    ),
    SimOption(
        "no-energy-transfer-start",
        "station",
        _V201,
        "its TxStartPoint cannot be EnergyTransfer (Part 5 C-09.5 not supported: the "
        "valuesList leaves it out, a SetVariables of it is Rejected); E01 lets a station "
        "support any subset of the start points",
        features={"C-09.5": False},
        concerns=("TC_E_", "TC_J_"),
    ),
    SimOption(
        "master-pass-ui",
        "station",
        _V201,
        "has a user interface (Part 5 C-07, not C-08): a master pass shows its master pass "
        "screen, where the operator chooses to stop all transactions or the one at an "
        "EVSE (C16.FR.01), instead of stopping every transaction at once (C16.FR.02)",
        features={"C-07": True, "C-08": False},
        concerns=("TC_C_",),
    ),
    SimOption(
        "cable-lock-before-authorization",
        "station",
        _V201,
        "its connectors are locked until a driver is authorized (Part 5 AQ-2), so the "
        "cases that plug the EV in before the token skip; the simulator does not refuse "
        "its plug_in action then, since Part 6 runs its other cases on such a station too",
        features={"AQ-2": True},
        concerns=("TC_C_", "TC_E_"),
    ),
    SimOption(
        "remote-start-only",
        "station",
        _V201,
        "takes no token from the driver (no card reader, no keypad: Part 5 C-30 to C-34 "
        "not supported); a driver starts charging by a remote start only (an app, a QR "
        "code), so the cases that need a presented token skip and TC_E_31_CS takes its "
        "remote scenario. The option only says what the device has: the simulator's "
        "present_token action stays as it is",
        features={"C-30": False},
        concerns=("TC_E_31_CS",),
    ),
    # -- CSMS -------------------------------------------------------------------------
    SimOption(
        "unknown-subprotocol-upgrade-then-close",
        "csms",
        _V201,
        "when no offered subprotocol is one it speaks, completes the handshake without a "
        "Sec-WebSocket-Protocol header and closes the connection straight away (Part 4 "
        "§3.2) instead of refusing the upgrade with HTTP 400",
        # only a case that offers an unknown subprotocol sees it
        concerns=("TC_B_58_CSMS",),
    ),
    SimOption(
        "remote-start-without-evse",
        "csms",
        _V201,
        "sends RequestStartTransaction without evseId even when the operator named the "
        "EVSE, leaving the choice to the station (the field is optional; F01.FR.06 lets "
        "the CSMS name one)",
        concerns=("TC_F_01_", "TC_F_02_", "TC_F_03_", "TC_F_04_"),
    ),
    SimOption(
        "current-time-with-offset",
        "csms",
        _V201,
        "gives the currentTime of its BootNotification and Heartbeat answers at +01:00 "
        "instead of in UTC (RFC 3339 allows it; Part 2 §2.1.4 only recommends UTC): the "
        "harness notes it and fails nothing",
        concerns=("TC_B_01_CSMS",),
    ),
    SimOption(
        "transaction-status-after-reconnect",
        "csms",
        _V201,
        "asks a station that reconnects without a new boot, while its last transaction "
        "has not ended, GetTransactionStatus for that transaction by itself (E14 leaves "
        "the moment to the CSMS), after answering the station's first CALL",
        concerns=("TC_E_29_CSMS", "TC_E_31_CSMS", "TC_E_33_CSMS"),
    ),
    SimOption(
        "pending-interval-zero",
        "csms",
        _V201,
        "answers a boot Pending with interval 0, leaving the wait to the station (B02.FR.07)",
        # only a case that has the CSMS answer Pending (boot_pending) sees it: block B's
        concerns=("TC_B_",),
    ),
    SimOption(
        "station-two-evses",
        "csms",
        _V201,
        "is set up for a station of two EVSEs of one connector each (the station the "
        "harness plays, its profile's [layout]), for the cases Part 6 runs only with "
        "such a station; the simulated CSMS answers any EVSE alike",
        evses=((1, (1,)), (2, (1,))),
        concerns=("TC_C_47_CSMS", "TC_C_48_CSMS", "TC_C_49_CSMS"),
    ),
    SimOption(
        "refusals-as-invalid",
        "csms",
        _V201,
        "answers a blocked or an expired token Invalid rather than Blocked or Expired "
        "(C01.FR.07 asks for a reason of rejection; Part 6 TC_C_06/TC_C_07_CSMS take "
        "Invalid too)",
        concerns=("TC_C_",),
    ),
    SimOption(
        "invalid-token-unknown",
        "csms",
        _V201,
        "answers the configured invalid token Unknown, as a CSMS that keeps no record of "
        "it does (Part 6 TC_C_02/TC_C_20_CSMS and TC_E_16_CSMS take Invalid or Unknown)",
        concerns=("TC_C_", "TC_E_16_CSMS"),
    ),
    SimOption(
        "data-transfer-knows-vendor",
        "csms",
        _V201,
        "knows the vendorId of a station's DataTransfer but not its messageId, and answers "
        "UnknownMessageId (P02.FR.07) instead of UnknownVendorId",
        concerns=("TC_P_02_CSMS",),
    ),
    SimOption(
        "transaction-costs",
        "csms",
        _V201,
        "answers a TransactionEvent with energy readings with the transaction's cost so far "
        "in totalCost (the running cost of I02.FR.01, the total cost of I03.FR.02 when it "
        "ends; harness.sim.csms_metering)",
        concerns=("TC_J_",),
    ),
    SimOption(
        "variables-explicit-actual",
        "csms",
        _V201,
        "names attributeType Actual in every GetVariables and SetVariables item instead of "
        "leaving it out (the schema's default; B06.FR.11, B05.FR.12)",
        concerns=("TC_B_06_CSMS", "TC_B_07_CSMS", "TC_B_09_CSMS", "TC_B_10_CSMS"),
    ),
    SimOption(
        "report-request-ids-from-zero",
        "csms",
        _V201,
        "numbers its report requests from requestId 0 (any integer of 0 or more will do)",
        concerns=("TC_B_12_CSMS", "TC_B_13_CSMS"),
    ),
    SimOption(
        "get-log-time-window",
        "csms",
        _V201,
        "sends GetLog with a time window (oldestTimestamp, latestTimestamp) and retries "
        "and retryInterval of its own: optional fields of the request (N01)",
        concerns=("TC_N_25_CSMS", "TC_N_34_CSMS", "TC_N_35_CSMS", "TC_N_36_CSMS"),
    ),
    SimOption(
        "request-ids-from-large",
        "csms",
        _V201,
        "numbers the requestIds of GetLog and CustomerInformation from 7340001, not 1 "
        "(the CSMS chooses them; Part 2 sets no start)",
        concerns=("TC_N_",),
    ),
)


def options_for(side: str, version: str | None = None) -> dict[str, SimOption]:
    """The options of one side (and version, when given), keyed by name."""
    return by_side(OPTIONS.values(), side, version)


def declared_features(names: Iterable[str]) -> dict[str, bool]:
    """The [features] that options ``names`` make a device declare, merged.

    Whether two of them contradict each other (a UI and none) depends on what each key
    means for the device's version and role, aliases included: that is
    :func:`harness.environment.profile_with_options`'s one rule, which refuses them."""
    merged: dict[str, bool] = {}
    for name in sorted(names):
        merged.update(OPTIONS[name].features)
    return merged


def declared_evses(names: Iterable[str]) -> tuple[tuple[int, tuple[int, ...]], ...] | None:
    """The EVSEs (id, connector ids) options ``names`` give the device, None where none
    gives any. ``ValueError`` when two give different ones: no device has both."""
    chosen = sorted(name for name in names if OPTIONS[name].evses)
    layouts = {OPTIONS[name].evses for name in chosen}
    if len(layouts) > 1:
        raise ValueError(
            f"options {', '.join(chosen)} cannot be on together: each gives the device other EVSEs"
        )
    return next(iter(layouts), None)


def get_option(name: str) -> SimOption:
    """The option ``name``; ``KeyError`` when there is none."""
    return OPTIONS[name]


def validate_options(side: str, version: str, names: Iterable[str]) -> frozenset[str]:
    """Check option names for a simulator; returns them as a set.

    Raises ``ValueError`` with one line naming the option that does not fit and the
    options that would, so a typo is caught before any traffic.
    """
    chosen = frozenset(names)
    valid = options_for(side, version)
    choices = ", ".join(sorted(valid)) or "none"
    for name in sorted(chosen):
        if name in valid:
            continue
        option = OPTIONS.get(name)
        if option is None:
            why = f"unknown option {name!r} for the simulated {side}"
        elif option.side != side:
            why = f"option {name!r} is a {option.side} option, not a {side} one"
        else:
            only = ", ".join(sorted(option.versions))
            why = f"option {name!r} does not apply to OCPP {version} (only {only})"
        raise ValueError(f"{why}; valid {side} options for OCPP {version}: {choices}")
    return chosen
