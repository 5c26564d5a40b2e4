"""`python manage.py backup`: the database and the uploaded files, into timestamped files.

PostgreSQL: `pg_dump --format=custom` (restore with `pg_restore`); SQLite: a consistent copy
through SQLite's online backup API (safe while the site runs); media: a .tar.gz of
MEDIA_ROOT when files are on the local disk. The restore drill is in the README.
"""

import os
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.core.files.storage import FileSystemStorage, storages
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone


class Command(BaseCommand):
    help = "Back up the database and the media files into timestamped files."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output-dir",
            default=os.environ.get("BACKUP_DIR", "backups"),
            help="folder for the backup files (default: $BACKUP_DIR or ./backups)",
        )
        parser.add_argument("--database", default="default", help="database alias")
        parser.add_argument("--no-media", action="store_true", help="skip the media files")

    def handle(self, *args, output_dir, database, no_media, **options):
        folder = Path(output_dir)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        written = [self._database(connections[database], folder, stamp)]
        if not no_media:
            media = self._media(folder, stamp)
            if media:
                written.append(media)
        for path in written:
            self.stdout.write(f"{path} ({path.stat().st_size} bytes)")

    def _database(self, connection, folder: Path, stamp: str) -> Path:
        config = connection.settings_dict
        if connection.vendor == "sqlite":
            target = folder / f"db-{stamp}.sqlite3"
            connection.ensure_connection()
            copy = sqlite3.connect(target)
            try:
                connection.connection.backup(copy)  # pages copied under SQLite's own locking
            finally:
                copy.close()
            return target
        if connection.vendor == "postgresql":
            target = folder / f"db-{stamp}.dump"
            env = {**os.environ}
            if config.get("PASSWORD"):
                env["PGPASSWORD"] = config["PASSWORD"]
            command = ["pg_dump", "--format=custom", "--no-owner", f"--file={target}"]
            for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
                if config.get(key):
                    command.append(f"{option}={config[key]}")
            command.append(config["NAME"])
            result = subprocess.run(command, env=env, capture_output=True, text=True)
            if result.returncode != 0:
                raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
            return target
        raise CommandError(f"No backup routine for {connection.vendor}: use its own tools.")

    def _media(self, folder: Path, stamp: str) -> Path | None:
        storage = storages["default"]
        if not isinstance(storage, FileSystemStorage):
            self.stdout.write("Media files are in object storage: back them up there.")
            return None
        root = Path(storage.location)
        if not root.exists():
            return None
        target = folder / f"media-{stamp}.tar.gz"
        with tarfile.open(target, "w:gz") as archive:
            archive.add(root, arcname="media")
        return target
