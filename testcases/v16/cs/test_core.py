"""OCPP 1.6 Core — the DUT is a charge point (harness = central system).

The 1.6 OCTT test-case document is not public: these cases follow the ids and titles
OCTT uses and check what OCPP 1.6 edition 2 (with its errata) requires, named by
section (``C16.4.2`` = §4.2).
"""

from harness import DutFailure, testcase
from harness.spec.ocpp16_keys import PROFILES, STANDARD_KEYS, required_keys

BLOCK = "Core"

#: 1.6 §9: which section lists the required keys of a profile
_PROFILE_SECTION = {
    "Core": "C16.9.1",
    "LocalAuthListManagement": "C16.9.2",
    "Reservation": "C16.9.3",
    "SmartCharging": "C16.9.4",
}


@testcase(
    "TC_001_CS",
    "Cold Boot Charge Point",
    requirements=["C16.4.2", "C16.4.6", "E16.3.22"],
    catches={
        "boot-omits-model": None,
        "wrong-connector-status": "E16.3.22",
        "no-heartbeat": "C16.4.6",
        "heartbeat-wrong-interval": "C16.4.2",
    },
    starts_with="power_cycle",
)
def test_tc_001_cs(csms, dut):
    interval = int(dut.timers.heartbeat)
    deviation = dut.profile.tolerances.time_deviation
    csms.will_reply("BootNotification", status="Accepted", interval=interval)
    # Manual action: power cycle the charge point.
    dut.act("power_cycle")
    boot = csms.expect("BootNotification", timeout=dut.timeouts.connect, rule="C16.4.2")
    # A StatusNotification for connector 0 (the charge point) and every connector.
    # The errata sheet (entry 3.22) makes these reports a SHALL; §4.9 itself does not.
    csms.expect_connectors("Available", since=boot, rule="E16.3.22")
    # Heartbeats at the interval of the Accepted answer (§4.2), measured as OCTT's
    # judgement prompt does: the time without any exchange before a Heartbeat.
    wait = interval + deviation + dut.timeouts.response
    csms.expect("Heartbeat", after=boot.entry.seq, timeout=wait, rule="C16.4.6")
    second = csms.expect("Heartbeat", timeout=wait, rule="C16.4.6")
    quiet = csms.quiet_before(second)
    if abs(quiet - interval) > deviation:
        second.entry.failing = True
        raise DutFailure(
            f"the charge point sent a Heartbeat after {quiet:.1f} s without exchanges; the "
            f"interval it was given is {interval} s (tolerance {deviation:g} s)",
            "C16.4.2",
            second.entry.raw,
        )


def _keys(response) -> dict[str, dict]:
    return {entry.get("key"): entry for entry in response.get("configurationKey", [])}


def _filtered(response, asked: str) -> dict[str, dict]:
    """The keys of a GetConfiguration answer for ``asked``, held to §5.8's filter: only
    the key asked for, or the key listed in unknownKey (a required core key: returned)."""
    keys = _keys(response)
    others = sorted(set(keys) - {asked})
    if others:
        raise DutFailure(
            f"GetConfiguration for [{asked}] returned other keys too: {', '.join(others[:5])}"
            + (f" and {len(others) - 5} more" if len(others) > 5 else ""),
            "C16.5.8",
            response.raw,
        )
    if asked not in keys:
        where = "lists it in unknownKey" if asked in response.get("unknownKey", []) else "omits it"
        raise DutFailure(
            f"GetConfiguration for [{asked}], a required core key (§9.1), {where}",
            "C16.5.8",
            response.raw,
        )
    return keys


def _bad_value(value_type: str, value: object) -> bool:
    if not isinstance(value, str):
        return value is not None  # a missing value is allowed (§5.8: unreadable keys)
    if value_type == "integer":
        return not value.lstrip("-").isdigit()
    if value_type == "boolean":
        return value.lower() not in ("true", "false")
    return False


@testcase(
    "TC_019_CS",
    "Retrieve configuration",
    requirements=["C16.5.8", "C16.9"],
    catches={
        "get-configuration-missing-keys": "C16.9.1",
        "get-configuration-wrong-readonly": "C16.9",
        "get-configuration-missing-profile-keys": "C16.9.2",
    },
)
def test_tc_019_cs(csms, dut):
    # GetConfiguration without keys: every key the charge point has (§5.8).
    response = csms.call("GetConfiguration").expect(rule="C16.5.8")
    keys = _keys(response)
    # The profiles it supports decide which keys it must have (§9).
    listed = keys.get("SupportedFeatureProfiles", {}).get("value")
    if listed is None:
        raise DutFailure(
            "GetConfiguration without keys has no SupportedFeatureProfiles value",
            "C16.9.1",
            response.raw,
        )
    profiles = {p.strip() for p in listed.split(",") if p.strip()}
    unknown = sorted(profiles - set(PROFILES))
    if unknown:
        csms.note("C16.9.1", f"SupportedFeatureProfiles lists unknown profile(s) {unknown}")
    for profile in ("Core", *sorted(profiles & set(_PROFILE_SECTION) - {"Core"})):
        missing = [k.name for k in required_keys({profile}) if k.name not in keys]
        if missing:
            raise DutFailure(
                f"the charge point supports {profile} but GetConfiguration without keys "
                f"omits its required key(s) {', '.join(missing)}",
                _PROFILE_SECTION[profile],
                response.raw,
            )
    # Each standard key it reports has the accessibility and type §9 gives it.
    for standard in STANDARD_KEYS:
        entry = keys.get(standard.name)
        if entry is None:
            continue
        readonly = entry.get("readonly")
        if standard.access != "R or RW" and readonly != (standard.access == "R"):
            raise DutFailure(
                f"{standard.name} is reported readonly={readonly}; §9 makes it "
                f"{'read-only' if standard.access == 'R' else 'read-write'}",
                "C16.9",
                response.raw,
            )
        if _bad_value(standard.type, entry.get("value")):
            raise DutFailure(
                f"{standard.name} = {entry.get('value')!r} is not a {standard.type}",
                "C16.9",
                response.raw,
            )
    # GetConfigurationMaxKeys bounds a keyed request; it is a positive integer.
    max_keys = keys.get("GetConfigurationMaxKeys", {}).get("value", "")
    if not (isinstance(max_keys, str) and max_keys.isdigit() and int(max_keys) > 0):
        raise DutFailure(
            f"GetConfigurationMaxKeys is {max_keys!r}, not a positive number",
            "C16.9.1",
            response.raw,
        )


@testcase(
    "TC_021_CS",
    "Change/set configuration",
    requirements=["C16.5.3", "C16.5.8"],
    catches=["change-configuration-not-applied", "get-configuration-ignores-key-filter"],
)
def test_tc_021_cs(csms, dut):
    key = "MeterValueSampleInterval"
    before = _filtered(csms.call("GetConfiguration", key=[key]).expect(rule="C16.5.8"), key)
    original = before.get(key, {}).get("value")
    new_value = "61" if original != "61" else "62"
    if original is not None:
        csms.finally_do(
            f"{key} = {original!r}", csms.call, "ChangeConfiguration", key=key, value=original
        )
    csms.call("ChangeConfiguration", key=key, value=new_value).expect(
        rule="C16.5.3", status="Accepted"
    )
    after = csms.call("GetConfiguration", key=[key]).expect(rule="C16.5.8")
    value = _filtered(after, key).get(key, {}).get("value")
    if value != new_value:
        raise DutFailure(
            f"{key} reads {value!r} after ChangeConfiguration accepted {new_value!r}",
            "C16.5.3",
            after.raw,
        )
