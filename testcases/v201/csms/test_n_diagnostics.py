"""Block N, Diagnostics — OCPP 2.0.1, the DUT is a CSMS (harness = charging station).

Each case follows its table in OCPP 2.0.1 Part 6 (Edition 3 with the errata to
2025-09); its numbered steps are the ``station.step(...)`` calls. Every case starts
from the reusable state Booted (Part 6 §3.1: the station is connected and accepted).

Log upload (N01). The CSMS is made to send GetLog; the harness's station answers it
as the table says and then reports the upload by LogStatusNotification with the
requestId the CSMS gave (N01.FR.07). The upload itself is a file transfer outside
OCPP (HTTP or FTP to the URL the CSMS chose): the harness's station makes none, and
the cases judge only what travels over OCPP, the request and the CSMS's answers to
the status messages. Part 2 sets the CSMS no requirement on those answers, so a
CALLERROR where an answer is due fails with the harness's ``answer:<Action>``.

Customer information (N09, N10). The CSMS is made to send CustomerInformation about
the configured valid idToken (or, in TC_N_62_CSMS, a customerIdentifier); the tool
validations check its flags and the customer it names. A report is asked for with
report true (N09.FR.01); the customer is named by one reference (N09.FR.04,
N10.FR.08). The station's NotifyCustomerInformation (one part, seqNo 0, the
request's requestId) must be answered.
"""

from __future__ import annotations

from typing import Any

from harness import DutFailure, testcase
from harness.messages import Message
from harness.states import csms as states
from harness.steps import customer_information as customer

BLOCK = "N Diagnostics"

#: the customerIdentifier of TC_N_62_CSMS's tool validation
CUSTOMER_IDENTIFIER = "OpenChargeAlliance"


# -- N01: log upload ---------------------------------------------------------------------


def _get_log(station: Any, dut: Any, log_type: str | None, answer: str) -> Message:
    """Make the CSMS send a GetLog (for ``log_type``, or the type it picks) and answer
    it with ``answer``; returns the request. An accepted request is answered with the
    name of the file the station would upload (N01.FR.01)."""

    def reply(request: dict[str, Any]) -> dict[str, Any]:
        # named after the log and the request, so two uploads have two names
        if answer not in ("Accepted", "AcceptedCanceled"):
            return {"status": answer}
        kind = str(request.get("logType", "log")).lower()
        return {"status": answer, "filename": f"{kind}-{request.get('requestId')}.log"}

    station.will_reply("GetLog", reply)
    mark = station.mark()
    if log_type is None:
        dut.act("get_log")
    else:
        dut.act("get_log", log_type=log_type)
    return station.expect("GetLog", rule="expect:GetLog", after=mark)


def _log_status(station: Any, status: str, request: Message) -> None:
    """The station reports the upload ``request`` started as ``status``, with that
    request's requestId (N01.FR.07); the CSMS must answer."""
    payload = {"status": status, "requestId": request["requestId"]}
    station.call("LogStatusNotification", payload).expect(rule="answer:LogStatusNotification")


def _log_success(station: Any, dut: Any, log_type: str) -> None:
    """Tables 657 and 667: one log of ``log_type`` asked for, uploaded, reported."""
    states.booted(station, dut)
    station.step("1-2", f"The CSMS asks for the {log_type}; the station accepts")
    request = _get_log(station, dut, log_type, "Accepted")
    # Tool validation of step 1: the log type asked for.
    request.expect(rule="expect:GetLog", logType=log_type)
    station.step("3-4", "LogStatusNotification Uploading with the request's id; answered")
    _log_status(station, "Uploading", request)
    station.step("5-6", "LogStatusNotification Uploaded with the request's id; answered")
    _log_status(station, "Uploaded", request)


@testcase(
    "TC_N_25_CSMS",
    "Retrieve Log Information - Diagnostics Log - Success",
    table=657,
    catches=["get-log-invalid", "get-log-wrong-type", "log-status-notification-refused"],
)
def test_tc_n_25_csms(station, dut):
    _log_success(station, dut, "DiagnosticsLog")


@testcase(
    "TC_N_34_CSMS",
    "Retrieve Log Information - Rejected",
    table=666,
    catches=["get-log-invalid"],
)
def test_tc_n_34_csms(station, dut):
    states.booted(station, dut)
    # The table names no log type: the CSMS sends the one it chooses.
    station.step("1-2", "The CSMS sends a GetLog; the station answers Rejected")
    # No tool validation beyond the request's schema; the CSMS must take the refusal
    # (nothing follows it over OCPP).
    _get_log(station, dut, None, "Rejected")


