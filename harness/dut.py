"""The DUT profile: one TOML file describing the device under test (DESIGN.md §6).

The profile is the operator's only input besides the test selection, and it is often
written by someone who has never read the harness's code. So every problem is reported as
one line, ``<file>: <dotted.key>: <what is wrong>``, naming the key to fix, with a
"did you mean" for misspelt keys, and only the most relevant problem rather than a wall
of schema output.

Validation is against ``schemas/dut-profile.schema.json`` (the same file editors and CI
can use) with the ``jsonschema`` library: profiles are loaded once per run, so its better
error paths matter more than jsonschema-rs's speed. Checks JSON Schema cannot express
(unique EVSE ids, environment look-ups) follow in Python.

The result is a frozen :class:`DutProfile`: test cases and fixtures share one instance,
and nothing may change it behind another test's back.
"""

from __future__ import annotations

import base64
import dataclasses
import difflib
import json
import os
import re
import tomllib
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal, cast

import jsonschema

from harness.dut_kind import DutKind
from harness.ocppj import OcppVersion, Strictness
from harness.secrets import MASK, Secret, registry, resolve_secret

__all__ = [
    "EMBEDDED",
    "SCHEMA_FILE",
    "AdapterName",
    "Connect",
    "Control",
    "DutProfile",
    "Evse",
    "HarnessSide",
    "Listen",
    "ProfileError",
    "ProfileWarning",
    "Timeouts",
    "Tolerances",
    "Timers",
    "Tokens",
    "bundled_profiles",
    "load_bundled_profile",
    "load_profile",
    "profile_from_dict",
    "profile_schema",
]

EMBEDDED = "<embedded>"
"""``DutProfile.source`` of profiles built in code (the simulators' profiles)."""

SCHEMA_FILE = "dut-profile.schema.json"

AdapterName = Literal["manual", "command", "http", "sim"]

_SECRET_KEYS = frozenset({"password"})
"""Keys whose values never appear in error messages, not even when they are wrong."""


class ProfileError(Exception):
    """A DUT profile that cannot be used; ``str()`` is one line: ``file: key: reason``.

    One line so that it reads well as a pytest usage error, a CLI message and a CI
    annotation alike. ``key`` is the dotted key (``timeouts.connect``,
    ``layout.evses[1].id``) or empty when the problem is the file itself.
    """

    def __init__(self, source: str, key: str, reason: str) -> None:
        self.source = source
        self.key = key
        self.reason = reason
        super().__init__(_one_line(source, key, reason))

    def __str__(self) -> str:
        return _one_line(self.source, self.key, self.reason)


class ProfileWarning(UserWarning):
    """A profile that works but is probably not what was meant (a literal password, a
    section the chosen kind or adapter ignores)."""


