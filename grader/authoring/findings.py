"""What ``grade validate`` found: one ``Finding`` per promise verified, and the ``Validation`` that
reports them, as text for a terminal and as JUnit XML for CI systems."""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree import ElementTree

from grader.grading import report

PARTS = ("to do", "contract", "checks", "leaks", "solution", "stub", "mistakes", "correct", "reference data",
         "mistake ids")


@dataclass(frozen=True)
class Finding:
    """One thing validate verified about a course, and whether it holds."""

    exercise: str
    """The exercise id, or ``course`` for the course as a whole."""
    part: str
    """Which promise: one of ``PARTS``."""
    subject: str
    """What was looked at: a check, a mistake file, a function."""
    ok: bool
    """Whether it holds."""
    message: str = ""
    """What is off (empty when it holds)."""


@dataclass(frozen=True)
class Validation:
    """Everything validate found."""

    course: str
    """The course title."""
    findings: tuple[Finding, ...]
    """In the order they were made."""

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    @property
    def problems(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.ok)

    def render(self, colour: bool = False) -> str:
        """A readable report: a line per exercise and part, with what is off under it."""
        def style(text, **kw):
            return report.style(text, colour, **kw)

        lines = [style(f"grade validate: {self.course}", bold=True)]
        exercises = list(dict.fromkeys(f.exercise for f in self.findings))
        for exercise in exercises:
            lines.append(f"{exercise}")
            mine = [f for f in self.findings if f.exercise == exercise]
            for part in [p for p in PARTS if any(f.part == p for f in mine)]:
                found = [f for f in mine if f.part == part]
                bad = [f for f in found if not f.ok]
                mark = style("✗", fg="red") if bad else style("✓", fg="green")
                lines.append(f"  {mark} {part}: {_summary(part, found)}")
                for finding in bad:
                    text = f"{finding.subject}: {finding.message}" if finding.subject else finding.message
                    first, *rest = text.splitlines() or [""]
                    lines.append(f"      {first}")
                    lines += [f"        {line}" for line in rest]
        problems = len(self.problems)
        verdict = "the course is right" if not problems else f"{problems} problem{'s' * (problems != 1)}"
        lines.append(style(f"{len(self.findings)} things verified: {verdict}", bold=True,
                           fg="green" if not problems else "red"))
        return "\n".join(lines)

    def junit_xml(self) -> str:
        """The findings as JUnit XML: a test case per finding, failed when it does not hold."""
        suite = ElementTree.Element("testsuite", name="grade validate", tests=str(len(self.findings)),
                                    failures=str(len(self.problems)), errors="0", skipped="0")
        for finding in self.findings:
            case = ElementTree.SubElement(suite, "testcase", classname=f"{finding.exercise}.{finding.part}",
                                          name=finding.subject or finding.part)
            if not finding.ok:
                failure = ElementTree.SubElement(case, "failure", message=finding.message.splitlines()[0]
                                                 if finding.message else "failed")
                failure.text = finding.message
        root = ElementTree.Element("testsuites")
        root.append(suite)
        ElementTree.indent(root)
        return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"


def _summary(part: str, found: list[Finding]) -> str:
    bad = sum(not f.ok for f in found)
    if part == "to do":
        return f"{bad} file{'s' * (bad != 1)} still to finish"
    if part == "leaks":
        return (f"{bad} thing{'s' * (bad != 1)} students must not have" if bad else "nothing students must not "
                "have") + " in what `grade release` would ship"
    noun = {"contract": "function", "checks": "verification", "solution": "check", "stub": "check",
            "mistakes": "mistake file", "correct": "correct file", "reference data": "verification",
            "mistake ids": "catalogue check"}[part]
    total = f"{len(found)} {noun}{'s' * (len(found) != 1)}"
    return f"{total}, all as they should be" if not bad else f"{bad} of {total} off"
