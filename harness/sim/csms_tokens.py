"""The token authority of the simulated CSMS (2.0.1 Part 2 block C): which idTokens it
knows and in which state, and the one CSMS action of that block, ``clear_cache`` (C11).

The CSMS knows the tokens the DUT profile configures (:class:`harness.dut.Tokens`), as
an operator would have set them up for a run: valid, valid2 and group are Accepted
(valid and group share the profile's group id, C09.FR.02), master_pass is Accepted in
the master pass group (C16), blocked is Blocked, expired is Expired, invalid is
Invalid. A token it has no record of is Accepted: the simulated CSMS is an open
network, since the simulated stations of the self-tests present tokens of their own
(C01.FR.07 leaves the CSMS's policy to it; the refused tokens are the profile's).

:func:`token_info` is the ``idTokenInfo`` of an AuthorizeResponse and of a
TransactionEventResponse that carries an idToken (C01.FR.07, E01.FR.12), so both
answers agree, as Part 2 wants of one CSMS.

Two legal variations (:mod:`harness.sim.options`): ``refusals-as-invalid`` answers the
blocked and expired tokens Invalid (Part 6 TC_C_06/TC_C_07_CSMS accept it), and
``invalid-token-unknown`` answers the invalid token Unknown, as a CSMS that keeps no
record of refused tokens does (TC_C_02/TC_C_20_CSMS accept it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harness.dut import Tokens
from harness.sim.csms_actions import CsmsAction, send
from harness.sim.declare import V201, Defect, declare
from harness.sim.errors import InvalidParams

if TYPE_CHECKING:
    from harness.sim.csms import SimCsms

__all__ = ["ACTIONS", "DEFECTS", "TokenBook", "token_info"]

#: the defects that live in this module, each under the function that perturbs it
DEFECTS = declare(
    # TokenBook.status
    Defect(
        "accepts-invalid-token",
        "csms",
        V201,
        "answers the configured invalid token Accepted, in Authorize and TransactionEvent",
        "C01.FR.07",
    ),
    # TokenBook.status
    Defect(
        "accepts-blocked-token",
        "csms",
        V201,
        "answers the configured blocked token Accepted",
        "C01.FR.07",
    ),
    # TokenBook.status
    Defect(
        "accepts-expired-token",
        "csms",
        V201,
        "answers the configured expired token Accepted",
        "C01.FR.07",
    ),
    # token_info
    Defect(
        "transaction-event-ignores-token",
        "csms",
        V201,
        "answers every TransactionEvent that carries an idToken Accepted, without "
        "checking the token (an invalid one too)",
        "C12.FR.03",
    ),
    # TokenBook.group
    Defect(
        "group-id-omitted",
        "csms",
        V201,
        "gives no groupIdToken for the tokens of the configured group (valid, group)",
        "C09.FR.02",
    ),
    # TokenBook.group
    Defect(
        "group-token-other-group",
        "csms",
        V201,
        "gives the configured group token another groupIdToken than the valid token's",
        "C09.FR.02",
    ),
    # token_info
    Defect(
        "transaction-event-omits-group-id",
        "csms",
        V201,
        "answers a TransactionEvent with the token's status but without its groupIdToken "
        "(the AuthorizeResponse has it)",
        "E01.FR.12",
    ),
    # TokenBook.group
    Defect(
        "master-pass-without-group",
        "csms",
        V201,
        "gives the master pass token no groupIdToken (so no station knows it as one)",
        "C09.FR.02",
    ),
    # clear_cache
    Defect(
        "clear-cache-invalid",
        "csms",
        V201,
        "clear_cache sends a ClearCacheRequest with a field the schema does not have",
        "schema:ClearCacheRequest:additionalProperties",
    ),
    # clear_cache
    Defect(
        "clear-cache-not-sent",
        "csms",
        V201,
        "clear_cache sends nothing and reports success",
        "expect:ClearCache",
    ),
)

#: the type a CSMS gives the groupIdToken it hands out (IdTokenEnumType: its own id)
GROUP_TOKEN_TYPE = "Central"


@dataclass(frozen=True)
class TokenBook:
    """The tokens one CSMS knows, from the DUT profile's [tokens] (a
    :class:`harness.dut.Tokens`); the defaults of that class when the CSMS is made
    without a profile (the standalone simulator)."""

    tokens: Tokens
    #: token -> status, made known by the provision_tokens action (they win over the
    #: profile's roles: a lab provisions what its cases need)
    provisioned: dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def from_profile(cls, tokens: Any | None) -> TokenBook:
        """The book of the profile's tokens, or of the defaults when there is none."""
        return cls(tokens if tokens is not None else Tokens())

    def status(self, csms: SimCsms, token: str) -> str:
        """The AuthorizationStatusEnumType of ``token`` (C01.FR.07)."""
        if token in self.provisioned:
            return self.provisioned[token]
        t = self.tokens
        refusal_as_invalid = csms.has_option("refusals-as-invalid")
        if token == t.blocked:
            if csms.has("accepts-blocked-token"):
                return "Accepted"
            return "Invalid" if refusal_as_invalid else "Blocked"
        if token == t.expired:
            if csms.has("accepts-expired-token"):
                return "Accepted"
            return "Invalid" if refusal_as_invalid else "Expired"
        if token == t.invalid:
            if csms.has("accepts-invalid-token"):
                return "Accepted"
            return "Unknown" if csms.has_option("invalid-token-unknown") else "Invalid"
        return "Accepted"

    def group(self, csms: SimCsms, token: str) -> str | None:
        """The group id ``token`` belongs to, if any (C09.FR.02; C16 for the master pass)."""
        t = self.tokens
        if token == t.master_pass:
            return None if csms.has("master-pass-without-group") else t.master_pass_group_id
        if token not in (t.valid, t.group) or csms.has("group-id-omitted"):
            return None
        if token == t.group and csms.has("group-token-other-group"):
            return t.group_id + "-OTHER"
        return str(t.group_id)


