"""Part 6 §2.19 memory states for a charging-station DUT (the harness is the CSMS).

A memory state puts something into what the station keeps between sessions — a token
on its Local Authorization List or in its Authorization Cache, a charging profile, a
root certificate — so that the case after it can rely on it. Each state here is made of
ordinary facade steps, so it shows in the trace and a station that cannot take the
thing fails there, under the rule of the step that broke (a Part 2 requirement id; the
harness's ``expect:<Action>`` where Part 2 names none). The numbered comments follow the
state's table.

What a state stores is taken out again after the case, passed or failed (a post-
condition, ``csms.finally_do``; an accepted charging profile is cleared by
:mod:`harness.restore`), as far as OCPP lets a CSMS do so: each docstring says how far.
A post-condition the station does not carry out is a note on the case, never a change
of its verdict.

Not here: TransactionEventsInQueueEnded (Table 441; :mod:`harness.states.cs_offline`),
RenewChargingStationCertificate and RenewV2GChargingStationCertificate (Tables 446-447,
which need a CSR signed by the lab's CA).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness.certificates import (
    HASH_ALGORITHMS,
    hash_data,
    load_certificate,
    same_certificate,
    throwaway_root_pem,
)
from harness.states.cs_transactions import (
    Session,
    authorized,
    ev_connected_pre_session,
    parking_bay_occupied,
    parking_bay_unoccupied,
    transaction_event,
)
from harness.steps.device_model import Variable, read_optional
from harness.verdicts import DutFailure, HarnessError

if TYPE_CHECKING:
    from harness.roles import CsmsRole

__all__ = [
    "LOCAL_LIST_ENABLED",
    "InstalledCertificate",
    "certificate_installed",
    "id_token_cached",
    "id_token_cached_refused",
    "id_token_local_auth_list",
    "local_list_emptied",
    "set_charging_profile",
]

LOCAL_LIST_ENABLED = Variable("LocalAuthListCtrlr", "Enabled")


def _reported(csms: CsmsRole, variable: Variable) -> str | None:
    """The Actual value the station reports for an optional ``variable``; None when it
    does not report one (not implemented, or not readable)."""
    status, value = read_optional(csms, variable)
    return value if status == "Accepted" else None


# -- IdTokenLocalAuthList (Table 444) -------------------------------------------------------


def _list_version(csms: Any) -> int:
    """GetLocalListVersion: the version of the station's list (D02.FR.01)."""
    response = csms.call("GetLocalListVersion").expect(rule="D02.FR.01")
    return int(response["versionNumber"])


def _empty_list(csms: Any, version: int) -> None:
    """A Full update without entries: the station drops every token (D01.FR.04)."""
    csms.call("SendLocalList", versionNumber=version, updateType="Full").expect(
        rule="D01.FR.04", status="Accepted"
    )


def local_list_emptied(csms: Any) -> int:
    """A preparation of Part 6's "no configured token in the Local Authorization List":
    a Full update without entries (D01.FR.04) under the next version; the version."""
    version = _list_version(csms) + 1
    _empty_list(csms, version)
    return version


def id_token_local_auth_list(
    csms: Any,
    dut: Any,
    *,
    token: dict[str, str] | None = None,
    group: dict[str, str] | None = None,
) -> int:
    """Memory state *IdTokenLocalAuthList* (Part 6 Table 444): the configured valid token
    (or ``token``) is the one entry of the station's Local Authorization List, with
    status Accepted (and, with ``group``, an IdTokenType, that groupIdToken). Returns
    the version number the list was given.

    The update is Full (D01.FR.15: it replaces the list) and carries idTokenInfo, which
    Part 2 requires in a Full update. Its version is one above the list's current one
    (GetLocalListVersion, D02.FR.01), so it is newer than anything the station holds;
    afterwards the harness reads the version back (D01.FR.15 sets it; a station whose
    list is disabled reports 0, D02.FR.03). Both reads are beyond what OCTT does here,
    so what they find is a warning, not a failure.

    Undo: Part 2 gives a CSMS no way to read a list's entries back and forbids version
    0 (D01.FR.18), so the list the station had before cannot be put back. After the
    case the harness sends a Full update without entries (D01.FR.04) under the next
    version: the station is left with an empty list — no token the case put there
    authorizes anyone later — and a version that only ever grew, which is what a CSMS
    that compares versions expects.
    """
    tokens = dut.profile.tokens
    id_token = dict(token) if token is not None else {"idToken": tokens.valid, "type": tokens.type}
    before = 0
    with csms.beyond_octt("Part 6 Table 444 sends the list without reading its version"):
        before = _list_version(csms)
    version = before + 1
    info: dict[str, Any] = {"status": "Accepted"}
    if group is not None:
        info["groupIdToken"] = dict(group)
    # 1-2. SendLocalListRequest Full with the token; tool validation: status Accepted.
    csms.call(
        "SendLocalList",
        versionNumber=version,
        updateType="Full",
        localAuthorizationList=[{"idToken": id_token, "idTokenInfo": info}],
    ).expect(rule="D01.FR.15", status="Accepted")
    csms.finally_do(
        f"empty the local authorization list (version {version + 1})",
        _empty_list,
        csms,
        version + 1,
    )
    with csms.beyond_octt("Part 6 Table 444 does not read the list's version back"):
        enabled = _reported(csms, LOCAL_LIST_ENABLED) == "true"
        rule = "D01.FR.15" if enabled else "D02.FR.03"
        csms.call("GetLocalListVersion").expect(rule=rule, versionNumber=version if enabled else 0)
    return version


