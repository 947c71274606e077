"""Lighthouse on the pages people open most on a phone, as they get them (gunicorn, DEBUG off,
WhiteNoise's compressed and hashed static files): its mobile defaults (a mid-range phone, simulated
slow 4G and a 4x slower CPU), in Debian's Chromium. Lighthouse comes from the npm registry, pinned
in package.json (`make test` runs npm ci); it cannot download a Chrome of its own here.

`make bench` prints the table; tests/browser/test_lighthouse.py holds each page to GOALS. Both
read one Report per page from audit(). Set LIGHTHOUSE_REPORTS=/some/dir to keep each page's
report (JSON, which Lighthouse's viewer opens)."""

import dataclasses
import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

from .client import request
from .common import CHROMIUM, CHROMIUM_FLAGS, HOST, ROOT

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROME_FLAGS = ("--headless=new", *CHROMIUM_FLAGS)
CATEGORIES = ("performance", "accessibility", "best-practices")
# Issue 16: the least score (0..1) of each category on a phone, and the most layout shift.
GOALS = {"performance": 0.95, "accessibility": 1.0, "best-practices": 1.0}
CLS_LIMIT = 0.05
# What a later visit downloads again: the page itself, what its scripts fetch, and the static
# files Lighthouse finds not cached for long (uses-long-cache-ttl).
PAGE_TYPES = {"Document", "XHR", "Fetch"}


@dataclasses.dataclass
class Finding:
    """An audit that did not pass: Lighthouse's id, title and figure, and the elements at fault
    (CSS selectors) where it names them: a contrast, a missing label, a shifting table."""

    category: str
    id: str
    title: str
    value: str
    elements: list

    def __str__(self):
        where = f" — {'; '.join(self.elements)}" if self.elements else ""
        value = f" ({self.value})" if self.value else ""
        return f"{self.category}: {self.id}: {self.title}{value}{where}"


@dataclasses.dataclass
class Report:
    name: str
    path: str
    final_path: str  # where the page ended up: another page means a redirect (signed out, say)
    scores: dict  # category -> 0..1, None when Lighthouse could not score it
    cls: float
    lcp_ms: float
    tbt_ms: float
    bytes: int  # everything an empty cache downloads (total-byte-weight, compressed, headers included)
    later_bytes: int  # what a later visit downloads again: the page, and static files not cached long
    findings: list
    runs: int = 1  # Lighthouse runs this report is the median of

    def shortfalls(self):
        """What keeps this page from the goals, one line each; [] when it meets them."""
        lines = []
        if self.final_path != self.path:
            lines.append(f"ended at {self.final_path}, not {self.path}")
        for category, least in GOALS.items():
            score = self.scores.get(category)
            if score is None or score < least:
                lines.append(f"{category} {_points(score)} (at least {_points(least)})")
        if self.cls >= CLS_LIMIT:
            lines.append(f"cumulative layout shift {self.cls:.3f} (under {CLS_LIMIT})")
        if lines:
            lines += [f"  {finding}" for finding in self.findings]
        return lines


def audit(port, name, path, cookie=None, *, warm_up=8, runs_when_short=3):
    """Lighthouse's report of the page at `path` on 127.0.0.1:`port`, sent `cookie` (a signed-in
    session) with every request. The page is first asked for `warm_up` times, so that every
    gunicorn worker has loaded its templates and catalogs, as on a server that has been up a
    while. Lighthouse simulates the slow phone from the CPU time this machine took, so another
    program busy at the same moment lowers a score: a page that falls short is run again, and the
    report with the median performance of `runs_when_short` runs is returned (Lighthouse's own
    advice for its variance). Raises RuntimeError when the page does not answer 200 (an error
    page or a redirect to the sign-in would be scored instead) or Lighthouse fails."""
    for _ in range(warm_up):
        status, _, _ = request("GET", port, path, headers={"Cookie": cookie} if cookie else {})
        if status != 200:
            raise RuntimeError(f"{name} ({path}) answered {status}, not 200")
    reports = [_run(port, name, path, cookie)]
    if reports[0].shortfalls():
        reports += [_run(port, name, path, cookie) for _ in range(runs_when_short - 1)]
    reports.sort(key=lambda r: r.scores["performance"] or 0)
    report = reports[len(reports) // 2]
    report.runs = len(reports)
    return report


def _run(port, name, path, cookie, *, attempts=3, timeout=240):
    """One Lighthouse run, tried again when Lighthouse fails: now and then it loses the trace of
    a load (NO_NAVSTART) and asks to be run again."""
    base_url = f"http://{HOST}:{port}"
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as folder:
        output = Path(folder) / "report.json"
        command = [
            str(LIGHTHOUSE),
            base_url + path,
            "--output=json",
            f"--output-path={output}",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--chrome-flags={' '.join(CHROME_FLAGS)}",
            "--quiet",
        ]
        if cookie:
            headers = Path(folder) / "headers.json"
            headers.write_text(json.dumps({"Cookie": cookie}))
            command.append(f"--extra-headers={headers}")
        env = {**os.environ, "CHROME_PATH": CHROMIUM}
        for _attempt in range(attempts):
            output.unlink(missing_ok=True)
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, check=False)
            result = json.loads(output.read_text()) if output.exists() else {}
            failed = done.returncode or not result or result.get("runtimeError")
            if not failed:
                break
        if failed:
            said = result.get("runtimeError") or done.stderr[-3000:]
            raise RuntimeError(f"lighthouse {path}: exit {done.returncode}, {attempts} times\n{said}")
        keep = os.environ.get("LIGHTHOUSE_REPORTS")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            slug = re.sub(r"\W+", "-", name).strip("-")
            (Path(keep) / f"{slug}.json").write_text(output.read_text())
    return _report(name, path, base_url, result)


