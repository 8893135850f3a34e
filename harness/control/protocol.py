"""The HTTP control protocol: what the ``http`` adapter and a lab service say.

The harness POSTs ``{"action": "...", "params": {...}}`` (the action vocabulary of
:mod:`harness.control.vocabulary`). The service answers 200 ``{"ok": true, "result":
{...}}`` when the action is done, or an error ``{"ok": false, "code": "...", "error":
"..."}`` whose ``code`` says what the harness makes of it: ``cannot-do`` skips the case
(the step could not be done on this set-up, an honest *skipped*), ``refused`` fails the
case (the CSMS under test said no), every other code is a set-up *error* naming the
service's words. A machine-readable code, not a search of the
error text: a service may word its errors as it likes, in any language. The bundled
simulators' control endpoint (:mod:`harness.sim.control_api`) speaks it.
"""

from __future__ import annotations

import enum
from typing import Any

__all__ = ["ControlCode", "error_body"]


class ControlCode(enum.StrEnum):
    """Why a control service did not do an action."""

    #: the service has no way to do this action (not wired on this rig, not in its
    #: vocabulary): the case is skipped
    CANNOT_DO = "cannot-do"
    #: the action's parameters are missing or malformed
    INVALID_PARAMS = "invalid-params"
    #: the request itself is malformed (not JSON, wrong shape, wrong method or path)
    BAD_REQUEST = "bad-request"
    #: the service tried and the action failed
    FAILED = "failed"
    #: the CSMS under test refused the action (its API said no: the station is not
    #: allowed to, the token is blocked …): the DUT's failure, not the set-up's
    REFUSED = "refused"


def error_body(code: ControlCode, error: str) -> dict[str, Any]:
    """The JSON body of an error answer."""
    return {"ok": False, "code": code.value, "error": error}
