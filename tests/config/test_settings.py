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
    unset = ("SECRET_KEY", "DEBUG", "DEMO", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE")
    environment = {k: v for k, v in os.environ.items() if k not in unset}
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


def test_the_demo_is_refused_on_postgresql():
    result = run_manage("check", DEBUG="0", DEMO="1", DATABASE_URL="postgres://user:pw@127.0.0.1:5432/songkhla")
    assert result.returncode != 0
    assert "DEMO is on with a database other than the embedded SQLite file" in result.stderr


def test_the_demo_is_refused_behind_a_public_host_name(tmp_path):
    result = run_manage(
        "check",
        DEBUG="0",
        DEMO="1",
        ALLOWED_HOSTS="songkhla.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
    )
    assert result.returncode != 0
    assert "DEMO is on with ALLOWED_HOSTS naming another host" in result.stderr


def test_the_demo_starts_with_debug_off_on_sqlite_set_up_for_several_people(tmp_path):
    database = tmp_path / "db.sqlite3"
    script = (
        "from django.conf import settings; from django.db import connection; "
        "connection.ensure_connection(); c = connection.cursor(); "
        "print(settings.DEBUG, settings.DEMO, settings.ALLOWED_HOSTS, settings.SECURE_SSL_REDIRECT, "
        "c.execute('PRAGMA journal_mode').fetchone()[0], c.execute('PRAGMA busy_timeout').fetchone()[0], "
        "connection.transaction_mode)"
    )
    result = run_manage(
        "shell", "--no-imports", "-c", script, DEBUG="0", DEMO="1", DATABASE_URL=f"sqlite:///{database}"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "True",
        "['127.0.0.1',",
        "'localhost',",
        "'[::1]']",
        "False",
        "wal",
        "20000",
        "IMMEDIATE",
    ]


@pytest.mark.django_db
def test_no_migration_is_pending():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_the_tests_run_on_postgresql():
    from django.db import connection

    assert connection.vendor == "postgresql", "make test runs the suite against a real PostgreSQL server"


def test_the_server_leaves_what_it_loaded_at_start_up_out_of_the_garbage_collectors_passes():
    """config.wsgi imports every view and freezes what is loaded (gc.freeze): a worker's pages
    then set off collections that walk only what they made."""
    unset = ("SECRET_KEY", "DEBUG", "DEMO", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE")
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    environment.update(DEBUG="0", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="songkhla.example.org")
    script = "import sys, gc, config.wsgi; print(gc.get_freeze_count(), 'groups.views' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    frozen, views_loaded = result.stdout.split()
    assert int(frozen) > 50_000 and views_loaded == "True", result.stderr