class _FrozenMap(Mapping[str, Any]):
    """A read-only, hashable mapping.

    A ``types.MappingProxyType`` would do, except that it can be neither hashed nor
    deep-copied, which breaks ``hash(profile)`` and ``dataclasses.asdict(profile)``.
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self._data = dict(data or {})

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __repr__(self) -> str:
        return repr(self._data)

    def __deepcopy__(self, memo: dict[int, Any]) -> _FrozenMap:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_FrozenMap, (self._data,))


def _one_line(source: str, key: str, reason: str) -> str:
    text = f"{source}: {key}: {reason}" if key else f"{source}: {reason}"
    return " ".join(text.splitlines())


def _declared_feature(features: Mapping[str, bool], name: str) -> bool | None:
    """The value the profile gives ``name`` itself, matched without regard to case."""
    if name in features:
        return features[name]
    folded = name.casefold()
    for key, value in features.items():
        if key.casefold() == folded:
            return value
    return None


def _feature_id(ocpp: OcppVersion, kind: str, key: str) -> str | None:
    """The Part 5 id a features key means for this version and DUT role, or None when
    the feature table does not know the key (it is then matched by its own name)."""
    from harness.spec.catalog import resolve_feature  # the table is read on first use

    feature = resolve_feature(ocpp, kind, key)
    return None if feature is None else feature.id


def _feature_notes(plain: Mapping[str, Any], source: str) -> list[tuple[str, str]]:
    """Warnings for ``[features]`` keys the feature table does not know for this
    version and role (likely a typo: only a case asking by that very name reads them).

    Two keys naming one Part 5 feature with different values (``C-44 = false`` beside
    ``boot_pending = true``) are an error: which cases run would depend on the name a
    case happens to ask by.
    """
    dut = plain["dut"]
    ocpp, kind = OcppVersion(dut["ocpp"]), dut["kind"]
    found: list[tuple[str, str]] = []
    seen: dict[str, tuple[str, bool]] = {}
    for key, value in plain.get("features", {}).items():
        feature_id = _feature_id(ocpp, kind, key)
        if feature_id is None:
            found.append(
                (
                    f"features.{key}",
                    f"not a Part 5 feature id or known name for a {kind} in OCPP "
                    f"{ocpp.value}; only a case asking for {key!r} by that name reads it",
                )
            )
            continue
        if feature_id in seen and seen[feature_id][1] != value:
            other, first = seen[feature_id]
            raise ProfileError(
                source,
                f"features.{key}",
                f"{str(value).lower()} contradicts features.{other} = {str(first).lower()}: "
                f"both mean {feature_id}; keep one",
            )
        seen.setdefault(feature_id, (key, value))
    return found


# --------------------------------------------------------------------------- the tree
#
# Field names equal the TOML keys so that the schema, the documentation and the code use
# one vocabulary; the defaults here must equal the schema's "default" annotations (a test
# checks it).


@dataclass(frozen=True)
class Listen:
    """Where the harness, playing the CSMS, accepts the DUT station (kind charging-station).

    The DUT connects to ``ws://<host>:<port><path>/<identity>``.
    """

    host: str = "127.0.0.1"
    port: int = 9000
    path: str = "/ocpp"
    #: the second path the harness also listens on: the other CSMS endpoint the
    #: network-profile cases give the station (Part 6 B09/B10: the "ocppCsmsUrl that is
    #: not currently active"), ``ws://<host>:<port><second_path>/<identity>``
    second_path: str = "/ocpp2"


@dataclass(frozen=True)
class Connect:
    """Where the harness, playing a charging station, connects (kind csms).

    ``url`` is None for kind charging-station; the station appends ``/<identity>``.
    """

    url: str | None = None
    #: the least seconds between one connection of the harness's station closing and
    #: the next one with the same identity opening (across cases and within one): a
    #: CSMS that rebuilds per-station state on every reconnect can be overrun otherwise
    spacing: float = 1.0


@dataclass(frozen=True)
class Evse:
    """One EVSE and its connector ids (OCPP 1.6: one connector, connectorId = ``id``)."""

    id: int
    connectors: tuple[int, ...] = (1,)


@dataclass(frozen=True)
class Tokens:
    """idToken values in the state their names say; fixed constants rather than faker
    output so that a DUT CSMS can be configured with them once."""

    valid: str = "04A1B2C3D4"
    invalid: str = "DEADBEEF"
    blocked: str = "0B10C4ED"
    expired: str = "0E4714ED"
    #: a second accepted token, not of valid's group (Part 6 <Configured valid_idtoken2>)
    valid2: str = "04B2C3D4E5"
    #: a token of valid's group (Part 6 groupIdToken: the group both belong to is the
    #: CSMS's to give; a token of the same group ends valid's authorization, C01.FR.03)
    group: str = "04C3D4E5F6"
    #: the group id the CSMS gives valid and group (Part 6 <Configured groupIdToken>)
    group_id: str = "GROUP-1"
    #: the master pass token, which stops any transaction (Part 6 masterpass_idtoken,
    #: C16: MasterPassGroupId)
    master_pass: str = "04D4E5F6A7"
    #: the group id that makes a token a master pass: the CSMS gives it to master_pass,
    #: and a station DUT is configured with it (Part 6 <Configured MasterPassGroupId>,
    #: AuthCtrlr.MasterPassGroupId)
    master_pass_group_id: str = "MASTERPASS"
    #: their IdTokenEnumType (2.x): a CSMS knows a token by its value and its type
    type: str = "ISO14443"


@dataclass(frozen=True)
class Timeouts:
    """Seconds; every wait of the harness is bounded by one of these."""

    connect: float = 60.0
    response: float = 30.0
    operator: float = 120.0


@dataclass(frozen=True)
class Timers:
    """Protocol timers the harness's CSMS hands the DUT station.

    Whole seconds, because they go on the wire as the integer ``interval`` of
    BootNotificationResponse.
    """

    heartbeat: int = 60
    boot_retry: int = 10
    #: TxCtrlr.EVConnectionTimeOut a case gives the station: how long an authorization
    #: waits for the cable (Part 6 <Configured ev_connection_timeout>, TC_F_04_CS)
    ev_connection_timeout: int = 30
    #: AlignedDataCtrlr.Interval a case gives the station: clock-aligned meter values
    #: every so many seconds (Part 6 <Configured clock-aligned Meter Values interval>)
    aligned_data_interval: int = 60
    #: AlignedDataCtrlr.TxEndedInterval a case gives the station: clock-aligned readings
    #: for the Ended event every so many seconds (Part 6 <Configured
    #: clock_aligned_tx_ended_meter_values_interval>, TC_J_03_CS)
    aligned_data_tx_ended_interval: int = 60
    #: SampledDataCtrlr.TxUpdatedInterval a case gives the station: a MeterValuePeriodic
    #: event every so many seconds (Part 6 <Configured sampled Meter Values Updated
    #: interval>, TC_J_09_CS)
    sampled_data_tx_updated_interval: int = 60
    #: SampledDataCtrlr.TxEndedInterval a case gives the station: sampled readings for the
    #: Ended event every so many seconds (Part 6 <Configured
    #: sampled_tx_ended_meter_values_interval>, TC_J_10_CS)
    sampled_data_tx_ended_interval: int = 60
    #: the retryInterval of a GetLog whose upload is to fail: longer than one upload
    #: attempt takes (Part 6 <Configured retryInterval>, TC_N_26_CS)
    log_retry_interval: int = 30


@dataclass(frozen=True)
class Network:
    """The connection data Part 6's network-profile cases send (B09, B10): how the
    station reaches the CSMS (Part 6 <Configured ocppInterface>, <Configured
    messageTimeout>)."""

    interface: str = "Wired0"
    message_timeout: int = 30
    #: the two configuration slots of the station's network connection profiles (Part 6
    #: <Configured configurationSlot>, <Configured configurationSlot2>: entries of
    #: NetworkConfigurationPriority's valuesList); a case sets the one not in use
    configuration_slot: int = 1
    configuration_slot2: int = 2
    #: the connection data a case sends for the second slot (Part 6 <Configured
    #: ocppInterface2>, <Configured messageTimeout2>)
    interface2: str = "Wired0"
    message_timeout2: int = 30
    #: OCPPCommCtrlr.RetryBackOffWaitMinimum a reconnection case sets (seconds; Part 6
    #: <Configured RetryBackOffWaitMinimum>, TC_B_57_CS)
    retry_backoff_wait_minimum: int = 10
    #: OCPPCommCtrlr.OfflineThreshold the offline-status cases set (seconds; Part 6
    #: <Configured offlineThreshold>, TC_B_51_CS and TC_B_52_CS)
    offline_threshold: int = 10
    #: OCPPCommCtrlr.MessageAttemptInterval[TransactionEvent] the retry cases set
    #: (seconds; Part 6 <Configured message Attempts transaction event interval>)
    tx_message_attempt_interval: int = 5


#: volts per phase behind Part 6's <limit multiplier> for limits in W (errata 2025-09:
#: 230, 460, 690 for one, two, three phases)
_VOLTS_PER_PHASE = 230


@dataclass(frozen=True)
class Charging:
    """How the station's charging is limited, as the smart-charging cases write their
    charging profiles (Part 6 <Configured chargingRateUnit>, <Configured numberPhases>)."""

    rate_unit: Literal["A", "W"] = "A"
    number_phases: int = 3

    def limit(self, amps: float) -> float:
        """Part 6's limit of ``amps`` in the rate unit: ``amps`` times the errata's
        <limit multiplier> (1 in A; in W 230 V times the number of phases)."""
        if self.rate_unit == "A":
            return amps
        return amps * _VOLTS_PER_PHASE * self.number_phases


@dataclass(frozen=True)
class Tolerances:
    """What the harness tolerates when it compares the DUT's timing with what it asked.

    Part 6 (§2.1) lets the test tool accept a deviation in time comparisons and the
    certification labs set it to 4 s; the embedded simulators keep time to the
    millisecond, so their profiles set it small and a defect of a second shows.
    """

    time_deviation: float = 4.0


@dataclass(frozen=True)
class HarnessSide:
    """How the harness plays its own role ([harness] in the profile)."""

    #: as charging station: report connectors by StatusNotification or NotifyEvent
    connector_report: str = "status-notification"
    #: seconds the harness lets a transaction charge before the EV suspends or the
    #: driver stops it, in either role (Part 6 ``<Configured Transaction Duration>``,
    #: Tables 431/432 and 704/705)
    transaction_duration: float = 5.0
    #: as charging station: the vendorId and messageId of the DataTransfer the harness
    #: sends a CSMS DUT (Part 6 <Configured vendorId>, <Configured messageId>,
    #: TC_P_02_CSMS): a vendor extension the CSMS does not implement; also the vendorId
    #: of the customData TC_P_03_CSMS sends
    data_transfer_vendor_id: str = "org.ocpp-harness.no-such-extension"
    data_transfer_message_id: str = "OcppHarnessProbe"
    #: as CSMS: where a station DUT uploads the log a case asks for (GetLog
    #: log.remoteLocation; Part 6 <Configured log_location>); empty: not set
    log_location: str = ""
    #: as CSMS: a log location whose path does not exist, so that an upload there fails
    #: (Part 6 errata <Configured log location with non-existing path>, TC_N_26_CS)
    log_location_missing: str = ""
    #: as CSMS: the customerIdentifier an operator stores at the station and a case then
    #: asks about and clears (Part 6 <Configured customerIdentifiers>, TC_N_62_CS)
    customer_identifier: str = "OCPP-HARNESS-CUSTOMER-1"
    #: as CSMS: the MaxEnergyOnInvalidId (Wh) TC_C_15_CS gives a station DUT, which the
    #: transaction of a refused token may draw before the station holds the energy back
    #: (Part 6 Table 77 sets 10000; a rig whose EV cannot draw that soon may set less)
    max_energy_on_invalid_id: int = 10000
    #: as CSMS: the firmware a case asks a station DUT to install (UpdateFirmware; Part 6
    #: <Configured firmware_location>, <Configured signingCertificate>, <Configured
    #: signature>); an empty location: not set
    firmware_location: str = ""
    firmware_signing_certificate: str = ""
    firmware_signature: str = ""


@dataclass(frozen=True)
class Control:
    """How the harness carries out actions on the DUT (DESIGN.md §7)."""

    adapter: AdapterName = "manual"
    url: str | None = None
    commands: Mapping[str, str] = field(default_factory=_FrozenMap)
    sim_defects: tuple[str, ...] = ()
    #: http: the CA file an https service's certificate is checked against
    ca: str | None = None
    #: http: header name -> value sent with every request; each value a secret
    #: (an Authorization header is a credential), "env:NAME" read from the environment
    headers: Mapping[str, Secret] = field(default_factory=_FrozenMap)
    #: http: free values every request's context carries (a tenant id …)
    context: Mapping[str, Any] = field(default_factory=_FrozenMap)


def _default_layout() -> tuple[Evse, ...]:
    return (Evse(1, (1,)),)


@dataclass(frozen=True)
class DutProfile:
    """A validated DUT profile. Build it with :func:`load_profile` or
    :func:`profile_from_dict`, never directly: only those validate.

    ``password`` is a :class:`~harness.secrets.Secret`, so printing the profile (its
    ``repr`` is the dataclass one) shows ``***``. ``warnings`` holds the one-line warnings
    raised while loading, for ``ocpp-harness check-profile`` and reports.
    """

    kind: DutKind
    ocpp: OcppVersion
    identity: str
    security_profile: int = 0
    password: Secret | None = None
    strictness: Strictness = Strictness.STRICT
    vendor: str = "ocpp-harness"
    model: str = "ocpp-harness"
    serial: str | None = None
    listen: Listen = field(default_factory=Listen)
    connect: Connect = field(default_factory=Connect)
    layout: tuple[Evse, ...] = field(default_factory=_default_layout)
    tokens: Tokens = field(default_factory=Tokens)
    timeouts: Timeouts = field(default_factory=Timeouts)
    timers: Timers = field(default_factory=Timers)
    network: Network = field(default_factory=Network)
    tolerances: Tolerances = field(default_factory=Tolerances)
    charging: Charging = field(default_factory=Charging)
    harness: HarnessSide = field(default_factory=HarnessSide)
    features: Mapping[str, bool] = field(default_factory=_FrozenMap)
    control: Control = field(default_factory=Control)
    source: str = field(default=EMBEDDED, compare=False)
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        return (
            f"{self.kind} {self.identity!r} (OCPP {self.ocpp.value}, security profile "
            f"{self.security_profile}, {self.control.adapter} control) from {self.source}"
        )

    @property
    def harness_role(self) -> DutKind:
        """The role the harness plays: the other side of the DUT."""
        return self.kind.harness_plays

    def supports(self, name: str, default: bool = False) -> bool:
        """Whether the DUT declares feature ``name``; undeclared features count as
        ``default`` (not supported unless the caller says otherwise), so a case needing an
        optional feature is skipped rather than failed on a device that lacks it.

        A Part 5 id and its readable aliases are one feature: a case asking for
        ``C-44`` sees ``boot_pending = true``, and ids match in any case (``c-44``).
        """
        declared = _declared_feature(self.features, name)
        if declared is not None:
            return declared
        wanted = _feature_id(self.ocpp, self.kind, name)
        if wanted is not None:
            for key, value in self.features.items():
                if _feature_id(self.ocpp, self.kind, key) == wanted:
                    return value
        return default

    def replace(self, **changes: Any) -> DutProfile:
        """A copy with ``changes`` (``dataclasses.replace``); not re-validated, meant for
        the plugin and self-tests adjusting a profile they already trust."""
        return dataclasses.replace(self, **changes)

    def with_connector_report(self, style: str) -> DutProfile:
        """A copy whose harness station reports connectors in ``style`` (``--connector-
        report``, or one self-test item's set-up)."""
        return self.replace(harness=dataclasses.replace(self.harness, connector_report=style))

    def with_features(self, changes: Mapping[str, bool]) -> DutProfile:
        """A copy declaring ``changes`` over its [features]: a simulator variation of
        what the device has (:attr:`harness.sim.options.SimOption.features`). A key
        that means the same Part 5 feature as a changed one (its id or an alias) gives
        way, so the profile cannot say both."""
        if not changes:
            return self
        changed = {self.feature_id(key) for key in changes}
        kept = {k: v for k, v in self.features.items() if self.feature_id(k) not in changed}
        return self.replace(features=_FrozenMap({**kept, **changes}))

    def feature_id(self, key: str) -> str:
        """The feature a [features] key means for this version and DUT role: its Part 5
        id (``C-13`` for ``reset_per_evse``), or the key itself where the feature table
        does not know it; casefolded, for comparing."""
        return (_feature_id(self.ocpp, self.kind, key) or key).casefold()

    def public_dict(self) -> dict[str, Any]:
        """The effective profile in the TOML file's shape (defaults filled in), safe to
        publish: JSON-serialisable, secrets as ``***``, absent values left out.

        The shape is the file's so that a report reader sees the keys they would edit;
        without a password it loads back through :func:`profile_from_dict`.
        """
        dut: dict[str, Any] = {
            "kind": self.kind,
            "ocpp": self.ocpp.value,
            "identity": self.identity,
            "security_profile": self.security_profile,
            "strictness": self.strictness.value,
            "vendor": self.vendor,
            "model": self.model,
        }
        if self.password is not None:
            dut["password"] = MASK
        if self.serial is not None:
            dut["serial"] = self.serial
        control: dict[str, Any] = {"adapter": self.control.adapter}
        if self.control.url is not None:
            control["url"] = self.control.url
        if self.control.commands:
            control["commands"] = dict(self.control.commands)
        if self.control.sim_defects:
            control["sim"] = {"defects": list(self.control.sim_defects)}
        if self.control.ca is not None:
            control["ca"] = self.control.ca
        if self.control.headers:
            control["headers"] = {name: MASK for name in self.control.headers}
        if self.control.context:
            control["context"] = dict(self.control.context)
        out: dict[str, Any] = {"dut": dut}
        # Only the side that applies: the other one would load back with a warning.
        if self.kind == "charging-station":
            out["listen"] = dataclasses.asdict(self.listen)
        elif self.connect.url is not None:
            out["connect"] = {"url": self.connect.url, "spacing": self.connect.spacing}
        out |= {
            "layout": {
                "evses": [{"id": e.id, "connectors": list(e.connectors)} for e in self.layout]
            },
            "tokens": dataclasses.asdict(self.tokens),
            "timeouts": dataclasses.asdict(self.timeouts),
            "timers": dataclasses.asdict(self.timers),
            "network": dataclasses.asdict(self.network),
            "tolerances": dataclasses.asdict(self.tolerances),
            "charging": dataclasses.asdict(self.charging),
            "harness": dataclasses.asdict(self.harness),
            "features": dict(self.features),
            "control": control,
        }
        # A secret can still hide in free text (a command template with credentials in
        # it); scrub every string on the way out.
        scrubbed: dict[str, Any] = _scrub_strings(out)
        return scrubbed


def _scrub_strings(value: Any) -> Any:
    if isinstance(value, str):
        return registry.scrub(value)
    if isinstance(value, dict):
        return {k: _scrub_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_strings(v) for v in value]
    return value


# --------------------------------------------------------------------------- schema


def _package_dir(package: str, folder: str) -> Traversable:
    """``package`` as installed from the wheel, else the source tree's ``folder``.

    The wheel maps ``schemas/`` and ``fixtures/`` to ``harness.schemas_data`` and
    ``harness.fixtures_data``; a source checkout that is not installed has only the
    folders next to ``harness/``.
    """
    from importlib.resources import files

    try:
        return files(package)
    except ModuleNotFoundError:
        return Path(__file__).parent.parent / folder


@cache
def profile_schema() -> dict[str, Any]:
    """The DUT profile JSON schema (draft 2020-12), loaded once."""
    resource = _package_dir("harness.schemas_data", "schemas").joinpath(SCHEMA_FILE)
    if not resource.is_file():
        resource = Path(__file__).parent.parent / "schemas" / SCHEMA_FILE
    schema: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return schema


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(profile_schema())


# --------------------------------------------------------------------------- errors

_KEYWORD_RANK = {"additionalProperties": 0, "required": 2}
"""Within one object, an unknown key is reported before a missing one: ``kynd`` explains
why ``kind`` is missing, not the other way round."""


def _dotted(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _is_secret_path(path: Sequence[str | int]) -> bool:
    return any(part in _SECRET_KEYS for part in path if isinstance(part, str))


def _cross_field_rule(error: jsonschema.ValidationError) -> str | None:
    """The description of the ``if``/``then`` rule an error comes from, if any.

    Errors from a ``then`` only make sense with their condition ("required" alone does not
    say that it is the csms kind that needs ``connect.url``).
    """
    node: Any = profile_schema()
    rule = None
    for part in error.absolute_schema_path:
        if part == "then" and isinstance(node, dict):
            rule = node.get("description")
        node = node[part]
    return rule


def _rank(error: jsonschema.ValidationError) -> tuple[Any, ...]:
    """Sort key picking the most relevant error: plain errors before cross-field ones
    (these depend on other values being right), then by position in the document tree,
    then unknown keys before wrong values before missing keys."""
    cross = "then" in error.absolute_schema_path
    path = tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in error.absolute_path)
    if "propertyNames" in error.absolute_schema_path:
        keyword_rank = 0
    else:
        keyword_rank = _KEYWORD_RANK.get(str(error.validator), 1)
    return (cross, path, keyword_rank)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(error: jsonschema.ValidationError) -> tuple[str, str]:
    """``(dotted key, reason)`` for one schema error."""
    path: list[str | int] = list(error.absolute_path)
    keyword = error.validator
    rule = _cross_field_rule(error)
    # types-jsonschema allows a bool or unset schema and an unset instance or keyword value;
    # an error of a keyword of the profile schema (no boolean subschemas) always has the
    # object the keyword sits in, the value it checked and the keyword's value.
    schema = cast(Mapping[str, Any], error.schema)
    instance: Any = error.instance
    keyword_value: Any = error.validator_value

    if keyword == "additionalProperties" and keyword_value is False:
        allowed = list(schema.get("properties", {}))
        unknown = [k for k in instance if k not in allowed]
        name = unknown[0]
        what = "unknown section" if not path else "unknown key"
        close = difflib.get_close_matches(name, allowed, n=1)
        if close:
            reason = f"{what} (did you mean {close[0]!r}?)"
        else:
            reason = f"{what} (expected one of: {', '.join(allowed)})"
        return _dotted([*path, name]), reason

    if keyword == "required":
        missing = [k for k in keyword_value if k not in instance]
        name = missing[0]
        subschema = schema.get("properties", {}).get(name, {})
        what = "section" if subschema.get("type") == "object" or not path else "key"
        reason = f"required {what} missing"
        if rule:
            reason += f" ({rule})"
        return _dotted([*path, name]), reason

    if "propertyNames" in error.absolute_schema_path:
        # The instance is the offending name itself, so the key is that name.
        path.append(str(instance))
        custom = schema.get("x-message", "invalid name")
        return _dotted(path), custom

    custom = schema.get("x-message")
    if _is_secret_path(path):
        # Never echo the value: a wrong password is still somebody's password.
        if keyword == "type":
            reason = f"must be a {keyword_value} (value not shown: it is a secret)"
        else:
            reason = custom or f"invalid value (not shown: it is a secret; fails {keyword!r})"
    elif custom:
        reason = f"{custom} (got {_show(instance)})"
    else:
        reason = error.message
    if rule:
        reason += f" ({rule})"
    return _dotted(path), reason


def _validate(data: Mapping[str, Any], source: str) -> None:
    errors = list(_validator().iter_errors(data))
    if errors:
        key, reason = _describe(min(errors, key=_rank))
        raise ProfileError(source, key, reason)


def _check_layout(evses: Sequence[Mapping[str, Any]], source: str) -> None:
    seen: set[int] = set()
    for index, evse in enumerate(evses):
        if evse["id"] in seen:
            key = f"layout.evses[{index}].id"
            raise ProfileError(source, key, f"duplicate EVSE id {evse['id']}")
        seen.add(evse["id"])


# --------------------------------------------------------------------------- building


def _plain(value: Any) -> Any:
    """Plain dicts and lists, as jsonschema's type checks expect (callers of
    :func:`profile_from_dict` may pass mappings and tuples)."""
    if isinstance(value, Secret):
        return "<secret>"
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _ignored(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Sections and keys that the chosen kind, adapter or security profile ignores;
    usually a sign the profile does not say what its author thinks."""
    dut = data["dut"]
    control = data.get("control", {})
    adapter = control.get("adapter", "manual")
    found: list[tuple[str, str]] = []
    if dut["kind"] == "charging-station" and "connect" in data:
        found.append(("connect", "ignored: the DUT is a charging station, the harness listens"))
    if dut["kind"] == "csms" and "listen" in data:
        found.append(("listen", "ignored: the DUT is a CSMS, the harness connects"))
    for key, wanted in (
        ("url", "http"),
        ("ca", "http"),
        ("headers", "http"),
        ("context", "http"),
        ("commands", "command"),
        ("sim", "sim"),
    ):
        if key in control and adapter != wanted:
            found.append((f"control.{key}", f"ignored: control.adapter is {adapter!r}"))
    if "password" in dut and dut.get("security_profile", 0) in (0, 3):
        found.append(("dut.password", "ignored: this security profile uses no Basic auth"))
    return found


def _ca_path(path: str | None, source: str) -> str | None:
    """``control.ca`` relative to the profile file's folder (as the profile's other
    files are), checked to exist: a missing CA would fail every case's first action."""
    if path is None:
        return None
    base = os.path.dirname(source) if os.path.isfile(source) else "."
    resolved = path if os.path.isabs(path) else os.path.join(base, path)
    if not os.path.isfile(resolved):
        raise ProfileError(source, "control.ca", f"no such file: {resolved}")
    return resolved


def _harness_side(section: Mapping[str, Any]) -> HarnessSide:
    """``[harness]`` with its duration as a float (TOML may write it as an integer)."""
    values = dict(section)
    if "transaction_duration" in values:
        values["transaction_duration"] = float(values["transaction_duration"])
    return HarnessSide(**values)


def _build(data: Mapping[str, Any], source: str, *, from_file: bool) -> DutProfile:
    plain = _plain(data)
    _validate(plain, source)
    dut = plain["dut"]
    if dut.get("security_profile", 0) in (2, 3):
        # refused here, so that check-profile says what the run would: every case of a
        # TLS profile would end in a set-up error
        raise ProfileError(
            source,
            "dut.security_profile",
            f"{dut['security_profile']} (TLS) is not supported yet; use 0 or 1",
        )
    layout = plain.get("layout", {})
    evses = layout.get("evses", [{"id": 1, "connectors": [1]}])
    _check_layout(evses, source)

    notes: list[str] = []
    password: Secret | None = None
    if "password" in dut:
        given = data["dut"]["password"]  # the original: it may be a Secret
        password = resolve_secret(given, "dut.password", source)
        # The Basic auth header carries base64("identity:password"); it is the credential
        # too, and may show up in a trace of the HTTP upgrade.
        basic = f"{dut['identity']}:{password.reveal()}".encode()
        registry.add(base64.b64encode(basic).decode("ascii"))
        if from_file and not given.startswith("env:"):
            notes.append(
                _one_line(
                    source,
                    "dut.password",
                    'literal password in the profile; write "env:NAME" to keep it out of the file',
                )
            )
    notes.extend(_one_line(source, key, reason) for key, reason in _ignored(plain))
    notes.extend(_one_line(source, key, reason) for key, reason in _feature_notes(plain, source))
    for note in notes:
        warnings.warn(note, ProfileWarning, stacklevel=3)

    control = plain.get("control", {})
    return DutProfile(
        kind=DutKind(dut["kind"]),
        ocpp=OcppVersion(dut["ocpp"]),
        identity=dut["identity"],
        security_profile=dut.get("security_profile", 0),
        password=password,
        strictness=Strictness(dut.get("strictness", "strict")),
        vendor=dut.get("vendor", DutProfile.vendor),
        model=dut.get("model", DutProfile.model),
        serial=dut.get("serial"),
        listen=Listen(**plain.get("listen", {})),
        connect=Connect(**plain.get("connect", {})),
        layout=tuple(Evse(e["id"], tuple(e.get("connectors", [1]))) for e in evses),
        tokens=Tokens(**plain.get("tokens", {})),
        timeouts=Timeouts(**{k: float(v) for k, v in plain.get("timeouts", {}).items()}),
        timers=Timers(**plain.get("timers", {})),
        network=Network(**plain.get("network", {})),
        tolerances=Tolerances(**{k: float(v) for k, v in plain.get("tolerances", {}).items()}),
        charging=Charging(**plain.get("charging", {})),
        harness=_harness_side(plain.get("harness", {})),
        features=_FrozenMap(plain.get("features", {})),
        control=Control(
            adapter=control.get("adapter", "manual"),
            url=control.get("url"),
            commands=_FrozenMap(control.get("commands", {})),
            sim_defects=tuple(control.get("sim", {}).get("defects", [])),
            ca=_ca_path(control.get("ca"), source),
            headers=_FrozenMap(
                {
                    name: resolve_secret(value, f"control.headers.{name}", source)
                    for name, value in data.get("control", {}).get("headers", {}).items()
                }
            ),
            context=_FrozenMap(control.get("context", {})),
        ),
        source=source,
        warnings=tuple(notes),
    )


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.fullmatch(r"(.*) \(at (line \d+, column \d+|end of document)\)", message)
        if match:
            where, what = match.group(2), match.group(1)
            raise ProfileError(source, "", f"{where}: invalid TOML: {what}") from None
        raise ProfileError(source, "", f"invalid TOML: {message}") from None


# --------------------------------------------------------------------------- public API


def load_profile(path: str | os.PathLike[str]) -> DutProfile:
    """Load and validate the DUT profile at ``path``.

    Raises :class:`ProfileError` for anything wrong (file, TOML syntax, schema, missing
    environment variable) and emits :class:`ProfileWarning` for what is merely suspicious.
    The error names the path as given, so it matches what the user typed.
    """
    source = os.fspath(path)
    try:
        raw = Path(source).read_bytes()
    except FileNotFoundError:
        raise ProfileError(source, "", "file not found") from None
    except IsADirectoryError:
        raise ProfileError(source, "", "is a directory, not a profile file") from None
    except PermissionError:
        raise ProfileError(source, "", "permission denied") from None
    except OSError as exc:
        raise ProfileError(source, "", f"cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProfileError(source, "", f"not UTF-8 text (byte {exc.start})") from None
    return _build(_parse_toml(text, source), source, from_file=True)


def profile_from_dict(data: Mapping[str, Any], source: str = EMBEDDED) -> DutProfile:
    """Validate ``data`` (the TOML file's shape) and build a profile from it.

    For profiles made in code, like the embedded simulators'. ``dut.password`` may be a
    :class:`~harness.secrets.Secret` already; literal passwords are not warned about here,
    since code-built profiles are not files that get shared.
    """
    return _build(data, source, from_file=False)


def bundled_profiles() -> list[str]:
    """File names of the example profiles shipped with the harness (``fixtures/``)."""
    folder = _package_dir("harness.fixtures_data", "fixtures")
    return sorted(item.name for item in folder.iterdir() if item.name.endswith(".toml"))


def load_bundled_profile(name: str) -> DutProfile:
    """Load a shipped example profile by file name (``"sim-station-2.0.1.toml"``)."""
    source = f"fixtures/{name}"
    resource = _package_dir("harness.fixtures_data", "fixtures").joinpath(name)
    if not resource.is_file():
        known = ", ".join(bundled_profiles())
        raise ProfileError(source, "", f"no such bundled profile (bundled: {known})")
    return _build(_parse_toml(resource.read_text(encoding="utf-8"), source), source, from_file=True)
