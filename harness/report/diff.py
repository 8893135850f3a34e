"""``ocpp-harness report diff OLD.json NEW.json``: the CI regression gate.

A CI job keeps the ``report.json`` of the last good run and compares each new run with it.
What matters to the gate is not the new run's verdicts on their own (a case that has always
failed is a known problem, not news) but what got *worse*: that is what fails the build.

A case is identified by ``(id, ocpp, dut_kind)``: an embedded run tests the same OCA id
against several DUTs (``TC_B_01_CS`` for OCPP 1.6 and 2.0.1), and those are different cases.

Transitions, old verdict -> new verdict (``bad`` is *failed* or *error*):

============================  ==========================================================
passed/skipped -> bad         regression
bad -> passed                 fix
bad -> bad                    still failing (with a note when the verdict, rule or reason
                              changed)
passed/bad -> skipped         now skipped: coverage loss, listed but not a regression (the
                              skip reason says why, e.g. a feature no longer declared)
skipped -> passed             now passing: coverage gain
same verdict, passed/skipped  unchanged (counted, not listed)
absent -> any                 added (no baseline, so never a regression)
any -> absent                 removed
============================  ==========================================================

A case that passes in both reports but carries a named warning (beyond-octt,
octt-stricter) for a rule it did not warn about before is listed under *new warnings*:
not a regression (warnings do not fail a case), but what a ``--strict`` run would fail.

:func:`is_regression` is the gate: any regression, *or a removed case that passed before*.
A case that disappears from the new report may have crashed the run, been deselected or
renamed; if it passed before, dropping it silently would let a failure hide behind the
missing line, so the gate treats it as worse. A removed case that was already failing or
skipped loses nothing the gate was protecting, so it is listed but does not fail the gate.

Exit codes of :func:`run_report`: 0 no regression, 1 regression, 2 usage or input error
(one line on stderr naming the file).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jsonschema

__all__ = [
    "EXIT_INPUT",
    "EXIT_NO_REGRESSION",
    "EXIT_REGRESSION",
    "CaseChange",
    "ReportDiff",
    "ReportInputError",
    "add_report_subparser",
    "diff_reports",
    "is_regression",
    "load_report",
    "render_json",
    "render_text",
    "run_report",
]

EXIT_NO_REGRESSION, EXIT_REGRESSION, EXIT_INPUT = 0, 1, 2

REPORT_SCHEMA_FILE = "report.schema.json"
REPORT_FORMAT = "ocpp-harness-report/1"

_BAD = frozenset({"failed", "error"})
ABSENT = "absent"
"""The verdict shown for the side of an added or removed case that has no such case."""

_REASON_MAX = 240
"""A reason is one line by contract, but it quotes what the DUT sent: cut it so that one
line of the CI log stays one readable line."""

_WORSE_RANK = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}
"""For a case listed twice in one report, the worse verdict counts: a gate must not pick
the passing copy of a case that also failed."""


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class CaseChange:
    """One case as it was in the old report and is in the new one.

    ``old_verdict``/``new_verdict`` are :data:`ABSENT` for an added/removed case;
    ``reason``/``rule`` are those of the new verdict, or of the old one when the new
    verdict is a pass or absent (so a fix says what was fixed). ``note`` says what changed
    within a case that is still failing.
    """

    id: str
    ocpp: str
    dut_kind: str
    title: str
    old_verdict: str
    new_verdict: str
    reason: str = ""
    rule: str = ""
    old_reason: str = ""
    old_rule: str = ""
    note: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        """The case's identity across reports."""
        return (self.id, self.ocpp, self.dut_kind)


