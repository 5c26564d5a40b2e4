"""`manage.py backup` and the restore drill of the README: the copy opens, holds the data, and
the media files come back. Run on whatever database the suite uses (SQLite or PostgreSQL),
plus the SQLite routine on its own file so CI on PostgreSQL checks it too."""

import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import uuid
from pathlib import Path

from django.core.management import call_command
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper
from django.test import TransactionTestCase, override_settings

from ops.management.commands.backup import Command
from tests.factories import VillageFactory


def _folder(test) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="backup-test-"))
    test.addCleanup(shutil.rmtree, folder, True)
    return folder


def _sqlite_rows(path: Path, sql: str) -> list:
    with sqlite3.connect(path) as restored:
        # Some CHECK constraints use REGEXP, which Django adds to its SQLite connections.
        restored.create_function("REGEXP", 2, lambda p, v: bool(re.search(p, v or "")))
        assert restored.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return [row[0] for row in restored.execute(sql)]


def _postgres_rows(dump: Path, sql: str) -> list:
    """pg_restore into a new database, read, drop it: the README's drill."""
    config = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": config.get("PASSWORD") or ""}
    base = ["-h", config["HOST"] or "127.0.0.1", "-U", config["USER"] or "postgres"]
    if config.get("PORT"):
        base += ["-p", str(config["PORT"])]
    target = f"restore_{uuid.uuid4().hex[:8]}"
    subprocess.run(["createdb", *base, target], env=env, check=True)
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", *base, "-d", target, str(dump)], env=env, check=True
        )
        return subprocess.run(
            ["psql", *base, "-d", target, "-tAc", sql],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
    finally:
        subprocess.run(["dropdb", *base, target], env=env, check=False)


class BackupTests(TransactionTestCase):
    """Committed data, as in production (a backup sees only committed rows)."""

    def test_backup_then_restore_drill(self):
        VillageFactory(name="备份村")
        work = _folder(self)
        media = work / "media"
        (media / "progress").mkdir(parents=True)
        (media / "progress" / "p.jpg").write_bytes(b"photo")
        with override_settings(MEDIA_ROOT=media), open(os.devnull, "w") as quiet:
            call_command("backup", output_dir=str(work / "out"), stdout=quiet)
        database = next((work / "out").glob("db-*"))
        sql = "SELECT name FROM villages_village"
        if connection.vendor == "postgresql":
            self.assertEqual(database.suffix, ".dump")
            self.assertEqual(_postgres_rows(database, sql), ["备份村"])
        else:
            self.assertEqual(database.suffix, ".sqlite3")
            self.assertEqual(_sqlite_rows(database, sql), ["备份村"])
        archive = next((work / "out").glob("media-*.tar.gz"))
        with tarfile.open(archive) as tar:
            tar.extractall(work / "restored", filter="data")
        self.assertEqual((work / "restored/media/progress/p.jpg").read_bytes(), b"photo")

    def test_the_sqlite_routine_copies_a_live_file_whole(self):
        work = _folder(self)
        source = work / "db.sqlite3"
        with sqlite3.connect(source) as db:
            db.execute("CREATE TABLE village (name TEXT)")
            db.execute("INSERT INTO village VALUES ('备份村')")
        config = {
            **connection.settings_dict,
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(source),
            "OPTIONS": {},
        }
        wrapper = DatabaseWrapper(config, alias="sqlite-backup")
        try:
            copy = Command()._database(wrapper, work, "stamp")
        finally:
            wrapper.close()
        self.assertEqual(_sqlite_rows(copy, "SELECT name FROM village"), ["备份村"])
