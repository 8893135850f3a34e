"""What the simulated 2.0.1 station keeps for the CSMS: the Local Authorization List, the
Authorization Cache and the rule between them, charging profiles, certificates. Each
module alone, against the Part 2 rules it claims."""

from __future__ import annotations

import asyncio
import datetime as _dt
import hashlib

import pytest
import trustme
from cryptography.hazmat.primitives import serialization

from harness.certificates import hash_data, load_certificate, same_certificate
from harness.sim.auth_cache_v201 import AuthCache
from harness.sim.certificates_v201 import MAX_CERTIFICATES, Certificates
from harness.sim.charging_profiles_v201 import ChargingProfiles
from harness.sim.device_model import DeviceModel, default_variables, memory_variables
from harness.sim.local_auth_v201 import LocalAuthorizer
from harness.sim.local_list_v201 import LocalAuthList

TOKEN = {"idToken": "04A1B2C3D4", "type": "ISO14443"}
OTHER = {"idToken": "DEADBEEF", "type": "ISO14443"}


def model() -> DeviceModel:
    counts = {"local_list_entries": lambda: 0, "charging_profile_entries": lambda: 0}
    return DeviceModel(
        default_variables(heartbeat_interval=60, message_timeout=5, security_profile=0)
        + memory_variables(**counts, certificate_entries=lambda: 0)
    )


def no_defects(name: str) -> bool:
    return False


def entry(token: dict, status: str = "Accepted") -> dict:
    return {"idToken": token, "idTokenInfo": {"status": status}}


def full(version: int, *items: dict) -> dict:
    request = {"versionNumber": version, "updateType": "Full"}
    return {**request, "localAuthorizationList": list(items)} if items else request


def differential(version: int, *items: dict) -> dict:
    return {
        "versionNumber": version,
        "updateType": "Differential",
        "localAuthorizationList": [*items],
    }


# -- the Local Authorization List (D01, D02) ------------------------------------------------


def test_a_full_update_replaces_the_list_and_sets_its_version() -> None:
    listed = LocalAuthList(model(), no_defects)
    assert listed.version_number() == 0  # D02.FR.02: nothing sent yet
    assert listed.update(full(3, entry(TOKEN), entry(OTHER, "Blocked"))) == "Accepted"
    assert (listed.version_number(), len(listed)) == (3, 2)
    assert listed.update(full(4, entry(OTHER))) == "Accepted"  # D01.FR.15: replaced
    assert listed.lookup(TOKEN) is None and listed.lookup(OTHER) == {"status": "Accepted"}
    assert listed.update(full(2)) == "Accepted"  # D01.FR.04: emptied; a lower version is fine
    assert (listed.version_number(), len(listed)) == (2, 0)


def test_differential_updates_add_update_and_remove() -> None:
    listed = LocalAuthList(model(), no_defects)
    listed.update(full(1, entry(TOKEN)))
    assert listed.update(differential(2, entry(OTHER), entry(TOKEN, "Expired"))) == "Accepted"
    assert listed.lookup(TOKEN) == {"status": "Expired"}  # D01.FR.16
    assert listed.update(differential(3, {"idToken": OTHER})) == "Accepted"  # D01.FR.17
    assert listed.lookup(OTHER) is None
    assert listed.update(differential(3, entry(OTHER))) == "VersionMismatch"  # D01.FR.19
    assert listed.update({"versionNumber": 5, "updateType": "Differential"}) == "Accepted"
    assert (listed.version_number(), len(listed)) == (5, 1)  # D01.FR.05


@pytest.mark.parametrize(
    "request_",
    [
        full(0, entry(TOKEN)),  # D01.FR.18
        full(1, entry(TOKEN), entry({"idToken": "04a1b2c3d4", "type": "ISO14443"})),  # D01.FR.06
        full(1, {"idToken": TOKEN}),  # a Full entry needs idTokenInfo
    ],
)
def test_a_broken_update_fails_and_changes_nothing(request_: dict) -> None:
    listed = LocalAuthList(model(), no_defects)
    assert listed.update(request_) == "Failed"
    assert (listed.version_number(), len(listed)) == (0, 0)


