"""Diagnostics of the simulated 2.0.1 CSMS (Part 2 block N: N01 log upload, N09/N10
customer information): the actions ``get_log`` and ``customer_information``, and the
answers to what the station sends back, LogStatusNotification and
NotifyCustomerInformation.

``get_log`` sends GetLog for ``log_type`` (DiagnosticsLog unless told otherwise) with
``remote_location`` as the upload URL, or a URL of the CSMS's own choosing: nobody
uploads anything in a self-test, the URL only has to be well-formed. The upload itself
is HTTP(S) or FTP outside OCPP; what the CSMS sees of it over OCPP is the station's
LogStatusNotifications, which it takes as they come and answers with an empty payload.

``customer_information`` sends CustomerInformation with the ``report`` and ``clear``
flags it is given (report defaults to true, clear to false) and one reference to the
customer (N09.FR.04, N10.FR.08): ``customer_identifier`` when given, else ``token``
(with ``token_type``). The station's NotifyCustomerInformation parts are answered with
an empty payload.

Each request gets a requestId of its own, counted per CSMS from 1 (the option
``request-ids-from-large`` starts them far from 1, as a CSMS that numbers its
requests across all stations does). What the station reported is kept per station
identity (:func:`reports_of`), so the self-tests can see what arrived.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harness.sim.blocks import CSMS, Block
from harness.sim.csms_actions import CsmsAction, send
from harness.sim.declare import V201, Defect, declare
from harness.sim.errors import InvalidParams, UnsupportedAction
from harness.sim.peer import Reply

if TYPE_CHECKING:
    from harness.sim.csms import SimCsms
    from harness.sim.csms_handlers import Caller

__all__ = ["ACTIONS", "BLOCKS", "DEFECTS", "Reports", "reports_of"]

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # get_log
    Defect(
        "get-log-invalid",
        "csms",
        V201,
        "sends GetLog without log.remoteLocation (the upload URL)",
        "schema:GetLogRequest:required",
    ),
    # get_log
    Defect(
        "get-log-wrong-type",
        "csms",
        V201,
        "get_log asks the station for the other log type than the one it was asked for "
        "(SecurityLog for DiagnosticsLog and the reverse)",
        "expect:GetLog",
    ),
    # get_log
    Defect(
        "get-log-same-request-id",
        "csms",
        V201,
        "gives every GetLog requestId 1, so a second upload's notifications cannot be told "
        "from the first's",
        "expect:GetLog",
    ),
    # log_status_notification
    Defect(
        "log-status-notification-refused",
        "csms",
        V201,
        "answers LogStatusNotification with CALLERROR NotImplemented (a CSMS without log "
        "uploads; TC_F_15_CSMS and the N01 cases catch it)",
        "answer:LogStatusNotification",
    ),
    # log_status_notification
    Defect(
        "log-status-canceled-refused",
        "csms",
        V201,
        "answers a LogStatusNotification with status AcceptedCanceled with CALLERROR "
        "PropertyConstraintViolation (it knows only the statuses of an upload that runs)",
        "answer:LogStatusNotification",
    ),
    # customer_information
    Defect(
        "customer-information-invalid",
        "csms",
        V201,
        "sends CustomerInformation without a requestId",
        "schema:CustomerInformationRequest:required",
    ),
    # customer_information
    Defect(
        "customer-information-no-report",
        "csms",
        V201,
        "customer_information asked for a report sends report false",
        "N09.FR.01",
    ),
    # customer_information
    Defect(
        "customer-information-no-clear",
        "csms",
        V201,
        "customer_information asked to clear sends clear false",
        "expect:CustomerInformation",
    ),
    # customer_information
    Defect(
        "customer-information-report-on-clear",
        "csms",
        V201,
        "customer_information asked to clear without a report sends report true",
        "expect:CustomerInformation",
    ),
    # customer_information
    Defect(
        "customer-information-no-reference",
        "csms",
        V201,
        "sends CustomerInformation with neither idToken nor customerIdentifier nor "
        "customerCertificate",
        "N09.FR.04",
    ),
    # customer_information
    Defect(
        "customer-information-two-references",
        "csms",
        V201,
        "names the customer twice in CustomerInformation: a customerIdentifier beside the "
        "idToken, or its default idToken beside the customerIdentifier",
        "N09.FR.04",
    ),
    # customer_information
    Defect(
        "customer-information-wrong-reference",
        "csms",
        V201,
        "customer_information names another customer than the one it was given (the last "
        "character of the idToken or customerIdentifier changed)",
        "expect:CustomerInformation",
    ),
    # notify_customer_information
    Defect(
        "notify-customer-information-not-supported",
        "csms",
        V201,
        "answers every NotifyCustomerInformation with CALLERROR NotSupported",
        "answer:NotifyCustomerInformation",
    ),
)

#: the first requestId with the option request-ids-from-large
LARGE_FIRST_REQUEST_ID = 7_340_001


@dataclass
class Reports:
    """What one station reported to the CSMS about its logs and its customers."""

    #: LogStatusNotification payloads, in order
    log_statuses: list[dict[str, Any]] = field(default_factory=list)
    #: NotifyCustomerInformation payloads, in order
    customer_parts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Diagnostics:
    """This module's state of one simulated CSMS (kept here, not on the CSMS, so the
    module adds what it needs without touching the CSMS's own record)."""

    request_ids: Iterator[int]
    reports: dict[str, Reports] = field(default_factory=dict)


