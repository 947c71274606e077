"""What every part of the load test shares: where the app is and which of its modules to run, the
benchmark network's size and names, logging, percentiles. Imports nothing else of the package."""

import math
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"


def _project_module(name):
    # Settings and wsgi are moving from songkhla_network/ to config/: whichever this checkout has.
    package = "config" if (ROOT / "config" / f"{name}.py").exists() else "songkhla_network"
    return f"{package}.{name}"


SETTINGS_MODULE = os.environ.get("DJANGO_SETTINGS_MODULE") or _project_module("settings")
WSGI_MODULE = _project_module("wsgi")

# Debian's Chromium (Playwright and Lighthouse cannot download their own here) and the flags the
# browser tests and Lighthouse start it with: no sandbox as root, and none of the background
# connections this machine's closed network refuses.
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)

GROUPS = 100
MEMBERS = 40
MONTHS = 120  # posted months of each bench group at --ledger-scale 1; N times as many at N
PREFIX = "กลุ่มสัจจะออมทรัพย์ชุมชนทดสอบ "  # + 001..100: marks the benchmark's groups
TREASURER = "bench-treasurer"
LEADER = "bench-leader"


def log(message):
    print(message, flush=True)


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    index = max(0, min(len(sorted_values) - 1, math.ceil(p / 100 * len(sorted_values)) - 1))  # nearest rank
    return sorted_values[index]


def app_version():
    """The commit measured, so that two runs can be compared."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], check=False, cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            check=False,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    return f"commit {commit or 'unknown'}" + (" with uncommitted changes" if dirty else "")
