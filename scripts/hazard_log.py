"""The hazard log (docs/clinical-safety/hazard-log.toml) as data: load it, check it,
read the latest pytest results (JUnit XML) and print it for a Clinical Safety Officer.

Used by ``scripts/safety-report`` and ``tests/test_hazard_log.py``. Standard library only,
so it runs from a bare checkout as well as from the project's .venv.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOG_PATH = ROOT / "docs" / "clinical-safety" / "hazard-log.toml"
JUNIT_PATH = ROOT / "build" / "test-results.xml"

SEVERITIES = ["Minor", "Significant", "Considerable", "Major", "Catastrophic"]
LIKELIHOODS = ["Very low", "Low", "Medium", "High", "Very high"]
# Clinical risk matrix of the DCB0129/DCB0160 guidance: MATRIX[likelihood][severity].
MATRIX = [
    [1, 1, 2, 2, 3],  # Very low
    [1, 2, 2, 3, 4],  # Low
    [2, 2, 3, 3, 4],  # Medium
    [2, 3, 3, 4, 5],  # High
    [3, 4, 4, 5, 5],  # Very high
]
ACCEPTABILITY = {
    1: "Acceptable: no further action",
    2: "Acceptable where further reduction is impractical or costs outweigh the benefit",
    3: "Undesirable: only acceptable when further reduction is impractical",
    4: "Mandatory elimination or control to reduce the risk to an acceptable level",
    5: "Unacceptable",
}
KINDS = {"design", "information", "training", "process"}
HAZARD_KEYS = {"id", "title", "hazard", "causes", "effect", "harm", "initial", "residual"}
HAZARD_KEYS |= {"status", "control"}
CONTROL_KEYS = {"id", "kind", "description", "tests", "docs"}


def risk_of(severity: str, likelihood: str) -> int:
    return MATRIX[LIKELIHOODS.index(likelihood)][SEVERITIES.index(severity)]


@dataclass
class DocRef:
    file: str
    section: str

    def __str__(self) -> str:
        return f"{self.file} § {self.section}"


@dataclass
class Control:
    id: str
    kind: str
    description: str
    tests: list[str]
    docs: list[DocRef]


@dataclass
class Rating:
    severity: str
    likelihood: str
    risk: int


@dataclass
class Hazard:
    id: str
    title: str
    hazard: str
    causes: list[str]
    effect: str
    harm: str
    initial: Rating
    residual: Rating
    status: str
    controls: list[Control] = field(default_factory=list)


@dataclass
class HazardLog:
    meta: dict[str, str]
    hazards: list[Hazard]

    def test_ids(self) -> list[str]:
        return [t for h in self.hazards for c in h.controls for t in c.tests]

    def doc_refs(self) -> list[DocRef]:
        return [d for h in self.hazards for c in h.controls for d in c.docs]


class HazardLogError(ValueError):
    pass


def _rating(where: str, raw: object) -> Rating:
    if not isinstance(raw, dict) or set(raw) != {"severity", "likelihood", "risk"}:
        raise HazardLogError(f"{where}: needs severity, likelihood and risk")
    sev, lik, risk = raw["severity"], raw["likelihood"], raw["risk"]
    if sev not in SEVERITIES:
        raise HazardLogError(f"{where}: severity {sev!r} is not one of {SEVERITIES}")
    if lik not in LIKELIHOODS:
        raise HazardLogError(f"{where}: likelihood {lik!r} is not one of {LIKELIHOODS}")
    if risk != risk_of(sev, lik):
        raise HazardLogError(
            f"{where}: risk {risk!r} is not what the matrix gives for {sev}/{lik} "
            f"({risk_of(sev, lik)})"
        )
    return Rating(sev, lik, risk)


def _strings(where: str, raw: object) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(x, str) and x.strip() for x in raw):
        raise HazardLogError(f"{where}: must be a list of non-empty strings")
    return list(raw)


def _text(where: str, raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise HazardLogError(f"{where}: must be non-empty text")
    return raw


def parse(text: str) -> HazardLog:
    """Parse and check the log's structure (not yet whether its evidence exists)."""
    data = tomllib.loads(text)
    hazards: list[Hazard] = []
    seen: set[str] = set()
    for i, h in enumerate(data.get("hazard", [])):
        where = f"hazard {h.get('id', i + 1)}"
        if set(h) != HAZARD_KEYS:
            raise HazardLogError(f"{where}: keys must be {sorted(HAZARD_KEYS)}, got {sorted(h)}")
        hid = _text(f"{where} id", h["id"])
        if hid in seen:
            raise HazardLogError(f"{where}: the id is used twice")
        seen.add(hid)
        controls: list[Control] = []
        for c in h["control"]:
            cw = f"{where} control {c.get('id', '?')}"
            if set(c) != CONTROL_KEYS:
                raise HazardLogError(f"{cw}: keys must be {sorted(CONTROL_KEYS)}")
            cid = _text(f"{cw} id", c["id"])
            if not cid.startswith(hid + "-") or cid in seen:
                raise HazardLogError(f"{cw}: id must be unique and start with {hid}-")
            seen.add(cid)
            if c["kind"] not in KINDS:
                raise HazardLogError(f"{cw}: kind must be one of {sorted(KINDS)}")
            tests = _strings(f"{cw} tests", c["tests"]) if c["tests"] else []
            docs = [DocRef(_text(f"{cw} doc file", d["file"]), _text(cw, d["section"]))
                    for d in c["docs"]]  # fmt: skip
            if not tests and not docs:
                raise HazardLogError(f"{cw}: names no evidence (tests or docs)")
            controls.append(Control(cid, c["kind"], _text(cw, c["description"]), tests, docs))
        if not controls:
            raise HazardLogError(f"{where}: has no controls")
        hazards.append(
            Hazard(
                id=hid,
                title=_text(f"{where} title", h["title"]),
                hazard=_text(f"{where} hazard", h["hazard"]),
                causes=_strings(f"{where} causes", h["causes"]),
                effect=_text(f"{where} effect", h["effect"]),
                harm=_text(f"{where} harm", h["harm"]),
                initial=_rating(f"{where} initial", h["initial"]),
                residual=_rating(f"{where} residual", h["residual"]),
                status=_text(f"{where} status", h["status"]),
                controls=controls,
            )
        )
    if not hazards:
        raise HazardLogError("the log holds no hazards")
    return HazardLog(meta=dict(data.get("log", {})), hazards=hazards)


