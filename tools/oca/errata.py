"""The 2.0.1 errata (sheet of 2025-09) that change Part 5 or add and remove cases, as
data applied over what Part 5 and Part 6 print.

Each change cites its errata section; the catalog keeps the citation on the status it
changed (``erratum``), so a reader can see which line is not the printed Part 5.
Conditions are written in the grammar of ``harness.spec.conditions``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ADDED_CASES",
    "CSMS_QUESTION_IDS",
    "FEATURE_ADDITIONS",
    "FEATURE_CHANGES",
    "REMOVED_CASES",
    "STATUS_CHANGES",
    "StatusChange",
]

CS, CSMS = "charging-station", "csms"
LOCAL = "(C-30 or C-31 or C-32 or C-34)"  # §5.11 adds C-34 MacAddress to the local methods


@dataclass(frozen=True)
class StatusChange:
    """The new Part 5 status of one case for one role in one profile."""

    section: str
    case: str  # as Part 5 names it: TC_B_30
    profile: str
    role: str
    status: str  # "M" or "C"
    condition: str | None = None


def _each(
    section: str, cases: str, profile: str, role: str, status: str, condition: str | None = None
) -> list[StatusChange]:
    return [
        StatusChange(section, f"TC_{case}", profile, role, status, condition)
        for case in cases.split()
    ]


STATUS_CHANGES: list[StatusChange] = [
    # §5.5/§5.15: TC_N_48_CS only for a station that can set a Delta monitor on the
    # write-only BasicAuthPassword (new question AQ-10).
    *_each("5.15", "N_48", "advanced-device-management", CS, "C", "AQ-10"),
    # §5.6: feature ISO-3 removed; TC_F_27_CS now depends on question AQ-11.
    *_each("5.6", "F_27", "core", CS, "C", "not AQ-11"),
    # §5.7: Security Profile 1 became optional in Core (C-61).
    *_each("5.7", "A_20", "core", CS, "C", "AQ-1 and C-61"),
    # §5.8: TC_B_14_CS (SummaryInventory) also in Core, conditional on C-56.
    *_each("5.8", "B_14", "core", CS, "C", "C-56"),
    # §5.9: the CSMS question on rejecting unknown stations is AQ-16 now.
    *_each("5.9", "B_30 B_31", "core", CSMS, "C", "C-44 or not AQ-16"),
    # §5.10: new mandatory CSMS case.
    *_each("5.10", "B_58", "core", CSMS, "M"),
    # §5.11: authorization cache cases may run with remote authorization; C-34 joins the
    # local start methods of the offline ones.
    *_each(
        "5.11",
        "C_32 C_33 C_34 C_36 C_37 C_38 C_08 C_09 C_12 C_10 C_11 C_13",
        "core",
        CS,
        "C",
        "C-49",
    ),
    *_each("5.11", "C_46", "core", CS, "C", "C-49 and C-53"),
    *_each("5.11", "C_41 C_44 C_16 C_17", "core", CS, "C", f"C-49 and {LOCAL}"),
    *_each("5.11", "C_15 C_18", "core", CS, "C", f"C-49 and C-03 and {LOCAL}"),
    *_each("5.11", "C_57", "core", CS, "C", "C-59 and C-49"),
    *_each(
        "5.11", "E_52", "core", CS, "C", f"C-58 and {LOCAL} and (C-49 or profile:local-auth-list)"
    ),
    *_each("5.11", "E_45", "core", CS, "C", f"{LOCAL} and (profile:local-auth-list or C-49)"),
    *_each("5.11", "C_21 C_22 C_23 C_24 C_25 C_40 C_43", "local-auth-list", CS, "C", LOCAL),
    *_each("5.11", "C_27 C_28 C_31 C_29 C_30", "local-auth-list", CS, "M"),
    *_each("5.11", "C_58", "local-auth-list", CS, "C", "LA-3"),
    # §5.12: not with MacAddress or ISO 15118 PnC.
    *_each("5.12", "E_04", "core", CS, "C", "C-30 or C-31 or C-32 or C-33 or C-35"),
    # §5.13: the TxStopPoint combinations that allow TC_E_17_CS. The erratum's "10.1"
    # and "10.4" lost their "C-" in the OCR.
    *_each(
        "5.13",
        "E_17",
        "core",
        CS,
        "C",
        "C-10.2 and C-06.2 and AQ-9 and not (not C-52 and (C-10.1 or C-10.3 or C-10.4))",
    ),
    # §5.14: TC_A_21 refers to AQ-3, not AQ-1.
    *_each("5.14", "A_21", "advanced-security", CS, "C", "AQ-3"),
    # §5.16: the condition of TC_H_13_CS was reversed.
    *_each("5.16", "H_13", "reservation", CS, "C", "not R-2"),
    # §5.19: connector-type reservations depend on R-1 for both roles.
    *_each("5.19", "H_15", "reservation", CS, "C", "R-1"),
    *_each("5.19", "H_15", "reservation", CSMS, "C", "R-1"),
    *_each("5.19", "H_16", "reservation", CS, "C", "R-1"),
]

#: Cases removed from the certification program (kept in the catalog, marked).
REMOVED_CASES: dict[str, str] = {
    "TC_O_15_CS": "5.17",
    "TC_A_13_CS": "5.20",
    "TC_A_13_CSMS": "5.20",
}

#: Cases the errata add to Part 6: id -> section of its table.
ADDED_CASES: dict[str, str] = {"TC_B_58_CSMS": "6.2.21"}

#: §5.22/§5.23: the CSMS questions were renumbered (AQ-1 → AQ-11 → AQ-17).
CSMS_QUESTION_IDS: dict[str, str] = {
    "AQ-1": "AQ-17",
    "AQ-2": "AQ-12",
    "AQ-3": "AQ-13",  # its sub-items AQ-3.1/3.2 became AQ-13.1/13.2
    "AQ-3.1": "AQ-13.1",
    "AQ-3.2": "AQ-13.2",
    "AQ-4": "AQ-14",
    "AQ-4.1": "AQ-14.1",
    "AQ-4.2": "AQ-14.2",
    "AQ-6": "AQ-16",
}

#: Features the errata add: (section, id, roles, profile, kind, name, variable). Names
#: of questions are written by ``features.QUESTION_NAMES``; "" where none is given.
FEATURE_ADDITIONS: list[tuple[str, str, tuple[str, ...], str | None, str, str, str | None]] = [
    ("5.5", "AQ-10", (CS,), None, "question", "", None),
    ("5.6", "AQ-11", (CS,), None, "question", "", None),
    (
        "5.7",
        "C-61",
        (CS, CSMS),
        "core",
        "feature",
        "Security Profile 1 - Unsecured Transport with Basic Authentication",
        None,
    ),
    ("5.19", "R-1", (CS,), "reservation", "feature", "Support reservations of connectorType", None),
    ("5.21", "AQ-3", (CSMS,), None, "question", "", None),
    ("5.21", "AQ-3.1", (CSMS,), None, "question", "", None),
    ("5.21", "AQ-3.2", (CSMS,), None, "question", "", None),
    ("5.21", "AQ-4", (CSMS,), None, "question", "", None),
    ("5.21", "AQ-4.1", (CSMS,), None, "question", "", None),
    ("5.21", "AQ-4.2", (CSMS,), None, "question", "", None),
    # §5.2: a question on mechanized connector locks, and stop-authorization methods whose
    # names the erratum does not give.
    ("5.2", "AQ-18", (CS,), None, "question", "", None),
    ("5.2", "C-70", (CS,), "core", "feature", "", None),
    ("5.2", "C-71", (CS,), "core", "feature", "", None),
    ("5.2", "C-72", (CS,), "core", "feature", "", None),
    ("5.2", "C-75", (CS,), "core", "feature", "", None),
]

#: Changes to listed features: (section, id, role, field, value). "removed" marks a
#: feature the errata took out (it stays known, so old DUT profiles still load).
FEATURE_CHANGES: list[tuple[str, str, str, str, object]] = [
    ("5.4", "R-3", CS, "name", "Support for disabling Reservations"),
    ("5.6", "ISO-3", CS, "removed", True),
    ("5.6", "ISO-3", CSMS, "removed", True),
]
