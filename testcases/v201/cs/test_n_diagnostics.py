"""Block N, Diagnostics — OCPP 2.0.1, the DUT is a charging station (harness = CSMS).

Log upload (N01) and customer information (N09, N10). Each case follows its table in
OCPP 2.0.1 Part 6 (Edition 3 with the errata to 2025-09); its numbered steps are the
``csms.step(...)`` calls.
"""

import pytest

from harness import DutFailure, testcase
from harness.states import cs_memory as memory
from harness.states import cs_transactions as tx_states
from harness.steps import device_model as dm
from harness.steps.idle import leave_idle

BLOCK = "N Diagnostics"

LOCAL_LIST_ENABLED = dm.Variable("LocalAuthListCtrlr", "Enabled")
LOCAL_PRE_AUTHORIZE = dm.Variable("AuthCtrlr", "LocalPreAuthorize")
CACHE_ENABLED = dm.Variable("AuthCacheCtrlr", "Enabled")

#: the statuses a LogStatusNotification may report a failed upload with (N01.FR.10)
UPLOAD_FAILED = ("UploadFailure", "BadMessage", "PermissionDenied", "NotSupportedOperation")
#: the statuses after which an upload is over
UPLOAD_OVER = ("Uploaded", *UPLOAD_FAILED)

#: Part 6 TC_N_26_CS: the GetLog asks for three retries
LOG_RETRIES = 3


# -- log upload (N01) --------------------------------------------------------------------------


def _location(value: str, key: str) -> str:
    """A Part 6 <Configured …> location of the profile, or a skip when it is not set."""
    if not value:
        pytest.skip(f"{key} is not set in the DUT profile (Part 6 needs it for this case)")
    return value


def _transfer_timeout(dut) -> float:
    """How long the harness gives a station to report the end of a transfer: as long as
    a connection of the station may take, and a response."""
    return dut.timeouts.connect + dut.timeouts.response


def _get_log(csms, log_type: str, request_id: int, location: str, **extra):
    """GetLog for ``log_type`` to ``location`` with ``request_id``; the Response."""
    return csms.call(
        "GetLog",
        logType=log_type,
        requestId=request_id,
        log={"remoteLocation": location},
        **extra,
    )


def _upload_over(csms, dut, mark: int) -> None:
    """After the case, passed or failed: wait (bounded) until the upload the case began
    after ``mark`` has ended, so the next case finds no upload running (Part 6 §2.1)."""
    for _ in range(LOG_RETRIES + 2):
        received = csms.received("LogStatusNotification", after=mark)
        if any(message.get("status") in UPLOAD_OVER for message in received):
            return
        csms.expect("LogStatusNotification", timeout=_transfer_timeout(dut))


def _same_request(message, request_id: int) -> None:
    """The LogStatusNotification carries the requestId (N01.FR.13) of the GetLog that
    started the upload (N01.FR.07)."""
    if "requestId" not in message.payload:
        message.entry.failing = True
        raise DutFailure(
            f"LogStatusNotification {message.get('status')} (frame {message.entry.seq}) has no "
            "requestId, though it reports an upload a GetLog started",
            "N01.FR.13",
            message.entry.raw,
        )
    message.expect(rule="N01.FR.07", requestId=request_id)


def _log_status(csms, request_id: int, status: str, *, rule: str, timeout=None):
    """The station's next LogStatusNotification: ``status`` (``rule``), for the request."""
    message = csms.expect("LogStatusNotification", timeout=timeout, rule=rule)
    message.expect(rule=rule, status=status)
    _same_request(message, request_id)
    return message


def _log_uploaded(csms, dut, log_type: str, request_id: int, *, filename: bool) -> None:
    """Tables 358 and 370: GetLog for ``log_type`` to the configured location, Accepted
    (with a file name, where ``filename``); Uploading, then Uploaded, for the request."""
    location = _location(dut.profile.harness.log_location, "harness.log_location")
    mark = csms.mark()
    csms.finally_do("the log upload has ended", _upload_over, csms, dut, mark)
    csms.step("1-2", f"GetLog {log_type} to the configured log location: Accepted")
    response = _get_log(csms, log_type, request_id, location).expect(
        rule="N01.FR.01", status="Accepted"
    )
    if filename and not response.get("filename"):
        raise DutFailure(
            "GetLogResponse Accepted without a file name (omitted or empty)",
            "N01.FR.01",
            response.raw,
        )
    csms.step("3-4", "LogStatusNotification Uploading, for the request")
    _log_status(csms, request_id, "Uploading", rule="N01.FR.08")
    csms.step("5-6", "LogStatusNotification Uploaded, for the request")
    _log_status(csms, request_id, "Uploaded", rule="N01.FR.09", timeout=_transfer_timeout(dut))


