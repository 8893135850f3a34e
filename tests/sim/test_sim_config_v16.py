"""The simulated 1.6 charge point's configuration keys against OCPP 1.6 §9 (as
harness.spec writes it down), and its Local Authorization List (§3.5.2, §5.10, §5.15)."""

from __future__ import annotations

from simkit import linked, run

from harness.sim.config_v16 import (
    LOCAL_LIST_MAX,
    SEND_LOCAL_LIST_MAX,
    LocalAuthList,
    default_keys,
)
from harness.spec.ocpp16_keys import STANDARD_KEYS, required_keys

_INTEGER_KINDS = {"integer": "int", "boolean": "bool"}


def test_keys_follow_section_9() -> None:
    keys = {key.key: key for key in default_keys(heartbeat_interval=60, connectors=2)}
    profiles = set(keys["SupportedFeatureProfiles"].value.split(","))
    assert profiles == {"Core", "LocalAuthListManagement", "RemoteTrigger"}
    # every required key of every listed profile is there
    missing = [k.name for k in required_keys(profiles) if k.name not in keys]
    assert missing == []
    # each standard key with the accessibility and type §9 gives it
    for standard in STANDARD_KEYS:
        key = keys.get(standard.name)
        if key is None:
            continue
        if standard.access != "R or RW":
            assert key.readonly is (standard.access == "R"), standard.name
        if standard.type in _INTEGER_KINDS:
            assert key.kind == _INTEGER_KINDS[standard.type], standard.name
    assert int(keys["GetConfigurationMaxKeys"].value) > 0
    assert keys["ConnectorPhaseRotation"].value == "0.RST,1.RST,2.RST"
    assert keys["NumberOfConnectors"].value == "2"


def test_get_configuration_reports_every_key_with_its_flags() -> None:
    async def scenario() -> None:
        async with linked("1.6", heartbeat_interval=3600) as link:
            await link.booted()
            everything = await link.csms.act("get_configuration", {})
            entries = {e["key"]: e for e in everything["configurationKey"]}
            assert "unknownKey" not in everything
            assert entries["HeartbeatInterval"] == {
                "key": "HeartbeatInterval",
                "readonly": False,
                "value": "3600",
            }
            assert entries["LocalAuthListMaxLength"]["readonly"] is True
            assert entries["LocalAuthListEnabled"]["readonly"] is False
            assert entries["GetConfigurationMaxKeys"]["readonly"] is True
            link.assert_schema_valid()

    run(scenario())


def test_local_auth_list_updates() -> None:
    local = LocalAuthList()
    accepted = {"status": "Accepted"}
    full = {
        "listVersion": 3,
        "updateType": "Full",
        "localAuthorizationList": [
            {"idTag": "A", "idTagInfo": accepted},
            {"idTag": "B", "idTagInfo": {"status": "Blocked"}},
        ],
    }
    assert local.update(full) == "Accepted"
    assert (local.version, sorted(local.entries)) == (3, ["A", "B"])
    stale = {"listVersion": 3, "updateType": "Differential", "localAuthorizationList": []}
    assert local.update(stale) == "VersionMismatch"
    diff = {
        "listVersion": 4,
        "updateType": "Differential",
        "localAuthorizationList": [{"idTag": "A"}, {"idTag": "C", "idTagInfo": accepted}],
    }
    assert local.update(diff) == "Accepted"
    assert (local.version, sorted(local.entries)) == (4, ["B", "C"])
    many = [{"idTag": f"T{n}", "idTagInfo": accepted} for n in range(SEND_LOCAL_LIST_MAX + 1)]
    too_many = {"listVersion": 5, "updateType": "Full", "localAuthorizationList": many}
    assert local.update(too_many) == "Failed"
    assert local.version == 4  # a failed update changes nothing
    assert local.update({"listVersion": 5, "updateType": "Full"}) == "Accepted"
    assert local.entries == {}
    for start in range(0, LOCAL_LIST_MAX, SEND_LOCAL_LIST_MAX):
        part = [
            {"idTag": f"T{n}", "idTagInfo": accepted}
            for n in range(start, start + SEND_LOCAL_LIST_MAX)
        ]
        update = {"listVersion": 10 + start, "updateType": "Differential"}
        assert local.update({**update, "localAuthorizationList": part}) == "Accepted"
    overflow = {
        "listVersion": 999,
        "updateType": "Differential",
        "localAuthorizationList": [{"idTag": "X", "idTagInfo": accepted}],
    }
    assert local.update(overflow) == "Failed"  # the list would outgrow LocalAuthListMaxLength


def test_send_local_list_and_version_over_the_wire() -> None:
    async def scenario() -> None:
        async with linked("1.6", heartbeat_interval=3600) as link:
            await link.booted()

            async def call(action: str, payload: dict) -> dict:
                return await link.csms.act("call", {"action": action, "payload": payload})

            assert await call("GetLocalListVersion", {}) == {"listVersion": 0}
            update = {
                "listVersion": 1,
                "updateType": "Full",
                "localAuthorizationList": [{"idTag": "A", "idTagInfo": {"status": "Accepted"}}],
            }
            assert await call("SendLocalList", update) == {"status": "Accepted"}
            assert await call("GetLocalListVersion", {}) == {"listVersion": 1}
            link.assert_schema_valid()

    run(scenario())