def test_a_disabled_list_takes_no_update_and_reports_version_zero() -> None:
    settings = model()
    listed = LocalAuthList(settings, no_defects)
    listed.update(full(4, entry(TOKEN)))
    settings.store("LocalAuthListCtrlr", "Enabled", "false")
    assert listed.version_number() == 0 and listed.lookup(TOKEN) is None  # D02.FR.03
    assert listed.update(full(5, entry(OTHER))) == "Failed"


def test_more_entries_than_items_per_message_fail() -> None:
    listed = LocalAuthList(model(), no_defects)
    many = [entry({"idToken": f"T{n}", "type": "Central"}) for n in range(101)]
    assert listed.update(full(1, *many)) == "Failed"  # D01.FR.11
    assert listed.update(full(1, *many[:100])) == "Accepted"


def test_the_local_list_handlers() -> None:
    listed = LocalAuthList(model(), no_defects)
    handlers = listed.handlers()
    answer = asyncio.run(handlers["SendLocalList"](full(7, entry(TOKEN))))
    assert answer.payload == {"status": "Accepted"}
    assert asyncio.run(handlers["GetLocalListVersion"]({})).payload == {"versionNumber": 7}


# -- the Authorization Cache (C10, C11) -----------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_the_cache_keeps_the_last_answer_until_its_lifetime_is_over() -> None:
    settings, clock = model(), Clock()
    cache = AuthCache(settings, clock)
    cache.store(TOKEN, {"status": "Invalid"})
    cache.store(
        TOKEN, {"status": "Accepted", "personalMessage": {"format": "ASCII", "content": "hi"}}
    )
    assert cache.lookup({"idToken": "04a1b2c3d4", "type": "ISO14443"}) == {"status": "Accepted"}
    settings.store("AuthCacheCtrlr", "LifeTime", "60")
    clock.now += 59
    assert cache.lookup(TOKEN) is not None  # a use restarts the lifetime (C10.FR.08)
    clock.now += 61
    assert cache.lookup(TOKEN) is None and len(cache) == 0  # C10.FR.10


def test_cache_expiry_date_time_wins_over_the_lifetime() -> None:
    clock = Clock()
    cache = AuthCache(model(), clock)
    soon = _dt.datetime.fromtimestamp(clock.now + 10, _dt.UTC).isoformat().replace("+00:00", "Z")
    cache.store(TOKEN, {"status": "Accepted", "cacheExpiryDateTime": soon})
    clock.now += 9
    assert cache.lookup(TOKEN) is not None
    clock.now += 2
    assert cache.lookup(TOKEN) is None  # C10.FR.13


def test_clear_cache_empties_it_and_is_rejected_when_disabled() -> None:
    settings = model()
    cache = AuthCache(settings)
    cache.store(TOKEN, {"status": "Accepted"})
    clear = cache.handlers()["ClearCache"]
    assert asyncio.run(clear({})).payload == {"status": "Accepted"}  # C11.FR.03
    assert len(cache) == 0
    settings.store("AuthCacheCtrlr", "Enabled", "false")
    cache.store(TOKEN, {"status": "Accepted"})
    assert len(cache) == 0 and cache.lookup(TOKEN) is None  # C10.FR.11
    assert asyncio.run(clear({})).payload == {"status": "Rejected"}  # C11.FR.04


# -- the rule between them (C12, C13, C14) --------------------------------------------------


def authorizer() -> tuple[LocalAuthorizer, DeviceModel]:
    settings = model()
    return (
        LocalAuthorizer(settings, LocalAuthList(settings, no_defects), AuthCache(settings)),
        settings,
    )


def test_without_local_pre_authorize_every_token_goes_to_the_csms() -> None:
    local, _ = authorizer()
    local.local_list.update(full(1, entry(TOKEN)))
    local.learned(OTHER, {"status": "Accepted"})
    assert local.known(TOKEN) is None and local.known(OTHER) is None
    assert local.offline_accepts(TOKEN) and local.offline_accepts(OTHER)  # C13.FR.02


