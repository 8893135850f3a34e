"""The harness's own OCPP-J 1.6 checks of a central system, for rules no OCTT case
tests. Ids start with HX_ (harness/spec/catalog/own-v16.toml)."""

from harness import testcase
from harness.states import csms as states
from harness.steps.unreadable import error_answer_to_unreadable

BLOCK = "J OCPP-J"

#: the 1.6 codes of a payload that cannot be read (FormationViolation as 1.6 spells it,
#: FormatViolation as its errata would, ProtocolError for an incomplete one)
UNREADABLE_CODES = ("FormationViolation", "FormatViolation", "ProtocolError")


@testcase(
    "HX_J_01_CSMS",
    "Malformed JSON - the central system answers with a CallError",
    requirements=["OCPP-J 4.2.3"],
    catches=["ignores-malformed-json"],
)
def test_hx_j_01_csms(station, dut):
    states.booted(station, dut)
    station.step(1, "The charge point sends a text that is not JSON")
    # OCPP-J 1.6 §4.2.3: a call whose content is not a proper message gets a CallError.
    # 1.6 does not say which id answers a call whose id cannot be read (2.0.1 chose
    # "-1"), so any id passes.
    answer = error_answer_to_unreadable(station, "central system", "OCPP-J 4.2.3")
    if answer.error_code not in UNREADABLE_CODES:
        station.note(
            "OCPP-J 4.2.3",
            f"the CallError's code is {answer.error_code}; OCPP-J 1.6 names "
            "FormationViolation for a payload that is syntactically incorrect",
        )
