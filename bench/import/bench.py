"""The Python side of bench/import/run.sh: generate the file, and import it once, either
with our import (pledges.imports) or with a plain django-import-export ModelResource on
default settings. Each import runs in a process of its own, so its peak memory is its own.

    python bench/import/bench.py generate FILE --villages 1000 --year 2031
    python bench/import/bench.py ours FILE --year 2031 [--dry-run]
    python bench/import/bench.py plain FILE --year 2031

Prints one JSON line: seconds, peak RSS, rows and what was written.
"""

import argparse
import datetime
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import tablib  # noqa: E402
from django.db import connection  # noqa: E402
from import_export import fields, resources, widgets  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from imports import reading, services  # noqa: E402
from imports.reading import COLUMNS  # noqa: E402
from pledges.models import Category, PledgeList, Prohibition, Project  # noqa: E402
from villages.models import Village  # noqa: E402

TITLES = ["安装太阳能路灯", "修建灌溉水渠", "铺设饮水管道", "硬化组组通公路", "建设老年食堂"]
UNITS = ["盏", "米", "米", "公里", "个"]
PROHIBITIONS = ["不准优亲厚友", "不准吃拿卡要", "不准推诿扯皮", "不准弄虚作假", "不准违规用餐"]


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def generate(path: Path, villages: int, year: int) -> None:
    """10 projects and 5 prohibitions per village, as a township would fill the template:
    a title row, dates as date cells, quantity and unit apart, Chinese category labels."""
    codes = list(Village.objects.order_by("code").values_list("code", "name")[:villages])
    if len(codes) < villages:
        sys.exit(f"only {len(codes)} villages in the database, {villages} wanted")
    categories = [str(label) for label in Category.labels]
    workbook = Workbook()  # shared strings, as Excel and WPS save (write_only inlines them)
    sheet = workbook.active
    sheet.title = "清单"
    sheet.append([f"{year}年民生实事和不准事项清单"])
    sheet.append([header for _key, header in COLUMNS])
    for index, (code, name) in enumerate(codes):
        for number in range(1, 11):
            kind = (index + number) % len(TITLES)
            sheet.append(
                [
                    code,
                    name,
                    year,
                    "民生实事",
                    number,
                    f"{TITLES[kind]}（第{number}项）",
                    categories[(index + number) % len(categories)],
                    "杨健",
                    10 * number,
                    UNITS[kind],
                    round(1.5 * number, 2),
                    datetime.date(year, 3, 1),
                    datetime.date(year, 10, 31),
                    "按计划实施",
                ]
            )
        for number, text in enumerate(PROHIBITIONS, start=1):
            sheet.append([code, name, year, "不准事项", number, text])
    workbook.save(path)


def run_ours(path: Path, year: int, dry_run: bool) -> dict:
    with path.open("rb") as file:
        dataset = reading.read_upload(file)
    result = services.run_import(dataset, year=year, places=None, dry_run=dry_run)
    _rows, counts = services.preview_rows(dataset, result)
    return {"rows": len(dataset), "counts": counts}


# --- The plain django-import-export way, default settings ----------------------------------
# What a first version would be: one ModelResource per model, the Chinese headers renamed to
# field names, each row's list looked up (or created) by village code and year. No bulk
# mode, no cached loader, diffs on, a savepoint per row, model signals (history, the board's
# cache) on every save: django-import-export's defaults.


class _ListWidget(widgets.ForeignKeyWidget):
    def clean(self, value, row=None, **kwargs):
        village = Village.objects.get(code=value)
        pledge_list, _created = PledgeList.objects.get_or_create(village=village, year=row["year"])
        return pledge_list


class PlainProjectResource(resources.ModelResource):
    pledge_list = fields.Field(
        attribute="pledge_list", column_name="village_code", widget=_ListWidget(PledgeList)
    )

    class Meta:
        model = Project
        import_id_fields = ("pledge_list", "number")
        fields = (
            "pledge_list",
            "number",
            "title",
            "category",
            "lead_name",
            "target_quantity",
            "unit",
            "budget",
            "planned_start",
            "planned_finish",
            "description",
        )


class PlainProhibitionResource(resources.ModelResource):
    pledge_list = fields.Field(
        attribute="pledge_list", column_name="village_code", widget=_ListWidget(PledgeList)
    )

    class Meta:
        model = Prohibition
        import_id_fields = ("pledge_list", "number")
        fields = ("pledge_list", "number", "text")


def run_plain(path: Path, year: int) -> dict:
    # django-import-export's own XLSX reader takes the first row as the header and fails on
    # the title row above it (tablib.InvalidDimensions): read the sheet from the header down.
    from openpyxl import load_workbook

    sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
    raw = list(sheet.iter_rows(min_row=2, values_only=True))
    by_header = {header: key for key, header in COLUMNS}
    headers = [by_header.get(cell) for cell in raw[0]]
    labels = {str(label): value for value, label in Category.choices}
    projects = tablib.Dataset(headers=[h or f"_{i}" for i, h in enumerate(headers)])
    prohibitions = tablib.Dataset(headers=["village_code", "year", "number", "text"])
    for line in raw[1:]:
        row = dict(zip(headers, line, strict=False))
        if row["kind"] == "不准事项":
            prohibitions.append([row["village_code"], row["year"], row["number"], row["title"]])
        else:
            line = list(line)
            line[headers.index("category")] = labels.get(row["category"], row["category"])
            projects.append(line)
    results = [
        PlainProjectResource().import_data(projects, dry_run=False),
        PlainProhibitionResource().import_data(prohibitions, dry_run=False),
    ]
    counts = {
        "new": sum(r.totals["new"] for r in results),
        "update": sum(r.totals["update"] for r in results),
        "error": sum(r.totals["error"] + r.totals["invalid"] for r in results),
    }
    return {"rows": len(projects) + len(prohibitions), "counts": counts}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["generate", "ours", "plain"])
    parser.add_argument("file", type=Path)
    parser.add_argument("--year", type=int, required=True)
    parser.add_argument("--villages", type=int, default=1000)
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    if args.what == "generate":
        generate(args.file, args.villages, args.year)
        print(json.dumps({"file": str(args.file), "bytes": args.file.stat().st_size}))
        return
    connection.ensure_connection()
    before = rss_mb()
    start = time.perf_counter()
    if args.what == "ours":
        outcome = run_ours(args.file, args.year, args.dry_run)
    else:
        outcome = run_plain(args.file, args.year)
    seconds = time.perf_counter() - start
    written = {
        "lists": PledgeList.objects.filter(year=args.year).count(),
        "projects": Project.objects.filter(pledge_list__year=args.year).count(),
        "prohibitions": Prohibition.objects.filter(pledge_list__year=args.year).count(),
        "project_history": Project.history.filter(
            pledge_list_id__in=PledgeList.objects.filter(year=args.year).values("pk")
        ).count(),
    }
    print(
        json.dumps(
            {
                "what": args.what + (" (dry run)" if args.dry_run else ""),
                "seconds": round(seconds, 2),
                "rows_per_second": round(outcome["rows"] / seconds),
                "rss_before_mb": round(before, 1),
                "peak_rss_mb": round(peak_mb(), 1),
                **outcome,
                "written": written,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
