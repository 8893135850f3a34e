"""Repairs for the OCR of the OCA documents, in one place.

The Markdown copies were made from PDFs by OCR, so a letter O can come out as a zero
(``TC_0_06``, use case ``001``), ``Id`` as ``ld`` (``Evseld``), a dot as an underscore
(``C09_FR_02``), and a caption can be lost. The general rules are the functions
below; the one-off repairs are the small tables, each entry with the reason. Nothing
here changes what a document says, only how the OCR spelled it.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "BLOCK_NAMES_201",
    "REQUIREMENTS",
    "USE_CASES",
    "case_id",
    "requirement_text",
    "state_text",
    "title",
    "use_case_text",
]

#: Part 6 captions whose id is wrong, by table number.
CASE_IDS_BY_TABLE: dict[int, str] = {
    # Table 566 opens §3.10 "I Tariff and Cost" (CSMS); its caption says TC_L_01_CSMS
    # and its id cell TC_1_01_CSMS. Both are OCR of TC_I_01_CSMS (use case I02); the
    # real TC_L_01_CSMS is Table 609 in §3.13 "L Firmware Management".
    566: "TC_I_01_CSMS",
}

#: Requirement cells that name no FR id but a document section (kept as named).
REQUIREMENTS: dict[str, list[str]] = {
    # "Chapter Referenced Components and Variables": a chapter of Part 2.
    "TC_B_53_CS": ["Part 2 Referenced Components and Variables"],
    # Use case "Part 4 section 5.3. Reconnecting", requirement "Described at section 5.3.".
    "TC_B_57_CS": ["OCPP-J 5.3"],
    # Errata §6.2.21: use case "Part 4 - JSON over WebSockets implementation guide",
    # requirement "Section 3.1.2. OCPP version".
    "TC_B_58_CSMS": ["OCPP-J 3.1.2"],
    # Errata §6.2.65 (TC_J_10_CS): E06.FR.17 and E07.FR.13 are no requirements of Part 2;
    # TC_J_03_CS prints the same two in the same list and gets the same correction.
    "TC_J_03_CS": [
        "J01.FR.01",
        "J01.FR.02",
        "J01.FR.03",
        "J01.FR.06",
        "J01.FR.07",
        "J01.FR.08",
        "J01.FR.14",
        "J01.FR.15",
        "E06.FR.11",
        "E07.FR.08",
        "E08.FR.09",
        "E09.FR.05",
        "E10.FR.04",
        "E12.FR.07",
    ],
    "TC_J_10_CS": [
        "J02.FR.01",
        "J02.FR.02",
        "J02.FR.03",
        "J02.FR.04",
        "J02.FR.10",
        "E06.FR.11",
        "E07.FR.08",
        "E08.FR.09",
        "E09.FR.05",
        "E10.FR.04",
        "E12.FR.07",
    ],
}

#: Use-case cells that name a document section instead of a use case.
USE_CASES: dict[str, list[str]] = {}

#: One-off OCR slips inside requirement cells.
REQUIREMENT_TEXT: dict[str, str] = {
    "B089.FR.10": "B08.FR.10",  # TC_B_16_CS: all its other requirements are B08
}

#: Block names of 2.0.1 (Part 6 section titles), for cases found outside Part 6.
BLOCK_NAMES_201: dict[str, str] = {"B": "Provisioning"}

#: State names spelled another way in some "Before" cells.
STATE_SPELLINGS: dict[str, str] = {
    "CertificatesInstalled": "CertificateInstalled",  # TC_C_54_CS and others: plural
}

_LD = re.compile(r"(Evse|evse|Group|group|Invalid)ld\b")


def case_id(raw: str, table: int | None) -> str:
    """A Part 6 id with the letter O restored (``TC_0_06`` is TC_O_06) and the one-off
    captions of ``CASE_IDS_BY_TABLE`` replaced."""
    if table is not None and table in CASE_IDS_BY_TABLE:
        return CASE_IDS_BY_TABLE[table]
    return re.sub(r"^TC_0_", "TC_O_", raw.strip())


def title(raw: str) -> str:
    """A test-case name as printed: whitespace collapsed, ``ld`` read as ``Id`` after
    Evse, Group and Invalid (``Evseld``, ``Groupld``, ``StopTxOnInvalidld``)."""
    return _LD.sub(r"\1Id", " ".join(raw.split()))


def _letter_o(text: str) -> str:
    # Block O's use cases are O01…O06; the OCR reads the O as a zero ("001_FR_12").
    return re.sub(r"(?<![A-Za-z0-9.])0(\d\d)(?=[._]FR|\b)", r"O\1", text)


def requirement_text(text: str) -> str:
    """A requirement cell with its ids spelled ``X00.FR.00``: underscores for dots
    (``C09_FR_02``), stray spaces (``FR. 05``), the O of block O."""
    for wrong, right in REQUIREMENT_TEXT.items():
        text = text.replace(wrong, right)
    text = re.sub(r"(?<=\d)\s*[._]\s*FR\s*[._]\s*(?=\d)", ".FR.", text)
    return _letter_o(text)


def use_case_text(text: str) -> str:
    """A use-case cell with the O of block O restored (``001`` is O01)."""
    return _letter_o(text)


def state_text(text: str) -> str:
    """A "Before" cell with the state names of ``STATE_SPELLINGS`` spelled as defined."""
    for wrong, right in STATE_SPELLINGS.items():
        text = text.replace(wrong, right)
    return text


# --- Part 5 -------------------------------------------------------------------------

#: Rows of the profile tables whose cells the OCR shifted, by (case, profile).
ROW_CELLS: dict[tuple[str, str], dict[str, str]] = {
    # TC_F_06 (Core): the station's condition landed in the CS status cell and the
    # CSMS feature id in the CSMS status cell; the feature column says "See column 3/4".
    # Both roles are C (the remark names one condition for each).
    ("TC_F_06", "core"): {"charging-station": "C", "csms": "C"},
}

#: Profile-table ids the OCR misread, by (id as printed, profile).
PART5_IDS: dict[tuple[str, str], str] = {
    # §4.8 opens with "Show costs to EV Driver": use cases I02/I03 of block I (Tariff
    # and Cost); the OCR read the I as an L (TC_L_01 is a firmware case, in Core).
    ("TC_L_01", "advanced-user-interface"): "TC_I_01",
    ("TC_L_02", "advanced-user-interface"): "TC_I_02",
    ("TC_L_07", "advanced-user-interface"): "TC_I_07",
}

#: Feature columns that give one condition per role, by (case, profile).
PER_ROLE_FEATURES: dict[tuple[str, str], dict[str, str]] = {
    ("TC_F_06", "core"): {
        "charging-station": 'HFS-1 and NOT Product Subtype "Mode 1/2-only Charging Station"',
        "csms": "C-11",
    },
    # "CSMS: C-16 Charging Station: NOT (NOT (C-30 - C-35) AND (…) AND NOT C-06.2)"
    ("TC_E_31", "core"): {
        "csms": "C-16",
        "charging-station": "NOT (NOT (C-30 - C-35) AND (NOT C-10.1 AND NOT C-10.3 AND "
        "NOT C-10.4 AND NOT C-10.5) AND NOT C-06.2)",
    },
    # "For CSMS: R-1, For CS: R-2" (errata §5.19 later makes both R-1)
    ("TC_H_15", "reservation"): {"csms": "R-1", "charging-station": "R-2"},
}

#: Feature columns that the OCR garbled, as the document means them.
FEATURE_TEXT: dict[str, str] = {
    # TC_E_20 (Core): one ")" too many after C-10.2.
    "(C-10.1 AND (NOT (NOT C-52 AND (C-10.3 or C-10.4)))) AND NOT (NOT C.06.1 AND NOT C-52 "
    'AND C-10.2)) AND (AQ-9 OR Product Subtype "Mode 1/2-only Charging Station")': "(C-10.1 "
    "AND (NOT (NOT C-52 AND (C-10.3 or C-10.4)))) AND NOT (NOT C.06.1 AND NOT C-52 AND "
    'C-10.2) AND (AQ-9 OR Product Subtype "Mode 1/2-only Charging Station")',
}

#: What a C depends on beyond its feature ids, in our words, by (case, profile, role).
NOTES: dict[tuple[str, str, str], str] = {}

#: Comparisons the condition grammar has no term for: (pattern, note). The pattern is
#: cut from the expression and the note says what it asked.
_COMPARISONS = [
    (
        re.compile(r"\s*(?:and\s+)?HFS-8\s*>\s*1", re.I),
        "also needs more than one EVSE (HFS-8 > 1)",
        "HFS-8",
    ),
]

_SUBSTITUTIONS = [
    # Part 5 names a product subtype by its quoted name.
    (
        re.compile(r'Product Subtype\s+"Mode 1/2-only Charging Station"', re.I),
        "subtype:mode-1-2-only",
    ),
    # Certification profiles named inside a condition.
    (re.compile(r"ISO\s?15118 support", re.I), "profile:iso15118"),
    (re.compile(r"Local Authorization List Manag\s*em\s*ent", re.I), "profile:local-auth-list"),
    (re.compile(r"\bSmart Charging\b", re.I), "profile:smart-charging"),
    # A dot for the dash (C.06.1) and a lost dash (C35).
    (re.compile(r"\bC\.(\d\d(?:\.\d+)?)\b"), r"C-\1"),
    (re.compile(r"\bC(\d\d)\b"), r"C-\1"),
    # A lost space before an operator ("UI-1.1and").
    (re.compile(r"(\d)(and|or)\b", re.I), r"\1 \2"),
]

_RANGE = re.compile(r"\b([A-Z]+)-(\d+)\s*-\s*(?:\(or\)\s*)?\1-(\d+)\b")


def _expand_range(match: re.Match[str]) -> str:
    """ "C-30 - C-35" and "C-36-(or) C-39" mean any one of the ids in the range."""
    prefix, first, last = match.group(1), int(match.group(2)), int(match.group(3))
    width = len(match.group(2))
    ids = [f"{prefix}-{number:0{width}d}" for number in range(first, last + 1)]
    return "(" + " or ".join(ids) + ")"


def feature_expression(text: str) -> tuple[str | None, str | None, list[str]]:
    """A feature column as a condition expression (None when it names nothing), a note
    for what the grammar cannot say (a comparison) and the ids of that comparison."""
    text = " ".join(text.split())
    text = FEATURE_TEXT.get(text, text)
    if not text:
        return None, None, []
    note, compared = None, []
    for pattern, meaning, feature_id in _COMPARISONS:
        if pattern.search(text):
            text, note = pattern.sub("", text).strip(), meaning
            compared.append(feature_id)
    for pattern, replacement in _SUBSTITUTIONS:
        text = pattern.sub(replacement, text)
    text = _RANGE.sub(_expand_range, text)
    return (text or None), note, compared


def part5_row(row: Any) -> Any:
    """A profile-table row with its id repaired (``PART5_IDS``) and the cells of
    ``ROW_CELLS`` set as the remark reads them."""
    row.case = PART5_IDS.get((row.case, row.profile), row.case)
    cells = ROW_CELLS.get((row.case, row.profile))
    if cells:
        row.status = dict(cells)
        row.feature_text = ""
    return row


def id_order(feature_id: str) -> tuple[object, ...]:
    """Sort key for feature ids: by prefix, then numerically (C-09.2 before C-10)."""
    prefix, _, number = feature_id.partition("-")
    parts = tuple(int(p) if p.isdigit() else 0 for p in number.split("."))
    return (prefix, parts, feature_id)
