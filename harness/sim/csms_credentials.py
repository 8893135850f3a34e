"""The station credentials of the simulated CSMS: ``set_station_password``, the
provisioning step a lab does before a run with security profile 1 or 2.

The simulated CSMS checks HTTP Basic auth when it was given a passwords table
(``--station-password-env``, or the harness's DUT profile with a password): the
WebSocket handshake (:mod:`harness.sim.csms_handshake`) holds the Authorization header
against that table (2.0.1 A00.FR.207). This action replaces one station's entry, so
its next connection must carry the new password and the old one is refused, as a CSMS
that takes a password change does (A01.FR.03). A connection already open stays open:
credentials are checked at the handshake only.

The value is kept as it must be compared, but never returned or logged: the control
API's answer reaches the harness's trace (A01.FR.09 asks as much of a real CSMS).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.secrets import Secret
from harness.sim.csms_actions import CsmsAction
from harness.sim.errors import InvalidParams

if TYPE_CHECKING:
    from harness.sim.csms import SimCsms

__all__ = ["ACTIONS", "set_station_password"]


async def set_station_password(csms: SimCsms, params: dict[str, Any]) -> dict[str, Any]:
    """Make ``params["password"]`` the Basic auth password of the station
    ``params["identity"]`` (default: the one station the CSMS has a password for, else
    the one that connected last). A CSMS that checks no Basic auth has nothing to
    change: it says so (``basic_auth: false``) and goes on accepting every station."""
    given = params.get("password")
    password = Secret(given) if isinstance(given, str) else given
    if not isinstance(password, Secret) or not password.reveal():
        raise InvalidParams("set_station_password needs password: a non-empty string")
    if csms.passwords is None:
        return {"basic_auth": False}
    identity = _station_of(csms, params.get("identity"))
    csms.passwords[identity] = password.reveal()
    return {"basic_auth": True, "identity": identity}


def _station_of(csms: SimCsms, identity: object) -> str:
    """The station whose password is set: the one named, the only one the CSMS has a
    password for, or the one that connected last."""
    if isinstance(identity, str) and identity:
        return identity
    known = list(csms.passwords or {})
    if len(known) == 1:
        return known[0]
    if csms.last_identity is not None:
        return csms.last_identity
    raise InvalidParams("set_station_password: which station? give identity")


ACTIONS: dict[str, CsmsAction] = {"set_station_password": set_station_password}