@dataclass
class ReportDiff:
    """What changed between two reports; lists are in the new report's case order
    (removed cases in the old report's order), so the output is stable run to run."""

    regressions: list[CaseChange] = field(default_factory=list)
    fixes: list[CaseChange] = field(default_factory=list)
    still_failing: list[CaseChange] = field(default_factory=list)
    now_skipped: list[CaseChange] = field(default_factory=list)
    now_passing: list[CaseChange] = field(default_factory=list)
    added: list[CaseChange] = field(default_factory=list)
    removed: list[CaseChange] = field(default_factory=list)
    #: passed both times, with a named warning for a rule that had none before
    new_warnings: list[CaseChange] = field(default_factory=list)
    unchanged_count: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def removed_passed(self) -> list[CaseChange]:
        """Removed cases that passed before: these count as worse (see the module doc)."""
        return [change for change in self.removed if change.old_verdict == "passed"]

    @property
    def worse(self) -> int:
        """How many cases got worse: regressions plus removed cases that passed before."""
        return len(self.regressions) + len(self.removed_passed)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, for ``--format json`` and for tools downstream of CI."""
        lists = (
            "regressions",
            "fixes",
            "still_failing",
            "now_skipped",
            "now_passing",
            "added",
            "removed",
        )
        out: dict[str, Any] = {
            "regression": is_regression(self),
            "worse": self.worse,
            "counts": {name: len(getattr(self, name)) for name in lists},
        }
        out["counts"]["unchanged"] = self.unchanged_count
        out["warnings"] = list(self.warnings)
        for name in lists:
            out[name] = [asdict(change) for change in getattr(self, name)]
        out["new_warnings"] = [asdict(change) for change in self.new_warnings]
        return out


# --------------------------------------------------------------------------- diff


def _key(case: Mapping[str, Any]) -> tuple[str, str, str]:
    return (str(case.get("id", "")), str(case.get("ocpp", "")), str(case.get("dut_kind", "")))


def _label(key: tuple[str, str, str]) -> str:
    case_id, ocpp, kind = key
    return f"{case_id} ({ocpp}, {kind})"


def _index(
    report: Mapping[str, Any], side: str, warnings: list[str]
) -> dict[tuple[str, str, str], dict[str, Any]]:
    """The report's cases by identity, in report order; a duplicate keeps the worse verdict
    and is warned about, since it means the report is not what the gate assumes."""
    cases: dict[tuple[str, str, str], dict[str, Any]] = {}
    for case in report.get("cases") or []:
        key = _key(case)
        if key in cases:
            warnings.append(f"{side} report lists {_label(key)} more than once; the worse counts")
            kept = cases[key]
            if _worse_rank(case) <= _worse_rank(kept):
                continue
        cases[key] = case
    return cases


def _worse_rank(case: Mapping[str, Any]) -> int:
    return _WORSE_RANK.get(str(case.get("verdict", "")), 0)


def _change(
    key: tuple[str, str, str], old: Mapping[str, Any] | None, new: Mapping[str, Any] | None
) -> CaseChange:
    old_verdict = old.get("verdict", "") if old is not None else ABSENT
    new_verdict = new.get("verdict", "") if new is not None else ABSENT
    shown = new if new is not None and new_verdict != "passed" else old
    if shown is None:  # added and passed: nothing to explain
        shown = new or {}
    old_reason = str(old.get("reason", "")) if old is not None else ""
    old_rule = str(old.get("rule", "")) if old is not None else ""
    reason, rule = str(shown.get("reason", "")), str(shown.get("rule", ""))
    note = ""
    if old_verdict in _BAD and new_verdict in _BAD:
        if rule != old_rule:
            note = f"rule changed, was {old_rule or '(none)'}"
        elif reason != old_reason:
            note = f"reason changed, was: {_one_line(old_reason) or '(none)'}"
    title = str((new or old or {}).get("title", ""))
    return CaseChange(
        *key, title, old_verdict, new_verdict, reason, rule, old_reason, old_rule, note
    )


def _profiles(report: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """The (kind, ocpp, identity) of each DUT profile; report.json nests them under
    ``dut`` as a profile file does, a flat profile is read as well."""
    out = []
    for profile in (report.get("run") or {}).get("duts") or []:
        if not isinstance(profile, Mapping):
            continue
        nested = profile.get("dut")
        dut = nested if isinstance(nested, Mapping) else profile
        out.append(
            (str(dut.get("kind", "?")), str(dut.get("ocpp", "?")), str(dut.get("identity", "?")))
        )
    return sorted(out)


def _describe(profiles: Iterable[tuple[str, str, str]]) -> str:
    return ", ".join(f"{kind} {ocpp} {identity}" for kind, ocpp, identity in profiles) or "none"


def _run_warnings(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Why the comparison may not be like for like: the gate still runs, but CI readers
    must know that a verdict change may come from the run, not from the DUT."""
    warnings = []
    for side, report in (("old", old), ("new", new)):
        if report.get("complete") is not True:
            why = "interrupted" if (report.get("run") or {}).get("interrupted") else "unfinished"
            warnings.append(
                f"{side} report is incomplete (complete: false, run {why}): cases may be missing"
            )
    if old.get("format") != new.get("format"):
        warnings.append(f"report formats differ: old {old.get('format')}, new {new.get('format')}")
    old_duts, new_duts = _profiles(old), _profiles(new)
    if old_duts != new_duts:
        only_old = [p for p in old_duts if p not in new_duts]
        only_new = [p for p in new_duts if p not in old_duts]
        warnings.append(
            f"DUT profiles differ: only in old: {_describe(only_old)}; "
            f"only in new: {_describe(only_new)}"
        )
    old_run, new_run = old.get("run") or {}, new.get("run") or {}
    old_defects = sorted(old_run.get("sim_defects") or [])
    new_defects = sorted(new_run.get("sim_defects") or [])
    if old_defects != new_defects:
        warnings.append(
            f"simulator defects differ: old {', '.join(old_defects) or 'none'}, "
            f"new {', '.join(new_defects) or 'none'}"
        )
    old_version, new_version = old_run.get("harness_version"), new_run.get("harness_version")
    if old_version != new_version:
        warnings.append(
            f"harness versions differ: old {old_version}, new {new_version}; "
            "a verdict change may come from the harness"
        )
    return warnings


