"""junit.xml for CI gates, written from the run record as report.json is.

One ``<testcase>`` per case: the case id is its name, ``ocpp.<version>.<kind>.<block>``
its class, the harness's verdict decides the element (``<failure>`` when the DUT broke a
rule, ``<error>`` when the harness or the set-up broke, ``<skipped>`` when the case did
not apply or could not be done), and the counts of ``<testsuite>`` are those verdicts, so
a CI gate reads the same numbers as the terminal and report.json. The case's id, title,
verdict, requirements, rule, Part 6 step and warnings are ``<property>`` elements.

Written by us rather than by patching pytest's junitxml reporter, whose internals change
between pytest versions and which counts pytest outcomes, not verdicts.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from harness.report.records import CaseRecord, RunRecord
from harness.verdicts import Verdict

__all__ = ["junit_xml"]

#: what XML 1.0 cannot carry (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/FFFF):
#: a DUT's frame may hold any of it, and one such character would make the file unreadable
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_ELEMENT = {Verdict.FAILED: "failure", Verdict.ERROR: "error", Verdict.SKIPPED: "skipped"}


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _text(value: object) -> str:
    return _NOT_XML.sub(_escaped, str(value))


def _verdict(case: CaseRecord) -> Verdict:
    return Verdict(case.verdict or Verdict.ERROR)  # a case without a verdict is an error


def _testcase(case: CaseRecord) -> ET.Element:
    element = ET.Element(
        "testcase",
        name=_text(case.id),
        classname=_text(f"ocpp.{case.ocpp}.{case.dut_kind}.{case.block}".replace(" ", "_")),
        time=f"{case.duration_s:.3f}",
    )
    properties = ET.SubElement(element, "properties")
    for name, value in case.junit_properties():
        ET.SubElement(properties, "property", name=name, value=_text(value))
    verdict = _verdict(case)
    tag = _ELEMENT.get(verdict)
    if tag is not None:
        message = case.reason or f"{verdict.value} without a reason"
        if case.rule and verdict.is_bad:
            message += f" [{case.rule}]"
        outcome = ET.SubElement(element, tag, message=_text(message))
        if verdict.is_bad:
            outcome.set("type", _text(case.rule or verdict.value))
            lines = [message]
            if case.table_step:
                lines.append(f"at step {case.table_step} of the Part 6 table")
            lines.append(f"test: {case.nodeid}")
            outcome.text = _text("\n".join(lines))
    return element


def junit_xml(run: RunRecord, *, complete: bool) -> str:
    """The run as JUnit XML (the common Jenkins/GitLab/GitHub reading of it)."""
    counts = run.summary()
    attributes = {
        "name": "ocpp-harness",
        "tests": str(len(run.cases)),
        "failures": str(counts[Verdict.FAILED.value]),
        "errors": str(counts[Verdict.ERROR.value]),
        "skipped": str(counts[Verdict.SKIPPED.value]),
        "time": f"{sum(case.duration_s for case in run.cases):.3f}",
        "timestamp": run.started,
    }
    suites = ET.Element("testsuites", attributes)
    suite = ET.SubElement(suites, "testsuite", attributes)
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", name="complete", value=str(complete).lower())
    ET.SubElement(properties, "property", name="harness_version", value=run.harness_version)
    for case in run.cases:
        suite.append(_testcase(case))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
