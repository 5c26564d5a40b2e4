"""`manage.py import_pledges FILE --year YYYY [--dry-run]`: the web page's import for an
operator, for any village (the same checks, all or nothing, history kept)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from imports import services
from imports.reading import FileProblem, check_upload, read_upload
from lib.years import parse_year


class Command(BaseCommand):
    help = (
        "Import pledge lists (projects and prohibitions) from an xlsx file in the template's form."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the .xlsx file")
        parser.add_argument("--year", type=int, required=True, help="the lists' year")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and show what would change; write nothing"
        )

    def handle(self, *args, file: Path, year: int, dry_run: bool, **options):
        if parse_year(str(year)) is None:
            raise CommandError("--year must be a year from 2000 to 2100.")
        try:
            with file.open("rb") as stream:
                upload = _Upload(stream, file.name, file.stat().st_size)
                check_upload(upload)
                dataset = read_upload(upload)
        except FileNotFoundError:
            raise CommandError(f"No such file: {file}") from None
        except FileProblem as problem:
            raise CommandError(str(problem)) from None
        result = services.run_import(dataset, year=year, places=None, dry_run=dry_run)
        rows, counts = services.preview_rows(dataset, result)
        for line in services.error_lines(rows):
            self.stderr.write(line)
        summary = (
            f"{len(dataset)} rows: {counts['new']} new, {counts['changed']} changed, "
            f"{counts['unchanged']} unchanged, {counts['error']} in error"
        )
        if counts["error"]:
            raise CommandError(f"{summary}. Nothing was imported.")
        if dry_run:
            self.stdout.write(f"{summary}. Dry run: nothing was written.")
        else:
            self.stdout.write(self.style.SUCCESS(f"{summary}. Imported."))


class _Upload:
    """A file on disk with the `name` and `size` an uploaded file has."""

    def __init__(self, stream, name: str, size: int):
        self._stream, self.name, self.size = stream, name, size

    def __getattr__(self, attribute):
        return getattr(self._stream, attribute)