def token_info(
    csms: SimCsms, id_token: dict[str, Any], *, in_transaction: bool = False
) -> dict[str, Any]:
    """The ``idTokenInfo`` the CSMS answers for ``id_token``: its status, and its
    groupIdToken when it has one (E01.FR.12 asks for both in a TransactionEventResponse;
    C09.FR.02 for the group of an AuthorizeResponse). ``in_transaction``: the answer
    to a TransactionEvent."""
    book: TokenBook = csms.token_book
    token = str(id_token.get("idToken", ""))
    if in_transaction and csms.has("transaction-event-ignores-token"):
        status = "Accepted"
    else:
        status = book.status(csms, token)
    info: dict[str, Any] = {"status": status}
    group = book.group(csms, token)
    if group is not None and not (in_transaction and csms.has("transaction-event-omits-group-id")):
        info["groupIdToken"] = {"idToken": group, "type": GROUP_TOKEN_TYPE}
    return info


async def clear_cache(csms: SimCsms, params: dict[str, Any]) -> dict[str, Any]:
    """C11 (1.6 §5.4): ClearCache to the station, for its whole authorization cache
    (the request has no field of its own)."""
    if csms.has("clear-cache-not-sent"):
        return {}
    payload: dict[str, Any] = {}
    if csms.has("clear-cache-invalid"):
        payload["evseId"] = 1
    return await send(csms, params, "ClearCache", payload)


#: the AuthorizationStatusEnumType values a provisioned token may have
_STATUSES = frozenset(
    {
        "Accepted",
        "Blocked",
        "ConcurrentTx",
        "Expired",
        "Invalid",
        "NoCredit",
        "NotAllowedTypeEVSE",
        "NotAtThisLocation",
        "NotAtThisTime",
        "Unknown",
    }
)


async def provision_tokens(csms: SimCsms, params: dict[str, Any]) -> dict[str, Any]:
    """Make the CSMS know ``tokens`` ([{token, token_type, status}]) with their status
    (Accepted when none is given), as a lab provisions a CSMS before a run."""
    entries = params.get("tokens")
    if not isinstance(entries, list) or not entries:
        raise InvalidParams("provision_tokens needs tokens: [{token, token_type, status}]")
    book: TokenBook = csms.token_book
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("token"), str):
            raise InvalidParams(f"not a token entry: {entry!r}")
        status = str(entry.get("status", "Accepted"))
        if status not in _STATUSES:
            raise InvalidParams(f"{status!r} is not an authorization status")
        book.provisioned[entry["token"]] = status
    return {"provisioned": dict(book.provisioned)}


async def register_station(csms: SimCsms, params: dict[str, Any]) -> dict[str, Any]:
    """Nothing to do: the simulated CSMS accepts every identity that connects with the
    right password (its passwords table), as a CSMS with open registration does."""
    return {}


ACTIONS: dict[str, CsmsAction] = {
    "clear_cache": clear_cache,
    "provision_tokens": provision_tokens,
    "register_station": register_station,
}
