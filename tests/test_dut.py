"""Self-tests of the DUT profile loader and of secret handling.

The messages are asserted exactly: their shape (``file: key: reason``) is the interface
operators, the CLI and CI annotations depend on.
"""

from __future__ import annotations

import dataclasses
import json
import re
import textwrap
import warnings
from pathlib import Path

import jsonschema
import pytest

from harness import dut as dut_module
from harness.dut import (
    EMBEDDED,
    DutProfile,
    Evse,
    ProfileError,
    ProfileWarning,
    bundled_profiles,
    load_bundled_profile,
    load_profile,
    profile_from_dict,
    profile_schema,
)
from harness.ocppj import OcppVersion, Strictness
from harness.secrets import MASK, Secret, SecretRegistry, known_secrets, registry, scrub

FIXTURES = Path(__file__).parent.parent / "fixtures"
TEMPLATE_ENV = "OCPP_DUT_PASSWORD"  # what the real-device templates refer to

STATION = """\
[dut]
kind = "charging-station"
ocpp = "2.0.1"
identity = "CP001"
"""


def write(tmp_path: Path, text: str, name: str = "x.toml") -> str:
    """Write a profile and return its path as the message will show it."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def dut_section(**keys: object) -> str:
    """STATION with ``keys`` added to (or replacing lines of) [dut]."""
    lines = [line for line in STATION.splitlines() if line.split(" = ")[0] not in keys]
    lines += [f"{key} = {json.dumps(value)}" for key, value in keys.items()]
    return "\n".join(lines) + "\n"


BAD_PROFILES = [
    pytest.param(
        STATION.replace("kind =", "kynd ="),
        "dut.kynd: unknown key (did you mean 'kind'?)",
        id="misspelt-key",
    ),
    pytest.param(
        STATION + "[timeout]\nconnect = 5\n",
        "timeout: unknown section (did you mean 'timeouts'?)",
        id="misspelt-section",
    ),
    pytest.param(
        STATION + "[timeouts]\nconnect = 'abc'\n",
        "timeouts.connect: 'abc' is not of type 'number'",
        id="wrong-type",
    ),
    pytest.param(
        STATION + "[timeouts]\nresponse = 0\n",
        "timeouts.response: 0 is less than or equal to the minimum of 0",
        id="zero-timeout",
    ),
    pytest.param(
        STATION + "[listen]\nport = 70000\n",
        "listen.port: 70000 is greater than the maximum of 65535",
        id="port-out-of-range",
    ),
    pytest.param(
        STATION.replace('"2.0.1"', "2.0"),
        'dut.ocpp: must be the quoted string "1.6", "2.0.1" or "2.1" (got 2.0)',
        id="ocpp-not-a-string",
    ),
    pytest.param(
        STATION.replace('identity = "CP001"\n', ""),
        "dut.identity: required key missing",
        id="missing-identity",
    ),
    pytest.param(
        "[listen]\nport = 9000\n",
        "dut: required section missing",
        id="missing-dut",
    ),
    pytest.param(
        STATION.replace('"CP001"', '"CP:001"'),
        "dut.identity: 'CP:001' does not match '^[^:]*$' "
        "(OCPP 2.x: identity must not contain ':', the Basic auth separator)",
        id="identity-colon",
    ),
    pytest.param(
        STATION.replace('"charging-station"', '"csms"'),
        'connect: required section missing (dut.kind "csms" needs connect.url)',
        id="csms-without-connect",
    ),
    pytest.param(
        STATION.replace('"charging-station"', '"csms"') + "[connect]\n",
        'connect.url: required key missing (dut.kind "csms" needs connect.url)',
        id="csms-without-connect-url",
    ),
    pytest.param(
        STATION.replace('"charging-station"', '"csms"') + "[connect]\nurl = 'http://x/ocpp'\n",
        "connect.url: must be a ws:// or wss:// URL (got 'http://x/ocpp')",
        id="connect-url-not-ws",
    ),
    pytest.param(
        STATION.replace('"charging-station"', '"csms"')
        + "[connect]\nurl = 'ws://x/ocpp'\nspacing = -0.5\n",
        "connect.spacing: -0.5 is less than the minimum of 0",
        id="negative-connection-spacing",
    ),
    pytest.param(
        STATION + "[control]\nadapter = 'http'\n",
        'control.url: required key missing (control.adapter "http" needs control.url)',
        id="http-adapter-without-url",
    ),
    pytest.param(
        STATION + "[control]\nadapter = 'command'\n",
        'control.commands: required key missing (control.adapter "command" needs '
        "[control.commands])",
        id="command-adapter-without-commands",
    ),
    pytest.param(
        dut_section(security_profile=1),
        "dut.password: required key missing "
        "(security profiles 1 and 2 use HTTP Basic auth and need dut.password)",
        id="profile-1-without-password",
    ),
    pytest.param(
        dut_section(security_profile=1, password="env:NO_SUCH_VAR_FOR_TEST_DUT"),
        "dut.password: environment variable NO_SUCH_VAR_FOR_TEST_DUT is not set",
        id="missing-env-var",
    ),
    pytest.param(
        dut_section(security_profile=1, password="env:1BAD"),
        'dut.password: must be "env:NAME" (NAME a valid environment variable name) or a literal',
        id="bad-env-name",
    ),
    pytest.param(
        STATION + "[layout]\nevses = [{ id = 1 }, { id = 1 }]\n",
        "layout.evses[1].id: duplicate EVSE id 1",
        id="duplicate-evse",
    ),
    pytest.param(
        STATION + "[layout]\nevses = [{ id = 1, conectors = [1] }]\n",
        "layout.evses[0].conectors: unknown key (did you mean 'connectors'?)",
        id="misspelt-key-in-array",
    ),
    pytest.param(
        STATION.replace('"2.0.1"', '"1.6"')
        + "[layout]\nevses = [{ id = 1, connectors = [1, 2] }]\n",
        "layout.evses[0].connectors: [1] was expected "
        "(OCPP 1.6 has no EVSEs: each entry is one connector, with connectors = [1])",
        id="v16-two-connectors",
    ),
    pytest.param(
        STATION + "[features]\nlocal_auth_list = 'yes'\n",
        "features.local_auth_list: 'yes' is not of type 'boolean'",
        id="feature-not-bool",
    ),
    pytest.param(
        STATION + "[features]\nLocalAuth = true\n",
        "features.LocalAuth: feature keys are Part 5 ids (C-44, AQ-16, UI-1.2) or snake_case "
        "names (a-z, 0-9, _)",
        id="feature-name",
    ),
    pytest.param(
        STATION + "[timers]\nheartbeat = 0.5\n",
        "timers.heartbeat: 0.5 is not of type 'integer'",
        id="fractional-timer",
    ),
    pytest.param(
        STATION + "[dut.extra]\n",
        "dut.extra: unknown key (expected one of: kind, ocpp, identity, security_profile, "
        "password, strictness, vendor, model, serial)",
        id="unknown-key-no-suggestion",
    ),
    pytest.param(
        STATION + "[timeouts]\nconnect = 5\nconnect = 6\n",
        "line 7, column 12: invalid TOML: Cannot overwrite a value",
        id="duplicate-toml-key",
    ),
    pytest.param(
        STATION + "[timeouts\nconnect = 5\n",
        "line 5, column 10: invalid TOML: Expected ']' at the end of a table declaration",
        id="bad-toml",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BAD_PROFILES)
def test_bad_profile_message(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    message = str(caught.value)
    assert message == f"{path}: {expected}"
    assert "\n" not in message


def test_missing_file_message() -> None:
    with pytest.raises(ProfileError) as caught:
        load_profile("missing.toml")
    assert str(caught.value) == "missing.toml: file not found"
    assert caught.value.key == ""


def test_directory_and_encoding_messages(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=r": is a directory, not a profile file$"):
        load_profile(tmp_path)
    path = tmp_path / "latin1.toml"
    path.write_bytes(STATION.encode() + b"# caf\xe9\n")
    with pytest.raises(ProfileError, match=r"latin1\.toml: not UTF-8 text \(byte \d+\)$"):
        load_profile(path)


def test_relative_path_is_reported_as_given(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "x.toml").write_text(STATION + "[timeouts]\nconnect = 'abc'\n")
    with pytest.raises(ProfileError) as caught:
        load_profile("fixtures/x.toml")
    assert str(caught.value) == "fixtures/x.toml: timeouts.connect: 'abc' is not of type 'number'"
    assert caught.value.source == "fixtures/x.toml"
    assert caught.value.key == "timeouts.connect"


def test_wrong_password_type_is_not_echoed(tmp_path: Path) -> None:
    path = write(tmp_path, dut_section(security_profile=1, password=987654321))
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert "987654321" not in str(caught.value)
    assert str(caught.value).endswith(
        "dut.password: must be a string (value not shown: it is a secret)"
    )


def test_embedded_profile_errors_name_the_source() -> None:
    with pytest.raises(ProfileError) as caught:
        profile_from_dict({"dut": {"kind": "csms", "ocpp": "2.1", "identity": "S1"}})
    assert str(caught.value).startswith("<embedded>: connect: required section missing")
    with pytest.raises(ProfileError, match=r"^sim: dut: required section missing$"):
        profile_from_dict({}, source="sim")


# --------------------------------------------------------------------------- fixtures


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.toml")))
def test_fixture_loads(name: str, monkeypatch) -> None:
    monkeypatch.setenv(TEMPLATE_ENV, "template-password-0123")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ProfileWarning)
        profile = load_profile(FIXTURES / name)
    assert profile.source == str(FIXTURES / name)
    assert profile.warnings == ()
    json.dumps(profile.public_dict())


def test_every_fixture_is_bundled(monkeypatch) -> None:
    monkeypatch.setenv(TEMPLATE_ENV, "template-password-0123")
    names = bundled_profiles()
    assert names == sorted(p.name for p in FIXTURES.glob("*.toml"))
    assert {"sim-station-2.0.1.toml", "sim-csms-2.0.1.toml", "sim-station-1.6.toml"} <= set(names)
    assert {"sim-csms-1.6.toml", "real-station-template.toml", "real-csms-template.toml"} <= set(
        names
    )
    for name in names:
        assert load_bundled_profile(name).source == f"fixtures/{name}"
    with pytest.raises(ProfileError, match=r"^fixtures/nope\.toml: no such bundled profile"):
        load_bundled_profile("nope.toml")


def test_sim_fixture_values() -> None:
    station = load_profile(FIXTURES / "sim-station-2.0.1.toml")
    assert station.kind == "charging-station"
    assert station.harness_role == "csms"
    assert station.ocpp is OcppVersion.V201
    assert station.identity == "SIM001"
    assert (station.listen.host, station.listen.port, station.listen.path) == (
        "127.0.0.1",
        9000,
        "/ocpp",
    )
    assert station.control.adapter == "http"
    assert station.control.url == "http://127.0.0.1:8181/control"
    assert (station.timeouts.connect, station.timeouts.response) == (15.0, 2.0)
    assert station.timers.heartbeat == 2

    csms = load_profile(FIXTURES / "sim-csms-1.6.toml")
    assert csms.kind == "csms"
    assert csms.ocpp is OcppVersion.V16
    assert csms.connect.url == "ws://127.0.0.1:9101/ocpp"
    assert csms.control.url == "http://127.0.0.1:8184/control"
    assert load_profile(FIXTURES / "sim-station-1.6.toml").listen.port == 9001
    assert load_profile(FIXTURES / "sim-csms-2.0.1.toml").connect.url == "ws://127.0.0.1:9100/ocpp"


# --------------------------------------------------------------------------- model


def test_defaults_and_types(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, STATION))
    assert profile.security_profile == 0
    assert profile.password is None
    assert profile.strictness is Strictness.STRICT
    assert profile.layout == (Evse(1, (1,)),)
    assert profile.connect.url is None
    assert isinstance(profile.timeouts.connect, float)
    assert profile.supports("local_auth_list") is False
    assert profile.supports("local_auth_list", default=True) is True
    with pytest.raises(dataclasses.FrozenInstanceError):
        profile.identity = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        profile.features["x"] = True  # type: ignore[index]
    hash(profile)


def test_schema_defaults_match_the_dataclasses() -> None:
    """The schema documents the defaults; the dataclasses apply them. They must agree."""
    jsonschema.Draft202012Validator.check_schema(profile_schema())
    props = profile_schema()["properties"]
    sections = {
        "listen": dut_module.Listen(),
        "tokens": dut_module.Tokens(),
        "timeouts": dut_module.Timeouts(),
        "timers": dut_module.Timers(),
        "harness": dut_module.HarnessSide(),
    }
    for section, instance in sections.items():
        for key, spec in props[section]["properties"].items():
            assert spec["default"] == getattr(instance, key), f"{section}.{key}"
    base = DutProfile(kind="csms", ocpp=OcppVersion.V201, identity="x")
    for key in ("security_profile", "vendor", "model"):
        assert props["dut"]["properties"][key]["default"] == getattr(base, key), key
    assert props["dut"]["properties"]["strictness"]["default"] == base.strictness.value
    assert props["control"]["properties"]["adapter"]["default"] == base.control.adapter
    assert props["layout"]["properties"]["evses"]["default"] == [{"id": 1, "connectors": [1]}]


def test_every_key_has_a_description_and_objects_are_closed() -> None:
    def walk(node: dict, where: str) -> None:
        if node.get("type") == "object" and "properties" in node:
            assert node.get("additionalProperties") is False, where
        for key, sub in node.get("properties", {}).items():
            assert sub.get("description"), f"{where}.{key}"
            walk(sub, f"{where}.{key}")
        for keyword in ("items", "additionalProperties"):
            if isinstance(node.get(keyword), dict):
                walk(node[keyword], f"{where}[{keyword}]")

    walk(profile_schema(), "$")


def test_full_profile_and_roundtrip(tmp_path: Path) -> None:
    text = """\
    [dut]
    kind = "csms"
    ocpp = "2.1"
    identity = "HS1"
    strictness = "lenient"
    serial = "S-1"
    [connect]
    url = "wss://csms.test/ocpp"
    [layout]
    evses = [{ id = 1, connectors = [1, 2] }, { id = 2 }]
    [tokens]
    valid = "AAAA1111"
    [features]
    reservation = true
    [control]
    adapter = "command"
    [control.commands]
    request_start = "csms-cli start {evse}"
    """
    profile = load_profile(write(tmp_path, text))
    assert profile.ocpp is OcppVersion.V21
    assert profile.strictness is Strictness.LENIENT
    assert profile.layout == (Evse(1, (1, 2)), Evse(2, (1,)))
    assert profile.tokens.valid == "AAAA1111"
    assert profile.tokens.invalid == "DEADBEEF"
    assert profile.supports("reservation")
    assert profile.control.commands == {"request_start": "csms-cli start {evse}"}
    again = profile_from_dict(profile.public_dict())
    assert again == profile
    assert again.source == EMBEDDED
    assert profile.replace(identity="HS2").identity == "HS2"


def test_warnings_for_literal_password_and_ignored_sections(tmp_path: Path) -> None:
    text = dut_section(security_profile=1, password="literal-pass-1234")
    text += "[connect]\nurl = 'ws://x/ocpp'\n[control]\nurl = 'http://x/control'\n"
    with pytest.warns(ProfileWarning) as caught:
        profile = load_profile(write(tmp_path, text))
    path = str(tmp_path / "x.toml")
    expected = (
        f'{path}: dut.password: literal password in the profile; write "env:NAME" to keep it '
        "out of the file",
        f"{path}: connect: ignored: the DUT is a charging station, the harness listens",
        f"{path}: control.url: ignored: control.adapter is 'manual'",
    )
    assert profile.warnings == expected
    assert tuple(str(w.message) for w in caught) == expected


# --------------------------------------------------------------------------- secrets


def test_env_password_resolution(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CP001_PASSWORD", "s3cret-from-env-42")
    path = write(tmp_path, dut_section(security_profile=1, password="env:CP001_PASSWORD"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ProfileWarning)  # env: references are not warned about
        profile = load_profile(path)
    assert isinstance(profile.password, Secret)
    assert profile.password.reveal() == "s3cret-from-env-42"


def test_empty_env_var_is_an_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CP001_PASSWORD", "")
    path = write(tmp_path, dut_section(security_profile=1, password="env:CP001_PASSWORD"))
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert (
        str(caught.value) == f"{path}: dut.password: environment variable CP001_PASSWORD is empty"
    )


def test_secret_never_appears_in_output(tmp_path: Path, monkeypatch) -> None:
    value = "hunter2-but-longer-77"
    monkeypatch.setenv("CP001_PASSWORD", value)
    profile = load_profile(
        write(tmp_path, dut_section(security_profile=1, password="env:CP001_PASSWORD"))
    )
    for text in (
        repr(profile),
        str(profile),
        json.dumps(profile.public_dict()),
        f"{profile.password}",
        f"{profile.password!r:>40}",
        "{}".format(profile.password),  # noqa: UP032
        repr(dataclasses.asdict(profile)),
    ):
        assert value not in text
    assert profile.public_dict()["dut"]["password"] == MASK
    assert "password=***" in repr(profile)


def test_embedded_profile_accepts_a_secret_without_warning() -> None:
    secret = Secret("embedded-password-9")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ProfileWarning)
        profile = profile_from_dict(
            {
                "dut": {
                    "kind": "charging-station",
                    "ocpp": "1.6",
                    "identity": "SIM1",
                    "security_profile": 1,
                    "password": secret,
                }
            }  # fmt: skip
        )
    assert profile.password is secret


def test_scrub_registry() -> None:
    reg = SecretRegistry()
    reg.add("abc")  # too short to scrub safely
    reg.add("abcd")
    reg.add("abcdef-long")
    assert reg.scrub("x abc abcd abcdef-long y") == "x abc *** *** y"
    assert "abc" not in reg
    assert reg.values() == {"abcd", "abcdef-long"}
    assert "abcd" not in repr(reg)


def test_known_secrets_include_the_basic_auth_form(monkeypatch) -> None:
    import base64

    monkeypatch.setenv("SCRUB_TEST_PASSWORD", "scrub-me-please-1")
    profile_from_dict(
        {
            "dut": {
                "kind": "csms",
                "ocpp": "2.0.1",
                "identity": "ID9",
                "security_profile": 1,
                "password": "env:SCRUB_TEST_PASSWORD",
            },
            "connect": {"url": "ws://x/ocpp"},
        }  # fmt: skip
    )
    header = base64.b64encode(b"ID9:scrub-me-please-1").decode()
    assert {"scrub-me-please-1", header} <= known_secrets()
    assert scrub(f"Authorization: Basic {header} pw=scrub-me-please-1") == (
        "Authorization: Basic *** pw=***"
    )
    assert "scrub-me-please-1" in registry


def test_secret_object_behaviour() -> None:
    secret = Secret("value-1234")
    assert str(secret) == repr(secret) == format(secret, "10") == MASK
    assert secret == Secret("value-1234")
    assert secret != Secret("value-9999")
    with pytest.raises(TypeError, match="cannot be pickled"):
        import pickle

        pickle.dumps(secret)


def test_error_messages_are_single_lines_for_odd_input() -> None:
    with pytest.raises(ProfileError) as caught:
        profile_from_dict(
            {"dut": {"kind": "charging-station", "ocpp": "2.0.1", "identity": "a\nb"}}
        )
    assert "\n" not in str(caught.value)
    assert re.match(r"^<embedded>: dut\.identity: ", str(caught.value))


# --------------------------------------------------------------------------- features


def test_a_part5_id_and_its_alias_are_one_feature(tmp_path: Path) -> None:
    """A case asks by Part 5 id; a vendor may write the readable name, in any case."""
    csms = STATION.replace("charging-station", "csms") + "[connect]\nurl = 'ws://x/ocpp'\n"
    profile = load_profile(write(tmp_path, csms + "[features]\nboot_pending = true\n"))
    assert profile.supports("C-44") and profile.supports("c-44")
    assert profile.supports("boot_pending")
    assert not profile.supports("AQ-16")
    profile = load_profile(write(tmp_path, csms + '[features]\n"aq-16" = true\n'))
    assert profile.supports("AQ-16") and profile.supports("rejects_unknown_stations")


def test_an_unknown_feature_key_warns_naming_it(tmp_path: Path) -> None:
    path = write(tmp_path, STATION + "[features]\nreservaton = true\nreservation = true\n")
    with pytest.warns(ProfileWarning) as caught:
        profile = load_profile(path)
    assert [str(w.message) for w in caught] == [
        f"{path}: features.reservaton: not a Part 5 feature id or known name for a "
        "charging-station in OCPP 2.0.1; only a case asking for 'reservaton' by that name "
        "reads it"
    ]
    assert profile.supports("reservation")


def test_two_names_of_one_feature_must_agree(tmp_path: Path) -> None:
    csms = STATION.replace("charging-station", "csms") + "[connect]\nurl = 'ws://x/ocpp'\n"
    path = write(tmp_path, csms + '[features]\n"C-44" = false\nboot_pending = true\n')
    with pytest.raises(ProfileError) as failure:
        load_profile(path)
    assert str(failure.value) == (
        f"{path}: features.boot_pending: true contradicts features.C-44 = false: "
        "both mean C-44; keep one"
    )
