"""The feature tables: Part 5 ids per role for 2.0.1 (errata applied), the 2.1 ids
over them, and the 1.6 feature profiles.

An entry is one id with one meaning for the roles listed; an id that means something
else for the other role (the additional questions did, before the errata renumbered
the CSMS ones) gets an entry per role. Questions are kept as short names in our own
words (the document asks them as sentences); ``aliases`` are readable keys a DUT
profile may use instead of the id.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from oca import errata
from oca.fixes import id_order
from oca.part5 import FeatureRow

__all__ = ["Feature", "features_16", "features_201", "features_21"]

CS, CSMS = "charging-station", "csms"
BOTH = (CS, CSMS)

PROFILES_2X = {
    "core": "Core",
    "advanced-security": "Advanced Security",
    "local-auth-list": "Local Authorization List Management",
    "smart-charging": "Smart Charging",
    "advanced-device-management": "Advanced Device Management",
    "advanced-user-interface": "Advanced User Interface",
    "reservation": "Reservation",
    "iso15118": "ISO 15118 Support",
}

#: The §6 questions (ids after the errata), in our words.
QUESTION_NAMES: dict[tuple[str, str], str] = {
    (CS, "AQ-1"): "Last CSMSRootCertificate can be removed",
    (CS, "AQ-2"): "Cable lock before authorization",
    (CS, "AQ-3"): "Last ChargingStationCertificate can be removed (not via OCPP)",
    (CS, "AQ-4"): "An unsupported NumberOfPhases exists",
    (CS, "AQ-5"): "Has a hardWired monitor",
    (CS, "AQ-6"): "Has a pre-configured monitor",
    (CS, "AQ-7"): "Downloads firmware during a transaction",
    (CS, "AQ-8"): "EVSE selected before authorization",
    (CS, "AQ-9"): "Charges an IEC 61851-1 (Mode 3) EV",
    (CS, "AQ-10"): "Delta monitor on SecurityCtrlr.BasicAuthPassword",
    (CS, "AQ-11"): "Combined charging station certificate (OCPP and ISO 15118)",
    (CS, "AQ-18"): "Mechanized connector lock on the station side",
    (CSMS, "AQ-12"): "FullInventory requested in boot test cases",
    (CSMS, "AQ-13"): "Absolute charging profiles",
    (CSMS, "AQ-13.1"): "Absolute TxDefaultProfile",
    (CSMS, "AQ-13.2"): "Absolute ChargingStationMaxProfile",
    (CSMS, "AQ-14"): "Recurring charging profiles",
    (CSMS, "AQ-14.1"): "Recurring TxDefaultProfile",
    (CSMS, "AQ-14.2"): "Recurring ChargingStationMaxProfile",
    (CSMS, "AQ-16"): "Rejects unknown stations at WebSocket connection",
    (CSMS, "AQ-17"): "Can answer the first BootNotification Pending or Rejected",
}

#: Readable DUT-profile keys per id (the same for every role the id has).
ALIASES: dict[str, list[str]] = {
    "profile:core": ["core"],
    "profile:advanced-security": ["advanced_security"],
    "profile:local-auth-list": ["local_auth_list"],
    "profile:smart-charging": ["smart_charging"],
    "profile:advanced-device-management": ["advanced_device_management"],
    "profile:advanced-user-interface": ["advanced_user_interface"],
    "profile:reservation": ["reservation"],
    "profile:iso15118": ["iso15118", "iso15118_support"],
    "subtype:mode-1-2-only": ["mode_1_2_only"],
    "C-01": ["offline_authorization"],
    "C-02": ["offline_tx_for_unknown_id"],
    "C-03": ["max_energy_on_invalid_id"],
    "C-04": ["minimum_status_duration"],
    "C-06.1": ["keep_authorization_on_ev_side_disconnect"],
    "C-06.2": ["stop_authorization_on_ev_side_disconnect"],
    "C-07": ["master_pass_with_ui"],
    "C-08": ["master_pass_without_ui"],
    "C-09.1": ["tx_start_ev_connected"],
    "C-09.2": ["tx_start_authorized"],
    "C-09.3": ["tx_start_data_signed"],
    "C-09.4": ["tx_start_power_path_closed"],
    "C-09.5": ["tx_start_energy_transfer"],
    "C-09.6": ["tx_start_parking_bay_occupancy"],
    "C-10.1": ["tx_stop_ev_connected"],
    "C-10.2": ["tx_stop_authorized"],
    "C-10.3": ["tx_stop_power_path_closed"],
    "C-10.4": ["tx_stop_energy_transfer"],
    "C-10.5": ["tx_stop_parking_bay_occupancy"],
    "C-11": ["unlock_connector"],
    "C-12.1": ["unlock_on_ev_side_disconnect"],
    "C-12.2": ["no_unlock_on_ev_side_disconnect"],
    "C-13": ["reset_per_evse"],
    "C-14": ["customer_information_by_identifier"],
    "C-15": ["scheduled_firmware_update"],
    "C-16": ["transaction_status"],
    "C-17": ["configuration_inventory"],
    "C-20": ["new_sessions_pending_firmware_update"],
    "C-21": ["queue_all_messages"],
    "C-25": ["time_offset"],
    "C-26": ["time_zone"],
    "C-28": ["aligned_data_send_during_idle"],
    "C-29": ["trigger_message"],
    "C-29.1": ["trigger_meter_values"],
    "C-29.2": ["trigger_transaction_event"],
    "C-29.3": ["trigger_log_status_notification"],
    "C-29.4": ["trigger_firmware_status_notification"],
    "C-29.5": ["trigger_status_notification"],
    "C-29.6": ["trigger_boot_notification"],
    "C-30": ["local_start_rfid_iso14443"],
    "C-31": ["local_start_rfid_iso15693"],
    "C-32": ["local_start_key_code"],
    "C-33": ["local_start_local_id"],
    "C-34": ["local_start_mac_address"],
    "C-35": ["local_start_no_authorization"],
    "C-36": ["remote_start_rfid_iso14443"],
    "C-37": ["remote_start_rfid_iso15693"],
    "C-38": ["remote_start_central_id"],
    "C-39": ["remote_start_no_authorization"],
    "C-42": ["signed_meter_values"],
    "C-43": ["firmware_install_during_transaction"],
    "C-44": ["boot_pending"],
    "C-45": ["multiple_get_variables"],
    "C-46": ["multiple_set_variables"],
    "C-47": ["network_profile_fallback"],
    "C-48.1": ["authorize_remote_start"],
    "C-48.2": ["no_authorize_remote_start"],
    "C-49": ["authorization_cache"],
    "C-50.1": ["full_inventory_at_onboarding"],
    "C-50.2": ["full_inventory_on_demand"],
    "C-51": ["configurable_tx_start_point"],
    "C-52": ["configurable_tx_stop_point"],
    "C-53": ["auth_cache_lifetime"],
    "C-56": ["summary_inventory"],
    "C-57": ["cancel_log_upload"],
    "C-58": ["disable_remote_authorization"],
    "C-59": ["auth_cache_disable_post_authorize"],
    "C-60": ["cancel_firmware_update"],
    "C-61": ["security_profile_1"],
    "AS-2": ["additional_root_certificate_check"],
    "AS-3": ["certificate_signed_timeout"],
    "SC-2.1": ["charging_rate_unit_a"],
    "SC-2.2": ["charging_rate_unit_w"],
    "SC-4": ["tx_default_profile_on_evse_0"],
    "R-1": ["reserve_connector_type"],
    "R-2": ["reserve_unspecified_evse"],
    "R-3": ["disable_reservations"],
    "DM-3": ["offline_monitoring_event_queuing"],
    "ISO-3": ["combined_certificate"],
    "ISO-4": ["customer_information_by_certificate"],
    "ISO-5": ["central_contract_validation"],
    "LA-1": ["local_auth_list_enabled"],
    "LA-2": ["get_local_list_version"],
    "LA-3": ["local_auth_list_disable_post_authorize"],
    "UI-1.1": ["priority_always_front"],
    "UI-1.2": ["priority_in_front"],
    "UI-1.3": ["priority_normal_cycle"],
    "UI-2.1": ["format_ascii"],
    "UI-2.2": ["format_html"],
    "UI-2.3": ["format_uri"],
    "UI-2.4": ["format_utf8"],
    "AQ-2": ["cable_lock_before_authorization"],
    "AQ-9": ["iec61851_mode3"],
    "AQ-16": ["rejects_unknown_stations"],
    "AQ-17": ["boot_pending_or_rejected_configurable"],
    "HFS-1": ["detachable_cable"],
    "HFS-2": ["fixed_cable"],
    "HFS-3": ["ac"],
    "HFS-4": ["dc"],
}


@dataclass
class Feature:
    """One entry of a feature table, as it is written."""

    id: str
    name: str
    roles: list[str]
    profile: str | None
    kind: str
    variable: str | None = None
    parent: str | None = None
    aliases: list[str] = field(default_factory=list)
    removed: bool = False
    source: str = ""


def _parent(feature_id: str, known: set[str]) -> str | None:
    """C-09.2 belongs to C-09, UI-1.1 to UI-1 (when the table lists the parent)."""
    if "." not in feature_id:
        return None
    parent = feature_id.rsplit(".", 1)[0]
    return parent if parent in known else None


def _per_role(rows: list[FeatureRow]) -> list[Feature]:
    found = []
    for row in rows:
        source = {
            "feature": "Part 5 §3.1 Table 2" if row.role == CS else "Part 5 §3.2 Table 3",
            "question": "Part 5 §6.1" if row.role == CS else "Part 5 §6.2",
            "hardware": "Part 5 §7 Table 4",
        }[row.kind]
        profile = None if row.kind in ("question", "hardware") else row.profile
        found.append(
            Feature(row.id, row.name, [row.role], profile, row.kind, row.variable, source=source)
        )
    for section, fid, roles, profile, kind, name, variable in errata.FEATURE_ADDITIONS:
        for role in roles:
            found.append(
                Feature(
                    fid, name, [role], profile, kind, variable, source=f"errata 2025-09 §{section}"
                )
            )
    for section, fid, role, key, value in errata.FEATURE_CHANGES:
        for entry in found:
            if entry.id == fid and role in entry.roles:
                setattr(entry, key, value)
                entry.source += f"; errata 2025-09 §{section}"
    for entry in found:
        if (
            entry.kind == "question"
            and entry.roles == [CSMS]
            and entry.id in errata.CSMS_QUESTION_IDS
        ):
            entry.id = errata.CSMS_QUESTION_IDS[entry.id]
            entry.source += "; renumbered by errata 2025-09 §5.22/§5.23"
        if entry.kind == "question":
            entry.name = QUESTION_NAMES[(entry.roles[0], entry.id)]
    return found


def _merged(entries: list[Feature]) -> list[Feature]:
    """One entry per id and meaning: the same name, variable and profile for both roles."""
    merged: dict[tuple[object, ...], Feature] = {}
    for entry in entries:
        key = (
            entry.id,
            entry.name.lower(),
            entry.variable,
            entry.profile,
            entry.kind,
            entry.removed,
        )
        if key in merged:
            kept = merged[key]
            kept.roles += [r for r in entry.roles if r not in kept.roles]
            parts = kept.source.split("; ")
            kept.source = "; ".join(parts + [p for p in entry.source.split("; ") if p not in parts])
        else:
            merged[key] = entry
    return list(merged.values())


def _finish(entries: list[Feature]) -> list[Feature]:
    known = {entry.id for entry in entries}
    for entry in entries:
        entry.parent = entry.parent or _parent(entry.id, known)
        entry.aliases = entry.aliases or list(ALIASES.get(entry.id, []))
        entry.roles = [role for role in BOTH if role in entry.roles]
    order = {"profile": 0, "subtype": 1, "feature": 2, "question": 3, "hardware": 4}
    position = {entry.id: index for index, entry in enumerate(entries)}

    def key(entry: Feature) -> tuple[object, ...]:
        within = (position[entry.id],) if entry.kind == "profile" else id_order(entry.id)
        return (order[entry.kind], within, entry.roles)

    return sorted(entries, key=key)


def _profiles_2x(source: str) -> list[Feature]:
    return [
        Feature(f"profile:{slug}", name, list(BOTH), slug, "profile", source=source)
        for slug, name in PROFILES_2X.items()
    ]


def features_201(rows: list[FeatureRow]) -> list[Feature]:
    """2.0.1: Part 5 Tables 2–4 and §6 with the errata; the certification profiles and
    the product subtype that conditions name."""
    entries = _merged(_per_role(rows))
    entries += _profiles_2x("Part 5 §2 Table 1")
    entries.append(
        Feature(
            "subtype:mode-1-2-only",
            "Mode 1/2-only Charging Station",
            [CS],
            None,
            "subtype",
            source="Part 5 §4.2 conditions",
        )
    )
    return _finish(entries)


#: 2.1 PICS ids from octt-catalog §3.4 ("New 2.1 PICS ids") and the ids it explains in
#: §2 ("PICS / supported features"): id -> (kind, profile, name as given there).
NEW_21: dict[str, tuple[str, str | None, str]] = {
    "BidirectionalPowerTransfer": ("feature", None, "Bidirectional power transfer"),
    "DERControl": ("feature", None, "DER control"),
    "BPT-1": ("feature", None, ""),
    "BPT-2": ("feature", None, ""),
    "C-29.7": ("feature", "core", ""),
    "C-62": ("feature", "core", "ImmediateAndResume"),
    "C-63": ("feature", "core", ""),
    "C-64": ("feature", "core", ""),
    "C-65": ("feature", "core", ""),
    "C-76": ("feature", "core", ""),
    "DM-0": ("feature", "advanced-device-management", "Advanced Device Management"),
    "P-0": ("feature", None, "Payment / tariff"),
    "P-1": ("feature", None, "Payment / tariff"),
    "P-2.1": ("feature", None, "Payment / tariff"),
    "P-2.2": ("feature", None, "Payment / tariff"),
    "P-2.3": ("feature", None, "Payment / tariff"),
    "P-2.4": ("feature", None, "Payment / tariff"),
    "SC-3": ("feature", "smart-charging", "limitAtSoC"),
    "SC-5.1": ("feature", "smart-charging", "useLocalTime with TimeOffset"),
    "SC-5.2": ("feature", "smart-charging", "useLocalTime with TimeZone"),
    "SC-6": ("feature", "smart-charging", "Priority charging"),
    "SC-7": ("feature", "smart-charging", "randomizedDelay"),
    "SC-8": ("feature", "smart-charging", ""),
    "SC-9": ("feature", "smart-charging", ""),
    "SC-9.1": ("feature", "smart-charging", "EvseSleep"),
    "SC-10": ("feature", "smart-charging", "MaxExternalConstraintsId"),
    "ISO-1.2": ("feature", "iso15118", ""),
    "ISO-6": ("feature", "iso15118", ""),
    "UI-3": ("feature", "advanced-user-interface", ""),
    "AQ-19": ("question", None, "An unsupported language exists"),
    "HFS-13": ("hardware", None, "Battery swap"),
}

_ALIASES_21 = {
    "BidirectionalPowerTransfer": ["bidirectional_power_transfer"],
    "DERControl": ["der_control"],
    "C-62": ["reset_immediate_and_resume"],
    "DM-0": ["advanced_device_management_pics"],
    "SC-3": ["limit_at_soc"],
    "SC-6": ["priority_charging"],
    "SC-7": ["randomized_delay"],
    "SC-9.1": ["evse_sleep"],
    "SC-10": ["max_external_constraints_id"],
    "HFS-13": ["battery_swap"],
}


def features_21(base: list[Feature]) -> list[Feature]:
    """2.1: the 2.0.1 entries (no 2.1 Part 5 is public) and the new 2.1 PICS ids, whose
    roles the source does not give (listed for both)."""
    entries = [
        Feature(**{**vars(e), "roles": list(e.roles), "aliases": list(e.aliases)}) for e in base
    ]
    known = {entry.id for entry in entries}
    for fid, (kind, profile, name) in NEW_21.items():
        if fid in known:
            continue
        entries.append(
            Feature(
                fid,
                name,
                list(BOTH),
                profile,
                kind,
                aliases=list(_ALIASES_21.get(fid, [])),
                source="octt-catalog §3.4 (2.1 PICS ids; roles not stated)",
            )
        )
    for entry in entries:
        if entry.id == "profile:iso15118":
            entry.aliases.append("ISO15118Support")  # the 2.1 PICS name of the profile
    return _finish(entries)


#: 1.6: the feature profiles (OCPP 1.6 §3.3, SupportedFeatureProfiles), the security
#: extension and its three security profiles (whitepaper §2.3–§2.5 titles).
_SPEC_16 = "OCPP 1.6 §3.3 feature profiles"
_WHITEPAPER = "OCPP 1.6 security whitepaper"
FEATURES_16: list[tuple[str, str, str, str, list[str], str]] = [
    ("Core", "Core", "core", "profile", ["core", "profile:core"], _SPEC_16),
    (
        "FirmwareManagement",
        "Firmware Management",
        "firmware-management",
        "profile",
        ["firmware_management", "profile:firmware-management"],
        _SPEC_16,
    ),
    (
        "LocalAuthListManagement",
        "Local Auth List Management",
        "local-auth-list",
        "profile",
        ["local_auth_list", "profile:local-auth-list"],
        _SPEC_16,
    ),
    (
        "Reservation",
        "Reservation",
        "reservation",
        "profile",
        ["reservation", "profile:reservation"],
        _SPEC_16,
    ),
    (
        "SmartCharging",
        "Smart Charging",
        "smart-charging",
        "profile",
        ["smart_charging", "profile:smart-charging"],
        _SPEC_16,
    ),
    (
        "RemoteTrigger",
        "Remote Trigger",
        "remote-trigger",
        "profile",
        ["remote_trigger", "profile:remote-trigger"],
        _SPEC_16,
    ),
    ("Security", "Security", "security", "profile", ["security", "profile:security"], _WHITEPAPER),
    (
        "SecurityProfile1",
        "Unsecured Transport with Basic Authentication",
        "security",
        "feature",
        ["security_profile_1"],
        f"{_WHITEPAPER} §2.3",
    ),
    (
        "SecurityProfile2",
        "TLS with Basic Authentication",
        "security",
        "feature",
        ["security_profile_2"],
        f"{_WHITEPAPER} §2.4",
    ),
    (
        "SecurityProfile3",
        "TLS with Client Side Certificates",
        "security",
        "feature",
        ["security_profile_3", "advanced_security"],
        f"{_WHITEPAPER} §2.5",
    ),
]


def features_16() -> list[Feature]:
    """1.6 has no Part 5: its feature profiles and security profiles are the features."""
    return [
        Feature(fid, name, list(BOTH), profile, kind, aliases=list(aliases), source=source)
        for fid, name, profile, kind, aliases, source in FEATURES_16
    ]