def diff_reports(old: Mapping[str, Any], new: Mapping[str, Any]) -> ReportDiff:
    """Compare two ``report.json`` documents (already parsed); pure, no I/O.

    The reports are trusted to be reports (``run_report`` validates them first), but a
    missing optional key never raises: a gate that crashes is a gate that gets disabled.
    """
    diff = ReportDiff(warnings=_run_warnings(old, new))
    old_cases = _index(old, "old", diff.warnings)
    new_cases = _index(new, "new", diff.warnings)
    for key, new_case in new_cases.items():
        old_case = old_cases.get(key)
        change = _change(key, old_case, new_case)
        before, after = change.old_verdict, change.new_verdict
        if old_case is None:
            diff.added.append(change)
        elif after in _BAD and before not in _BAD:
            diff.regressions.append(change)
        elif before in _BAD and after in _BAD:
            if before != after:
                change = _with_note(change, f"verdict changed, was {before}")
            diff.still_failing.append(change)
        elif before in _BAD and after == "passed":
            diff.fixes.append(change)
        elif after == "skipped" and before != "skipped":
            diff.now_skipped.append(change)
        elif before == "skipped" and after == "passed":
            diff.now_passing.append(change)
        else:
            diff.unchanged_count += 1
            fresh = _warned_rules(new_case) - _warned_rules(old_case)
            if after == "passed" and fresh:
                diff.new_warnings.append(
                    replace(change, rule=", ".join(sorted(fresh)), note="new named warning")
                )
    for key, old_case in old_cases.items():
        if key not in new_cases:
            diff.removed.append(_change(key, old_case, None))
    return diff


