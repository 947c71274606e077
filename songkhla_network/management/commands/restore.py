r"""Load a backup archive into an empty database and an empty (or unrelated) MEDIA_ROOT:

createdb -O songkhla songkhla_restored
DATABASE_URL=postgres://songkhla:…@127.0.0.1:5432/songkhla_restored \
    python manage.py restore songkhla-backup-2026-11-24-031500.tar.gz
"""

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from songkhla_network.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Load an archive written by `manage.py backup` into the database (PostgreSQL, and EMPTY: "
        "the command refuses a database that has any table) with pg_restore --no-owner in one "
        "transaction, check every table's row count against the archive's manifest, then put the "
        "uploaded files back into MEDIA_ROOT (refusing to overwrite any file). --dry-run checks "
        "the archive and the target and writes nothing."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("archive", help="the .tar.gz file written by `manage.py backup`")
        parser.add_argument("--database", default="default", help="the database to restore into (default: default)")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check the archive (every checksum) and that the database is empty; restore nothing",
        )

    def handle(self, *args: Any, archive: str, database: str, dry_run: bool, **options: Any) -> None:
        try:
            result = restore_backup(archive_path=archive, using=database, dry_run=dry_run)
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = result.manifest
        commit = (manifest["version"].get("commit") or "")[:12] or "unknown"
        made = (
            f"made {manifest['created_at']} by version {manifest['version'].get('package') or 'unknown'}, "
            f"commit {commit}"
        )
        if dry_run:
            self.stdout.write(
                f"{archive} ({made}) is whole: {result.tables} tables, {result.rows:,} rows, {result.files} media "
                f"files. The database '{result.database}' is empty and no file would be overwritten. "
                "Dry run: nothing was restored."
            )
            return
        self.stdout.write(
            f"Restored {archive} ({made}):\n"
            f"  database {result.database}: {result.tables} tables, {result.rows:,} rows, "
            "every count as in the archive\n"
            f"  media: {result.files} files, {result.media_bytes:,} bytes, into {settings.MEDIA_ROOT}"
        )
        if result.pending_migrations:
            self.stdout.write(
                self.style.WARNING(
                    f"This version of the app has {len(result.pending_migrations)} migrations the archive's database "
                    "has not applied: run `python manage.py migrate` now."
                )
            )
