"""Whether a case applies to a DUT, and if not, a reason a vendor can act on.

Part 5 makes a conditional case mandatory when the DUT has a feature (``C-44``), or
when it lacks one ("NOT AQ-16"), or when it has at least one of several. A case says so
with ``needs``, ``lacks`` and ``any_of``; the DUT profile's ``[features]`` answers, by
Part 5 id or by a readable key. A case that does not apply is skipped, and the reason
names the feature id, what it means, and the profile key that would change it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["describe_feature", "not_applicable", "why_it_applies"]


def describe_feature(info: Any, key: str) -> str:
    """``C-44 (BootNotification Pending)``: the key and, where the feature table knows
    it, its meaning for this version and role (``not AQ-16`` keeps its "not")."""
    if key.lower().startswith("not "):
        return "not " + describe_feature(info, key[4:].strip())
    try:
        from harness.spec.catalog import resolve_feature
    except ImportError:  # the feature table is optional data
        return key
    try:
        feature = resolve_feature(info.ocpp, info.dut_kind, key)
    except (KeyError, ValueError):
        feature = None
    if feature is None:
        return key
    if feature.id.lower() == key.lower():
        return f"{feature.id} ({feature.name})"
    return f"{key} = {feature.id} ({feature.name})"


def _holds(key: str, supports: Callable[[str], bool]) -> bool:
    """``key`` is supported; ``"not KEY"`` is not (Part 5's "NOT AQ-16")."""
    if key.lower().startswith("not "):
        return not supports(key[4:].strip())
    return supports(key)


def not_applicable(
    info: Any,
    supports: Callable[[str], bool],
    cert_profile: str | None = None,
    *,
    evses: int | None = None,
) -> str | None:
    """None when the case applies; else why not, starting "not applicable:".

    The EVSEs the case needs (``evses``: how many the DUT profile's [layout] has; for a
    CSMS, the harness station's; None: not checked), the case's own ``needs``,
    ``lacks`` and ``any_of``, then Part 5's condition from the catalog
    (:func:`part5_not_applicable`; only ``cert_profile``'s, when the run is restricted
    to one)."""
    wanted = getattr(info, "evses", 1)
    if evses is not None and evses < wanted:
        return (
            f"not applicable: Part 6 runs {info.id} on a station with {wanted} EVSEs or more "
            f"(Part 5 HFS-8); the DUT profile's [layout] has {evses}"
        )
    own = _own_conditions(info, supports)
    return own if own is not None else part5_not_applicable(info, supports, cert_profile)


def part5_not_applicable(
    info: Any, supports: Callable[[str], bool], cert_profile: str | None = None
) -> str | None:
    """Part 5's word on a case: it applies when a certification profile makes it
    mandatory (M), or conditional (C) with a condition the DUT's features meet; else
    why not, naming each profile's condition and the features that fall short. A C whose
    condition the catalog cannot express leaves the decision to the case."""
    statuses = _part5_statuses(info, cert_profile)
    if not statuses:
        return None
    reasons = []
    for status in statuses:
        condition = status.parsed()
        if status.status == "M" or condition is None or condition.holds(supports):
            return None
        why = condition.explain(supports, lambda term: describe_feature(info, term))
        reasons.append(f"{status.profile}: {why}")
    return (
        "not applicable: Part 5 makes it conditional and the DUT profile's [features] do "
        f"not meet the condition ({'; '.join(reasons)})"
    )


def _own_conditions(info: Any, supports: Callable[[str], bool]) -> str | None:
    missing = [key for key in info.needs if not supports(key)]
    if missing:
        shown = ", ".join(describe_feature(info, key) for key in missing)
        return (
            f"not applicable: needs {shown}, which the DUT profile does not declare "
            f"(features.{missing[0]} = true to run it)"
        )
    present = [key for key in info.lacks if supports(key)]
    if present:
        shown = ", ".join(describe_feature(info, key) for key in present)
        return (
            f"not applicable: only for a DUT without {shown}, and the DUT profile declares "
            f"it (features.{present[0]})"
        )
    if info.any_of and not any(_holds(key, supports) for key in info.any_of):
        shown = " or ".join(describe_feature(info, key) for key in info.any_of)
        return f"not applicable: needs {shown}; the DUT profile declares none of them"
    return None


def why_it_applies(
    info: Any, supports: Callable[[str], bool], cert_profile: str | None = None
) -> str:
    """For a case that applies: why, in one line for the report (a certification engineer
    asks why a conditional case ran): Part 5's status, the condition it met, the
    features the case itself needs. Empty when nothing decides (a case outside Part 5
    with no conditions of its own)."""
    parts = []
    statuses = _part5_statuses(info, cert_profile)
    mandatory = [status.profile for status in statuses if status.status == "M"]
    if not statuses:
        known = _catalog_entry(info)
        if known is not None and known.profiles:  # 1.6: no Part 5
            parts.append(f"in {', '.join(known.profiles)} ({known.profile_source or 'catalog'})")
    elif mandatory:
        parts.append(f"mandatory in {', '.join(mandatory)} (Part 5)")
    else:
        for status in statuses:
            condition = status.parsed()
            if condition is None:
                parts.append(f"conditional in {status.profile} (Part 5), decided by the case")
                break
            if condition.holds(supports):
                parts.append(f"conditional in {status.profile} (Part 5): {condition} holds")
                break
    if getattr(info, "evses", 1) > 1:
        parts.append(f"a station with {info.evses} EVSEs or more (Part 5 HFS-8)")
    if info.needs:
        parts.append("needs " + ", ".join(describe_feature(info, key) for key in info.needs))
    if info.lacks:
        parts.append("for a DUT without " + ", ".join(info.lacks))
    if info.any_of:
        parts.append("needs one of " + ", ".join(info.any_of))
    return "; ".join(parts)


def _part5_statuses(info: Any, cert_profile: str | None) -> list[Any]:
    """The case's Part 5 statuses (only ``cert_profile``'s when given); none outside
    the catalog."""
    known = _catalog_entry(info)
    return [
        status
        for status in (known.part5 if known is not None else ())
        if cert_profile is None or status.profile == cert_profile
    ]


def _catalog_entry(info: Any) -> Any:
    """The case's catalog entry; None outside the catalog (or without its data)."""
    try:
        from harness.spec.catalog import entry
    except ImportError:  # the catalog is optional data
        return None
    return entry(info.id, info.ocpp)
