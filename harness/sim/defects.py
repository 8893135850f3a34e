"""Named defects: each makes a simulator break exactly one rule, on purpose.

The self-tests run every catalog case against the conformant simulators (must pass) and
against each defect the case claims to catch (must fail *for the stated rule*). So each
defect carries the rule id the harness verdict must name (:class:`Defect`).

This module is a view: every defect is declared in the simulator module whose code it
perturbs (``DEFECTS = declare(...)`` there, beside its ``has("<name>")`` check), and
the tables below gather those declarations. A new defect goes into its module (and
that module into ``_TABLE`` if it declares none yet).
"""

from __future__ import annotations

from collections.abc import Iterable

from harness.sim.aligned_data_v201 import DEFECTS as ALIGNED_DATA_V201
from harness.sim.auth_cache_v201 import DEFECTS as AUTH_CACHE_V201
from harness.sim.availability import DEFECTS as AVAILABILITY
from harness.sim.availability_v201 import DEFECTS as AVAILABILITY_V201
from harness.sim.cable_v201 import DEFECTS as CABLE_V201
from harness.sim.certificates_v201 import DEFECTS as CERTIFICATES_V201
from harness.sim.charging_profiles_v201 import DEFECTS as CHARGING_PROFILES_V201
from harness.sim.csms_actions import DEFECTS as CSMS_ACTIONS
from harness.sim.csms_diagnostics import DEFECTS as CSMS_DIAGNOSTICS
from harness.sim.csms_handlers import DEFECTS as CSMS_HANDLERS
from harness.sim.csms_handshake import DEFECTS as CSMS_HANDSHAKE
from harness.sim.csms_metering import DEFECTS as CSMS_METERING
from harness.sim.csms_network_profiles import DEFECTS as CSMS_NETWORK_PROFILES
from harness.sim.csms_notifications import DEFECTS as CSMS_NOTIFICATIONS
from harness.sim.csms_provisioning import DEFECTS as CSMS_PROVISIONING
from harness.sim.csms_remote_control import DEFECTS as CSMS_REMOTE_CONTROL
from harness.sim.csms_reports import DEFECTS as CSMS_REPORTS
from harness.sim.csms_tokens import DEFECTS as CSMS_TOKENS
from harness.sim.csms_transaction_events import DEFECTS as CSMS_TRANSACTION_EVENTS
from harness.sim.csms_transaction_status import DEFECTS as CSMS_TRANSACTION_STATUS
from harness.sim.csms_transactions import DEFECTS as CSMS_TRANSACTIONS
from harness.sim.csms_tx_options import DEFECTS as CSMS_TX_OPTIONS
from harness.sim.customer_info_v201 import DEFECTS as CUSTOMER_INFO_V201
from harness.sim.data_transfer import DEFECTS as DATA_TRANSFER
from harness.sim.declare import Defect
from harness.sim.diagnostics_v201 import DEFECTS as DIAGNOSTICS_V201
from harness.sim.local_auth_v201 import DEFECTS as LOCAL_AUTH_V201
from harness.sim.local_list_v201 import DEFECTS as LOCAL_LIST_V201
from harness.sim.meter_values_v201 import DEFECTS as METER_VALUES_V201
from harness.sim.network_profiles_v201 import DEFECTS as NETWORK_PROFILES_V201
from harness.sim.provisioning_v16 import DEFECTS as PROVISIONING_V16
from harness.sim.provisioning_v201 import DEFECTS as PROVISIONING_V201
from harness.sim.registry import by_side
from harness.sim.remote_control_v16 import DEFECTS as REMOTE_CONTROL_V16
from harness.sim.remote_control_v201 import DEFECTS as REMOTE_CONTROL_V201
from harness.sim.reservation_v201 import DEFECTS as RESERVATION_V201
from harness.sim.station_link import DEFECTS as STATION_LINK
from harness.sim.station_v16 import DEFECTS as STATION_V16
from harness.sim.station_v201 import DEFECTS as STATION_V201
from harness.sim.token_groups_v201 import DEFECTS as TOKEN_GROUPS_V201
from harness.sim.transaction_status_v201 import DEFECTS as TRANSACTION_STATUS_V201
from harness.sim.tx_retry_v201 import DEFECTS as TX_RETRY_V201