def _report(name, path, base_url, result):
    audits = result["audits"]
    requests = audits["network-requests"]["details"]["items"]
    not_cached = audits["uses-long-cache-ttl"].get("details", {}).get("items", [])
    later = sum(r.get("transferSize", 0) for r in requests if r.get("resourceType") in PAGE_TYPES)
    later += sum(item.get("totalBytes", 0) for item in not_cached)
    return Report(
        name=name,
        path=path,
        final_path=result.get("finalDisplayedUrl", "").removeprefix(base_url),
        scores={c: result["categories"][c]["score"] for c in CATEGORIES},
        cls=audits["cumulative-layout-shift"]["numericValue"],
        lcp_ms=audits["largest-contentful-paint"]["numericValue"],
        tbt_ms=audits["total-blocking-time"]["numericValue"],
        bytes=int(audits["total-byte-weight"]["numericValue"]),
        later_bytes=int(later),
        findings=_findings(result),
    )


def _findings(result):
    """The audits that did not pass: in performance, the metrics below their best and the
    opportunities and diagnostics Lighthouse flags (below 0.9, as its report does); elsewhere
    every audit under 1."""
    findings, seen = [], set()
    for category in CATEGORIES:
        for ref in result["categories"][category]["auditRefs"]:
            audit_result = result["audits"][ref["id"]]
            score, mode = audit_result.get("score"), audit_result.get("scoreDisplayMode")
            if score is None or mode not in ("binary", "numeric", "metricSavings") or ref.get("group") == "hidden":
                continue
            if ref["id"] in seen or score >= (0.9 if category == "performance" and not ref.get("weight") else 1):
                continue
            seen.add(ref["id"])
            items = (audit_result.get("details") or {}).get("items")
            items = items if isinstance(items, list) else []
            elements = [
                item["node"].get("selector", "")
                for item in items[:5]
                if isinstance(item, dict) and isinstance(item.get("node"), dict)
            ]
            findings.append(
                Finding(category, ref["id"], audit_result["title"], audit_result.get("displayValue", ""), elements)
            )
    return findings


def _points(score):
    return "-" if score is None else f"{round(score * 100)}"


def table(reports):
    """The lines `make bench` prints: one row per page, what the columns mean, the weight of a
    first and of a later visit, and what falls short of the goals."""
    head = (
        f"{'Lighthouse, mobile':<36} {'perf':>5} {'a11y':>5} {'best pr.':>8} {'CLS':>6} {'LCP ms':>7}"
        f" {'TBT ms':>6} {'KB':>6} {'later KB':>8}"
    )
    lines = [head, "-" * len(head)]
    for r in reports:
        again = f"  (median of {r.runs} runs)" if r.runs > 1 else ""
        lines.append(
            f"{r.name:<36} {_points(r.scores['performance']):>5} {_points(r.scores['accessibility']):>5}"
            f" {_points(r.scores['best-practices']):>8} {r.cls:>6.3f} {r.lcp_ms:>7.0f} {r.tbt_ms:>6.0f}"
            f" {r.bytes / 1024:>6.1f} {r.later_bytes / 1024:>8.1f}{again}"
        )
    lines.append(
        f"Goals: performance at least {_points(GOALS['performance'])}, accessibility and best practices"
        f" {_points(GOALS['accessibility'])}, CLS under {CLS_LIMIT}. KB: what a first visit downloads"
        " (empty cache, compressed); later KB: what a later visit downloads again (the static files are cached)."
    )
    if len(reports) > 1:
        first, heaviest = reports[0], max(reports[1:], key=lambda r: r.later_bytes)
        lines.append(
            f"First visit ({first.name}, empty cache) {first.bytes / 1024:.1f} KB (goal: under 60);"
            f" later pages at most {heaviest.later_bytes / 1024:.1f} KB ({heaviest.name}; goal: under 20)."
        )
    for r in reports:
        lines += [f"not met on {r.name}: {line}" for line in r.shortfalls() if not line.startswith(" ")]
    return lines
