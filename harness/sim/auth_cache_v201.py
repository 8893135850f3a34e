"""The simulated 2.0.1 station's Authorization Cache (C10) and ClearCache (C11).

The cache remembers what the CSMS last said about each token the station asked about,
whatever the answer was (C10.FR.01), so that a known token can be taken without a round
trip (C12, decided in :mod:`harness.sim.local_auth_v201`). An entry lasts until the
cacheExpiryDateTime the CSMS gave (C10.FR.13) or, without one, AuthCacheCtrlr.LifeTime
seconds after it was last used (C10.FR.08); then it is dropped (C10.FR.10). The cache
lives as long as the simulator, restarts included (C10.FR.02).

It learns from both answers that carry an idTokenInfo: AuthorizeResponse (C10.FR.04,
through :meth:`AuthCache.store` from the local authorization) and
TransactionEventResponse (C10.FR.05).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from harness.sim.blocks import Block, Handler
from harness.sim.declare import V201, Defect, declare
from harness.sim.device_model import DeviceModel
from harness.sim.local_list_v201 import token_key
from harness.sim.peer import Reply

__all__ = ["BLOCK", "DEFECTS", "AuthCache"]

#: the defects that live in this module, each under the method that perturbs it
DEFECTS = declare(
    # AuthCache._clear_cache
    Defect(
        "clear-cache-rejected",
        "station",
        V201,
        "an enabled cache answers ClearCache with Rejected",
        "C11.FR.03",
    ),
    # AuthCache._clear_cache
    Defect(
        "clear-cache-keeps-entries",
        "station",
        V201,
        "answers ClearCache with Accepted but keeps its entries",
        "C11.FR.01",
    ),
    # AuthCache._clear_cache
    Defect(
        "clear-cache-accepted-when-disabled",
        "station",
        V201,
        "answers ClearCache with Accepted while AuthCacheCtrlr.Enabled is false",
        "C11.FR.04",
    ),
    # AuthCache.store
    Defect(
        "cache-not-updated-by-authorize",
        "station",
        V201,
        "the answer of an AuthorizeRequest is not stored in the authorization cache",
        "C10.FR.04",
    ),
    # AuthCache.restarted
    Defect(
        "cache-lost-on-reboot",
        "station",
        V201,
        "the authorization cache is empty after a restart",
        "C10.FR.02",
    ),
    # AuthCache.lookup
    Defect(
        "cache-ignores-lifetime",
        "station",
        V201,
        "a cache entry without cacheExpiryDateTime never expires, whatever "
        "AuthCacheCtrlr.LifeTime says",
        "C10.FR.08",
    ),
)

_CTRLR = "AuthCacheCtrlr"


@dataclass
class _Entry:
    info: dict[str, Any]
    #: wall-clock seconds of the last use (LifeTime counts from there)
    used: float
    #: cacheExpiryDateTime as wall-clock seconds, when the CSMS gave one
    expires: float | None


def _timestamp(text: Any) -> float | None:
    """An OCPP dateTime as epoch seconds; None when absent or not a dateTime."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


class AuthCache:
    """Tokens and their last idTokenInfo; ``clock`` is wall-clock seconds (a test may
    pass its own)."""

    def __init__(
        self,
        model: DeviceModel,
        clock: Callable[[], float] = time.time,
        has: Callable[[str], bool] = lambda _: False,
    ) -> None:
        self._model = model
        self._has = has
        self._clock = clock
        self._entries: dict[tuple[str, str], _Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def enabled(self) -> bool:
        """AuthCacheCtrlr.Enabled (C10.FR.11)."""
        return self._model.value(_CTRLR, "Enabled") == "true"

    def store(self, id_token: Mapping[str, Any], info: Mapping[str, Any] | None) -> None:
        """Remember the CSMS's answer about ``id_token`` (C10.FR.01/.04)."""
        if not self.enabled or not info or "status" not in info:
            return
        if self._has("cache-not-updated-by-authorize"):
            return
        kept = dict(info)
        kept.pop("personalMessage", None)  # shown once, not part of the authorization
        now = self._clock()
        self._entries[token_key(id_token)] = _Entry(
            kept, now, _timestamp(info.get("cacheExpiryDateTime"))
        )

    def lookup(self, id_token: Mapping[str, Any]) -> dict[str, Any] | None:
        """The cached idTokenInfo of ``id_token`` (and the entry counts as used now);
        None when the cache is disabled, the token unknown or its entry expired."""
        if not self.enabled:
            return None
        key = token_key(id_token)
        entry = self._entries.get(key)
        if entry is None:
            return None
        now = self._clock()
        life = int(self._model.value(_CTRLR, "LifeTime"))
        expired = entry.expires <= now if entry.expires is not None else now - entry.used > life
        if self._has("cache-ignores-lifetime"):
            expired = False
        if expired:
            del self._entries[key]  # C10.FR.10
            return None
        entry.used = now
        return dict(entry.info)

    def held(self, id_token: Mapping[str, Any]) -> dict[str, Any] | None:
        """The idTokenInfo the cache keeps for ``id_token``, whatever its age, without
        counting as a use (what the station holds about a customer, N09)."""
        entry = self._entries.get(token_key(id_token))
        return None if entry is None else dict(entry.info)

    def forget(self, id_token: Mapping[str, Any]) -> None:
        """Drop the entry of ``id_token`` (its customer's data is cleared, N10)."""
        self._entries.pop(token_key(id_token), None)

    def clear(self) -> None:
        self._entries.clear()

    def restarted(self) -> None:
        """The station restarted: the cache is kept in non-volatile memory (C10.FR.02)."""
        if self._has("cache-lost-on-reboot"):
            self.clear()

    # -- the CSMS's request -----------------------------------------------------------------

    def handlers(self) -> dict[str, Handler]:
        """This keeper's calls (:data:`BLOCK`), bound to it."""
        return dict(BLOCK.bind(self).handlers)

    async def _clear_cache(self, payload: dict[str, Any]) -> Reply:
        if not self.enabled and not self._has("clear-cache-accepted-when-disabled"):
            return Reply({"status": "Rejected"})  # C11.FR.04
        if self._has("clear-cache-rejected"):
            return Reply({"status": "Rejected"})
        if not self._has("clear-cache-keeps-entries"):
            self.clear()  # C11.FR.01
        return Reply({"status": "Accepted"})  # C11.FR.03


BLOCK: Block[AuthCache] = Block(
    "authorization",
    V201,
    {
        "ClearCache": AuthCache._clear_cache,
    },
)
