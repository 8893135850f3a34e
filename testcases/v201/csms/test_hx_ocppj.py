"""The harness's own OCPP-J checks of a CSMS (OCPP 2.0.1), for rules no OCA case tests.

Ids start with HX_ (harness/spec/catalog/own-v201.toml); they run with the Core profile
and count in no coverage figure.
"""

from harness import DutFailure, testcase
from harness.states import csms as states
from harness.steps.unreadable import error_answer_to_unreadable

BLOCK = "J OCPP-J"

#: the codes Part 4 gives a text that cannot be read: its syntax is wrong
#: (FormatViolation), or it is no RPC request one can answer by its id (RpcFrameworkError)
UNREADABLE_CODES = ("FormatViolation", "RpcFrameworkError")


@testcase(
    "HX_J_01_CSMS",
    "Malformed JSON - the CSMS answers with a CALLERROR",
    requirements=["OCPP-J 4.2.3"],
    catches=["ignores-malformed-json", "malformed-json-error-with-made-up-id"],
)
def test_hx_j_01_csms(station, dut):
    states.booted(station, dut)
    station.step(1, "The station sends a text that is not JSON, with no readable message id")
    # Part 4 §4.2.3: a CALL that cannot be processed (invalid JSON is its example) gets a
    # CALLERROR, with the id "-1" when the message id cannot be read. Dropping a frame
    # is allowed for valid JSON that breaks the schema, not for this.
    answer = error_answer_to_unreadable(station, "CSMS", "OCPP-J 4.2.3")
    if answer.message_id != "-1":
        raise DutFailure(
            f"the CSMS answered a text whose message id cannot be read with a CALLERROR "
            f'with id {answer.message_id!r}; the id must be "-1"',
            "OCPP-J 4.2.3",
            answer.raw,
        )
    if answer.error_code not in UNREADABLE_CODES:
        station.note(
            "OCPP-J 4.2.3",
            f"the CALLERROR's code is {answer.error_code}; Part 4 names FormatViolation "
            "or RpcFrameworkError for a text that cannot be read",
        )
