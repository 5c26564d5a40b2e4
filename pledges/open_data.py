"""Open data: what the public board shows, as read-only JSON (/api/v1/…, described in
static/api/openapi.json) and as CSV / xlsx downloads of the district and township tables.

The same querysets as the board pages (views._board_district, _board_township, board_village):
published lists only, never a suggestion's name, phone, receipt code or hidden text. Every
field is listed by hand below, so a new model field is never published by accident.

Types: decimals are strings with two places ("1923.00", exact where a float is not), dates
and times ISO 8601 (times in the site's time zone, with their offset), codes strings.
"""

import csv
import datetime
import io
import re
import time
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from villages.models import District, Township, Village

from .models import Category, Meeting, PledgeList, Prohibition, Project, Suggestion

YEAR_MIN, YEAR_MAX = 2000, 2100  # as PledgeList.year's validators
ANSWERED = [Suggestion.Status.ADOPTED, Suggestion.Status.NOT_ADOPTED, Suggestion.Status.CLOSED]
SUGGESTIONS_SHOWN = 30  # the newest answers, as on the board page


def decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def iso_date(value) -> str | None:
    return value.isoformat() if value else None


def iso_datetime(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _place(place, api_name: str | None) -> dict:
    data = {
        "code": place.code,
        "name": place.name,
        "board_url": reverse("pledges:board_place", args=[place.code]),
    }
    if api_name:
        data["url"] = reverse(api_name, args=[place.code])
    return data


# --- Querysets and data stamps: the same as the board pages' ---------------------------------


def place_stamp(kind: str, code: str, year: int) -> str | None:
    """The data stamp of a board page in ONE query, before any object is loaded: the latest
    `modified` and the row counts of the published lists, their projects, the suggestions and
    the meetings of the place's villages, and of what other apps show on the same pages (the
    year-end reviews, residents' challenges and reports). Every write moves a `modified`
    (auto_now) or a count, so the stamp changes exactly when the page would. None when the
    code does not exist.

    Raw SQL on purpose: it runs for every board page whose stamp is not in the cache, where
    building the same thing through the ORM cost more than the queries themselves."""
    village, township, district = (m._meta.db_table for m in (Village, Township, District))
    pledge_list, project, suggestion, meeting, prohibition = (
        m._meta.db_table for m in (PledgeList, Project, Suggestion, Meeting, Prohibition)
    )
    review, challenge, report = (
        apps.get_model(label)._meta.db_table
        for label in ("reviews.AnnualReview", "residents.Challenge", "residents.ViolationReport")
    )
    table, villages = {
        "village": (village, f"SELECT id FROM {village} WHERE code = %s"),
        "township": (
            township,
            f"SELECT v.id FROM {village} v JOIN {township} t ON v.township_id = t.id"
            " WHERE t.code = %s",
        ),
        "district": (
            district,
            f"SELECT v.id FROM {village} v JOIN {township} t ON v.township_id = t.id"
            f" JOIN {district} d ON t.district_id = d.id WHERE d.code = %s",
        ),
    }[kind]
    lists = f"SELECT id FROM {pledge_list} WHERE year = %s AND village_id IN (SELECT id FROM v)"
    sql = (
        f"WITH v AS ({villages}),"
        f" lp AS (SELECT MAX(l.modified) AS a, MAX(p.modified) AS b, COUNT(p.id) AS c"
        f" FROM {pledge_list} l LEFT JOIN {project} p ON p.pledge_list_id = l.id"
        f" WHERE l.year = %s AND l.status = %s AND l.village_id IN (SELECT id FROM v)),"
        f" s AS (SELECT MAX(modified) AS d, COUNT(*) AS e FROM {suggestion}"
        f" WHERE year = %s AND village_id IN (SELECT id FROM v)),"
        f" m AS (SELECT COUNT(*) AS f FROM {meeting}"
        f" WHERE date BETWEEN %s AND %s AND village_id IN (SELECT id FROM v)),"
        f" r AS (SELECT MAX(modified) AS h, COUNT(*) AS i FROM {review}"
        f" WHERE pledge_list_id IN ({lists})),"
        f" ch AS (SELECT MAX(c.modified) AS j, COUNT(*) AS k FROM {challenge} c"
        f" JOIN {project} p ON c.project_id = p.id WHERE p.pledge_list_id IN ({lists})),"
        f" rp AS (SELECT MAX(c.modified) AS n, COUNT(*) AS o FROM {report} c"
        f" JOIN {prohibition} p ON c.prohibition_id = p.id WHERE p.pledge_list_id IN ({lists})),"
        f" x AS (SELECT COUNT(*) AS g FROM {table} WHERE code = %s)"
        " SELECT g, a, b, c, d, e, f, h, i, j, k, n, o FROM lp, s, m, r, ch, rp, x"
    )
    params = [
        code,
        year,
        PledgeList.Status.PUBLISHED,
        year,
        datetime.date(year, 1, 1),
        datetime.date(year, 12, 31),
        year,
        year,
        year,
        code,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return "|".join(str(value) for value in row[1:]) if row[0] else None


# --- The stamps in the cache: a warm board page asks the database nothing ------------------

TREE_KEY = "board-stamp:tree"


def _stamp_key(kind: str, code: str) -> str:
    return f"board-stamp:{kind}:{code}"


def cached_stamp(kind: str, code: str, year: int) -> str | None:
    """`place_stamp`, kept in the cache (one round trip when warm) until a write to the place
    forgets it (see `watch`) or BOARD_STAMP_SECONDS pass, which bounds how long a write that
    bypasses the models (a queryset update, raw SQL) can go unseen. The tree generation is
    part of the stamp: renaming a township or district changes every page that names it."""
    return stamp_and_cached(kind, code, year)[0]


def stamp_and_cached(kind: str, code: str, year: int, key: str | None = None) -> tuple:
    """(`cached_stamp`, the cache's value for `key`) in the same round trip to the cache:
    a warm board page costs one."""
    stamp_key = _stamp_key(kind, code)
    found = cache.get_many([stamp_key, TREE_KEY] + ([key] if key else []))
    tree = found.get(TREE_KEY)
    if tree is None:
        cache.add(TREE_KEY, str(time.time_ns()), timeout=None)
        tree = cache.get(TREE_KEY)
    stamps = found.get(stamp_key)
    if not stamps or stamps.get("tree") != tree:
        stamps = {"tree": tree}
    if year not in stamps:
        stamp = place_stamp(kind, code, year)
        stamps = {**stamps, year: None if stamp is None else f"{tree}|{stamp}"}
        cache.set(stamp_key, stamps, timeout=settings.BOARD_STAMP_SECONDS)
    return stamps[year], found.get(key)


def _forget_now_and_on_commit(keys: list[str]) -> None:
    """Forget now, so this request already reads fresh, and again once the transaction
    commits, so a page built from the old rows in between is not kept."""
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def forget_stamps(code_rows) -> None:
    """Forget the stamps of these villages and of their townships and districts;
    `code_rows` are (village code, township code, district code)."""
    keys = set()
    for village, township, district in code_rows:
        keys.update(
            (
                _stamp_key("village", village),
                _stamp_key("township", township),
                _stamp_key("district", district),
            )
        )
    if keys:
        _forget_now_and_on_commit(sorted(keys))


def villages_changed(villages) -> None:
    """For bulk writes (imports, seeding) that send no model signals: forget the stamps of
    these villages (a queryset or a list of ids) in one query."""
    forget_stamps(
        Village.objects.filter(pk__in=villages).values_list(
            "code", "township__code", "township__district__code"
        )
    )


def tree_changed() -> None:
    """A village, township or district was added, renamed or removed: every stamp changes."""
    generation = str(time.time_ns())
    cache.set(TREE_KEY, generation, timeout=None)
    transaction.on_commit(lambda: cache.set(TREE_KEY, str(time.time_ns()), timeout=None))


def watch(model, village_path: str) -> None:
    """Forget the board stamps of the village behind each saved or deleted `model` row
    (`village_path` leads from the model to its village, e.g. "pledge_list__village"). Call it
    from an AppConfig.ready(). A signal and not a call in each write path: admin edits,
    services and model methods all save through here, and forgetting a cache entry is no
    domain logic. Costs one query per write."""
    paths = [f"{village_path}__code", f"{village_path}__township__code"]
    paths.append(f"{village_path}__township__district__code")

    def changed(sender, instance, **kwargs):
        forget_stamps(sender._base_manager.filter(pk=instance.pk).values_list(*paths))

    uid = f"board-stamp:{model._meta.label}"
    post_save.connect(changed, sender=model, weak=False, dispatch_uid=uid + ":save")
    # Before the row goes: after it the path to the village cannot be followed.
    pre_delete.connect(changed, sender=model, weak=False, dispatch_uid=uid + ":delete")


def watch_tree(model) -> None:
    def changed(sender, **kwargs):
        tree_changed()

    uid = f"board-tree:{model._meta.label}"
    post_save.connect(changed, sender=model, weak=False, dispatch_uid=uid + ":save")
    post_delete.connect(changed, sender=model, weak=False, dispatch_uid=uid + ":delete")


def district_querysets(district, year: int) -> tuple:
    lists = PledgeList.objects.filter(year=year, village__township__district=district)
    suggestions = Suggestion.objects.filter(village__township__district=district, year=year)
    return lists, suggestions


def district_stamp(district, year: int) -> str:
    return cached_stamp("district", district.code, year)


def township_querysets(township, year: int) -> tuple:
    lists = PledgeList.objects.filter(year=year, village__township=township).published()
    suggestions = Suggestion.objects.filter(village__township=township, year=year)
    return lists, suggestions


def township_stamp(township, year: int) -> str:
    return cached_stamp("township", township.code, year)


def village_querysets(village, year: int) -> tuple:
    lists = PledgeList.objects.filter(village=village, year=year).published()
    suggestions = Suggestion.objects.filter(village=village, year=year)
    return lists, suggestions


def village_stamp(village, year: int) -> str:
    return cached_stamp("village", village.code, year)


# --- JSON ------------------------------------------------------------------------------------


def district_index(districts) -> dict:
    return {"districts": [_place(d, "pledges:api_district") for d in districts]}


def district_rows(district, year: int) -> list[dict]:
    """One row per township, published lists only. Two queries."""
    rows = []
    for township in PledgeList.objects.township_summary(
        district=district, year=year, published_only=True
    ):
        summary = township.summary
        rows.append(
            {
                **_place(township, "pledges:api_township"),
                "villages": township.village_count,
                "lists_published": summary.get("published_count", 0),
                "projects": summary.get("project_count", 0),
                "verified": summary.get("verified_count", 0),
                "completed": summary.get("completed_count", 0),
                "overdue": summary.get("overdue_count", 0),
            }
        )
    return rows


def township_rows(township, year: int) -> list[dict]:
    """One row per village; a village without a published list has `list` null and zeros.
    Two queries."""
    lists, _suggestions = township_querysets(township, year)
    by_village = {pl.village_id: pl for pl in lists.with_project_counts()}
    rows = []
    for village in township.villages.all():
        pledge_list = by_village.get(village.pk)
        row = {
            "code": village.code,
            "name": village.name,
            "board_url": reverse("pledges:board_village", args=[village.code, year]),
            "url": reverse("pledges:api_village", args=[village.code, year])
            if pledge_list
            else None,
            "list": PledgeList.Status.PUBLISHED.value if pledge_list else None,
        }
        for key, name in (
            ("projects", "project_count"),
            ("verified", "verified_count"),
            ("completed", "completed_count"),
            ("in_progress", "in_progress_count"),
            ("overdue", "overdue_count"),
        ):
            row[key] = getattr(pledge_list, name) if pledge_list else 0
        rows.append(row)
    return rows


def totals(rows: list[dict], keys: tuple) -> dict:
    return {key: sum(row[key] for row in rows) for key in keys}


def outcomes(projects) -> list[dict]:
    """Completed and verified quantities by category and unit (`ProjectQuerySet.outcomes`)."""
    labels = dict(Category.choices)
    return [
        {
            "category": row["category"],
            "category_label": str(labels.get(row["category"], row["category"])),
            "unit": row["unit"],
            "total": decimal_text(row["total"]),
            "projects": row["projects"],
        }
        for row in projects.outcomes()
    ]


def figures(villages, year: int) -> dict:
    counts = Suggestion.objects.figures(year=year, villages=villages)
    keys = ("meetings", "received", "answered", "adopted", "median_days_to_reply")
    return {key: counts[key] for key in keys}


DISTRICT_TOTAL_KEYS = (
    "villages",
    "lists_published",
    "projects",
    "verified",
    "completed",
    "overdue",
)
TOWNSHIP_TOTAL_KEYS = ("projects", "verified", "completed", "in_progress", "overdue")


def district_data(district, year: int) -> dict:
    """Nine queries with the stamp, whatever the number of townships and villages."""
    _lists, suggestions = district_querysets(district, year)
    rows = district_rows(district, year)
    return {
        "district": _place(district, "pledges:api_district"),
        "year": year,
        "townships": rows,
        "totals": totals(rows, DISTRICT_TOTAL_KEYS),
        "outcomes": outcomes(
            Project.objects.filter(
                pledge_list__year=year, pledge_list__village__township__district=district
            )
        ),
        "figures": figures(Village.objects.filter(township__district=district), year),
    }


def township_data(township, year: int) -> dict:
    _lists, suggestions = township_querysets(township, year)
    rows = township_rows(township, year)
    return {
        "township": {
            **_place(township, "pledges:api_township"),
            "district": _place(township.district, "pledges:api_district"),
        },
        "year": year,
        "villages": rows,
        "totals": {
            "villages": len(rows),
            "lists_published": sum(row["list"] is not None for row in rows),
            **totals(rows, TOWNSHIP_TOTAL_KEYS),
        },
        "outcomes": outcomes(
            Project.objects.filter(pledge_list__year=year, pledge_list__village__township=township)
        ),
        "figures": figures(township.villages.all(), year),
    }


def _project(project: Project) -> dict:
    return {
        "number": project.number,
        "title": project.title,
        "category": project.category,
        "category_label": str(project.get_category_display()),
        "status": project.status,
        "status_label": str(project.get_status_display()),
        "percent_done": project.percent_done,
        "target_quantity": decimal_text(project.target_quantity),
        "unit": project.unit,
        "lead_name": project.lead_name,
        "lead_post": project.lead_post,
        "planned_start": iso_date(project.planned_start),
        "planned_finish": iso_date(project.planned_finish),
        "verified_at": iso_datetime(project.verified_at),
        "is_overdue": project.is_overdue,
    }


def _suggestion(suggestion: Suggestion, pledge_list: PledgeList) -> dict:
    # Whitelist: never name, phone, receipt code, hiding reason.
    return {
        "received": iso_date(suggestion.received),
        "category": suggestion.category,
        "status": suggestion.status,
        "status_label": str(suggestion.get_status_display()),
        "text": None if suggestion.is_hidden else suggestion.text,
        "reply": suggestion.reply,
        "replied_at": iso_datetime(suggestion.replied_at),
        "adopted_projects": [
            project.number
            for project in suggestion.projects.all()
            if project.pledge_list_id == pledge_list.pk
        ],
    }


def public_answers(suggestions):
    """The answered, visible suggestions the board page shows, newest answers first."""
    return (
        suggestions.visible_to_public()
        .filter(status__in=ANSWERED)
        .exclude(reply="")
        .order_by("-replied_at")
        .prefetch_related("projects")[:SUGGESTIONS_SHOWN]
    )


def village_data(village, year: int, pledge_list: PledgeList) -> dict:
    """A published list: projects, prohibitions and answered suggestions. Four queries."""
    _lists, suggestions = village_querysets(village, year)
    township = village.township
    return {
        "village": {
            "code": village.code,
            "name": village.name,
            "kind": village.kind,
            "board_url": reverse("pledges:board_village", args=[village.code, year]),
            "url": reverse("pledges:api_village", args=[village.code, year]),
            "township": _place(township, "pledges:api_township"),
            "district": _place(township.district, "pledges:api_district"),
        },
        "year": year,
        "list": {
            "status": pledge_list.status,
            "published_at": iso_datetime(pledge_list.published_at),
        },
        "projects": [_project(project) for project in pledge_list.projects.all()],
        "prohibitions": [
            {"number": prohibition.number, "text": prohibition.text}
            for prohibition in pledge_list.prohibitions.all()
        ],
        "suggestions": [_suggestion(s, pledge_list) for s in public_answers(suggestions)],
    }


# --- Downloads -------------------------------------------------------------------------------

# (key of the row, Chinese header)
DISTRICT_COLUMNS = [
    ("code", "区划代码"),
    ("name", "镇(街道)"),
    ("villages", "村(社区)数"),
    ("lists_published", "已公示清单数"),
    ("projects", "民生实事"),
    ("verified", "已验收销号"),
    ("completed", "已完成待验收"),
    ("overdue", "逾期"),
]
TOWNSHIP_COLUMNS = [
    ("code", "区划代码"),
    ("name", "村(社区)"),
    ("list", "清单"),
    ("projects", "民生实事"),
    ("verified", "已验收销号"),
    ("completed", "已完成待验收"),
    ("in_progress", "进行中"),
    ("overdue", "逾期"),
]
LIST_LABELS = {PledgeList.Status.PUBLISHED.value: "已公示", None: "未公示"}
TOTAL_LABEL = "合计"


def district_table(district, year: int) -> tuple[list, list[dict]]:
    rows = district_rows(district, year)
    total = {"code": "", "name": TOTAL_LABEL, **totals(rows, DISTRICT_TOTAL_KEYS)}
    return DISTRICT_COLUMNS, [*rows, total]


def township_table(township, year: int) -> tuple[list, list[dict]]:
    rows = township_rows(township, year)
    for row in rows:
        row["list"] = LIST_LABELS[row["list"]]
    total = {
        "code": "",
        "name": TOTAL_LABEL,
        "list": f"{sum(row['list'] == LIST_LABELS['published'] for row in rows)}/{len(rows)}",
        **totals(rows, TOWNSHIP_TOTAL_KEYS),
    }
    return TOWNSHIP_COLUMNS, [*rows, total]


# A cell starting with one of these is a formula to Excel or LibreOffice (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def csv_bytes(columns: list, rows: list[dict]) -> bytes:
    """UTF-8 with a BOM, so Excel opens the Chinese right; text quoted, numbers bare."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow([header for _key, header in columns])
    for row in rows:
        writer.writerow(
            [
                spreadsheet_text(value) if isinstance(value, str) else value
                for value in (row[key] for key, _header in columns)
            ]
        )
    return out.getvalue().encode("utf-8-sig")


SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")


def xlsx_bytes(title: str, columns: list, rows: list[dict]) -> bytes:
    """Text cells are written as strings, never as formulas; codes are text (format "@")."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE_FORBIDDEN.sub(" ", title)[:31] or "Sheet1"
    sheet.append([header for _key, header in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row_number, row in enumerate(rows, start=2):
        for column_number, (key, _header) in enumerate(columns, start=1):
            value = row[key]
            cell = sheet.cell(row=row_number, column=column_number)
            if isinstance(value, str):
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell.data_type = "s"  # "=…" would otherwise be stored as a formula
            else:
                cell.value = value
            if key == "code":
                cell.number_format = "@"
    sheet.freeze_panes = "A2"
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 20
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