def _warned_rules(case: Mapping[str, Any]) -> set[str]:
    """Rules of a case's named warnings (notes aside; older reports had plain strings)."""
    return {
        str(w.get("rule", ""))
        for w in case.get("warnings") or []
        if isinstance(w, Mapping) and w.get("kind") != "note"
    }


def _with_note(change: CaseChange, note: str) -> CaseChange:
    return replace(change, note=f"{note}; {change.note}" if change.note else note)


def is_regression(diff: ReportDiff) -> bool:
    """The gate: true when a case got worse.

    That is any regression (passed or skipped before, failed or error now) and any case
    that passed before and is missing now: a silently dropped case must not hide a failure.
    Cases that are still failing, newly skipped or added do not trip the gate; they are
    listed for a human to read.
    """
    return diff.worse > 0


# --------------------------------------------------------------------------- render


def _one_line(text: str, limit: int = _REASON_MAX) -> str:
    """Collapse whitespace and control characters (a reason may quote DUT input) and cut."""
    flat = re.sub(r"[\s\x00-\x1f\x7f]+", " ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _line(change: CaseChange) -> str:
    text = f"{_label(change.key)}: {change.old_verdict} -> {change.new_verdict}"
    reason = _one_line(change.reason)
    rule = _one_line(change.rule, 120)
    detail = " ".join(part for part in (reason, f"[{rule}]" if rule else "") if part)
    if detail:
        text += f" — {detail}"
    if change.note:
        text += f" ({change.note})"
    return text


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def render_text(diff: ReportDiff, old_label: str, new_label: str) -> str:
    """A short text report for a CI log: counts first, then one line per changed case in
    named sections (empty ones omitted), then the gate's verdict as the last line, so that
    ``tail -1`` of the log says whether and why the job failed."""
    counts = ", ".join(
        [
            _plural(len(diff.regressions), "regression"),
            _plural(len(diff.fixes), "fix", "fixes"),
            f"{len(diff.still_failing)} still failing",
            f"{len(diff.now_skipped)} now skipped",
            f"{len(diff.now_passing)} now passing",
            f"{len(diff.added)} added",
            f"{len(diff.removed)} removed",
            f"{diff.unchanged_count} unchanged",
        ]
    )
    lines = [f"report diff {_one_line(old_label)} -> {_one_line(new_label)}: {counts}"]
    lines += [f"warning: {warning}" for warning in diff.warnings]
    sections = (
        ("Regressions", diff.regressions),
        ("Fixes", diff.fixes),
        ("Still failing", diff.still_failing),
        ("Now skipped", diff.now_skipped),
        ("Now passing", diff.now_passing),
        ("Added", diff.added),
        ("Removed", diff.removed),
        ("New warnings (a --strict run fails these)", diff.new_warnings),
    )
    for title, changes in sections:
        if changes:
            lines.append("")
            lines.append(f"{title} ({len(changes)}):")
            lines += [f"  {_line(change)}" for change in changes]
    lines.append("")
    if is_regression(diff):
        lines.append(f"regression: {diff.worse} case(s) got worse")
    else:
        lines.append("no regression")
    return "\n".join(lines) + "\n"


def render_json(diff: ReportDiff, old_label: str, new_label: str) -> str:
    """The diff as one JSON document, with the files it compared."""
    return json.dumps({"old": old_label, "new": new_label, **diff.to_dict()}, indent=1) + "\n"


# --------------------------------------------------------------------------- input


class ReportInputError(Exception):
    """A file that cannot be compared; the message is one line and names the file."""


@cache
def _report_validator() -> jsonschema.Draft202012Validator:
    """The Draft 2020-12 validator of ``report.schema.json``, built once.

    The schema ships as ``harness.schemas_data``; a source checkout that is not installed
    has only ``schemas/`` next to ``harness/``. jsonschema is imported here, not at the
    top: the project CLI imports this module to build its parser, and only ``report diff``
    needs it.
    """
    from importlib.resources import files

    import jsonschema

    try:
        text = files("harness.schemas_data").joinpath(REPORT_SCHEMA_FILE).read_text("utf-8")
    except ModuleNotFoundError:
        text = (Path(__file__).parents[2] / "schemas" / REPORT_SCHEMA_FILE).read_text("utf-8")
    return jsonschema.Draft202012Validator(json.loads(text))


def _json_path(path: Iterable[str | int]) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


_JSON_TYPES: dict[type, str] = {
    list: "array",
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    type(None): "null",
}
"""JSON's names for what ``json.loads`` returns, for a message about a non-object file."""


def _schema_problem(document: Any) -> str | None:
    """Why ``document`` is not a report, in a few words, or None when it is one."""
    if not isinstance(document, dict):
        kind = _JSON_TYPES.get(type(document), type(document).__name__)
        return f"not an ocpp-harness report (a JSON {kind}, not an object)"
    if "format" not in document:
        return 'not an ocpp-harness report (no "format" key)'
    if document["format"] != REPORT_FORMAT:
        found = _one_line(repr(document["format"]), 60)
        return f"unsupported report format {found} (expected {REPORT_FORMAT})"
    import jsonschema

    error = jsonschema.exceptions.best_match(_report_validator().iter_errors(document))
    if error is None:
        return None
    return f"not a valid ocpp-harness report: {_json_path(error.absolute_path)}: " + _one_line(
        error.message, 160
    )


def load_report(path: str | Path) -> dict[str, Any]:
    """Read and validate one ``report.json``; :class:`ReportInputError` names the file."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ReportInputError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise ReportInputError(f"{name}: is a directory, not a report.json") from None
    except OSError as exc:
        raise ReportInputError(f"{name}: cannot read: {exc.strerror or exc}") from None
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ReportInputError(f"{name}: not JSON (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise ReportInputError(
            f"{name}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise ReportInputError(f"{name}: not JSON (nested too deeply)") from None
    problem = _schema_problem(document)
    if problem is not None:
        raise ReportInputError(f"{name}: {problem}")
    assert isinstance(document, dict)  # _schema_problem checked it is a report object
    return document


# --------------------------------------------------------------------------- command line


def add_report_subparser(subparsers: Any) -> None:
    """Add ``report diff OLD.json NEW.json [--format text|json]`` to an argparse
    subparsers object (the project CLI mounts it next to ``run`` and ``list``)."""
    report = subparsers.add_parser(
        "report",
        help="work with report.json files",
        description="Work with the report.json files that runs write.",
    )
    actions = report.add_subparsers(dest="report_command", required=True, metavar="{diff}")
    diff = actions.add_parser(
        "diff",
        help="compare two runs; exit 1 when a case got worse (a CI regression gate)",
        description="Compare two report.json files case by case (id, OCPP version, DUT kind). "
        "A regression is a case that passed or was skipped and now failed or errored, or a "
        "case that passed and is missing now.",
        epilog="exit status: 0 no regression, 1 regression, 2 usage or input error",
    )
    diff.add_argument("old", metavar="OLD.json", help="the baseline report.json")
    diff.add_argument("new", metavar="NEW.json", help="the report.json to check")
    diff.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text for a CI log (default), json for tools",
    )


def run_report(args: argparse.Namespace) -> int:
    """Run a ``report`` subcommand; returns the exit status (see the module doc)."""
    command = getattr(args, "report_command", None)
    if command != "diff":
        print(f"ocpp-harness report: unknown command {command!r}", file=sys.stderr)
        return EXIT_INPUT
    try:
        old = load_report(args.old)
        new = load_report(args.new)
    except ReportInputError as exc:
        print(f"ocpp-harness report diff: {exc}", file=sys.stderr)
        return EXIT_INPUT
    diff = diff_reports(old, new)
    render = render_json if args.format == "json" else render_text
    sys.stdout.write(render(diff, str(args.old), str(args.new)))
    return EXIT_REGRESSION if is_regression(diff) else EXIT_NO_REGRESSION
