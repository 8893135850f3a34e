"""What ``ocpp-harness list`` asks of the catalog data: checking a ``--profile``,
selecting the implemented cases of a version, role and profile, and the coverage
output. Kept out of ``cli.py`` so the command line only wires options."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from harness.dut_kind import DutKind
from harness.ocppj import OcppVersion
from harness.spec.catalog import case_ids_in_profile, profiles
from harness.spec.coverage import measure, render_text

__all__ = ["KINDS", "coverage_output", "profile_problem", "select"]

KINDS = {"cs": DutKind.CHARGING_STATION, "csms": DutKind.CSMS}


def profile_problem(profile: str, versions: Sequence[OcppVersion]) -> str | None:
    """A one-line error when no selected version has ``profile``, naming the slugs."""
    known = list(dict.fromkeys(slug for version in versions for slug in profiles(version)))
    if profile in known:
        return None
    scope = f"OCPP {versions[0].value}" if len(versions) == 1 else "any OCPP version"
    return f"unknown profile {profile!r} for {scope}; use one of {', '.join(known)}"


def select(
    infos: Iterable[Any],
    versions: Sequence[OcppVersion],
    kinds: Sequence[str],
    profile: str | None,
) -> list[Any]:
    """The code-catalog cases (``TestCaseInfo``) of these versions and DUT kinds, and of
    ``profile`` where given (a version without that profile contributes none)."""
    chosen = [i for i in infos if i.ocpp in versions and i.dut_kind in kinds]
    if profile is None:
        return chosen
    members: set[tuple[str, OcppVersion]] = set()
    for version in versions:
        if profile not in profiles(version):
            continue
        for kind in kinds:
            members |= {(c, version) for c in case_ids_in_profile(version, kind, profile)}
    return [i for i in chosen if (i.id, i.ocpp) in members]


def coverage_output(
    implemented: Iterable[tuple[str, OcppVersion, str]],
    versions: Sequence[OcppVersion],
    kinds: Sequence[str],
    profile: str | None,
    fmt: str,
) -> str:
    """``list --coverage`` as text tables or as JSON (every known case + summary)."""
    scoped = [v for v in versions if profile is None or profile in profiles(v)]
    result = measure(implemented, scoped, kinds, profile)
    if fmt == "json":
        return json.dumps(result.to_json(), indent=1, ensure_ascii=False)
    return render_text(result, show_blocks=len(versions) == 1)