@testcase(
    "TC_N_25_CS",
    "Retrieve Log Information - Diagnostics Log - Success",
    table=358,
    requirements=[
        "N01.FR.01",
        "N01.FR.02",
        "N01.FR.04",
        "N01.FR.07",
        "N01.FR.08",
        "N01.FR.09",
        "N01.FR.13",
    ],
    catches=[
        "get-log-no-filename",
        "log-no-uploading-status",
        "log-uploaded-not-reported",
        "log-status-wrong-request-id",
        "log-status-no-request-id",
    ],
)
def test_tc_n_25_cs(csms, dut):
    # Part 6 step 5 says "Updated", a slip for Uploaded (N01.FR.09, the N01 sequence).
    _log_uploaded(csms, dut, "DiagnosticsLog", 2501, filename=True)


@testcase(
    "TC_N_35_CS",
    "Retrieve Log Information - Security Log - Success",
    table=370,
    requirements=[
        "N01.FR.01",
        "N01.FR.02",
        "N01.FR.03",
        "N01.FR.07",
        "N01.FR.08",
        "N01.FR.09",
        "N01.FR.13",
    ],
    catches=[
        "log-no-uploading-status",
        "log-uploaded-not-reported",
        "log-status-wrong-request-id",
        "log-status-no-request-id",
    ],
)
def test_tc_n_35_cs(csms, dut):
    _log_uploaded(csms, dut, "SecurityLog", 3501, filename=False)


@testcase(
    "TC_N_26_CS",
    "Retrieve Log Information - Diagnostics Log - Upload failed",
    table=359,
    requirements=[
        "N01.FR.01",
        "N01.FR.02",
        "N01.FR.04",
        "N01.FR.07",
        "N01.FR.08",
        "N01.FR.10",
        "N01.FR.13",
    ],
    catches=[
        "log-no-uploading-status",
        "log-failure-reported-uploaded",
        "log-upload-not-retried",
        "log-status-wrong-request-id",
        "log-status-no-request-id",
    ],
)
def test_tc_n_26_cs(csms, dut):
    # Errata 2025-01: the location is one whose path does not exist.
    location = _location(dut.profile.harness.log_location_missing, "harness.log_location_missing")
    interval = dut.timers.log_retry_interval
    deviation = dut.profile.tolerances.time_deviation
    request_id = 2601
    mark = csms.mark()
    csms.finally_do("the log upload has ended", _upload_over, csms, dut, mark)
    csms.step("1-2", f"GetLog DiagnosticsLog, retries {LOG_RETRIES}, retryInterval {interval} s")
    _get_log(
        csms,
        "DiagnosticsLog",
        request_id,
        location,
        retries=LOG_RETRIES,
        retryInterval=interval,
    ).expect(rule="N01.FR.01", status="Accepted")
    csms.step("3-4", "LogStatusNotification Uploading, for the request")
    first = _log_status(csms, request_id, "Uploading", rule="N01.FR.08")
    csms.step("5-6", "The failure, after the retries: UploadFailure or another failure status")
    # Errata 2025-01: the test system waits at least three retry intervals; the last
    # attempt's failure may take a response to arrive.
    csms.hold_for(
        LOG_RETRIES * interval + deviation + dut.timeouts.response,
        "Part 6: three retry intervals, in which the station tries the upload again",
    )
    reports = csms.received("LogStatusNotification", after=mark)
    for report in reports:
        if report is not first:  # checked at step 3
            _same_request(report, request_id)
    failed = [report for report in reports if report.get("status") in UPLOAD_FAILED]
    for report in reports:
        if report.get("status") == "Uploaded":
            report.entry.failing = True
            raise DutFailure(
                f"LogStatusNotification Uploaded (frame {report.entry.seq}) for an upload to "
                "a path that does not exist",
                "N01.FR.10",
                report.entry.raw,
            )
    if not failed:
        raise DutFailure(
            f"no LogStatusNotification reporting the failed upload within "
            f"{LOG_RETRIES} retry intervals of {interval} s",
            "N01.FR.10",
            first.entry.raw,
        )
    attempts = LOG_RETRIES + 1
    uploading = [report for report in reports if report.get("status") == "Uploading"]
    for what, found in (("Uploading", uploading), ("a failure status", failed)):
        # Errata 2025-01: once for the upload, or once for each attempt.
        if len(found) not in (1, attempts):
            raise DutFailure(
                f"{what} reported {len(found)} times; once, or once for each of the "
                f"{attempts} attempts, is what the retries allow",
                "N01.FR.10",
                found[-1].entry.raw,
            )
    gap = failed[-1].entry.t - first.entry.t
    if gap < LOG_RETRIES * interval - deviation:
        failed[-1].entry.failing = True
        raise DutFailure(
            f"the upload was given up {gap:.1f} s after it began; {LOG_RETRIES} retries "
            f"{interval} s apart take {LOG_RETRIES * interval} s",
            "N01.FR.10",
            failed[-1].entry.raw,
        )