@testcase(
    "TC_N_35_CSMS",
    "Retrieve Log Information - Security Log - Success",
    table=667,
    catches=["get-log-invalid", "get-log-wrong-type", "log-status-notification-refused"],
)
def test_tc_n_35_csms(station, dut):
    _log_success(station, dut, "SecurityLog")


@testcase(
    "TC_N_36_CSMS",
    "Retrieve Log Information - Second Request",
    table=668,
    catches=["get-log-invalid", "log-status-notification-refused", "log-status-canceled-refused"],
    warns=["get-log-same-request-id"],
)
def test_tc_n_36_csms(station, dut):
    states.booted(station, dut)
    station.step("1-2", "The CSMS sends a GetLog; the station accepts")
    first = _get_log(station, dut, None, "Accepted")
    station.step("3-4", "LogStatusNotification Uploading for the first request; answered")
    _log_status(station, "Uploading", first)
    station.step("5-6", "The CSMS sends a second GetLog; the station cancels the first upload")
    second = _get_log(station, dut, None, "AcceptedCanceled")
    # Beyond Part 6: the requestId is all that ties a status message to its upload
    # (N01.FR.07); with the same id twice the CSMS cannot tell the cancelled upload's
    # last message from the new upload's first.
    with station.beyond_octt("Part 6 TC_N_36_CSMS does not compare the two requestIds"):
        if second["requestId"] == first["requestId"]:
            second.entry.failing = True
            raise DutFailure(
                f"the CSMS gave its second GetLog the requestId of the first one "
                f"({first['requestId']}), while that upload was still under way",
                "expect:GetLog",
                second.entry.raw,
            )
    station.step("7-8", "LogStatusNotification AcceptedCanceled for the first request; answered")
    _log_status(station, "AcceptedCanceled", first)
    station.step("9-10", "LogStatusNotification Uploading for the second request; answered")
    _log_status(station, "Uploading", second)
    station.step("11-12", "LogStatusNotification Uploaded for the second request; answered")
    _log_status(station, "Uploaded", second)


# -- N09 / N10: customer information -----------------------------------------------------


#: a report is asked for with report true (N09.FR.01)
REPORT: customer.Flags = {"report": (True, "N09.FR.01")}
#: clear and report; Part 2 asks nothing of the clear flag itself
CLEAR_AND_REPORT: customer.Flags = {**REPORT, "clear": (True, "expect:CustomerInformation")}
#: clear only
CLEAR_ONLY: customer.Flags = {
    "report": (False, "expect:CustomerInformation"),
    "clear": (True, "expect:CustomerInformation"),
}


def _token_data(dut: Any, what: str) -> str:
    """What the station tells of the valid token: a line a person can read (the data
    has no prescribed format)."""
    tokens = dut.profile.tokens
    return (
        f"{what} idToken {tokens.valid} ({tokens.type}): authorization cache entry, 1 transaction"
    )


#: a station that holds nothing about the customer says so in one part with empty data
#: (N09.FR.06, N10.FR.04; the format of the data is free)
NO_DATA = ""

_REPORT_CATCHES = [
    "customer-information-invalid",
    "customer-information-no-report",
    "customer-information-no-reference",
    "customer-information-wrong-reference",
]


@testcase(
    "TC_N_27_CSMS",
    "Get Customer Information - Accepted + data",
    table=658,
    requirements=["N09.FR.01", "N09.FR.04"],
    catches=[*_REPORT_CATCHES, "notify-customer-information-not-supported"],
    warns=["customer-information-two-references"],
)
def test_tc_n_27_csms(station, dut):
    states.booted(station, dut)
    station.step("1-2", "The CSMS asks for the valid idToken's data; the station accepts")
    request = customer.valid_token_request(station, dut, "Accepted", flags=REPORT, rule="N09.FR.04")
    station.step("3-4", "NotifyCustomerInformation with the token's data; answered")
    customer.notify(station, request, _token_data(dut, "held:"))


@testcase(
    "TC_N_28_CSMS",
    "Get Customer Information - Accepted + no data",
    table=659,
    requirements=["N09.FR.01", "N09.FR.04"],
    catches=[*_REPORT_CATCHES, "notify-customer-information-not-supported"],
    warns=["customer-information-two-references"],
)
def test_tc_n_28_csms(station, dut):
    states.booted(station, dut)
    station.step("1-2", "The CSMS asks for the valid idToken's data; the station accepts")
    request = customer.valid_token_request(station, dut, "Accepted", flags=REPORT, rule="N09.FR.04")
    station.step("3-4", "NotifyCustomerInformation saying no data was found; answered")
    customer.notify(station, request, NO_DATA)


