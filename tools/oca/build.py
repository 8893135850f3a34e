"""Puts the readers together: the records of each version's catalog and feature table,
and the figures the generator reports (Core before and after the errata)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict
from pathlib import Path

from harness.spec.conditions import parse
from oca import errata
from oca.features import Feature, features_16, features_21, features_201
from oca.octt import read_v16, read_v21
from oca.part5 import read_features, read_rows, statuses
from oca.part6 import Case, read_errata_case, read_part6

__all__ = ["Sources", "catalog_16", "catalog_201", "catalog_21", "core_counts", "feature_tables"]

CS, CSMS = "charging-station", "csms"
PROFILES_2X = [
    "core",
    "advanced-security",
    "local-auth-list",
    "smart-charging",
    "advanced-device-management",
    "advanced-user-interface",
    "reservation",
    "iso15118",
]
PROFILES_16 = [
    "core",
    "firmware-management",
    "local-auth-list",
    "reservation",
    "smart-charging",
    "remote-trigger",
    "security",
]

Record = dict[str, object]


class Sources:
    """Where each document lives under the shared folder."""

    def __init__(self, shared: Path) -> None:
        v201 = shared / "oca" / "v201"
        self.part6 = v201 / "OCPP-2.0.1_edition3_part6-testcases.md"
        self.part5 = v201 / "OCPP-2.0.1_edition3_part5_certification_profiles.md"
        self.errata = v201 / "OCPP-2.0.1_edition3_errata_2025-09.md"
        self.part2_21 = shared / "oca" / "v21" / "OCPP-2.1_edition1_part2_specification.md"
        self.octt = shared / "octt-catalog.md"


def _role_id(short: str, role: str) -> str:
    return f"{short}_{'CS' if role == CS else 'CSMS'}"


def _sort_key(case_id: str) -> tuple[object, ...]:
    parts = case_id.split("_")
    role = 1 if parts[-1] == "CSMS" else 0
    numbers = tuple(int(p) if p.isdigit() else -1 for p in parts[1:-1] if p)
    return (role, parts[1] if not parts[1].isdigit() else "", numbers)


def _record(case: Case) -> Record:
    record: Record = {key: value for key, value in asdict(case).items() if key != "id"}
    return record


def _known_ids(sources: Sources) -> dict[str, set[str]]:
    table = features_201(read_features(sources.part5))
    return {role: {f.id for f in table if role in f.roles} for role in (CS, CSMS)}


def _check_ids(status: dict[str, object], role: str, known: set[str], case_id: str) -> None:
    """Keep only the related features the role's table lists (an M row's feature column
    speaks of the station: C-40 means nothing for a CSMS); a condition must name known
    ids only."""
    related = [f for f in status.get("features", ()) if f in known]  # type: ignore[union-attr]
    if related:
        status["features"] = related
    else:
        status.pop("features", None)
    condition = status.get("condition")
    unknown = parse(str(condition)).ids() - known if condition else set()
    if unknown:
        raise ValueError(f"{case_id} {status['profile']}: unknown ids {sorted(unknown)}")


def _renumbered(condition: str) -> str:
    """A CSMS condition with the question ids of errata §5.22/§5.23."""
    for old, new in errata.CSMS_QUESTION_IDS.items():
        condition = re.sub(rf"(?<![\w.-]){re.escape(old)}(?![\w.])", new, condition)
    return condition


def _apply_part5(cases: dict[str, Case], sources: Sources, with_errata: bool) -> None:
    known = _known_ids(sources)
    for row in read_rows(sources.part5):
        for role, status in statuses(row).items():
            case_id = _role_id(row.case, role)
            if case_id not in cases:
                raise ValueError(f"Part 5 {row.profile} lists {case_id}, Part 6 has no such case")
            if with_errata:
                if role == CSMS and "condition" in status:
                    status["condition"] = _renumbered(str(status["condition"]))
                _check_ids(status, role, known[role], case_id)
            cases[case_id].part5.append(status)
    if not with_errata:
        return
    for change in errata.STATUS_CHANGES:
        case = cases[_role_id(change.case, change.role)]
        entry: dict[str, object] = {"profile": change.profile, "status": change.status}
        if change.condition is not None:
            entry["condition"] = str(parse(change.condition))
        entry["erratum"] = f"2025-09 §{change.section}"
        _check_ids(entry, change.role, known[change.role], case.id)
        others = [s for s in case.part5 if s["profile"] != change.profile]
        old = [s for s in case.part5 if s["profile"] == change.profile]
        if old and old[0].get("note"):
            entry["note"] = old[0]["note"]
        case.part5 = others + [entry]
        case.part5.sort(key=lambda s: PROFILES_2X.index(str(s["profile"])))


def _n21_csms(cases: dict[str, Case]) -> Case:
    """TC_N_21_CSMS: Part 5 §4.6 lists it (CSMS M) and the OCTT CSMS list has it, but
    Part 6 Ed. 3 has no table; its title is that of TC_N_21_CS."""
    station = cases["TC_N_21_CS"]
    return Case(
        "TC_N_21_CSMS",
        station.title,
        CSMS,
        "N",
        station.block_name,
        [],
        [],
        None,
        [],
        [],
        "Part 5 §4.6 (CSMS M) and octt-catalog §3.2; no table in Part 6 Ed. 3; title of TC_N_21_CS",
    )


def catalog_201(sources: Sources, with_errata: bool = True) -> dict[str, Record]:
    """Every 2.0.1 case: Part 6, the errata's additions, the Part 5 statuses."""
    cases = {case.id: case for case in read_part6(sources.part6)}
    cases["TC_N_21_CSMS"] = _n21_csms(cases)
    if with_errata:
        for case_id, section in errata.ADDED_CASES.items():
            cases[case_id] = read_errata_case(sources.errata, sources.part6, case_id, section)
        for case_id in errata.REMOVED_CASES:
            cases[case_id].removed = True
    _apply_part5(cases, sources, with_errata)
    for case_id, section in errata.REMOVED_CASES.items():
        if with_errata:
            cases[case_id].source += f"; removed from certification by errata 2025-09 §{section}"
    return {case_id: _record(cases[case_id]) for case_id in sorted(cases, key=_sort_key)}