_STATE: weakref.WeakKeyDictionary[SimCsms, _Diagnostics] = weakref.WeakKeyDictionary()


def _state(csms: SimCsms) -> _Diagnostics:
    state = _STATE.get(csms)
    if state is None:
        first = LARGE_FIRST_REQUEST_ID if csms.has_option("request-ids-from-large") else 1
        state = _Diagnostics(itertools.count(first))
        _STATE[csms] = state
    return state


def reports_of(csms: SimCsms, identity: str) -> Reports:
    """What station ``identity`` reported to ``csms`` so far (empty if nothing)."""
    return _state(csms).reports.setdefault(identity, Reports())


def _next_request_id(csms: SimCsms) -> int:
    request_id = next(_state(csms).request_ids)
    return 1 if csms.has("get-log-same-request-id") else request_id


def _flag(params: dict[str, Any], name: str, default: bool) -> bool:
    """A boolean parameter; the control API may carry it as text ("true", "false")."""
    value = params.get(name, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise InvalidParams(f"{name} must be true or false, not {value!r}")


def _other_last_character(value: str) -> str:
    """``value`` with its last character changed, the length kept (a near miss)."""
    return value[:-1] + ("1" if value.endswith("0") else "0")


# -- N01: GetLog --------------------------------------------------------------------------

_LOG_TYPES = ("DiagnosticsLog", "SecurityLog")


def _upload_url(csms: SimCsms, params: dict[str, Any]) -> str:
    """Where the station is told to upload: the given URL, or one the CSMS picks (its
    own host; nothing listens there for uploads, none is made in a self-test)."""
    given = params.get("remote_location")
    if given is not None:
        return str(given)
    return f"http://{csms.host}:{csms.port}/logs/"


def _time_window() -> dict[str, str]:
    """The last day, as GetLog's oldestTimestamp and latestTimestamp."""
    now = _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    day_ago = now - _dt.timedelta(days=1)
    return {
        "oldestTimestamp": day_ago.isoformat().replace("+00:00", "Z"),
        "latestTimestamp": now.isoformat().replace("+00:00", "Z"),
    }


async def get_log(csms: SimCsms, params: dict[str, Any]) -> dict[str, Any]:
    """N01: GetLog for ``log_type`` to ``remote_location`` (or the CSMS's own URL)."""
    if csms.version.value != "2.0.1":
        raise UnsupportedAction("get_log")
    log_type = str(params.get("log_type", "DiagnosticsLog"))
    if log_type not in _LOG_TYPES:
        raise InvalidParams(f"log_type must be one of {', '.join(_LOG_TYPES)}, not {log_type!r}")
    if csms.has("get-log-wrong-type"):
        log_type = _LOG_TYPES[1 - _LOG_TYPES.index(log_type)]
    log: dict[str, Any] = {"remoteLocation": _upload_url(csms, params)}
    if csms.has("get-log-invalid"):
        del log["remoteLocation"]
    payload: dict[str, Any] = {
        "logType": log_type,
        "requestId": _next_request_id(csms),
        "log": log,
    }
    if csms.has_option("get-log-time-window"):
        # a legal richer request: a time window and a retry policy of its own
        log.update(_time_window())
        payload["retries"] = 2
        payload["retryInterval"] = 30
    return await send(csms, params, "GetLog", payload)


async def log_status_notification(caller: Caller, payload: dict[str, Any]) -> Reply:
    """N01: the upload's progress is recorded; the answer is empty."""
    csms = caller.csms
    if csms.has("log-status-notification-refused"):
        return Reply(
            error_code="NotImplemented", description="LogStatusNotification is not implemented"
        )
    if payload.get("status") == "AcceptedCanceled" and csms.has("log-status-canceled-refused"):
        return Reply(
            error_code="PropertyConstraintViolation",
            description="unknown upload status AcceptedCanceled",
        )
    reports_of(csms, caller.record.identity).log_statuses.append(payload)
    return Reply({})


# -- N09 / N10: CustomerInformation -----------------------------------------------------


def _reference(csms: SimCsms, params: dict[str, Any]) -> dict[str, Any]:
    """The one reference to the customer a CustomerInformation carries (N09.FR.04)."""
    wrong = csms.has("customer-information-wrong-reference")
    identifier = params.get("customer_identifier")
    if identifier is not None:
        text = str(identifier)
        reference: dict[str, Any] = {
            "customerIdentifier": _other_last_character(text) if wrong else text
        }
        if csms.has("customer-information-two-references"):
            reference["idToken"] = {"idToken": csms.default_token, "type": "ISO14443"}
        return reference
    if params.get("token") is None:
        raise InvalidParams("customer_information needs token or customer_identifier")
    token = str(params["token"])
    reference = {
        "idToken": {
            "idToken": _other_last_character(token) if wrong else token,
            "type": str(params.get("token_type", "ISO14443")),
        }
    }
    if csms.has("customer-information-two-references"):
        reference["customerIdentifier"] = f"customer-of-{token}"[:64]
    return reference


async def customer_information(csms: SimCsms, params: dict[str, Any]) -> dict[str, Any]:
    """N09/N10: CustomerInformation with the given flags about the given customer."""
    if csms.version.value != "2.0.1":
        raise UnsupportedAction("customer_information")
    report = _flag(params, "report", True)
    clear = _flag(params, "clear", False)
    if report and csms.has("customer-information-no-report"):
        report = False
    if clear and csms.has("customer-information-no-clear"):
        clear = False
    if clear and not report and csms.has("customer-information-report-on-clear"):
        report = True
    payload: dict[str, Any] = {
        "requestId": next(_state(csms).request_ids),
        "report": report,
        "clear": clear,
        **_reference(csms, params),
    }
    if csms.has("customer-information-invalid"):
        del payload["requestId"]
    if csms.has("customer-information-no-reference"):
        for key in ("idToken", "customerIdentifier", "customerCertificate"):
            payload.pop(key, None)
    return await send(csms, params, "CustomerInformation", payload)


async def notify_customer_information(caller: Caller, payload: dict[str, Any]) -> Reply:
    """N09/N10: each part of the report is recorded; the answer is empty."""
    csms = caller.csms
    if csms.has("notify-customer-information-not-supported"):
        return Reply(
            error_code="NotSupported", description="NotifyCustomerInformation not supported"
        )
    reports_of(csms, caller.record.identity).customer_parts.append(payload)
    return Reply({})


#: the actions this module adds to the CSMS's vocabulary (csms_actions.FEATURE_MODULES)
ACTIONS: dict[str, CsmsAction] = {
    "get_log": get_log,
    "customer_information": customer_information,
}

#: the station's diagnostics messages, answered by the CSMS (csms_handlers.COMPOSED)
BLOCKS: tuple[Block[Caller], ...] = (
    Block(
        "diagnostics",
        V201,
        {
            "LogStatusNotification": log_status_notification,
            "NotifyCustomerInformation": notify_customer_information,
        },
        sides=CSMS,
    ),
)