@testcase(
    "TC_N_29_CSMS",
    "Get Customer Information - Not Accepted",
    table=660,
    requirements=["N09.FR.01", "N09.FR.04"],
    catches=_REPORT_CATCHES,
    warns=["customer-information-two-references"],
)
def test_tc_n_29_csms(station, dut):
    states.booted(station, dut)
    station.step("1-2", "The CSMS asks for the valid idToken's data; the station answers Rejected")
    customer.valid_token_request(station, dut, "Rejected", flags=REPORT, rule="N09.FR.04")


#: what a clear is caught by, with the clear's rule for the reference
_CLEAR_CATCHES: dict[str, str | None] = {
    "customer-information-invalid": None,
    "customer-information-no-clear": None,
    "customer-information-no-reference": "N10.FR.08",
    "customer-information-wrong-reference": None,
    "notify-customer-information-not-supported": None,
}
_CLEAR_WARNS = {"customer-information-two-references": "N10.FR.08"}


def _clear_and_report(station: Any, dut: Any, data: str) -> None:
    """Tables 661 and 662: clear and report the valid idToken's data."""
    states.booted(station, dut)
    station.step("1-2", "The CSMS clears and reports the valid idToken's data; the station accepts")
    request = customer.valid_token_request(
        station, dut, "Accepted", flags=CLEAR_AND_REPORT, rule="N10.FR.08"
    )
    station.step("3-4", "NotifyCustomerInformation with what was cleared; answered")
    customer.notify(station, request, data)


@testcase(
    "TC_N_30_CSMS",
    "Clear Customer Information - Clear and report + data",
    table=661,
    requirements=["N10.FR.08"],
    catches={**_CLEAR_CATCHES, "customer-information-no-report": None},
    warns=_CLEAR_WARNS,
)
def test_tc_n_30_csms(station, dut):
    _clear_and_report(station, dut, _token_data(dut, "cleared:"))


@testcase(
    "TC_N_31_CSMS",
    "Clear Customer Information - Clear and report + no data",
    table=662,
    requirements=["N10.FR.08"],
    catches={**_CLEAR_CATCHES, "customer-information-no-report": None},
    warns=_CLEAR_WARNS,
)
def test_tc_n_31_csms(station, dut):
    _clear_and_report(station, dut, NO_DATA)


@testcase(
    "TC_N_32_CSMS",
    "Clear Customer Information - Clear and no report",
    table=663,
    requirements=["N10.FR.08"],
    catches={**_CLEAR_CATCHES, "customer-information-report-on-clear": None},
    warns=_CLEAR_WARNS,
)
def test_tc_n_32_csms(station, dut):
    states.booted(station, dut)
    station.step("1-2", "The CSMS clears the valid idToken's data, no report; the station accepts")
    request = customer.valid_token_request(
        station, dut, "Accepted", flags=CLEAR_ONLY, rule="N10.FR.08"
    )
    # Without a report the station still confirms the clear in one message (N10.FR.06).
    station.step("3-4", "NotifyCustomerInformation confirming the clear; answered")
    customer.notify(station, request, _token_data(dut, "cleared:"))


@testcase(
    "TC_N_62_CSMS",
    "Clear Customer Information - Clear and report - customerIdentifier",
    table=664,
    requirements=["N10.FR.08"],
    needs=["C-14"],
    catches={
        **_CLEAR_CATCHES,
        "customer-information-no-report": None,
        "customer-information-two-references": "N10.FR.08",
    },
)
def test_tc_n_62_csms(station, dut):
    states.booted(station, dut)
    station.step(
        "1-2", f"The CSMS clears and reports customer {CUSTOMER_IDENTIFIER}; the station accepts"
    )
    request = customer.request_customer_information(
        station,
        dut,
        "Accepted",
        customer_identifier=CUSTOMER_IDENTIFIER,
        report=True,
        clear=True,
    )
    # Tool validation of step 1 (with the errata of 2025-04: the customerIdentifier is
    # the only reference).
    request.expect(rule="N09.FR.01", report=True)
    request.expect(rule="expect:CustomerInformation", clear=True)
    customer.names_a_customer(request, "N10.FR.08")
    request.expect(rule="expect:CustomerInformation", customerIdentifier=CUSTOMER_IDENTIFIER)
    customer.names_only(request, "customerIdentifier", "N10.FR.08")
    station.step("3-4", "NotifyCustomerInformation with what was cleared; answered")
    customer.notify(
        station, request, f"cleared: customer {CUSTOMER_IDENTIFIER}: stored contract data"
    )
