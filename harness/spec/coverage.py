"""How much of the known OCA catalog the harness implements.

``ocpp-harness list --coverage`` asks this module. Known cases are the data files of
``harness.spec.catalog``; implemented ones are the code catalog's (``testcases/``),
matched by id and OCPP version. Every figure is implemented / known. Cases removed
from the certification program (errata) are counted apart and never in a
denominator, so the figures measure what a certification run would ask.
"""

from __future__ import annotations

import textwrap
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

from harness.dut_kind import DutKind
from harness.ocppj import OcppVersion
from harness.spec.catalog import CatalogEntry, catalog, profiles

__all__ = ["Coverage", "LeftGroup", "Tally", "left_groups", "measure", "render_text"]

#: what ``list --coverage`` says of a known case that has no recorded reason
NO_REASON = "no reason recorded (not built yet)"

ROLE_LABELS = {DutKind.CHARGING_STATION: "CS", DutKind.CSMS: "CSMS"}


@dataclass
class Tally:
    """Implemented and known cases of one slice; removed ones apart."""

    implemented: int = 0
    known: int = 0
    removed_implemented: int = 0
    removed_known: int = 0

    def add(self, entry: CatalogEntry, done: bool) -> None:
        if entry.removed:
            self.removed_known += 1
            self.removed_implemented += done
        else:
            self.known += 1
            self.implemented += done

    def __str__(self) -> str:
        if not self.known:
            return "-"
        return f"{self.implemented}/{self.known} ({100 * self.implemented / self.known:.1f}%)"


@dataclass(frozen=True)
class LeftGroup:
    """Known cases not implemented yet, and why (harness/spec/left.toml)."""

    versions: tuple[str, ...]
    roles: tuple[str, ...]
    cases: tuple[str, ...]
    reason: str

    def covers(self, entry: CatalogEntry) -> bool:
        return (
            entry.ocpp.value in self.versions
            and DutKind(entry.dut_kind).value in self.roles
            and any(entry.id == case or entry.id.startswith(case) for case in self.cases)
        )


@cache
def left_groups() -> tuple[LeftGroup, ...]:
    """harness/spec/left.toml's groups, in file order."""
    data = tomllib.loads(files("harness.spec").joinpath("left.toml").read_text("utf-8"))
    return tuple(
        LeftGroup(
            tuple(group["versions"]), tuple(group["roles"]), tuple(group["cases"]), group["reason"]
        )
        for group in data["left"]
    )


def _reason_left(entry: CatalogEntry) -> str:
    return next((g.reason for g in left_groups() if g.covers(entry)), NO_REASON)