def load(path: Path = LOG_PATH) -> HazardLog:
    return parse(path.read_text(encoding="utf-8"))


# --- evidence ----------------------------------------------------------------------------


def collected_test_ids(python: str = sys.executable) -> set[str]:
    """Node ids pytest collects in this checkout, without their [parameters]."""
    r = subprocess.run(
        [python, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    if r.returncode != 0:
        raise RuntimeError(f"pytest --collect-only failed:\n{r.stdout[-2000:]}{r.stderr[-2000:]}")
    ids = set()
    for line in r.stdout.splitlines():
        if "::" in line:
            ids.add(line.strip().split("[", 1)[0].replace("\\", "/"))
    return ids


def _normalise_heading(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("`", "")).strip()


def headings(md: Path) -> set[str]:
    """Every Markdown heading of a file, without its #s and backticks."""
    found = set()
    in_code = False
    for line in md.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and (m := re.match(r"#{1,6}\s+(.*)", line)):
            found.add(_normalise_heading(m.group(1)))
    return found


def missing_doc_refs(log: HazardLog, root: Path = ROOT) -> list[str]:
    problems = []
    for ref in log.doc_refs():
        path = root / ref.file
        if not path.is_file():
            problems.append(f"{ref}: no such file")
        elif _normalise_heading(ref.section) not in headings(path):
            problems.append(f"{ref}: no such heading in {ref.file}")
    return problems


# --- results -------------------------------------------------------------------------------


@dataclass
class RunResults:
    source: str
    when: str
    outcomes: dict[str, list[str]]  # node id without parameters -> outcome of each case

    def outcome(self, test_id: str) -> str:
        got = self.outcomes.get(test_id)
        if not got:
            return "not run"
        for worst in ("failed", "error"):
            if worst in got:
                return worst
        if all(o == "skipped" for o in got):
            return "skipped"
        return "passed"


def _node_id(classname: str, name: str) -> str:
    # pytest writes classname "tests.reliability.test_rel_crash" (or "...test_x.TestClass")
    parts = classname.split(".")
    for i in range(len(parts), 0, -1):
        candidate = ROOT.joinpath(*parts[:i]).with_suffix(".py")
        if candidate.is_file():
            path = "/".join(parts[:i]) + ".py"
            return "::".join([path, *parts[i:], name.split("[", 1)[0]])
    return f"{classname}::{name.split('[', 1)[0]}"


def read_junit(path: Path = JUNIT_PATH) -> RunResults | None:
    if not path.is_file():
        return None
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    when = suites[0].get("timestamp", "") if suites else ""
    if not when:
        when = datetime.fromtimestamp(path.stat().st_mtime).isoformat(timespec="seconds")
    outcomes: dict[str, list[str]] = {}
    for case in root.iter("testcase"):
        tags = {child.tag for child in case}
        outcome = (
            "failed" if "failure" in tags
            else "error" if "error" in tags
            else "skipped" if "skipped" in tags
            else "passed"
        )  # fmt: skip
        node = _node_id(case.get("classname", ""), case.get("name", ""))
        outcomes.setdefault(node, []).append(outcome)
    try:
        source = str(path.resolve().relative_to(ROOT))
    except ValueError:
        source = str(path)
    return RunResults(source, when, outcomes)


def run_evidence_tests(log: HazardLog, junit: Path, python: str = sys.executable) -> int:
    """Run just the tests the log names, writing their results to ``junit``."""
    junit.parent.mkdir(parents=True, exist_ok=True)
    ids = sorted(set(log.test_ids()))
    return subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}", *ids],
        cwd=ROOT,
    ).returncode