@testcase(
    "TC_N_36_CS",
    "Retrieve Log Information - Second Request",
    table=371,
    requirements=[
        "N01.FR.01",
        "N01.FR.02",
        "N01.FR.03",
        "N01.FR.07",
        "N01.FR.08",
        "N01.FR.09",
        "N01.FR.12",
        "N01.FR.13",
    ],
    catches=[
        "get-log-cancel-answered-accepted",
        "log-cancel-not-notified",
        "log-no-uploading-status",
        "log-uploaded-not-reported",
        "log-status-wrong-request-id",
    ],
)
def test_tc_n_36_cs(csms, dut):
    # <Configured logType>: the diagnostics log, which every station has (TC_N_25_CS).
    location = _location(dut.profile.harness.log_location, "harness.log_location")
    first, second = 3601, 3602
    mark = csms.mark()
    csms.finally_do("the log upload has ended", _upload_over, csms, dut, mark)
    csms.step("1-2", "GetLog DiagnosticsLog to the configured log location: Accepted")
    _get_log(csms, "DiagnosticsLog", first, location).expect(rule="N01.FR.01", status="Accepted")
    csms.step("3-4", "LogStatusNotification Uploading, for the first request")
    _log_status(csms, first, "Uploading", rule="N01.FR.08")
    csms.step("5-6", "A second GetLog while the first uploads: AcceptedCanceled")
    _get_log(csms, "DiagnosticsLog", second, location).expect(
        rule="N01.FR.12", status="AcceptedCanceled"
    )
    # Errata 2025-04: step 7 may come before the answer of step 6.
    csms.step("7-8", "LogStatusNotification AcceptedCanceled, for the first request")
    _log_status(csms, first, "AcceptedCanceled", rule="N01.FR.20")
    csms.step("9-10", "LogStatusNotification Uploading, for the second request")
    _log_status(csms, second, "Uploading", rule="N01.FR.08")
    csms.step("11-12", "LogStatusNotification Uploaded, for the second request")
    _log_status(csms, second, "Uploaded", rule="N01.FR.09", timeout=_transfer_timeout(dut))


# -- customer information (N09, N10) -----------------------------------------------------------


def _valid_token(dut) -> dict[str, str]:
    """Part 6 <Configured valid idToken fields>: the profile's valid token and type."""
    return {"idToken": dut.tokens.valid, "type": dut.tokens.type}


def _ask(csms, request_id: int, *, report: bool, clear: bool, rule: str, **reference):
    """CustomerInformation about the customer ``reference`` names, Accepted (``rule``)."""
    csms.call(
        "CustomerInformation", requestId=request_id, report=report, clear=clear, **reference
    ).expect(rule=rule, status="Accepted")


def _report(csms, request_id: int, *, rule: str) -> list:
    """Every NotifyCustomerInformation of request ``request_id``: numbered from seqNo 0,
    each with the requestId, the last with tbc absent or false (all parts received).
    Each part waits at most a response timeout."""
    parts = []
    while True:
        part = csms.expect("NotifyCustomerInformation", rule=rule)
        part.expect(rule=rule, requestId=request_id, seqNo=len(parts))
        parts.append(part)
        if not part.get("tbc", False):
            return parts


def _one_message(csms, request_id: int, *, rule: str):
    """The single NotifyCustomerInformation of a request that finds nothing (or only
    clears): seqNo 0, tbc not true."""
    part = csms.expect("NotifyCustomerInformation", rule=rule)
    part.expect(rule=rule, requestId=request_id, seqNo=0)
    if part.get("tbc", False):
        part.entry.failing = True
        raise DutFailure(
            f"NotifyCustomerInformation (frame {part.entry.seq}) says tbc true: more parts, "
            "where one message was due",
            rule,
            part.entry.raw,
        )
    return part


def _holds_data(parts: list, *, rule: str) -> None:
    """Part 6: the report's data is not empty (the station holds the customer's data)."""
    if not parts[0].get("data"):
        parts[0].entry.failing = True
        raise DutFailure(
            f"NotifyCustomerInformation (frame {parts[0].entry.seq}) has empty data for a "
            "customer the station holds data about",
            rule,
            parts[0].entry.raw,
        )