@dataclass
class Coverage:
    """The figures of one ``list --coverage``; keys are ``"2.0.1 CS"`` and the like."""

    cases: list[tuple[CatalogEntry, bool]] = field(default_factory=list)
    totals: dict[str, Tally] = field(default_factory=dict)
    blocks: dict[str, dict[str, Tally]] = field(default_factory=dict)
    #: version role -> profile -> status ("M", "C", or "-" where no Part 5 status is known)
    profiles: dict[str, dict[str, dict[str, Tally]]] = field(default_factory=dict)
    statuses: dict[str, dict[str, Tally]] = field(default_factory=dict)
    #: implemented ids the data files do not know (a typo, or a case to add to the data)
    unknown: list[str] = field(default_factory=list)
    #: the one profile measured (``--profile``), else None
    profile: str | None = None
    #: version role -> why -> the known cases not implemented (removed ones aside)
    left: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Every known id with its fields and ``implemented``, and the figures."""

        def tallies(table: dict[str, Any]) -> dict[str, Any]:
            return {k: tallies(v) if isinstance(v, dict) else asdict(v) for k, v in table.items()}

        return {
            "cases": [_case_json(entry, done) for entry, done in self.cases],
            "summary": {
                "totals": tallies(self.totals),
                "blocks": tallies(self.blocks),
                "profiles": tallies(self.profiles),
                "statuses": tallies(self.statuses),
                "not_in_catalog": self.unknown,
                "profile": self.profile,
                "left": self.left,
            },
        }


def _case_json(entry: CatalogEntry, done: bool) -> dict[str, Any]:
    data = asdict(entry)
    data["ocpp"] = entry.ocpp.value
    data["implemented"] = done
    return data


def measure(
    implemented: Iterable[tuple[str, OcppVersion, str]],
    versions: Sequence[OcppVersion],
    kinds: Sequence[str],
    profile: str | None = None,
) -> Coverage:
    """Coverage of ``versions`` × ``kinds`` (DUT kinds), of one profile if given;
    ``implemented`` holds (id, version, DUT kind) of each case in code."""
    triples = set(implemented)
    done = {(case_id, version) for case_id, version, _ in triples}
    result = Coverage(profile=profile)
    for version in versions:
        for kind in kinds:
            key = f"{version.value} {ROLE_LABELS[DutKind(kind)]}"
            result.totals[key] = Tally()
            result.blocks[key] = {}
            result.statuses[key] = {"M": Tally(), "C": Tally()}
            slugs = [profile] if profile else profiles(version)
            result.profiles[key] = {slug: {} for slug in slugs}
        for entry in catalog(version).values():
            if entry.dut_kind not in kinds or (profile and profile not in entry.in_profiles):
                continue
            if entry.own:
                continue  # the harness's own cases: no OCA figure counts them
            is_done = (entry.id, version) in done
            key = f"{version.value} {ROLE_LABELS[entry.dut_kind]}"
            result.cases.append((entry, is_done))
            result.totals[key].add(entry, is_done)
            if not is_done and not entry.removed:
                why = result.left.setdefault(key, {}).setdefault(_reason_left(entry), [])
                why.append(entry.id)
            block = f"{entry.block} {entry.block_name}".strip()
            result.blocks[key].setdefault(block, Tally()).add(entry, is_done)
            _add_profiles(result.profiles[key], result.statuses[key], entry, is_done, profile)
    result.unknown = sorted(
        f"{case_id} ({version.value})"
        for case_id, version, kind in triples
        if version in versions and kind in kinds and case_id not in catalog(version)
    )
    return result


def _add_profiles(
    table: dict[str, dict[str, Tally]],
    statuses: dict[str, Tally],
    entry: CatalogEntry,
    done: bool,
    only: str | None,
) -> None:
    for slug in entry.in_profiles:
        if only and slug != only:
            continue
        status = entry.status_in(slug)
        label = status.status if status else "-"
        table.setdefault(slug, {}).setdefault(label, Tally()).add(entry, done)
    # Per M / C: a case counts once, as M if any profile makes it mandatory.
    marks = {s.status for s in entry.part5 if not only or s.profile == only}
    if marks:
        statuses["M" if "M" in marks else "C"].add(entry, done)


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def render_text(cov: Coverage, show_blocks: bool) -> str:
    """The figures as aligned text tables (per block only when asked)."""
    lines = ["Coverage: implemented/known cases (removed from certification: apart)", ""]
    rows = [["version", "role", "all", "M", "C", "removed (impl./known)"]]
    for key, tally in cov.totals.items():
        version, role = key.split(" ")
        removed = (
            f"{tally.removed_implemented}/{tally.removed_known}" if tally.removed_known else "-"
        )
        rows.append(
            [
                version,
                role,
                str(tally),
                str(cov.statuses[key]["M"]),
                str(cov.statuses[key]["C"]),
                removed,
            ]
        )
    lines += _table(rows)
    for version in dict.fromkeys(key.split(" ")[0] for key in cov.profiles):
        keys = [key for key in cov.profiles if key.startswith(version + " ")]
        rows = [
            ["profile", *(f"{key.split(' ')[1]} {mark}" for key in keys for mark in ("M", "C"))]
        ]
        has_status = any(
            m in by for key in keys for by in cov.profiles[key].values() for m in ("M", "C")
        )
        if not has_status:
            rows = [["profile", *(key.split(" ")[1] for key in keys)]]
        for slug in next(iter(cov.profiles[k] for k in keys)):
            if has_status:
                cells = [
                    str(cov.profiles[k].get(slug, {}).get(m, Tally()))
                    for k in keys
                    for m in ("M", "C")
                ]
            else:
                cells = [str(cov.profiles[k].get(slug, {}).get("-", Tally())) for k in keys]
            rows.append([slug, *cells])
        if any(by for key in keys for by in cov.profiles[key].values()):
            suffix = "" if has_status else " (no Part 5: from the OCTT document section)"
            lines += ["", f"OCPP {version} by certification profile{suffix}", *_table(rows)]
    if show_blocks:
        for key, blocks in cov.blocks.items():
            rows = [["block", key]] + [[name, str(t)] for name, t in blocks.items()]
            lines += ["", f"OCPP {key} by block", *_table(rows)]
        lines += _left_lines(cov)
    if cov.unknown:
        lines += ["", "implemented but not in the catalog data: " + ", ".join(cov.unknown)]
    return "\n".join(lines)


def _left_lines(cov: Coverage) -> list[str]:
    """The known cases not implemented, under their reason: ids where a reason is
    recorded, a count per block where none is (a long list says nothing more)."""
    lines = []
    for key, reasons in cov.left.items():
        total = sum(len(ids) for ids in reasons.values())
        lines += ["", f"OCPP {key} not implemented ({total}), with why"]
        for reason, ids in reasons.items():
            if reason == NO_REASON:
                blocks: dict[str, int] = {}
                for case_id in ids:
                    block = case_id.split("_")[1]
                    blocks[block] = blocks.get(block, 0) + 1
                shown = ", ".join(f"{block} {n}" for block, n in blocks.items())
                lines.append(f"- {reason}: {len(ids)} (by block: {shown})")
            else:
                lines.append(f"- {reason}: {len(ids)}")
                lines += textwrap.wrap(
                    ", ".join(ids), width=100, initial_indent="  ", subsequent_indent="  "
                )
    return lines
