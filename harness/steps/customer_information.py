"""Customer information at a CSMS DUT (Part 2 N09, N10): the operator makes the CSMS
ask the harness's station to report or clear what it holds about a customer, and the
station answers with NotifyCustomerInformation.

Part 6's CSMS tables of N09 and N10 (Tables 658 to 664) share these steps: the request
(CustomerInformation, answered as the table says), its tool validation (the report and
clear flags, the customer named by one reference, N09.FR.04 / N10.FR.08) and the
station's one-part report, which the CSMS must answer. The flags a case wants, with
the rule each breaks, are the case's (:data:`Flags`), so the rules stay in its module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.defaults import utc_now
from harness.matching import ABSENT
from harness.messages import Message
from harness.verdicts import DutFailure

if TYPE_CHECKING:
    from harness.roles import StationRole

__all__ = [
    "REFERENCES",
    "Flags",
    "check_token_request",
    "names_a_customer",
    "names_only",
    "notify",
    "request_customer_information",
    "valid_token_request",
]

#: the three ways a CustomerInformationRequest can name its customer (N09.FR.04)
REFERENCES = ("idToken", "customerCertificate", "customerIdentifier")

#: a flag of CustomerInformation -> (the value a step wants, the rule when it differs)
Flags = dict[str, tuple[bool, str]]


def request_customer_information(
    station: StationRole, dut: Any, answer: str, **params: Any
) -> Message:
    """Make the CSMS send a CustomerInformation (``params`` as the control action takes
    them) and answer it with ``answer``; returns the request (schema-checked, else
    ``expect:CustomerInformation``)."""
    station.will_reply("CustomerInformation", status=answer)
    mark = station.mark()
    dut.act("customer_information", **params)
    return station.expect("CustomerInformation", rule="expect:CustomerInformation", after=mark)


def names_a_customer(request: Message, rule: str) -> None:
    """The request names its customer by at least one reference (N09.FR.04, N10.FR.08:
    ``rule``)."""
    if not any(key in request.payload for key in REFERENCES):
        request.entry.failing = True
        raise DutFailure(
            "the CustomerInformation names no customer: it has no idToken, no "
            "customerCertificate and no customerIdentifier",
            rule,
            request.entry.raw,
        )


def names_only(request: Message, reference: str, rule: str) -> None:
    """Of the three references, the request carries ``reference`` alone (N09.FR.09
    makes a station answer Invalid to more than one); else it fails with ``rule``."""
    others = {key: ABSENT for key in REFERENCES if key != reference}
    request.expect(rule=rule, **others)


def check_token_request(
    station: Any, dut: Any, request: Message, *, flags: Flags, rule: str
) -> None:
    """The tool validation of step 1 in Tables 658 to 663: the ``flags``, and the
    configured valid idToken as the customer; ``rule`` is the requirement on the
    reference (N09.FR.04 for a report, N10.FR.08 for a clear). Beyond Part 6 (whose
    errata check this in TC_N_62_CSMS only), the idToken is the request's one reference."""
    tokens = dut.profile.tokens
    for name, (value, flag_rule) in flags.items():
        request.expect(rule=flag_rule, **{name: value})
    names_a_customer(request, rule)
    request.expect(
        rule="expect:CustomerInformation",
        idToken={"idToken": tokens.valid, "type": tokens.type},
    )
    with station.beyond_octt("Part 6 checks the other references only in TC_N_62_CSMS"):
        names_only(request, "idToken", rule)


def valid_token_request(station: Any, dut: Any, answer: str, *, flags: Flags, rule: str) -> Message:
    """Step 1-2 of Tables 658 to 663: the CSMS is made to send a CustomerInformation
    about the configured valid idToken, with the report and clear flags ``flags`` asks
    for (a flag it does not name: false), answered ``answer``; then its tool validation
    (:func:`check_token_request`). Returns the request."""
    tokens = dut.profile.tokens
    request = request_customer_information(
        station,
        dut,
        answer,
        token=tokens.valid,
        token_type=tokens.type,
        report=flags.get("report", (False, ""))[0],
        clear=flags.get("clear", (False, ""))[0],
    )
    check_token_request(station, dut, request, flags=flags, rule=rule)
    return request


def notify(station: Any, request: Message, data: str) -> None:
    """Step 3-4 of Tables 658, 659 and 661 to 664: the station's report, in one part
    (seqNo 0, no part to follow) with the request's requestId; the CSMS must answer it
    (``answer:NotifyCustomerInformation``)."""
    payload = {
        "data": data,
        "seqNo": 0,
        "generatedAt": utc_now(),
        "requestId": request["requestId"],
    }
    station.call("NotifyCustomerInformation", payload).expect(
        rule="answer:NotifyCustomerInformation"
    )