def test_local_pre_authorize_takes_accepted_tokens_and_asks_about_the_rest() -> None:
    local, settings = authorizer()
    settings.store("AuthCtrlr", "LocalPreAuthorize", "true")
    local.local_list.update(full(1, entry(TOKEN), entry(OTHER, "Blocked")))
    assert local.known(TOKEN) == {"status": "Accepted"}  # C14.FR.02
    assert local.known(OTHER) is None  # C14.FR.03
    cached = {"idToken": "CAFE", "type": "ISO14443"}
    local.learned(cached, {"status": "Accepted"})
    assert local.known(cached) == {"status": "Accepted"}  # C12.FR.02
    local.learned(cached, {"status": "Expired"})
    assert local.known(cached) is None  # C10.FR.03, C12.FR.05
    settings.store("AuthCacheCtrlr", "DisablePostAuthorize", "true")
    assert local.known(cached) == {"status": "Expired"}  # refused without asking
    assert local.known({"idToken": "NEW", "type": "ISO14443"}) is None


def test_the_list_has_priority_over_the_cache() -> None:
    local, settings = authorizer()
    settings.store("AuthCtrlr", "LocalPreAuthorize", "true")
    local.learned(TOKEN, {"status": "Accepted"})
    local.local_list.update(full(1, entry(TOKEN, "Blocked")))
    assert local.known(TOKEN) is None  # C13.FR.01, C14.FR.01
    assert not local.offline_accepts(TOKEN)


# -- charging profiles (K01, K09, K10) ------------------------------------------------------


def profile(profile_id: int = 1, **changes: object) -> dict:
    schedule = {
        "id": 1,
        "startSchedule": "2024-01-01T00:00:00Z",
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
    }
    base = {
        "id": profile_id,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": [schedule],
    }
    schedule.update(changes.pop("schedule", {}))  # type: ignore[arg-type]
    return {**base, **changes}


class Station:
    """What the profiles module asks of the station."""

    def __init__(self) -> None:
        self.running: dict[int, str] = {}
        self.sent: list[tuple[str, dict]] = []

    def profiles(self, has=no_defects) -> ChargingProfiles:
        async def send(action: str, payload: dict) -> dict:
            self.sent.append((action, payload))
            return {}

        return ChargingProfiles(
            model(), has, evses=lambda: {1, 2}, transaction_at=self.running.get, send=send
        )


def periods(*starts: int) -> dict:
    return {"chargingSchedulePeriod": [{"startPeriod": s, "limit": 10.0} for s in starts]}


@pytest.mark.parametrize(
    ("evse", "changed", "rule"),
    [
        (3, {}, "K01.FR.28"),
        (0, {"chargingProfilePurpose": "ChargingStationExternalConstraints"}, "K01.FR.22"),
        (0, {"chargingProfilePurpose": "TxProfile"}, "K01.FR.16"),
        (1, {"chargingProfilePurpose": "TxProfile"}, "K01.FR.09"),
        (
            0,
            {
                "chargingProfilePurpose": "ChargingStationMaxProfile",
                "chargingProfileKind": "Relative",
            },
            "K01.FR.38",
        ),
        (0, {"stackLevel": 9}, "SmartChargingCtrlr.ProfileStackLevel"),
        (0, {"schedule": {"chargingRateUnit": "kW"}}, "K01.FR.26"),
        (0, {"chargingProfileKind": "Relative"}, "K01.FR.41"),
        (0, {"chargingProfileKind": "Recurring", "schedule": {"startSchedule": None}}, "K01.FR.40"),
        (0, {"schedule": periods(10, 20)}, "K01.FR.31"),
        (0, {"schedule": periods(0, 20, 20)}, "K01.FR.35"),
        (0, {"schedule": periods(*range(25))}, "SmartChargingCtrlr.PeriodsPerSchedule"),
    ],
)
def test_a_profile_that_breaks_a_basic_rule_is_rejected(
    evse: int, changed: dict, rule: str
) -> None:
    wanted = profile(**changed)
    schedule = wanted["chargingSchedule"][0]
    if schedule.get("startSchedule", "") is None:
        del schedule["startSchedule"]
    profiles = Station().profiles()
    assert profiles.install(evse, wanted) == rule
    assert len(profiles) == 0