# --- report --------------------------------------------------------------------------------

MARK = {"passed": "PASS", "failed": "FAIL", "error": "FAIL", "skipped": "SKIP"}
MARK["not run"] = "NOT RUN"


def report(log: HazardLog, results: RunResults | None) -> tuple[str, dict[str, int]]:
    """The log as Markdown with each control's evidence and its latest result."""
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0, "NOT RUN": 0}
    m = log.meta
    out = [
        f"# {m.get('product', 'RxLog')} hazard log ({m.get('standard', 'DCB0129')}), "
        f"issue {m.get('issue', '?')}",
        "",
        f"Manufacturer: {m.get('manufacturer', '')}",
        f"Clinical Safety Officer: {m.get('clinical_safety_officer') or '________________'}",
        (
            f"Test results: {results.source}, run {results.when}"
            if results
            else "Test results: none found (run `bash scripts/test.sh`, or this script with --run)"
        ),
        "",
        "| hazard | initial risk | residual risk | status |",
        "|---|---|---|---|",
    ]
    for h in log.hazards:
        out.append(
            f"| {h.id} {h.title} | {h.initial.risk} ({h.initial.severity}/"
            f"{h.initial.likelihood}) | {h.residual.risk} ({h.residual.severity}/"
            f"{h.residual.likelihood}) | {h.status} |"
        )
    for h in log.hazards:
        out += ["", f"## {h.id} {h.title}", "", f"**Hazard.** {h.hazard}", "", "**Causes.**"]
        out += [f"- {c}" for c in h.causes]
        out += [
            "",
            f"**Effect.** {h.effect}",
            "",
            f"**Possible harm.** {h.harm}",
            "",
            f"**Initial risk.** {h.initial.severity} × {h.initial.likelihood} = "
            f"{h.initial.risk}: {ACCEPTABILITY[h.initial.risk]}.",
            "",
            "**Controls.**",
        ]
        for c in h.controls:
            out.append(f"- **{c.id}** ({c.kind}) {c.description}")
            for t in c.tests:
                mark = MARK[results.outcome(t) if results else "not run"]
                counts[mark] += 1
                out.append(f"  - [{mark}] `{t}`")
            for d in c.docs:
                out.append(f"  - [DOC] {d}")
        out += [
            "",
            f"**Residual risk.** {h.residual.severity} × {h.residual.likelihood} = "
            f"{h.residual.risk}: {ACCEPTABILITY[h.residual.risk]}.",
            "",
            f"**Status.** {h.status}",
        ]
    out += [
        "",
        "## Summary",
        "",
        f"Evidence tests: {counts['PASS']} passed, {counts['FAIL']} failed, "
        f"{counts['SKIP']} skipped, {counts['NOT RUN']} not run.",
        "",
        "Reviewed and accepted by the Clinical Safety Officer: ________________  date: __________",
    ]
    return "\n".join(out) + "\n", counts
