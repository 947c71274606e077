"""The whole app in one archive, and back: the PostgreSQL database as pg_dump's custom format,
every uploaded file under MEDIA_ROOT, and a manifest that says what the archive holds.

    songkhla-backup-2026-11-24-031500.tar.gz
        manifest.json    app version, migrations applied, rows per table, every file's SHA-256
        database.dump    pg_dump --format=custom
        media/...        MEDIA_ROOT as it was

The file name carries the server's date in C.E. ISO order, like the server's clock, its logs and
the `$(date +%F)` of cron jobs: backup files are handled by machines and administrators, who sort,
rotate and delete them by name; nobody at the network reads these names.

The row counts and the dump come from one database snapshot (the dump imports the snapshot the
counts were read in), so a restore can check every table against the manifest exactly, even when
people were posting while the backup ran.

A restore goes only into an empty database and never overwrites a file: it adds, it does not
replace. Replacing live data is a decision for a person with `dropdb`, not for a command.
"""

import contextlib
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import IO, Any, cast

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

ARCHIVE_FORMAT = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA = "media"
PREFIX = "songkhla-backup-"
CHUNK = 1024 * 1024

# libpq reads these from the environment; dj-database-url puts them in OPTIONS.
LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
}

USER_TABLES_SQL = """
    SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r' AND n.nspname <> 'information_schema' AND left(n.nspname, 3) <> 'pg_'
    ORDER BY 1, 2
"""


class BackupError(Exception):
    """Something the person running the command must fix; the message says what."""


# What manifest.json holds (see the module's docstring), as JSON reads it.
Manifest = dict[str, Any]


@dataclass
class BackupResult:
    path: Path
    manifest: Manifest


@dataclass
class RestoreResult:
    manifest: Manifest
    database: str
    tables: int
    rows: int
    files: int
    media_bytes: int
    pending_migrations: list[tuple[str, str]]


# Shared by both directions.


def _postgresql(using: str) -> BaseDatabaseWrapper:
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise BackupError(
            f"The database '{using}' is {connection.vendor}, not PostgreSQL: backup and restore use "
            "PostgreSQL's pg_dump and pg_restore. Set DATABASE_URL to the PostgreSQL database "
            "(e.g. postgres://songkhla:…@127.0.0.1:5432/songkhla)."
        )
    return connection


def _tool(name: str) -> str:
    """PostgreSQL's client program, from PG_BIN if set (to pick one version among several),
    otherwise from PATH."""
    directory = os.environ.get("PG_BIN")
    path = shutil.which(name, path=directory) if directory else shutil.which(name)
    if path is None:
        where = f"in PG_BIN ({directory})" if directory else "on PATH"
        raise BackupError(
            f"{name} was not found {where}. Install PostgreSQL's client programs "
            "(Debian: apt-get install postgresql-client), of the server's version or newer."
        )
    return path


def _libpq(connection: BaseDatabaseWrapper) -> tuple[list[str], dict[str, str]]:
    """Command-line arguments and environment that make pg_dump and pg_restore connect where
    Django does. The password goes through the environment, never the command line, which other
    users of the machine can read."""
    params = connection.settings_dict
    args = ["--no-password"]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if params.get(key):
            args += [flag, str(params[key])]
    args += ["--dbname", params["NAME"]]
    env = dict(os.environ)
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = params["PASSWORD"]
    for option, variable in LIBPQ_OPTIONS.items():
        if params.get("OPTIONS", {}).get(option):
            env[variable] = str(params["OPTIONS"][option])
    return args, env


