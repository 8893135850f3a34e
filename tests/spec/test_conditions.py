"""The condition grammar: what parses, its canonical form, evaluation and the reason
given when a condition does not hold."""

from __future__ import annotations

import pytest

from harness.spec.conditions import And, Not, Or, Term, parse

GOOD = [
    # (written as in Part 5 or by hand, canonical form)
    ("C-44", "C-44"),
    ("c-44", "C-44"),
    ("C-44 or NOT AQ-16", "C-44 or not AQ-16"),
    ("NOT (SC-2.1 and SC-2.2)", "not (SC-2.1 and SC-2.2)"),
    (
        "(C-30 or C-31) AND (profile:local-auth-list or C-49)",
        "(C-30 or C-31) and (profile:local-auth-list or C-49)",
    ),
    ("UI-1.1 and UI-1.2 or UI-1.3", "(UI-1.1 and UI-1.2) or UI-1.3"),
    ("a and (b and c)", "a and b and c"),
    ("((HFS-13))", "HFS-13"),
    ("not not DM-0", "not not DM-0"),
    ("Profile:Core or subtype:Mode-1-2-only", "profile:core or subtype:mode-1-2-only"),
    ("boot_pending", "boot_pending"),
    ("  ISO-3\tOR\nC-61 ", "ISO-3 or C-61"),
]

BAD = [
    ("", "empty condition at position 0"),
    ("   ", "empty condition at position 0"),
    ("C-44 or", "unexpected end at position 7"),
    ("(C-44", "missing ')' at position 5"),
    ("C-44)", "unexpected ')' at position 4"),
    ("C-44 & C-45", "unexpected '&' at position 5"),
    ("and C-1", "unexpected 'and' at position 0"),
    ("C-1 C-2", "unexpected 'C-2' at position 4"),
    ("HFS-8 > 1", "unexpected '>' at position 6"),
    ("not", "unexpected end at position 3"),
    ("()", "unexpected ')' at position 1"),
]


@pytest.mark.parametrize(("text", "canonical"), GOOD)
def test_good_inputs_parse_to_a_canonical_form(text, canonical):
    assert str(parse(text)) == canonical
    assert str(parse(canonical)) == canonical  # canonical text is a fixed point


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_inputs_name_text_and_position(text, message):
    with pytest.raises(ValueError) as caught:
        parse(text)
    assert str(caught.value) == f"bad condition {text!r}: {message}"
    assert "\n" not in str(caught.value)


def test_precedence_not_binds_tighter_than_and_than_or():
    assert parse("not a and b or c") == Or((And((Not(Term("a")), Term("b"))), Term("c")))


def test_holds_asks_each_term():
    condition = parse("C-44 or not AQ-16")
    assert condition.holds(lambda key: False)  # no AQ-16: applies
    assert condition.holds(lambda key: key in {"C-44", "AQ-16"})
    assert not condition.holds(lambda key: key == "AQ-16")


def test_ids_are_every_term():
    assert parse("(C-30 or c-31) and not profile:smart-charging").ids() == {
        "C-30",
        "C-31",
        "profile:smart-charging",
    }


def _describe(key: str) -> str:
    return {"C-44": "C-44 (BootNotification Pending)", "AQ-16": "AQ-16 (rejects)"}.get(key, key)


def test_explain_names_the_way_out():
    condition = parse("C-44 or not AQ-16")
    assert condition.explain(lambda k: k == "AQ-16", _describe) == (
        "needs C-44 (BootNotification Pending) or no AQ-16 (rejects)"
    )
    assert condition.explain(lambda k: False, _describe) == ""  # it holds


def test_explain_lists_only_the_missing_parts_of_an_and():
    condition = parse("C-49 and (C-30 or C-31) and C-03")
    assert condition.explain(lambda k: k == "C-03") == "needs C-49 and (C-30 or C-31)"
    assert condition.explain(lambda k: k in {"C-03", "C-30"}) == "needs C-49"


def test_explain_of_a_negated_group():
    assert parse("not (a and b)").explain(lambda k: True) == "needs not (a and b)"