def test_two_schedules_are_rejected() -> None:
    wanted = profile()
    wanted["chargingSchedule"] = wanted["chargingSchedule"] * 2
    assert Station().profiles().install(0, wanted) == "K01.FR.34"


def test_profiles_are_replaced_by_id_and_clash_by_stack_level() -> None:
    profiles = Station().profiles()
    assert profiles.install(0, profile(1)) is None
    assert profiles.install(0, profile(1, stackLevel=2)) is None  # K01.FR.05
    assert len(profiles) == 1
    assert profiles.install(0, profile(2, stackLevel=2)) == "K01.FR.06"
    assert profiles.install(1, profile(3, stackLevel=2)) == "K01.FR.53"
    assert profiles.install(1, profile(3, stackLevel=1)) is None
    assert profiles.install(0, profile(4, stackLevel=1)) == "K01.FR.52"


def test_a_tx_profile_lives_as_long_as_its_transaction() -> None:
    station = Station()
    profiles = station.profiles()
    station.running[1] = "TX-1"
    tx_profile = profile(5, chargingProfilePurpose="TxProfile", transactionId="TX-2")
    assert profiles.install(1, tx_profile) == "K01.FR.33"
    assert profiles.install(1, {**tx_profile, "transactionId": "TX-1"}) is None
    assert len(profiles) == 1
    del station.running[1]
    assert len(profiles) == 0  # K02.FR.05