# -- SetChargingProfile (Table 445) ----------------------------------------------------------


def _profile_rule(profile: dict[str, Any], evse: int) -> str:
    """The requirement that has the station take ``profile`` for ``evse``: K01.FR.14/.15
    (a TxDefaultProfile for the station or one EVSE), K01.FR.04 (a TxProfile for the
    running transaction); Part 2 names none for the other purposes."""
    purpose = profile.get("chargingProfilePurpose")
    if purpose == "TxDefaultProfile":
        return "K01.FR.14" if evse == 0 else "K01.FR.15"
    if purpose == "TxProfile":
        return "K01.FR.04"
    return "expect:SetChargingProfile"


def set_charging_profile(csms: Any, dut: Any, profile: dict[str, Any], *, evse: int = 0) -> None:
    """Memory state *SetChargingProfile* (Part 6 Table 445): the station stores the
    case's ``profile`` for ``evse`` (0: the station as a whole).

    The tool validation is the status Accepted, under the rule that makes the station
    apply a profile of that purpose (see :func:`_profile_rule`). Undo: every profile a
    station accepts is cleared by id after the case (harness.restore,
    ClearChargingProfile: K10.FR.03), so nothing is registered here.
    """
    # 1-2. SetChargingProfileRequest; tool validation: status Accepted.
    csms.call("SetChargingProfile", evseId=evse, chargingProfile=profile).expect(
        rule=_profile_rule(profile, evse), status="Accepted"
    )


# -- CertificateInstalled (Table 442) --------------------------------------------------------


@dataclass(frozen=True)
class InstalledCertificate:
    """What state CertificateInstalled installed: its use, the PEM text, and its hash
    data (SHA256) as the harness computes them."""

    certificate_type: str
    pem: str
    hash_data: dict[str, str]


def _names(reported: dict[str, Any], installed: InstalledCertificate) -> bool:
    """Does the station's hash data name the certificate the harness installed? Hashed
    the station's way (M04.FR.07 has the CSMS use the station's algorithm)."""
    algorithm = reported.get("hashAlgorithm")
    if algorithm not in HASH_ALGORITHMS:
        return False
    ours = hash_data(load_certificate(installed.pem), str(algorithm))
    return same_certificate(reported, ours)


def _delete_certificate(csms: Any, installed: InstalledCertificate) -> None:
    """Find the certificate among the station's (M03.FR.03/.04) and delete it with the
    hash data the station gave (M04.FR.02)."""
    response = csms.call(
        "GetInstalledCertificateIds", certificateType=[installed.certificate_type]
    ).expect(rule="M03.FR.03", status="Accepted")
    chain = response.get("certificateHashDataChain") or []
    found = [
        item["certificateHashData"]
        for item in chain
        if _names(item.get("certificateHashData") or {}, installed)
    ]
    if not found:
        raise DutFailure(
            f"GetInstalledCertificateIds for {installed.certificate_type} does not list the "
            f"certificate installed (serial {installed.hash_data['serialNumber']})",
            "M03.FR.04",
            response.raw,
        )
    csms.call("DeleteCertificate", certificateHashData=found[0]).expect(
        rule="M04.FR.02", status="Accepted"
    )