def _block_names_21(path: Path) -> dict[str, str]:
    names = {}
    for line in path.read_text(encoding="utf-8").split("\n"):
        match = re.match(r"^# ([A-S])\.\s*(.+?)\s*$", line)
        if match and not re.search(r"\d+$", match.group(2)):
            names[match.group(1)] = match.group(2).rstrip(".")
    return names


def catalog_21(sources: Sources, base: dict[str, Record]) -> dict[str, Record]:
    """2.1: the < 100 ids of the 2.1 lists (the 2.0.1 ids without the cases 2.0.1 removed
    from the CS list; TC_G_01_CSMS besides), then §3.4."""
    names = _block_names_21(sources.part2_21)
    found: dict[str, Record] = {}
    for case_id, entry in base.items():
        station_removed = case_id.endswith("_CS") and entry.get("removed")
        if station_removed:
            continue  # not in the 2.1 CS list (octt-catalog §3.1/§3.5)
        found[case_id] = _record_21(
            case_id,
            str(entry["title"]),
            names,
            f"title from 2.0.1 {entry['source'].split(';')[0]}; id in "
            "the 2.1 lists of octt-catalog §3.1/§3.2",
        )
    found["TC_G_01_CSMS"] = _record_21(
        "TC_G_01_CSMS",
        str(base["TC_G_01_CS"]["title"]),
        names,
        "octt-catalog §3.5 (2.1 only); title of 2.0.1 TC_G_01_CS",
    )
    for listed in read_v21(sources.octt):
        record = _record_21(listed.id, listed.title, names, listed.source)
        if listed.condition:
            record["condition"] = str(parse(listed.condition))
        record["note"] = listed.note
        found[listed.id] = record
    return {case_id: found[case_id] for case_id in sorted(found, key=_sort_key)}


def _record_21(case_id: str, title: str, names: dict[str, str], source: str) -> Record:
    block = case_id.split("_")[1]
    return {
        "title": title,
        "dut_kind": CSMS if case_id.endswith("_CSMS") else CS,
        "block": block,
        "block_name": names[block],
        "use_cases": [],
        "requirements": [],
        "states": [],
        "prerequisites": [],
        "source": source,
    }


def catalog_16(sources: Sources) -> dict[str, Record]:
    """1.6: §3.3, with the certification profile of each document section."""
    from oca.octt import SECTION_PROFILES_16

    found: dict[str, Record] = {}
    for listed in read_v16(sources.octt):
        case_id = f"TC_{listed.number}_{'CS' if listed.role == CS else 'CSMS'}"
        found[case_id] = {
            "title": listed.title,
            "dut_kind": listed.role,
            "block": listed.section,
            "block_name": listed.section_name,
            "use_cases": [],
            "requirements": [],
            "states": [],
            "prerequisites": [],
            "profiles": [SECTION_PROFILES_16[listed.section]],
            "profile_source": "derived from the OCTT 1.6 document section",
            "source": f"octt-catalog §3.3, section {listed.section}",
        }
    return {case_id: found[case_id] for case_id in sorted(found, key=_sort_key)}


def _feature_record(feature: Feature) -> Record:
    return {key: value for key, value in asdict(feature).items()}


def feature_tables(sources: Sources) -> dict[str, list[Record]]:
    """The three feature tables by version slug."""
    base = features_201(read_features(sources.part5))
    return {
        "v201": [_feature_record(f) for f in base],
        "v21": [_feature_record(f) for f in features_21(base)],
        "v16": [_feature_record(f) for f in features_16()],
    }


def core_counts(catalog: dict[str, Record]) -> dict[str, Counter[str]]:
    """Core M/C per role (removed cases apart), to check against Part 5 §4.2."""
    counts: dict[str, Counter[str]] = {CS: Counter(), CSMS: Counter()}
    for entry in catalog.values():
        for status in entry.get("part5", ()):  # type: ignore[union-attr]
            if status["profile"] == "core":
                key = "removed" if entry.get("removed") else str(status["status"])
                counts[str(entry["dut_kind"])][key] += 1
    return counts