def _customer_with_data(csms, dut) -> None:
    """Tables 360 and 363, Before: the configured valid token is in the Authorization
    Cache and on the Local Authorization List (where the station has them, with local
    pre-authorization on), and a driver was authorized with it locally, the EV leaving
    the bay after (Authorized, ParkingBayUnoccupied: its transaction ends)."""
    cache = dm.configure_if_implemented(csms, CACHE_ENABLED, "true")
    listed = dm.configure_if_implemented(csms, LOCAL_LIST_ENABLED, "true")
    dm.configure_if_implemented(csms, LOCAL_PRE_AUTHORIZE, "true")
    if cache:
        csms.comment("Memory state IdTokenCached for the valid token")
        memory.id_token_cached(csms, dut)
    if listed:
        csms.comment("Memory state IdTokenLocalAuthList for the valid token")
        memory.id_token_local_auth_list(csms, dut)
    csms.comment("Reusable states Authorized (local) and ParkingBayUnoccupied")
    tx = tx_states.authorized(csms, dut, method="local")
    csms.finally_do(f"leave EVSE {tx.evse} idle", leave_idle, csms, dut, tx)
    tx_states.parking_bay_unoccupied(csms, dut, tx)


def _cleared_first(csms, dut, request_id: int) -> None:
    """Clear the customer information of the valid token (clear, no report), Accepted,
    and the one message saying so (N10.FR.06): no data of it is left but the list's."""
    _ask(csms, request_id, report=False, clear=True, rule="N10.FR.01", idToken=_valid_token(dut))
    _one_message(csms, request_id, rule="N10.FR.06")


def _answered_once(
    csms, dut, request_id: int, *, report: bool, clear: bool, rules: tuple[str, str]
) -> None:
    """Tables 361, 364 and 365 steps 1-4: CustomerInformation with these flags for the
    valid idToken, Accepted (``rules[0]``), and the one NotifyCustomerInformation that
    says no data was found, or that the data is cleared (``rules[1]``)."""
    flags = " and ".join(name for name, on in (("report", report), ("clear", clear)) if on)
    csms.step("1-2", f"CustomerInformation {flags} for the valid idToken: Accepted")
    _ask(csms, request_id, report=report, clear=clear, rule=rules[0], idToken=_valid_token(dut))
    found = "the data is cleared" if not report else "no data found"
    csms.step("3-4", f"One NotifyCustomerInformation, tbc not true: {found}")
    _one_message(csms, request_id, rule=rules[1])


@testcase(
    "TC_N_27_CS",
    "Get Customer Information - Accepted + data",
    table=360,
    requirements=["N09.FR.02", "N09.FR.05"],
    catches=[
        "customer-info-rejected",
        "customer-info-not-reported",
        "customer-info-empty-report",
        "customer-info-parts-unfinished",
    ],
)
def test_tc_n_27_cs(csms, dut):
    _customer_with_data(csms, dut)
    request_id = 2701
    csms.step("1-2", "CustomerInformation report true for the valid idToken: Accepted")
    _ask(csms, request_id, report=True, clear=False, rule="N09.FR.02", idToken=_valid_token(dut))
    csms.step("3-4", "NotifyCustomerInformation with data, until tbc is no longer true")
    parts = _report(csms, request_id, rule="N09.FR.05")
    _holds_data(parts, rule="N09.FR.05")


@testcase(
    "TC_N_28_CS",
    "Get Customer Information - Accepted + no data",
    table=361,
    requirements=["N09.FR.02", "N09.FR.06"],
    catches=["customer-info-rejected", "customer-info-silent-without-data"],
)
def test_tc_n_28_cs(csms, dut):
    csms.comment("Memory state: the customer information of the valid idToken is cleared")
    _cleared_first(csms, dut, 2800)
    _answered_once(csms, dut, 2801, report=True, clear=False, rules=("N09.FR.02", "N09.FR.06"))


