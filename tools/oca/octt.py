"""The 1.6 and 2.1 ids, from ``octt-catalog.md`` (no public Part 5/Part 6 for them).

§3.3 lists the OCTT 1.6 cases by document section, station cases with abbreviated
titles, CSMS cases by number (a few with a short note); §3.4 is a table of the 2.1
ids (≥ 100 and the new blocks Q, R, S) with the roles and titles known, followed by
ids named only in a PICS map, with their conditions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Listed16", "Listed21", "PICS_ONLY_21", "read_v16", "read_v21"]

CS, CSMS = "charging-station", "csms"

#: 1.6 certification profile of each OCTT document section (the task's mapping: the
#: sections follow the 1.6 feature profiles; diagnostics is part of Firmware
#: Management in 1.6, and section 25 tests the security whitepaper).
SECTION_PROFILES_16 = {
    **{f"{n:02d}": "core" for n in range(1, 18)},
    "10/11": "core",
    "18": "local-auth-list",
    "19": "firmware-management",
    "20": "firmware-management",
    "21": "reservation",
    "22": "remote-trigger",
    "23": "smart-charging",
    "24": "core",
    "25": "security",
}

#: The groups of the CSMS list, as document sections.
_CSMS_GROUPS_16 = {
    "LAL": "18",
    "FW": "19",
    "Reservation": "21",
    "Trigger": "22",
    "SC": "23",
    "Security": "25",
}

#: CSMS cases of the unnamed first group with no station case of the same number.
_CSMS_SECTIONS_16 = {
    "023": "10/11",  # authorize invalid/expired/blocked: the station's 023_4/023_5 are there
    "064": "24",  # DataTransfer to the charge point: section 24 is DataTransfer
}

#: 2.1 ids named only in a PICS map, with the condition it gives (our expression over
#: the PICS ids; None where it names no id) and a note in our words.
PICS_ONLY_21: dict[str, tuple[str | None, str | None]] = {
    "TC_I_103_CS": (None, "for a station without local cost calculation"),
    "TC_I_120_CS": ("P-0 and P-1", None),
    "TC_I_121_CS": ("P-0 and P-1", None),
    "TC_K_103_CS": ("SC-5.1", None),
    "TC_K_136_CS": ("SC-5.2", None),
    "TC_K_107_CS": ("SC-7", None),
    "TC_K_108_CS": ("SC-7", None),
    "TC_K_110_CS": ("SC-10", None),
    "TC_K_129_CS": ("SC-6", None),
    "TC_K_130_CS": ("not SC-6", None),
    "TC_K_131_CS": ("not BidirectionalPowerTransfer", None),
    "TC_K_132_CS": ("not SC-5.1 and not SC-5.2", None),
    "TC_K_133_CS": ("not SC-7", None),
    "TC_K_134_CS": ("not SC-3", None),
    "TC_K_135_CS": ("not SC-9.1", None),
}

_ID_GROUP = re.compile(r"^(\d{3}(?:_\d)?(?:\s*[/–]\s*(?:\d{3}(?:_\d)?|\d))*)\s*(.*)$")
_SECTION = re.compile(r"^(\d\d(?:/\d\d)?)(?:\s+([^:]+?))?\s*:\s*(.*)$")


@dataclass
class Listed16:
    """A 1.6 id as §3.3 lists it."""

    number: str  # 004_1
    role: str
    title: str
    section: str
    section_name: str


@dataclass
class Listed21:
    """A 2.1 id of §3.4."""

    id: str  # TC_B_100_CS
    title: str
    source: str
    condition: str | None = None
    note: str | None = None


def _paragraph(text: str, start: str, stop: str) -> str:
    begin = text.index(start) + len(start)
    end = text.index(stop, begin)
    return " ".join(text[begin:end].split())


def _expand(ids: str) -> list[str]:
    """``048_1–4`` → 048_1 … 048_4; ``005_1/2`` → 005_1, 005_2; ``013/014``; ``073–081``."""
    found: list[str] = []
    for separator, token in re.findall(r"(^|[/–])\s*(\d{3}(?:_\d)?|\d)", ids):
        if separator == "–":
            last = found[-1]
            if len(token) == 3:
                found += [f"{n:03d}" for n in range(int(last) + 1, int(token) + 1)]
            else:
                number, suffix = last.split("_")
                found += [f"{number}_{n}" for n in range(int(suffix) + 1, int(token) + 1)]
        elif len(token) == 1:
            found.append(f"{found[-1].split('_')[0]}_{token}")
        else:
            found.append(token)
    return found


def _dash(title: str) -> str:
    return title.replace(" – ", " - ").replace("–", "-")


def read_v16(path: Path) -> list[Listed16]:
    """The station cases (titles as given; "– X" continues the head of the title
    before it) and the CSMS cases (title of the station case of that number)."""
    text = path.read_text(encoding="utf-8")
    stations = _stations_16(_paragraph(text, "titles abbreviated):", "CSMS as SUT"))
    csms = _csms_16(_paragraph(text, "(steve#2024, EVtivity):", "### 3.4"), stations)
    return stations + csms


def _stations_16(paragraph: str) -> list[Listed16]:
    listed: list[Listed16] = []
    for section_text in paragraph.split(" · "):
        match = _SECTION.match(section_text.strip())
        if match is None:
            raise ValueError(f"1.6 section not understood: {section_text[:60]!r}")
        section, name, items = match.group(1), match.group(2) or "", match.group(3)
        head = ""
        for item in items.split("; "):
            group = _ID_GROUP.match(item.strip())
            if group is None:
                raise ValueError(f"1.6 item not understood: {item!r}")
            title = group.group(2).rstrip(".")
            if title.startswith("– "):
                title = f"{head} – {title[2:]}"
            head = title.split(" – ")[0]
            for number in _expand(group.group(1)):
                listed.append(Listed16(number, CS, _dash(title), section, name))
    return listed


def _csms_16(paragraph: str, stations: list[Listed16]) -> list[Listed16]:
    by_number = {item.number: item for item in stations}
    listed: list[Listed16] = []
    for group_text in paragraph.rstrip(".").split("; "):
        words = group_text.split(" ", 1)
        group = words[0] if words[0] in _CSMS_GROUPS_16 else None
        rest = words[1] if group else group_text
        for item in re.findall(r"([\d_/–]+)(?:\s*\(([^)]*)\))?(?:,\s*|$)", rest):
            for number in _expand(item[0]):
                listed.append(_csms_case(number, item[1], group, by_number))
    return listed


def _csms_case(
    number: str, note: str, group: str | None, stations: dict[str, Listed16]
) -> Listed16:
    base = number.split("_")[0]
    same = stations.get(number)
    siblings = [s for s in stations.values() if s.number.split("_")[0] == base]
    if same is not None and not note:
        title, model = same.title, same
    elif note and base in stations:
        title, model = f"{stations[base].title} - {note}", stations[base]
    elif note:
        title, model = _dash(note), None
    elif siblings and len({s.title for s in siblings}) == 1:
        title, model = siblings[0].title, siblings[0]
    else:
        raise ValueError(f"1.6 CSMS {number}: no station case to take the title from")
    if model is not None:
        section = model.section
    elif group is not None:
        section = _CSMS_GROUPS_16[group]
    else:
        section = _CSMS_SECTIONS_16[base]
    name = model.section_name if model is not None and model.section == section else ""
    if not name:
        name = next((s.section_name for s in stations.values() if s.section == section), "")
    return Listed16(number, CSMS, title, section, name)


def read_v21(path: Path) -> list[Listed21]:
    """The §3.4 table (one entry per role; "A / CSMS: B" gives the CSMS title B) and
    the ids named only in the PICS map."""
    text = path.read_text(encoding="utf-8")
    table = text[text.index("### 3.4") : text.index("### 3.5")]
    listed: list[Listed21] = []
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("TC_"):
            continue
        short, roles, title = cells
        station_title, _, csms_title = title.partition(" / CSMS: ")
        source = "octt-catalog §3.4 (EVtivity's 2.1 cases)"
        if "CS" in roles.split("+"):
            listed.append(Listed21(f"{short}_CS", station_title, source))
        if "CSMS" in roles.split("+"):
            listed.append(Listed21(f"{short}_CSMS", csms_title or station_title, source))
    pics = _paragraph(text, "**Named only in EVtivity", "Further confirmation")
    named = set(re.findall(r"TC_[A-Z]_\d+_CS", pics))
    if named != set(PICS_ONLY_21):
        raise ValueError(f"PICS-map ids changed: {sorted(named ^ set(PICS_ONLY_21))}")
    for case_id, (condition, note) in PICS_ONLY_21.items():
        source = "octt-catalog §3.4, named only in EVtivity's 2.1 PICS map (no title)"
        listed.append(Listed21(case_id, "", source, condition, note))
    return listed
