"""Production settings: loud about mistakes, quiet under `check --deploy`; no pending migration."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k7Qz2-Vx9Lr4_Wm8Np3Tb6Yc1Hd5Jf0Gs7Ka2Xe9Ru4Mo8Ci3Bl6Pn1Tq5Zw0Sy"


def run_manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_in_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="songkhla.example.org",
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://user:pw@127.0.0.1:5432/songkhla"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_a_missing_secret_key_with_debug_off_stops_start_up_with_a_clear_message():
    result = run_manage("check", DEBUG="0", ALLOWED_HOSTS="songkhla.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


@pytest.mark.django_db
def test_no_migration_is_pending():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_the_tests_run_on_postgresql():
    from django.db import connection

    assert connection.vendor == "postgresql", "make test runs the suite against a real PostgreSQL server"