@testcase(
    "TC_N_30_CS",
    "Clear Customer Information - Clear and report + data",
    table=363,
    requirements=["N10.FR.01", "N10.FR.03"],
    catches={
        "customer-clear-rejected": "N10.FR.01",
        "customer-info-not-reported": "N10.FR.03",
        "customer-info-empty-report": "N10.FR.03",
        "customer-info-parts-unfinished": "N10.FR.03",
    },
)
def test_tc_n_30_cs(csms, dut):
    _customer_with_data(csms, dut)
    token = _valid_token(dut)
    csms.step("1-2", "CustomerInformation report and clear for the valid idToken: Accepted")
    _ask(csms, 3001, report=True, clear=True, rule="N10.FR.01", idToken=token)
    csms.step("3-4", "NotifyCustomerInformation with the cleared data, until tbc is not true")
    _holds_data(_report(csms, 3001, rule="N10.FR.03"), rule="N10.FR.03")
    csms.step("5-6", "CustomerInformation report true for the valid idToken")
    response = csms.call(
        "CustomerInformation", requestId=3002, report=True, clear=False, idToken=token
    )
    if response.get("status") == "Accepted":
        # Step 7 is due only when step 6 accepted; its last part says tbc not true. The
        # local list entry may still be reported (N10.FR.03 keeps it).
        csms.step("7-8", "The report of what is left, until tbc is not true")
        _report(csms, 3002, rule="N10.FR.03")


@testcase(
    "TC_N_31_CS",
    "Clear Customer Information - Clear and report + no data",
    table=364,
    requirements=["N10.FR.01", "N10.FR.04"],
    catches={
        "customer-clear-rejected": "N10.FR.01",
        "customer-info-silent-without-data": "N10.FR.04",
    },
)
def test_tc_n_31_cs(csms, dut):
    # The prerequisite (no data about the valid token) is the harness's to make true on
    # a station earlier cases authorized that token at.
    with csms.beyond_octt("Part 6 presumes the station holds nothing about the token"):
        _cleared_first(csms, dut, 3100)
    _answered_once(csms, dut, 3101, report=True, clear=True, rules=("N10.FR.01", "N10.FR.04"))


@testcase(
    "TC_N_32_CS",
    "Clear Customer Information - Clear and no report",
    table=365,
    requirements=["N10.FR.01", "N10.FR.06"],
    catches={"customer-clear-rejected": "N10.FR.01", "customer-clear-not-notified": "N10.FR.06"},
)
def test_tc_n_32_cs(csms, dut):
    _answered_once(csms, dut, 3201, report=False, clear=True, rules=("N10.FR.01", "N10.FR.06"))


@testcase(
    "TC_N_62_CS",
    "Clear Customer Information - Clear and report - customerIdentifier",
    table=366,
    requirements=["N10.FR.01", "N10.FR.03"],
    catches={
        "customer-clear-rejected": "N10.FR.01",
        "customer-info-not-reported": "N10.FR.03",
        "customer-info-empty-report": "N10.FR.03",
        "customer-info-parts-unfinished": "N10.FR.03",
        "customer-info-not-cleared": "N10.FR.03",
        "customer-info-rejected": "N09.FR.02",
        "customer-info-silent-without-data": "N09.FR.06",
    },
)
def test_tc_n_62_cs(csms, dut):
    identifier = dut.profile.harness.customer_identifier
    csms.comment("Memory state: the tester stores the configured customerIdentifier")
    dut.act("store_customer_identifier", customer_identifier=identifier)
    csms.step("1-2", "CustomerInformation report and clear for the customerIdentifier: Accepted")
    _ask(csms, 6201, report=True, clear=True, rule="N10.FR.01", customerIdentifier=identifier)
    csms.step("3-4", "NotifyCustomerInformation with the cleared data, until tbc is not true")
    cleared = _report(csms, 6201, rule="N10.FR.03")
    _holds_data(cleared, rule="N10.FR.03")
    # Steps 5-6 only ask for a report (no clear): that is a Get Customer Information (N09),
    # whose Accepted is N09.FR.02, not the clear's N10.FR.01.
    csms.step("5-6", "CustomerInformation report, no clear, for the customerIdentifier: Accepted")
    _ask(csms, 6202, report=True, clear=False, rule="N09.FR.02", customerIdentifier=identifier)
    csms.step("7-8", "NotifyCustomerInformation with empty data: nothing is left")
    left = _report(csms, 6202, rule="N09.FR.06")
    before = {part.get("data") for part in cleared}
    for part in left:
        if part.get("data") and part.get("data") in before:
            part.entry.failing = True
            raise DutFailure(
                f"NotifyCustomerInformation (frame {part.entry.seq}) reports again what the "
                "clear reported as cleared",
                "N10.FR.03",
                part.entry.raw,
            )
    with csms.octt_expects("Part 6 takes only empty data; N09.FR.06 lets a station say it"):
        if len(left) > 1 or left[0].get("data"):
            raise DutFailure(
                "the report after the clear is not one NotifyCustomerInformation with empty data",
                "N09.FR.06",
                left[-1].entry.raw,
            )
