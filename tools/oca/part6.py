"""Part 6 (the 2.0.1 test cases): one record of facts per ``Test Case Id`` table.

Each case is the first HTML table after a caption line ``Table N. Test Case Id: TC_…``;
the rows we read are the case's name, id, use cases, requirements, prerequisites and
the "Before" states. Descriptions, purposes and steps are prose and are not taken.
The OCR noise we meet is repaired by the rules and tables in ``fixes.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from oca import fixes
from oca.html_tables import Table, tables

__all__ = ["Case", "read_errata_case", "read_part6"]

CHARGING_STATION, CSMS = "charging-station", "csms"

_CAPTION = re.compile(r"^(?:Table (\d+)\. )?Test Case Id: (\S+)\s*$")
_OTHER_CAPTION = re.compile(r"^(?:# |Table \d+\. )")
_SECTION = re.compile(r"^# ([23])\.\d+\. ([A-P]) (.+?)\s*$")
_STATE_CAPTION = re.compile(r"^Table \d+\. (?:Reusable|Memory) State: (\w+)\s*$")
_REQUIREMENT = re.compile(r"\b([A-P]\d\d)\.FR\.(\d+)")
_USE_CASE = re.compile(r"(?<![A-Za-z0-9.])([A-P]\d\d)(?![0-9])")
_TC_ID = re.compile(r"\bTC_[A-Z]_\d+_CS(?:MS)?\b")
_FEATURE_ID = re.compile(r"\b(?:C|AS|SC|R|DM|ISO|LA|UI|AQ|HFS)-\d+(?:\.\d+)*\b")
_STATE_MARKER = re.compile(
    r"(Configuration State|Memory State|Reusable State(?:\(s\))?|Charging State)"
)


@dataclass
class Case:
    """The facts of one case, ready to be written to the catalog."""

    id: str
    title: str
    dut_kind: str
    block: str
    block_name: str
    use_cases: list[str]
    requirements: list[str]
    table: int | None
    states: list[str]
    prerequisites: list[str]
    source: str
    part5: list[dict[str, object]] = field(default_factory=list)
    removed: bool = False


def read_part6(path: Path) -> list[Case]:
    """Every case of Part 6, in document order (duplicates resolved by ``fixes``)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    state_names = _state_names(lines)
    block_names: dict[tuple[str, str], str] = {}
    captions: list[tuple[int, int | None, str, str]] = []  # line, table, id, role
    role = CHARGING_STATION
    for number, line in enumerate(lines):
        section = _SECTION.match(line)
        if section:
            role = CHARGING_STATION if section.group(1) == "2" else CSMS
            block_names[(role, section.group(2))] = section.group(3)
            continue
        caption = _CAPTION.match(line)
        if caption:
            table = int(caption.group(1)) if caption.group(1) else None
            captions.append((number, table, caption.group(2), role))
    cases = []
    for index, (number, table, raw_id, role) in enumerate(captions):
        end = _chunk_end(lines, number)
        chunk = tables("\n".join(lines[number + 1 : end]))
        case_id = fixes.case_id(raw_id, table)
        if table is None:
            after = _previous_table(captions, index)
            source = f"Part 6, the unnumbered table after Table {after}"
        else:
            source = f"Part 6 Table {table}"
        cases.append(_case(case_id, role, table, chunk, state_names, block_names, source))
    return cases


def read_errata_case(path: Path, part6: Path, case_id: str, section: str) -> Case:
    """A case that the errata add, from the table that follows its heading (state
    names as Part 6 defines them)."""
    names = _state_names(part6.read_text(encoding="utf-8").split("\n"))
    lines = path.read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(f"# {section}. "))
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("# "))
    chunk = tables("\n".join(lines[start + 1 : end]))
    role = CSMS if case_id.endswith("_CSMS") else CHARGING_STATION
    block_names = {(role, case_id[3]): fixes.BLOCK_NAMES_201[case_id[3]]}
    return _case(case_id, role, None, chunk, names, block_names, f"errata 2025-09 §{section}")


def _chunk_end(lines: list[str], caption_line: int) -> int:
    for number in range(caption_line + 1, len(lines)):
        if _OTHER_CAPTION.match(lines[number]) or _CAPTION.match(lines[number]):
            return number
    return len(lines)


def _previous_table(captions: list[tuple[int, int | None, str, str]], index: int) -> int | None:
    """Three cases sit in a NOTE box without a table number: name the one before."""
    numbers = [table for _, table, _, _ in captions[:index] if table is not None]
    return numbers[-1] if numbers else None


def _state_names(lines: list[str]) -> list[str]:
    names = {m.group(1) for line in lines if (m := _STATE_CAPTION.match(line))}
    return sorted(names, key=lambda name: (-len(name), name))


def _fields(first: Table) -> dict[str, str]:
    found: dict[str, str] = {}
    for row in first:
        if len(row) >= 2 and row[0]:
            label = " ".join(row[0].replace("ld(s)", "Id(s)").split()).lower()
            found.setdefault(label, row[1])
    return found


def _case(
    case_id: str,
    role: str,
    table: int | None,
    chunk: list[Table],
    state_names: list[str],
    block_names: dict[tuple[str, str], str],
    source: str,
) -> Case:
    fields = _fields(chunk[0])
    expected = CSMS if case_id.endswith("_CSMS") else CHARGING_STATION
    if expected != role:
        raise ValueError(f"{case_id}: found in the {role} part of Part 6")
    block = case_id.split("_")[1]
    requirements = fixes.REQUIREMENTS.get(case_id)
    if requirements is None:
        requirements = _requirements(fields.get("requirement(s)", ""))
    return Case(
        id=case_id,
        title=fixes.title(fields["test case name"]),
        dut_kind=role,
        block=block,
        block_name=block_names[(role, block)],
        use_cases=fixes.USE_CASES.get(case_id) or _use_cases(fields.get("use case id(s)", "")),
        requirements=requirements,
        table=table,
        states=_states(chunk, state_names),
        prerequisites=_prerequisites(fields.get("prerequisite(s)", "")),
        source=source,
    )


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _requirements(text: str) -> list[str]:
    text = fixes.requirement_text(text)
    return _unique([f"{uc}.FR.{int(nr):02d}" for uc, nr in _REQUIREMENT.findall(text)])


def _use_cases(text: str) -> list[str]:
    return _unique(_USE_CASE.findall(fixes.use_case_text(text)))


def _prerequisites(text: str) -> list[str]:
    cases = [fixes.case_id(found, None) for found in _TC_ID.findall(text.replace("TC_0_", "TC_O_"))]
    return _unique(cases + _FEATURE_ID.findall(text))


def _states(chunk: list[Table], state_names: list[str]) -> list[str]:
    """State names under Memory State, Reusable State(s) (older: Charging State)."""
    pattern = re.compile(r"(?<![A-Za-z])(" + "|".join(state_names) + r")(?![a-z])")
    found: list[str] = []
    for cell in (cell for table in chunk for row in table for cell in row):
        if not _STATE_MARKER.match(cell.lstrip()):
            continue
        parts = _STATE_MARKER.split(cell)
        for marker, text in zip(parts[1::2], parts[2::2], strict=True):
            if marker != "Configuration State":
                found.extend(pattern.findall(fixes.state_text(text)))
    return _unique(found)
