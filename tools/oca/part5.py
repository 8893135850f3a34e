"""Part 5 (2.0.1 certification profiles): which case is M or C in which profile, and
the optional features, additional questions and hardware features.

The profile tables (§4.2–§4.9) have seven columns: OCTT id (without _CS/_CSMS),
scenario, status for a charging station, status for a CSMS, condition/remark (prose,
not taken), feature number (the condition, turned into an expression of
``harness.spec.conditions``) and feature name. The feature tables are §3.1 Table 2
(station), §3.2 Table 3 (CSMS), §6 (additional questions) and §7 Table 4 (hardware).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from harness.spec.conditions import parse
from oca import fixes
from oca.html_tables import tables

__all__ = ["FeatureRow", "Row", "read_features", "read_rows", "statuses"]

CS, CSMS = "charging-station", "csms"

PROFILE_SLUGS = {
    "core": "core",
    "advanced security": "advanced-security",
    "local authorization list management": "local-auth-list",
    "smart charging": "smart-charging",
    "advanced device management": "advanced-device-management",
    "reservation": "reservation",
    "advanced user interface": "advanced-user-interface",
    "iso 15118 support": "iso15118",
}

_PROFILE_HEADING = re.compile(r"^(?:# )?4\.\d+\. Test Cases (.+?)(?:\s+\d+)?\s*$")
_CS_REMARK = re.compile(
    r"(For CS\b|\bCS:|For Charging Station|Charging Station:|Remark for Charging)"
)
_CSMS_REMARK = re.compile(r"(For CSMS|\bCSMS:|Remark for CSMS)")
_VARIABLE = re.compile(r"\s*\(([A-Za-z][A-Za-z0-9.,]*)\)\s*$")


@dataclass
class Row:
    """One case row of a profile table."""

    profile: str
    case: str  # TC_B_01: Part 5 names the scenario, not the role
    status: dict[str, str]  # role -> "M", "C" or ""
    remark: str
    feature_text: str


@dataclass
class FeatureRow:
    """One row of a feature, question or hardware table."""

    id: str
    name: str
    role: str
    profile: str
    kind: str
    variable: str | None


def read_rows(path: Path) -> list[Row]:
    """Every case row of §4.2–§4.9, in document order, with the row fixes applied."""
    lines = path.read_text(encoding="utf-8").split("\n")
    rows: list[Row] = []
    profile: str | None = None
    for line in lines:
        heading = _PROFILE_HEADING.match(line)
        if heading:
            profile = PROFILE_SLUGS[heading.group(1).rstrip(". ").lower()]
            continue
        if profile is None or not line.startswith("<table"):
            continue
        for cells in tables(line)[0]:
            if len(cells) != 7 or not cells[0].startswith("TC_"):
                continue
            case = fixes.case_id(cells[0], None)
            status = {CS: cells[2].strip(), CSMS: cells[3].strip()}
            row = Row(profile, case, status, " ".join(cells[4].split()), cells[5].strip())
            rows.append(fixes.part5_row(row))
        profile = None
    return rows


def _roles_in_remark(remark: str) -> set[str]:
    roles = set()
    if _CS_REMARK.search(remark):
        roles.add(CS)
    if _CSMS_REMARK.search(remark):
        roles.add(CSMS)
    return roles


def statuses(row: Row) -> dict[str, dict[str, object]]:
    """Per role with a status: the Part5Status fields of this row (``condition`` for a
    C, ``features`` for an M, ``note`` where a C depends on something the feature
    column cannot express)."""
    with_status = [role for role in (CS, CSMS) if row.status[role] in ("M", "C")]
    per_role = fixes.PER_ROLE_FEATURES.get((row.case, row.profile))
    mentioned = _roles_in_remark(row.remark)
    conditional = [role for role in with_status if row.status[role] == "C"]
    # A C must get the condition; between two M roles the remark may say whose
    # related features they are ("For CS: …").
    if conditional:
        targets = set(conditional)
    elif len(mentioned) == 1:
        targets = mentioned
    else:
        targets = set(with_status)
    result: dict[str, dict[str, object]] = {}
    for role in with_status:
        text = per_role.get(role, "") if per_role else (row.feature_text if role in targets else "")
        result[role] = _status(row, role, text)
    return result


def _status(row: Row, role: str, text: str) -> dict[str, object]:
    status = row.status[role]
    entry: dict[str, object] = {"profile": row.profile, "status": status}
    expression, extra, compared = fixes.feature_expression(text)
    related = set(compared)
    if expression is not None:
        condition = parse(expression)
        if status == "C":
            entry["condition"] = str(condition)
        else:
            related |= condition.ids()
    if related:
        entry["features"] = sorted(related, key=fixes.id_order)
    note = fixes.NOTES.get((row.case, row.profile, role)) or extra
    if status == "C" and note is None and expression is None:
        raise ValueError(f"{row.case} ({row.profile}, {role}): C without a condition or note")
    if note:
        entry["note"] = note
    return entry


def read_features(path: Path) -> list[FeatureRow]:
    """The features of Table 2 (station) and Table 3 (CSMS), the §6 questions and the
    §7 hardware features, as the document lists them (errata applied later)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    found: list[FeatureRow] = []
    for caption, role in (("Table 2. ", CS), ("Table 3. ", CSMS)):
        found += _feature_table(_table_after(lines, caption), role)
    for heading, role in (("# 6.1. ", CS), ("# 6.2. ", CSMS)):
        for cells in _table_after(lines, heading)[1:]:
            found.append(FeatureRow(cells[0], cells[1], role, "core", "question", None))
    for cells in _table_after(lines, "Table 4. ")[1:]:
        found.append(FeatureRow(cells[0], cells[1], CS, "core", "hardware", None))
    return found


def _table_after(lines: list[str], start: str) -> list[list[str]]:
    index = next(i for i, line in enumerate(lines) if line.startswith(start))
    table_line = next(line for line in lines[index + 1 :] if line.startswith("<table"))
    return tables(table_line)[0]


def _feature_table(table: list[list[str]], role: str) -> list[FeatureRow]:
    found = []
    profile = "core"
    for cells in table[1:]:
        if len(cells) == 1:
            slug = PROFILE_SLUGS.get(cells[0].lower())
            profile = slug or profile  # other one-cell rows are sub-headings
            continue
        if not cells[0]:
            continue
        name, variable = cells[1], None
        match = _VARIABLE.search(name)
        if match:
            name, variable = name[: match.start()], fixes.title(match.group(1))
        name = fixes.title(name)
        found.append(FeatureRow(cells[0], name, role, profile, "feature", variable))
    return found
