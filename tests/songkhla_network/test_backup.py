"""Backup and restore: the demo network goes into one archive and comes back, in a new database
and a new MEDIA_ROOT, with every row, balance, total and photo as it was. The restore refuses
what would mix with or replace existing data, and a damaged or foreign archive.

The round trip runs `manage.py restore` and reads the restored records in subprocesses pointed at
the new database, as an administrator would on another machine; pg_dump sees only committed data,
hence the transactional tests."""

import io
import json
import os
import stat
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from songkhla_network.backup import BackupError, read_manifest
from tests.helpers import database_fingerprint, database_url

FINGERPRINT_SCRIPT = (
    "import django, json; django.setup(); from tests.helpers import database_fingerprint; "
    "print(json.dumps(database_fingerprint()))"
)


def run_manage(*args, database, media_root):
    """A command run as an administrator would, against another database and MEDIA_ROOT."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(database),
        "MEDIA_ROOT": str(media_root),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    return subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def demo_backup(settings, tmp_path):
    """The demo network, committed, and its backup archive."""
    settings.DEMO = True
    call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("backup", output_dir=str(tmp_path / "backups"), stdout=out)
    (archive,) = (tmp_path / "backups").glob("songkhla-backup-*.tar.gz")
    return archive, out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_demo_network_round_trips_through_backup_and_restore(demo_backup, new_database, tmp_path):
    archive, said = demo_backup
    before = json.loads(json.dumps(database_fingerprint()))
    assert before["files"] and before["rows"]["groups.LedgerEntry"] > 1000 and before["triggers"]
    assert str(archive) in said and f"media: {len(before['files'])} files" in said
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # people's personal data are in it

    manifest = read_manifest(archive)
    assert manifest["tables"]["public.groups_ledgerentry"] == before["rows"]["groups.LedgerEntry"]
    assert "0001_initial" in manifest["migrations"]["groups"] and manifest["version"]["package"]
    assert manifest["version"]["commit"] or not (Path(settings.BASE_DIR) / ".git").exists()
    assert {f["name"] for f in manifest["media"]["files"]} == set(before["files"])
    with tarfile.open(archive) as tar:
        assert tar.getnames()[:2] == ["manifest.json", "database.dump"]
    # The test database has tables: a restore into it is refused.
    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore", str(archive), stdout=io.StringIO())

    database, media_root = new_database(), tmp_path / "restored-media"
    restored = run_manage("manage.py", "restore", str(archive), database=database, media_root=media_root)
    assert restored.returncode == 0, restored.stderr
    assert f"database {database}" in restored.stdout and "every count as in the archive" in restored.stdout

    after = run_manage("-c", FINGERPRINT_SCRIPT, database=database, media_root=media_root)
    assert after.returncode == 0, after.stderr
    after = json.loads(after.stdout)
    for part in before:
        assert after[part] == before[part], part

    # Restoring again would mix the archive into data: refused, and said why.
    again = run_manage("manage.py", "restore", str(archive), database=database, media_root=tmp_path / "elsewhere")
    assert again.returncode != 0 and "is not empty" in again.stderr
    # Into an empty database but over the files already restored: refused before anything is written.
    untouched = new_database()
    over_files = run_manage("manage.py", "restore", str(archive), database=untouched, media_root=media_root)
    assert over_files.returncode != 0 and "never overwrites files" in over_files.stderr
    tables = run_manage(
        "-c",
        "import django; django.setup(); from django.db import connection; "
        "print(len(connection.introspection.table_names()))",
        database=untouched,
        media_root=media_root,
    )
    assert tables.stdout.strip() == "0"


def test_backup_and_restore_refuse_sqlite_clearly(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "MEDIA_ROOT": str(tmp_path / "media")}
    for command in (["backup", "--output-dir", str(tmp_path)], ["restore", str(tmp_path / "any.tar.gz")]):
        result = subprocess.run(
            [sys.executable, "manage.py", *command], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
        )
        assert result.returncode != 0
        assert "not PostgreSQL" in result.stderr and "pg_dump" in result.stderr
    assert not list(tmp_path.glob("*.tar.gz"))


def forged_archive(path, entries, media):
    manifest = {"format": 1, "app": "songkhla-network", "media": {"files": media}, "migrations": {}, "tables": {}}
    with tarfile.open(path, "w:gz") as tar:
        for name, data in [("manifest.json", json.dumps(manifest).encode()), *entries]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.parametrize(
    "entries, media, complaint",
    [
        (
            [("database.dump", b"x"), ("media/../../etc/cron.d/x", b"x")],
            [{"name": "../../etc/cron.d/x", "bytes": 1, "sha256": ""}],
            "outside MEDIA_ROOT",
        ),
        (
            [("database.dump", b"x"), ("media/a.jpg", b"x"), ("extra.sh", b"x")],
            [{"name": "a.jpg", "bytes": 1, "sha256": ""}],
            "does not hold what its manifest lists",
        ),
        (
            [("media/a.jpg", b"x")],
            [{"name": "a.jpg", "bytes": 1, "sha256": ""}],
            "does not hold what its manifest lists",
        ),
    ],
)
def test_an_archive_that_does_not_match_its_manifest_is_refused(tmp_path, entries, media, complaint):
    with pytest.raises(BackupError, match=complaint):
        read_manifest(forged_archive(tmp_path / "forged.tar.gz", entries, media))


def test_a_file_that_is_not_a_backup_is_refused(tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    with pytest.raises(BackupError, match="cannot be read as a backup archive"):
        read_manifest(junk)
    with pytest.raises(BackupError, match="does not exist"):
        read_manifest(tmp_path / "missing.tar.gz")