__all__ = [
    "CSMS_DEFECTS",
    "DEFECTS",
    "STATION_DEFECTS",
    "Defect",
    "defects_for",
    "get_defect",
    "validate_defects",
]


def _table(*declarations: tuple[Defect, ...]) -> dict[str, Defect]:
    """Every declared defect keyed "side:name" (both sides have a ``never-replies``);
    one name declared twice on one side, by two modules, is an error."""
    table: dict[str, Defect] = {}
    for declared in declarations:
        for defect in declared:
            key = f"{defect.side}:{defect.name}"
            if key in table:
                raise ValueError(f"defect {key} declared twice")
            table[key] = defect
    return table


#: the declarations of every module that has defects: the station's, then the CSMS's
_TABLE = _table(
    STATION_V201,
    PROVISIONING_V201,
    REMOTE_CONTROL_V201,
    AVAILABILITY_V201,
    ALIGNED_DATA_V201,
    METER_VALUES_V201,
    AVAILABILITY,
    RESERVATION_V201,
    LOCAL_LIST_V201,
    LOCAL_AUTH_V201,
    AUTH_CACHE_V201,
    TOKEN_GROUPS_V201,
    TRANSACTION_STATUS_V201,
    TX_RETRY_V201,
    CABLE_V201,
    NETWORK_PROFILES_V201,
    CHARGING_PROFILES_V201,
    CERTIFICATES_V201,
    DIAGNOSTICS_V201,
    CUSTOMER_INFO_V201,
    STATION_V16,
    PROVISIONING_V16,
    REMOTE_CONTROL_V16,
    STATION_LINK,
    CSMS_HANDLERS,
    CSMS_PROVISIONING,
    CSMS_TRANSACTIONS,
    CSMS_TOKENS,
    CSMS_METERING,
    CSMS_TRANSACTION_EVENTS,
    CSMS_TRANSACTION_STATUS,
    DATA_TRANSFER,
    CSMS_HANDSHAKE,
    CSMS_ACTIONS,
    CSMS_TX_OPTIONS,
    CSMS_NOTIFICATIONS,
    CSMS_REMOTE_CONTROL,
    CSMS_REPORTS,
    CSMS_NETWORK_PROFILES,
    CSMS_DIAGNOSTICS,
)


def defects_for(side: str, version: str | None = None) -> dict[str, Defect]:
    """The defects of one side (and version, when given), keyed by name."""
    return by_side(_TABLE.values(), side, version)


#: Complete per-side tables, keyed by name. Use these (or :func:`get_defect`) whenever
#: the side is known: ``never-replies`` exists on both sides.
STATION_DEFECTS: dict[str, Defect] = defects_for("station")
CSMS_DEFECTS: dict[str, Defect] = defects_for("csms")

#: Every defect keyed by name. A name both sides share (``never-replies``, same rule
#: ``timeout``) maps to the station's entry; see :data:`CSMS_DEFECTS` for the other.
DEFECTS: dict[str, Defect] = {**CSMS_DEFECTS, **STATION_DEFECTS}


def get_defect(side: str, name: str) -> Defect:
    """The defect ``name`` of one side; ``KeyError`` when that side has none by that name."""
    return _TABLE[f"{side}:{name}"]


def validate_defects(side: str, version: str, names: Iterable[str]) -> frozenset[str]:
    """Check defect names for a simulator; returns them as a set.

    Raises ``ValueError`` with a one-line message naming the bad defect and the valid
    choices, so a typo on the command line or in a profile is caught before any traffic.
    """
    chosen = frozenset(names)
    valid = defects_for(side, version)
    for name in sorted(chosen):
        if name in valid:
            continue
        other = [d for d in _TABLE.values() if d.name == name]
        if not other:
            raise ValueError(
                f"unknown defect {name!r} for the simulated {side}; "
                f"choose from: {', '.join(sorted(valid))}"
            )
        if all(d.side != side for d in other):
            raise ValueError(f"defect {name!r} is a {other[0].side} defect, not a {side} one")
        versions = sorted(next(d for d in other if d.side == side).versions)
        raise ValueError(
            f"defect {name!r} does not apply to OCPP {version} (only {', '.join(versions)})"
        )
    return chosen