def certificate_installed(
    csms: Any, dut: Any, certificate_type: str, certificate: str | None = None
) -> InstalledCertificate:
    """Memory state *CertificateInstalled* (Part 6 Table 442): the station stores a root
    certificate of ``certificate_type`` (InstallCertificateUseEnumType): ``certificate``
    (PEM) when the case brings one, else a fresh throw-away test CA that nothing
    trusts. Tool validation: status Accepted (M05.FR.02).

    Undo: Part 2 lets a CSMS delete any installed certificate but the station's own
    (M04.FR.06), by the hash data the station reports (M03, M04.FR.07). After the case
    the harness looks the certificate up with GetInstalledCertificateIds and deletes it.
    A station may refuse to delete the last certificate of a type (M04.FR.03); then the
    certificate stays and the case carries a note saying so.
    """
    pem = certificate if certificate is not None else throwaway_root_pem()
    installed = InstalledCertificate(certificate_type, pem, hash_data(load_certificate(pem)))
    # 1-2. InstallCertificateRequest; tool validation: status Accepted.
    csms.call("InstallCertificate", certificateType=certificate_type, certificate=pem).expect(
        rule="M05.FR.02", status="Accepted"
    )
    csms.finally_do(
        f"delete the {certificate_type} installed (serial {installed.hash_data['serialNumber']})",
        _delete_certificate,
        csms,
        installed,
    )
    return installed


# -- IdTokenCached (Table 443) ---------------------------------------------------------------


def id_token_cached(csms: Any, dut: Any, tx: Session | None = None) -> Session:
    """Memory state *IdTokenCached* (Part 6 Table 443): the configured valid token has
    been authorized by the CSMS once, so a station with an Authorization Cache holds
    it (C10.FR.01/.04). Returns the session, whose transaction is over.

    It is a chain of the transaction states (harness.states.cs_transactions), as the
    table lists them: ParkingBayOccupied (run by Authorized where TxStartPoint needs the
    bay), Authorized with the token presented locally, then, as the token is Accepted
    (Main A), EVConnectedPreSession and ParkingBayUnoccupied. The EV can only leave the
    bay once the cable is out, so EVDisconnected runs before it and brings the states
    between (EnergyTransferStarted, StopAuthorized, EVConnectedPostSession): the
    transaction the chain starts ends as the station's TxStopPoint says, and the next
    case finds the station idle (Part 6 §2.1). Main B, a token the CSMS does not
    accept, is not built.

    OCPP has no message that reads the cache, so the state checks nothing of its own.
    No undo: the cache takes every token a station asks about (C10.FR.01), in any case
    that authorizes, so this state leaves nothing the others do not.
    """
    tx = authorized(csms, dut, tx, method="local")
    ev_connected_pre_session(csms, dut, tx)
    parking_bay_unoccupied(csms, dut, tx)
    if tx.running:
        raise HarnessError(
            f"transaction {tx.transaction_id} still runs after the EV left: its TxStopPoint "
            f"({', '.join(sorted(tx.stop_points))}) ends it at an event the harness "
            "cannot make happen",
            "setup",
        )
    return tx


def id_token_cached_refused(
    csms: Any, dut: Any, token: str, status: str, *, group: dict[str, str] | None = None
) -> Session:
    """Memory state *IdTokenCached*, Main B (Part 6 Table 443): ``token`` is presented
    and the CSMS answers its AuthorizeRequest with ``status`` (not Accepted), so a
    station with an Authorization Cache holds it with that status (C10.FR.01/.04).
    Returns the session, which never started charging. With ``group`` (an IdTokenType)
    the answer puts the token into that group (C09.FR.02).

    Before the token the EV drives into the bay (ParkingBayOccupied, where TxStartPoint
    needs it); after it the EV leaves again (ParkingBayUnoccupied), which ends a
    transaction the bay started (E06.FR.01). The AuthorizeRequest must name the token
    (C01.FR.02). No undo, as for Main A. It clears the cache first, so run it before
    a Main A state whose entry a case needs.
    """
    # Beyond Table 443: an earlier answer about the token (Accepted, say) would let the
    # station take it from the cache without asking, so the cache is cleared first;
    # whatever the station answers (Rejected with the cache disabled) is fine here.
    csms.call("ClearCache")
    tx = parking_bay_occupied(csms, dut)
    tx.token = {"idToken": token, "type": dut.profile.tokens.type}
    info: dict[str, Any] = {"status": status}
    if group is not None:
        info["groupIdToken"] = dict(group)
    csms.will_reply("Authorize", idTokenInfo=info)
    mark = csms.mark()
    dut.act("present_token", token=token, evse=tx.evse)
    # 2. (Authorized) The AuthorizeRequest for the token, answered with the status.
    csms.expect("Authorize", after=mark, rule="C01.FR.02", idToken=tx.token)
    if tx.in_bay:
        # 5. ParkingBayUnoccupied: the EV leaves; a transaction its arrival began ends.
        dut.act("leave_bay", evse=tx.evse)
        tx.in_bay = False
        if tx.running:
            transaction_event(
                csms, tx, rule="E06.FR.01", trigger="EVDeparted", trigger_rule="E06.FR.01"
            )
    return tx