def _run(command: list[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        program = Path(command[0]).name
        raise BackupError(f"{program} failed (exit status {result.returncode}):\n{result.stderr.strip()}")
    return result


def _table_counts(cursor: CursorWrapper) -> dict[str, int]:
    cursor.execute(USER_TABLES_SQL)
    tables = cursor.fetchall()
    counts = {}
    for schema, table in tables:
        quoted = ".".join('"' + name.replace('"', '""') + '"' for name in (schema, table))
        cursor.execute(f"SELECT count(*) FROM {quoted}")
        counts[f"{schema}.{table}"] = cursor.fetchone()[0]
    return counts


def _applied_migrations(cursor: CursorWrapper, counts: Mapping[str, int]) -> dict[str, list[str]]:
    if "public.django_migrations" not in counts:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _app_version() -> dict[str, str | bool | None]:
    """The package version and, when the app runs from a git clone (as the deploy guide sets it
    up), the commit and whether files differ from it."""
    version: dict[str, str | bool | None] = {"package": None, "commit": None, "modified": None}
    try:
        version["package"] = metadata.version("songkhla-network")
    except metadata.PackageNotFoundError:
        pass
    try:
        git = ["git", "-C", str(settings.BASE_DIR)]
        commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
        if commit.returncode == 0:
            version["commit"] = commit.stdout.strip()
            status = subprocess.run(
                [*git, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, timeout=30
            )
            version["modified"] = bool(status.stdout.strip()) if status.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired):
        pass
    return version


# Backup.


def archive_name(moment: datetime) -> str:
    return f"{PREFIX}{timezone.localtime(moment):%Y-%m-%d-%H%M%S}.tar.gz"


def _media_files(root: str | Path) -> list[tuple[str, Path]]:
    """Every regular file under MEDIA_ROOT, as (POSIX name relative to it, path), in a stable order."""
    root = Path(root)
    if not root.is_dir():
        return []
    found = []
    for directory, subdirectories, files in os.walk(root):
        subdirectories.sort()
        for name in sorted(files):
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                found.append((path.relative_to(root).as_posix(), path))
    return found


def create_backup(*, output_dir: str | Path, using: str = "default") -> BackupResult:
    """Write one archive into `output_dir` and return it with its manifest.

    The archive appears under its final name only once complete (it is written under a temporary
    name, then renamed), and is readable by its owner only: it holds people's personal data."""
    connection = _postgresql(using)
    pg_dump = _tool("pg_dump")
    output_dir = Path(output_dir).resolve()
    media_root = Path(settings.MEDIA_ROOT).resolve()
    if output_dir == media_root or media_root in output_dir.parents:
        raise BackupError(
            f"The output folder {output_dir} is inside MEDIA_ROOT ({media_root}): "
            "each backup would contain the ones before it. Choose another folder."
        )
    output_dir.mkdir(parents=True, exist_ok=True)
    now = timezone.now()
    path = output_dir / archive_name(now)
    if path.exists():
        raise BackupError(f"{path} already exists: wait a second and run the backup again.")
    args, env = _libpq(connection)
    pg_dump_version = _run([pg_dump, "--version"], env).stdout.strip()

    with tempfile.TemporaryDirectory(prefix=".songkhla-backup-", dir=output_dir) as work:
        dump = Path(work) / DUMP
        # One snapshot for the counts and the dump: a transaction of our own exports it, and
        # pg_dump imports it while the transaction stays open.
        snapshot = connection.copy()
        try:
            snapshot.set_autocommit(False)
            with snapshot.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
                snapshot_id, server_version = cursor.fetchone()
                tables = _table_counts(cursor)
                migrations = _applied_migrations(cursor, tables)
                _run([pg_dump, "--format=custom", f"--snapshot={snapshot_id}", "--file", str(dump), *args], env)
            snapshot.rollback()
        finally:
            snapshot.close()

        media = [(name, file, file.stat().st_size, _sha256(file)) for name, file in _media_files(media_root)]
        manifest = {
            "format": ARCHIVE_FORMAT,
            "app": "songkhla-network",
            "created_at": timezone.localtime(now).isoformat(timespec="seconds"),
            "version": _app_version(),
            "database": {
                "name": connection.settings_dict["NAME"],
                "server_version": server_version,
                "pg_dump": pg_dump_version,
                "bytes": dump.stat().st_size,
                "sha256": _sha256(dump),
            },
            "migrations": migrations,
            "tables": tables,
            "media": {
                "root": str(media_root),
                "files": [{"name": name, "bytes": size, "sha256": digest} for name, _, size, digest in media],
            },
        }

        partial = Path(work) / path.name
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            _add_bytes(archive, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode(), now)
            archive.add(dump, arcname=DUMP, recursive=False)
            for name, file, size, _digest in media:
                info = archive.gettarinfo(file, arcname=f"{MEDIA}/{name}")
                if info.size != size:
                    raise BackupError(f"{file} changed while the backup ran: run the backup again.")
                with open(file, "rb") as content:
                    archive.addfile(info, content)
        os.replace(partial, path)
    return BackupResult(path=path, manifest=manifest)


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes, moment: datetime) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(moment.timestamp())
    info.mode = 0o600
    archive.addfile(info, fileobj=io.BytesIO(data))


# Restore.


def _safe_media_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name or path.as_posix() != name:
        raise BackupError(
            f"The archive names a file outside MEDIA_ROOT ({name!r}): it was not made by backup, or was tampered with."
        )
    return path


def read_manifest(archive_path: str | Path) -> Manifest:
    """The archive's manifest, after checking that the archive holds exactly what it lists."""
    archive_path = Path(archive_path)
    if not archive_path.is_file():
        raise BackupError(f"{archive_path} does not exist or is not a file.")
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            members = archive.getmembers()
            manifest_member = next((m for m in members if m.name == MANIFEST), None)
            if manifest_member is None:
                raise BackupError(f"{archive_path} has no {MANIFEST}: it was not made by `manage.py backup`.")
            # extractfile gives None for a member that is no regular file, which no backup writes.
            manifest = json.loads(archive.extractfile(manifest_member).read())  # type: ignore[union-attr]
    except (tarfile.TarError, OSError, EOFError, ValueError) as error:
        raise BackupError(f"{archive_path} cannot be read as a backup archive: {error}") from error
    if manifest.get("format") != ARCHIVE_FORMAT or manifest.get("app") != "songkhla-network":
        raise BackupError(
            f"{archive_path} is not a backup of this app in a format this version reads (format {ARCHIVE_FORMAT})."
        )
    expected = {MANIFEST, DUMP} | {f"{MEDIA}/{_safe_media_name(f['name'])}" for f in manifest["media"]["files"]}
    found = {m.name for m in members}
    irregular = sorted(m.name for m in members if not m.isfile())
    if irregular or found != expected or len(members) != len(found):
        surprises = irregular or sorted(found ^ expected) or ["a repeated entry"]
        raise BackupError(
            f"{archive_path} does not hold what its manifest lists ({', '.join(surprises[:5])}): "
            "it is damaged or was changed."
        )
    return manifest


def _unknown_migrations(manifest: Manifest) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Migrations the archive's database has that this version of the app does not know, and
    migrations this version has that the archive's database does not."""
    on_disk = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    applied = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    return sorted(applied - on_disk), sorted(on_disk - applied)


def _existing_tables(connection: BaseDatabaseWrapper) -> list[str]:
    check = connection.copy()
    try:
        with check.cursor() as cursor:
            cursor.execute(USER_TABLES_SQL)
            return [f"{schema}.{table}" for schema, table in cursor.fetchall()]
    finally:
        check.close()


def _extract_verified(
    archive: tarfile.TarFile, member: tarfile.TarInfo, target: Path | None, expected_sha256: str
) -> None:
    """Copy one archive member to `target` (None: only read it), which must not exist yet, and
    check its SHA-256 against the manifest."""
    digest = hashlib.sha256()
    # A regular file: read_manifest refused an archive holding any other kind of member.
    source = cast(IO[bytes], archive.extractfile(member))
    with open(target, "xb") if target else contextlib.nullcontext() as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            if out:
                out.write(chunk)
    if digest.hexdigest() != expected_sha256:
        if target:
            target.unlink()
        raise BackupError(
            f"{member.name} in the archive does not match its checksum in the manifest: the archive is damaged."
        )


def restore_backup(*, archive_path: str | Path, using: str = "default", dry_run: bool = False) -> RestoreResult:
    """Load an archive into the empty database `using` and put its files into MEDIA_ROOT.

    Everything is checked before anything is written: the archive against its manifest, the
    database is empty, no file would be overwritten, the archive's migrations are known to this
    version. The database is loaded in one transaction (all or nothing), then checked table by
    table against the manifest's row counts; files are written only if that succeeded."""
    connection = _postgresql(using)
    pg_restore = _tool("pg_restore")
    manifest = read_manifest(archive_path)
    database = connection.settings_dict["NAME"]

    unknown, pending = _unknown_migrations(manifest)
    if unknown:
        names = ", ".join(f"{app}.{name}" for app, name in unknown[:5])
        commit = manifest["version"].get("commit") or "unknown"
        raise BackupError(
            f"The archive comes from a newer version of the app (commit {commit}): its database has "
            f"migrations this version does not know ({names}). Restore with that version, then upgrade."
        )
    existing = _existing_tables(connection)
    if existing:
        raise BackupError(
            f"The database '{database}' is not empty: it has {len(existing)} tables "
            f"({', '.join(existing[:3])}…). A restore goes only into an empty database, so that it "
            "never mixes with or replaces data. Create a new database (e.g. `createdb -O songkhla "
            "songkhla_restored`) and point DATABASE_URL at it, or drop and re-create this one if you "
            "are sure it must go."
        )
    media_root = Path(settings.MEDIA_ROOT)
    clashes = [f["name"] for f in manifest["media"]["files"] if (media_root / f["name"]).exists()]
    if clashes:
        raise BackupError(
            f"{len(clashes)} of the archive's files already exist in MEDIA_ROOT ({media_root}), "
            f"e.g. {', '.join(clashes[:3])}. A restore never overwrites files: point MEDIA_ROOT at "
            "an empty folder, or move these files away first."
        )

    files = manifest["media"]["files"]
    result = RestoreResult(
        manifest=manifest,
        database=database,
        tables=len(manifest["tables"]),
        rows=sum(manifest["tables"].values()),
        files=len(files),
        media_bytes=sum(f["bytes"] for f in files),
        pending_migrations=pending,
    )
    with tempfile.TemporaryDirectory(prefix="songkhla-restore-") as work, tarfile.open(archive_path, "r:gz") as archive:
        dump = Path(work) / DUMP
        _extract_verified(archive, archive.getmember(DUMP), dump, manifest["database"]["sha256"])
        if dry_run:
            for entry in files:
                _extract_verified(archive, archive.getmember(f"{MEDIA}/{entry['name']}"), None, entry["sha256"])
            return result
        args, env = _libpq(connection)
        _run(
            [pg_restore, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", *args, str(dump)],
            env,
        )

        check = connection.copy()
        try:
            with check.cursor() as cursor:
                counts = _table_counts(cursor)
        finally:
            check.close()
        if counts != manifest["tables"]:
            differences = sorted(
                f"{table}: {manifest['tables'].get(table, 'absent')} in the archive, "
                f"{counts.get(table, 'absent')} restored"
                for table in set(counts) | set(manifest["tables"])
                if counts.get(table) != manifest["tables"].get(table)
            )
            raise BackupError(
                "The restored database does not match the archive's manifest:\n" + "\n".join(differences[:20])
            )

        for entry in files:
            target = media_root / _safe_media_name(entry["name"])
            target.parent.mkdir(parents=True, exist_ok=True)
            _extract_verified(archive, archive.getmember(f"{MEDIA}/{entry['name']}"), target, entry["sha256"])
    return result