def test_clearing_by_id_and_by_criteria() -> None:
    profiles = Station().profiles()
    profiles.install(0, profile(1))
    profiles.install(1, profile(2, chargingProfilePurpose="ChargingStationMaxProfile"))
    profiles.install(2, profile(3, stackLevel=3))
    assert profiles.clear({"chargingProfileId": 9}) == "Unknown"  # K10.FR.01
    assert profiles.clear({"chargingProfileId": 1}) == "Accepted"  # K10.FR.03
    criteria = {"chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 0}
    assert profiles.clear({"chargingProfileCriteria": criteria}) == "Unknown"
    criteria = {"evseId": 2, "chargingProfilePurpose": "TxDefaultProfile"}
    assert profiles.clear({"chargingProfileCriteria": criteria}) == "Accepted"  # K10.FR.04
    assert [item.profile["id"] for item in profiles.installed()] == [2]


def test_get_charging_profiles_reports_per_evse_with_tbc() -> None:
    station = Station()
    profiles = station.profiles()
    profiles.install(0, profile(1))
    profiles.install(2, profile(2, chargingProfilePurpose="ChargingStationMaxProfile"))
    get = profiles.handlers()["GetChargingProfiles"]
    answer = asyncio.run(get({"requestId": 4, "evseId": 1, "chargingProfile": {}}))
    assert answer.payload == {"status": "NoProfiles"}
    only_source = {"chargingLimitSource": ["EMS"]}
    assert profiles.matching({"requestId": 4, "chargingProfile": only_source}) == []
    answer = asyncio.run(get({"requestId": 5, "chargingProfile": {}}))
    assert answer.payload == {"status": "Accepted"}
    asyncio.run(answer.after())
    assert [(m["evseId"], m.get("tbc"), m["requestId"]) for _, m in station.sent] == [
        (0, True, 5),  # K09.FR.01/.02
        (2, None, 5),
    ]
    wanted = {"requestId": 6, "chargingProfile": {"chargingProfileId": [2]}}
    assert [item.evse for item in profiles.matching(wanted)] == [2]


# -- certificates (M03, M04, M05) and their hash data ---------------------------------------


def pem(ca: trustme.CA) -> str:
    return ca.cert_pem.bytes().decode()


def test_hash_data_is_the_ocsp_cert_id() -> None:
    ca = trustme.CA()
    certificate = load_certificate(pem(ca))
    data = hash_data(certificate)
    name = certificate.issuer.public_bytes(serialization.Encoding.DER)
    point = certificate.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert data["issuerNameHash"] == hashlib.sha256(name).hexdigest()
    assert data["issuerKeyHash"] == hashlib.sha256(point).hexdigest()
    assert int(data["serialNumber"], 16) == certificate.serial_number
    assert not data["serialNumber"].startswith("0")
    shouted = {
        **data,
        "issuerKeyHash": data["issuerKeyHash"].upper(),
        "serialNumber": "00" + data["serialNumber"],
    }
    assert same_certificate(data, shouted)
    assert not same_certificate(data, hash_data(certificate, "SHA384"))


def test_a_leaf_is_hashed_with_its_issuer() -> None:
    ca = trustme.CA()
    leaf = load_certificate(ca.issue_cert("example.org").cert_chain_pems[0].bytes().decode())
    data = hash_data(leaf, issuer=load_certificate(pem(ca)))
    assert data["issuerKeyHash"] == hash_data(load_certificate(pem(ca)))["issuerKeyHash"]


def test_install_list_and_delete_certificates() -> None:
    store = Certificates(no_defects)
    first, second = trustme.CA(), trustme.CA()
    assert store.install("CSMSRootCertificate", pem(first)) == "Accepted"  # M05.FR.02
    assert store.install("CSMSRootCertificate", pem(first)) == "Accepted"  # M05.FR.17
    assert store.install("MORootCertificate", pem(second)) == "Accepted"
    assert len(store) == 2
    get = store.handlers()["GetInstalledCertificateIds"]
    answer = asyncio.run(get({"certificateType": ["CSMSRootCertificate"]})).payload
    [item] = answer["certificateHashDataChain"]  # M03.FR.03/.04
    assert item["certificateType"] == "CSMSRootCertificate"
    assert asyncio.run(get({"certificateType": ["V2GRootCertificate"]})).payload == {
        "status": "NotFound"  # M03.FR.02
    }
    wanted = hash_data(load_certificate(pem(first)), "SHA512")  # any algorithm Part 2 has
    assert store.delete(wanted) == "Accepted" and len(store) == 1  # M04.FR.02
    assert store.delete(wanted) == "NotFound"  # M04.FR.04
    assert store.delete({**wanted, "hashAlgorithm": "MD5"}) == "NotFound"


def test_invalid_certificates_are_rejected() -> None:
    store = Certificates(no_defects)
    ca = trustme.CA()
    leaf = ca.issue_cert("example.org").cert_chain_pems[0].bytes().decode()
    assert store.install("CSMSRootCertificate", "not a certificate") == "Rejected"  # M05.FR.07
    assert store.install("CSMSRootCertificate", leaf) == "Rejected"  # not a CA
    for _ in range(MAX_CERTIFICATES):
        assert store.install("V2GRootCertificate", pem(trustme.CA())) == "Accepted"
    assert store.install("V2GRootCertificate", pem(ca)) == "Rejected"  # M05.FR.06


def test_an_expired_root_is_rejected() -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "expired test root")])
    now = _dt.datetime.now(_dt.UTC)
    expired = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _dt.timedelta(days=10))
        .not_valid_after(now - _dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    text = expired.public_bytes(serialization.Encoding.PEM).decode()
    assert Certificates(no_defects).install("MORootCertificate", text) == "Rejected"  # M05.FR.07


def test_offline_a_token_known_but_not_accepted_is_no_unknown_id() -> None:
    from harness.sim.station import SimStation

    station = SimStation("2.0.1", "ws://127.0.0.1:9/ocpp", "MEM1").behaviour
    settings = station.device_model
    settings.store("AuthCtrlr", "LocalAuthorizeOffline", "true")
    settings.store("AuthCtrlr", "OfflineTxForUnknownIdEnabled", "true")
    station.local_auth.local_list.update(full(1, entry(TOKEN), entry(OTHER, "Blocked")))
    assert station.local_auth.knows(OTHER) and not station.local_auth.knows({"idToken": "X"})
    assert station._offline_authorized(TOKEN["idToken"])  # C13.FR.04: listed Accepted
    assert not station._offline_authorized(OTHER["idToken"])  # known, Blocked
    assert station._offline_authorized("0NEW0")  # unknown: OfflineTxForUnknownIdEnabled
