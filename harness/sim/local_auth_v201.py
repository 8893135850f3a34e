"""Whether the simulated 2.0.1 station may authorize a presented token by itself.

An online station asks the CSMS (AuthorizeRequest, C01.FR.02) unless AuthCtrlr
LocalPreAuthorize is true and it already knows the token: from the Local Authorization
List, which wins over the cache (C13.FR.01, C14.FR.01), or from the Authorization Cache.
A token known as Accepted is taken at once (C14.FR.02, C12.FR.02); a token known with
another status is asked about again (C14.FR.03, C10.FR.03, C12.FR.05) unless
DisablePostAuthorize of that store is true, in which case the stored status stands.
Part 6 §2.1 starts every case with LocalPreAuthorize false, so by default every token
still goes to the CSMS, as before this module existed. With AuthCtrlr
DisableRemoteAuthorization true (Part 5 C-58) the CSMS is never asked: the list and the
cache decide, and a token neither holds is refused.

The simulator does not support LocalAuthListSupportsExpiryDateTime, so an entry's
cacheExpiryDateTime is not checked for the list (C14.FR.02). The answer of an
AuthorizeRequest or a TransactionEvent is handed to the cache (C10.FR.04/.05), never to
the list (D01.FR.09); a token a TransactionEventResponse refuses is kept for the station
to act on (E05, C15): deauthorize its transaction with TxCtrlr.StopTxOnInvalidId true,
else hold the energy back, or let it flow on while TxCtrlr.MaxEnergyOnInvalidId allows:
the station's meter counts the transaction's energy, and once it reaches that allowance
the energy is held back as for a token without one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from harness.sim.auth_cache_v201 import AuthCache
from harness.sim.declare import V201, Defect, declare
from harness.sim.device_model import DeviceModel
from harness.sim.local_list_v201 import LocalAuthList

__all__ = ["DEFECTS", "LocalAuthorizer", "Refusal"]

#: what the station does with a transaction whose token a TransactionEventResponse refused
#: (``allowance``: let it draw up to MaxEnergyOnInvalidId, then suspend)
Refusal = Literal["deauthorize", "suspend", "allowance"]

#: the defects that live in this module, each under the method that perturbs it
DEFECTS = declare(
    # LocalAuthorizer.known
    Defect(
        "no-authorize-for-unknown-token",
        "station",
        V201,
        "a token in neither the local list nor the cache is taken as Accepted without "
        "an AuthorizeRequest",
        "C01.FR.02",
    ),
    # LocalAuthorizer.known
    Defect(
        "no-authorize-for-local-token",
        "station",
        V201,
        "a token of type Local in neither the local list nor the cache is taken as "
        "Accepted without an AuthorizeRequest (other types are asked about)",
        "C06.FR.02",
    ),
    # LocalAuthorizer._remote_disabled
    Defect(
        "remote-authorization-not-disabled",
        "station",
        V201,
        "sends an AuthorizeRequest for a token its list and cache do not know although "
        "AuthCtrlr.DisableRemoteAuthorization is true",
        "C01.FR.02",
    ),
    # LocalAuthorizer.offline_info
    Defect(
        "offline-group-token-not-stopping",
        "station",
        V201,
        "offline, a token its list or cache holds in the group of the token that started "
        "a transaction does not end it (the stored group is not looked at offline)",
        "E08.FR.02",
    ),
    # LocalAuthorizer.accepts
    Defect(
        "starts-on-refused-token",
        "station",
        V201,
        "a token the CSMS answered with a status other than Accepted still starts the energy offer",
        "C01.FR.01",
    ),
    # LocalAuthorizer.known
    Defect(
        "cached-token-refused",
        "station",
        V201,
        "a token the cache holds as Accepted is refused locally instead of starting the "
        "transaction",
        "C12.FR.02",
    ),
    # LocalAuthorizer.known
    Defect(
        "cache-refuses-without-asking",
        "station",
        V201,
        "a token the cache holds with a status other than Accepted is refused without "
        "asking the CSMS again",
        "C12.FR.05",
    ),
    # LocalAuthorizer._local_pre_authorize
    Defect(
        "cache-used-without-local-pre-authorize",
        "station",
        V201,
        "with AuthCtrlr.LocalPreAuthorize false, a token the cache holds as Accepted is "
        "taken without an AuthorizeRequest",
        "C10.FR.11",
    ),
    # LocalAuthorizer.event_answered
    Defect(
        "cache-not-updated-by-transaction-event",
        "station",
        V201,
        "the idTokenInfo of a TransactionEventResponse is not stored in the authorization cache",
        "C10.FR.05",
    ),
    # LocalAuthorizer.refusals
    Defect(
        "keeps-charging-on-refused-token",
        "station",
        V201,
        "with StopTxOnInvalidId true, a transaction whose token a TransactionEventResponse "
        "refused goes on charging",
        "E05.FR.10",
    ),
    # LocalAuthorizer.refusals
    Defect(
        "max-energy-overrides-stop-tx",
        "station",
        V201,
        "with StopTxOnInvalidId true and MaxEnergyOnInvalidId above 0, a transaction whose "
        "token a TransactionEventResponse refused goes on charging within that energy "
        "instead of being deauthorized",
        "E05.FR.10",
    ),
    # LocalAuthorizer.refusals
    Defect(
        "no-suspend-on-refused-token",
        "station",
        V201,
        "with StopTxOnInvalidId false and no MaxEnergyOnInvalidId, a transaction whose token "
        "a TransactionEventResponse refused goes on charging instead of SuspendedEVSE",
        "E05.FR.02",
    ),
    # LocalAuthorizer.refusals
    Defect(
        "max-energy-on-invalid-ignored",
        "station",
        V201,
        "with StopTxOnInvalidId false and MaxEnergyOnInvalidId above 0, the energy of a "
        "transaction whose token a TransactionEventResponse refused stops at once",
        "E05.FR.03",
    ),
    # LocalAuthorizer.refusals
    Defect(
        "max-energy-never-used-up",
        "station",
        V201,
        "with StopTxOnInvalidId false and MaxEnergyOnInvalidId above 0, a transaction whose "
        "token a TransactionEventResponse refused goes on charging past that energy",
        "C15.FR.06",
    ),
    # LocalAuthorizer.offline_takes_unknown
    Defect(
        "offline-unknown-id-refused",
        "station",
        V201,
        "with OfflineTxForUnknownIdEnabled true, a token in neither the list nor the cache "
        "presented while offline is refused",
        "C15.FR.08",
    ),
    # LocalAuthorizer._post_authorize_disabled
    Defect(
        "cache-ignores-disable-post-authorize",
        "station",
        V201,
        "with AuthCacheCtrlr.DisablePostAuthorize true, a cached token that is not "
        "Accepted is still sent to the CSMS",
        "C10.FR.03",
    ),
)


class LocalAuthorizer:
    """The station's local authorization: the list, the cache and the rule between."""

    def __init__(
        self,
        model: DeviceModel,
        local_list: LocalAuthList,
        cache: AuthCache,
        has: Callable[[str], bool] = lambda _: False,
    ) -> None:
        self._model = model
        self._has = has
        #: transactions whose token a TransactionEventResponse refused, not acted on yet
        self._refused: list[str] = []
        self.local_list = local_list
        self.cache = cache

    def _flag(self, component: str, name: str) -> bool:
        return self._model.value(component, name) == "true"

    def _entry(self, id_token: Mapping[str, Any]) -> tuple[dict[str, Any], str] | None:
        """What the station holds about ``id_token`` and in which store's component;
        the list first (C13.FR.01, C14.FR.01)."""
        listed = self.local_list.lookup(id_token)
        if listed is not None:
            return listed, "LocalAuthListCtrlr"
        cached = self.cache.lookup(id_token)
        return None if cached is None else (cached, "AuthCacheCtrlr")

    def known(self, id_token: Mapping[str, Any]) -> dict[str, Any] | None:
        """Online: the idTokenInfo to go by without asking the CSMS, or None: send an
        AuthorizeRequest. A returned status other than Accepted means the token is
        refused locally."""
        entry = self._entry(id_token)
        if entry is None and self._has("no-authorize-for-unknown-token"):
            return {"status": "Accepted"}
        local = id_token.get("type") == "Local"  # a locally generated id (C06)
        if entry is None and local and self._has("no-authorize-for-local-token"):
            return {"status": "Accepted"}
        if self._remote_disabled():
            return dict(entry[0]) if entry is not None else {"status": "Unknown"}
        if entry is None or not self._local_pre_authorize():
            return None
        info, store = entry
        cached = store == "AuthCacheCtrlr"
        if info.get("status") == "Accepted":
            if cached and self._has("cached-token-refused"):
                return {**info, "status": "Invalid"}
            return info
        if self._post_authorize_disabled(store):
            return info
        if cached and self._has("cache-refuses-without-asking"):
            return info
        return None  # known, but not Accepted: the CSMS has the last word

    def _remote_disabled(self) -> bool:
        """AuthCtrlr.DisableRemoteAuthorization: only the list and the cache decide."""
        if self._has("remote-authorization-not-disabled"):
            return False
        return self._flag("AuthCtrlr", "DisableRemoteAuthorization")

    def offline_info(self, id_token: Mapping[str, Any]) -> dict[str, Any]:
        """Offline, for a token the station lets charge: the idTokenInfo it goes by,
        the one its list (else its cache) holds, with its group, so that a token of the
        group of a running transaction's token ends it offline as online (E08.FR.02);
        Accepted alone for a token neither holds (OfflineTxForUnknownIdEnabled)."""
        entry = self._entry(id_token)
        info = dict(entry[0]) if entry is not None else {}
        if self._has("offline-group-token-not-stopping"):
            info.pop("groupIdToken", None)
        return {**info, "status": "Accepted"}

    def _local_pre_authorize(self) -> bool:
        """AuthCtrlr.LocalPreAuthorize: may a known token be taken without the CSMS?"""
        if self._has("cache-used-without-local-pre-authorize"):
            return True
        return self._flag("AuthCtrlr", "LocalPreAuthorize")

    def _post_authorize_disabled(self, store: str) -> bool:
        """<store>.DisablePostAuthorize: a stored status other than Accepted stands,
        without asking the CSMS again (the exception to C10.FR.03/C12.FR.05)."""
        if store == "AuthCacheCtrlr" and self._has("cache-ignores-disable-post-authorize"):
            return False
        return self._flag(store, "DisablePostAuthorize")

    def knows(self, id_token: Mapping[str, Any]) -> bool:
        """Does the list or the cache hold ``id_token``, with any status? Offline, a
        token the station knows is not an unknown one (C13.FR.04, C15)."""
        return self._entry(id_token) is not None

    def offline_takes_unknown(self) -> bool:
        """Offline: may a token neither store knows start a transaction? Yes with
        AuthCtrlr.OfflineTxForUnknownIdEnabled true (C15.FR.08, C13.FR.04)."""
        if self._has("offline-unknown-id-refused"):
            return False
        return self._flag("AuthCtrlr", "OfflineTxForUnknownIdEnabled")

    def offline_accepts(self, id_token: Mapping[str, Any]) -> bool:
        """Offline: does a local store accept ``id_token`` (C13.FR.02/.04; the caller
        checks LocalAuthorizeOffline)?"""
        entry = self._entry(id_token)
        return entry is not None and entry[0].get("status") == "Accepted"

    def event_answered(
        self, payload: Mapping[str, Any], response: Mapping[str, Any] | None
    ) -> None:
        """The CSMS answered a TransactionEvent: the idTokenInfo about the token the
        event carried updates the cache (C10.FR.05), and a refusal is kept for the
        station to act on (:meth:`refusals`)."""
        token = payload.get("idToken")
        info = (response or {}).get("idTokenInfo")
        if not token or not info:
            return
        if not self._has("cache-not-updated-by-transaction-event"):
            self.cache.store(token, info)
        if info.get("status") != "Accepted":
            self._refused.append(str(payload.get("transactionInfo", {}).get("transactionId")))

    def refusals(self) -> list[tuple[str, Refusal]]:
        """What to do, since the last call, with each transaction whose token the CSMS
        refused: with TxCtrlr.StopTxOnInvalidId true deauthorize it (E05.FR.09/.10,
        C15.FR.03/.04); with false hold its energy back (E05.FR.02, C15.FR.06), unless
        TxCtrlr.MaxEnergyOnInvalidId lets it draw more first (E05.FR.03, C15.FR.07),
        up to that energy over the transaction, and then hold it back (the allowance is
        exceeded: E05.FR.02, C15.FR.06)."""
        refused, self._refused = self._refused, []
        allowance = int(self._model.value("TxCtrlr", "MaxEnergyOnInvalidId") or 0)
        if self._model.value("TxCtrlr", "StopTxOnInvalidId") == "true":
            if self._has("keeps-charging-on-refused-token"):
                return []
            if allowance > 0 and self._has("max-energy-overrides-stop-tx"):
                return []
            return [(transaction, "deauthorize") for transaction in refused]
        if allowance > 0 and not self._has("max-energy-on-invalid-ignored"):
            if self._has("max-energy-never-used-up"):
                return []
            return [(transaction, "allowance") for transaction in refused]
        if self._has("no-suspend-on-refused-token"):
            return []
        return [(transaction, "suspend") for transaction in refused]

    def learned(self, id_token: Mapping[str, Any], info: Mapping[str, Any] | None) -> None:
        """The CSMS answered an AuthorizeRequest about ``id_token`` with ``info``."""
        self.cache.store(id_token, info)

    def accepts(self, info: Mapping[str, Any] | None) -> bool:
        """Does an authorization answer let the driver charge? Only Accepted does
        (C01.FR.01: energy only after an authorization)."""
        return (info or {}).get("status") == "Accepted" or self._has("starts-on-refused-token")
