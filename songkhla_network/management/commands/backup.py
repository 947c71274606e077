"""Back up the whole app into one dated archive, e.g. from cron every night:

python manage.py backup --output-dir /var/backups/songkhla
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from songkhla_network.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Write the database (PostgreSQL only: pg_dump --format=custom), every uploaded file under "
        "MEDIA_ROOT and a manifest (app version, migrations, rows per table, file checksums) into "
        "one archive, songkhla-backup-YYYY-MM-DD-HHMMSS.tar.gz (C.E. date, the app's TIME_ZONE, Asia/Bangkok), "
        "readable by its owner only. Restore it with `manage.py restore`. Set PG_BIN to choose the folder of "
        "pg_dump when several PostgreSQL versions are installed."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--output-dir", default=".", help="folder to write the archive into (default: the current folder)"
        )
        parser.add_argument("--database", default="default", help="the database to back up (default: default)")

    def handle(self, *args: Any, output_dir: str, database: str, **options: Any) -> None:
        try:
            result = create_backup(output_dir=output_dir, using=database)
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = result.manifest
        files = manifest["media"]["files"]
        version = manifest["version"]
        commit = (version["commit"] or "")[:12] or "unknown"
        if version["modified"]:
            commit += " with local changes"
        self.stdout.write(
            f"{result.path}: {result.path.stat().st_size:,} bytes.\n"
            f"  database {manifest['database']['name']} (PostgreSQL {manifest['database']['server_version']}): "
            f"{len(manifest['tables'])} tables, {sum(manifest['tables'].values()):,} rows\n"
            f"  media: {len(files)} files, {sum(f['bytes'] for f in files):,} bytes\n"
            f"  app version {version['package'] or 'unknown'}, commit {commit}"
        )
