"""The board's data stamps: what a board page shows changes exactly when its stamp does.

A page and its ETag are cached under the stamp (views.py), and the stamp itself is kept in
the cache until a write to the place forgets it. This module is the one place that knows
what the board reads: `place_stamp` reads it in one query, and `watch_everything` (called
from BoardConfig.ready) forgets the stamps whenever any of it is saved or deleted.
"""

import datetime
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from django.utils import timezone

from figures import signals as figure_signals
from figures.models import PROJECT_FIGURES, SUGGESTION_FIGURES, DistrictYear
from ops.near import NearCache
from pledges import signals as pledge_signals
from pledges.models import (
    ChangeRequest,
    DecisionMeeting,
    DecisionRecord,
    Photo,
    PledgeList,
    ProgressUpdate,
    Prohibition,
    Project,
)
from residents.models import Challenge, ViolationReport
from reviews.models import AnnualReview
from suggestions.models import Candidate, Meeting, Suggestion
from villages.models import City, District, Township, Village

from . import replica


def place_stamp(kind: str, code: str, year: int) -> tuple[str | None, int | None]:
    """The data stamp of a board page in ONE query, before any object is loaded: the latest
    `modified` and the row counts of the published lists, their projects, the suggestions and
    the meetings of the place's villages, and of what other apps show on the same pages (the
    year-end reviews, residents' challenges and reports); for a village, also what its
    project pages show (`_project_parts`). Every write moves a `modified` (auto_now), a date
    or a count, so the stamp changes exactly when the page would. None when the code does
    not exist. With a read replica, also the primary's WAL position as the query saw it
    (replica.py: what is cached under the stamp is read on a replica only once it has
    replayed that far), else None.

    Raw SQL on purpose: it runs for every board page whose stamp is not in the cache, where
    building the same thing through the ORM cost more than the queries themselves."""
    if kind == "city":
        return _city_stamp(code, year)
    village, township, district, city = (
        m._meta.db_table for m in (Village, Township, District, City)
    )
    pledge_list, project, suggestion, meeting, prohibition = (
        m._meta.db_table for m in (PledgeList, Project, Suggestion, Meeting, Prohibition)
    )
    review, challenge, report = (
        m._meta.db_table for m in (AnnualReview, Challenge, ViolationReport)
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
        "city": (
            city,
            f"SELECT v.id FROM {village} v JOIN {township} t ON v.township_id = t.id"
            f" JOIN {district} d ON t.district_id = d.id JOIN {city} c ON d.city_id = c.id"
            " WHERE c.code = %s",
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
        f"{_project_parts(lists) if kind == 'village' else ''}"
        f"{_decision_parts(lists) if kind == 'village' else ''}"
        f" x AS (SELECT COUNT(*) AS g FROM {table} WHERE code = %s)"
        " SELECT g, a, b, c, d, e, f, h, i, j, k, n, o"
        f"{', pu, pv, pw, px, py, pz, sa, sb, ca, cb' if kind == 'village' else ''}"
        f"{', da, db, dc' if kind == 'village' else ''}"
        f"{replica.wal_position_sql()}"
        f" FROM lp, s, m, r, ch, rp{', up, ph, cr, sp, cd' if kind == 'village' else ''}, x"
        f"{', dr' if kind == 'village' else ''}"
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
        *([year] * 5 if kind == "village" else []),
        *([year] if kind == "village" else []),  # _decision_parts
        code,
    ]
    return _run_stamp(sql, params)


def _city_stamp(code: str, year: int) -> tuple[str | None, int | None]:
    """A city page shows only the figures summed per district (figures' DistrictYear rows,
    and the reviews, the names): its stamp is those rows' fingerprint, each figure summed
    weighted by its district so that two districts' changes cannot cancel out, in one query
    over a row per district (not the villages' rows, nor the thousands of projects and
    suggestions beneath them). Every model write in the city also gives it a new generation,
    part of its stamp (`stamp_and_cached`), which covers what the rows do not hold (outcomes'
    quantities, reply days, reviews, overdue counted live)."""
    district, city = (m._meta.db_table for m in (District, City))
    names = ["list_count", *PROJECT_FIGURES, *SUGGESTION_FIGURES]
    sums = ", ".join(f"SUM(district_id * {name})" for name in names)
    sql = (
        f"WITH d AS (SELECT d.id FROM {district} d JOIN {city} c ON d.city_id = c.id"
        " WHERE c.code = %s),"
        f" f AS (SELECT COUNT(*) AS n, {sums} FROM {DistrictYear._meta.db_table}"
        " WHERE year = %s AND district_id IN (SELECT id FROM d)),"
        f" x AS (SELECT COUNT(*) AS g FROM {city} WHERE code = %s)"
        f" SELECT x.g, f.*{replica.wal_position_sql()} FROM f, x"
    )
    return _run_stamp(sql, [code, year, code])


def _run_stamp(sql: str, params: list) -> tuple[str | None, int | None]:
    """Run a stamp query on the primary (never routed to the replica): its first column says
    whether the place exists, the rest is the stamp, and with a replica the last is the
    primary's WAL position (replica.py)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    position = None
    if replica.wal_position_sql():
        *row, position = row
        position = int(position)
    return ("|".join(str(value) for value in row[1:]) if row[0] else None), position


def _decision_parts(lists: str) -> str:
    """The 4+2 record a village's page shows with its list (决议公开): the record (its
    imported mark) and its meetings."""
    record, meeting = DecisionRecord._meta.db_table, DecisionMeeting._meta.db_table
    return (
        f" dr AS (SELECT MAX(r.modified) AS da, MAX(m.modified) AS db, COUNT(m.id) AS dc"
        f" FROM {record} r LEFT JOIN {meeting} m ON m.record_id = r.id"
        f" WHERE r.pledge_list_id IN ({lists})),"
    )


def _project_parts(lists: str) -> str:
    """What only a village's pages show of its projects (the village page and each project's
    page, pages.project_page): progress reports and their photos, change requests, and the
    suggestions adopted into the projects (from earlier years' too); and the candidates of the
    list's year that were not chosen. A report without new
    figures and a photo touch no project row, so they count here."""
    update, photo, change, suggestion = (
        m._meta.db_table for m in (ProgressUpdate, Photo, ChangeRequest, Suggestion)
    )
    project, adopted = Project._meta.db_table, Suggestion.projects.through._meta.db_table
    candidate, list_table = Candidate._meta.db_table, PledgeList._meta.db_table
    projects = f"SELECT id FROM {project} WHERE pledge_list_id IN ({lists})"
    return (
        f" up AS (SELECT MAX(created) AS pu, COUNT(*) AS pv FROM {update}"
        f" WHERE project_id IN ({projects})),"
        f" ph AS (SELECT MAX(f.created) AS pw, COUNT(*) AS px FROM {photo} f"
        f" JOIN {update} u ON f.update_id = u.id WHERE u.project_id IN ({projects})),"
        f" cr AS (SELECT MAX(decided_at) AS py, COUNT(*) AS pz FROM {change}"
        f" WHERE project_id IN ({projects})),"
        f" sp AS (SELECT MAX(s.modified) AS sa, COUNT(*) AS sb FROM {suggestion} s"
        f" JOIN {adopted} a ON a.suggestion_id = s.id WHERE a.project_id IN ({projects})),"
        # The candidates not chosen, with their reasons ("also asked for, not this year").
        f" cd AS (SELECT MAX(c.modified) AS ca, COUNT(*) AS cb FROM {candidate} c"
        f" JOIN {list_table} l ON c.village_id = l.village_id AND c.year = l.year"
        f" WHERE l.id IN ({lists})),"
    )


# --- The stamps in the cache: a warm board page asks the database nothing ------------------

TREE_KEY = "board-stamp:tree"
# The stamps as this process last read them, while Redis reports no change (ops/near.py):
# a warm board page asks neither the database nor Redis for its stamp.
NEAR = NearCache("board-stamp:")


def _stamp_key(kind: str, code: str) -> str:
    return f"board-stamp:{kind}:{code}"


def cached_stamp(kind: str, code: str, year: int) -> str | None:
    """`place_stamp`, kept in the cache (and in the process, `NEAR`) until a write to the
    place forgets it (see `watch`) or BOARD_STAMP_SECONDS pass, which bounds how long a write
    that bypasses the models (a queryset update, raw SQL) can go unseen. The tree generation
    is part of the stamp: renaming a township or district changes every page that names it;
    so is the day: a project passes its planned finish without any write."""
    return stamp_and_cached(kind, code, year)[0]


def stamp_and_cached(kind: str, code: str, year: int, key: str | None = None) -> tuple:
    """(`cached_stamp`, the cache's value for `key`) in the same round trip to the cache:
    a warm board page costs one, or none when this process holds the stamp (`NEAR`).

    A stamp is kept with the place's generation as it was read before the stamp query ran;
    a write sets a new generation once it commits (`forget_stamps`). A stamp counted from the
    rows as they were just before a commit, and stored just after it, is thus stored under
    the old generation and never used: no page is older than the last committed write."""
    stamp_key, generation_key = _stamp_key(kind, code), _generation_key(kind, code)
    found = NEAR.get_many([stamp_key, generation_key, TREE_KEY], also=(key,) if key else ())
    tree = found.get(TREE_KEY)
    if tree is None:
        cache.add(TREE_KEY, str(time.time_ns()), timeout=None)
        tree = cache.get(TREE_KEY)
    generation = found.get(generation_key)
    stamps = found.get(stamp_key)
    if not stamps or stamps.get("tree") != tree or stamps.get("generation") != generation:
        stamps = {"tree": tree, "generation": generation}
    if year not in stamps:
        stamp, position = place_stamp(kind, code, year)
        # Today is part of it: what is overdue changes with the date alone.
        today = timezone.localdate().isoformat()
        # The generation too: a page shows more than its year's rows (last year's months in
        # the chart; for a city, figures its stamp does not count, see _city_stamp), and any
        # write to the place gives it a new generation.
        stamp = None if stamp is None else f"{generation}|{tree}|{today}|{stamp}"
        stamps = {**stamps, year: stamp, f"wal:{year}": position}
        cache.set(stamp_key, stamps, timeout=settings.BOARD_STAMP_SECONDS)
    replica.after_stamp(stamps.get(f"wal:{year}"))
    return stamps[year], found.get(key)


def _generation_key(kind: str, code: str) -> str:
    return f"board-stamp:generation:{kind}:{code}"


def _forget_now_and_on_commit(places: list[tuple]) -> None:
    """New generations for these (kind, code) places now, so this request already reads
    fresh, and again once the transaction commits, so a stamp or page counted from the old
    rows in between is not used. One round trip each time, however many places."""
    keys = [_generation_key(kind, code) for kind, code in places]

    def forget():
        NEAR.forget(keys)
        generation = str(time.time_ns())
        cache.set_many(dict.fromkeys(keys, generation), timeout=None)

    forget()
    transaction.on_commit(forget)


def forget_stamps(code_rows) -> None:
    """Forget the stamps of these villages and of their townships, districts and cities;
    `code_rows` are (village code, township code, district code, city code)."""
    places = set()
    for village, township, district, city in code_rows:
        places.update(
            (("village", village), ("township", township), ("district", district), ("city", city))
        )
    if places:
        _forget_now_and_on_commit(sorted(places))


def villages_changed(villages) -> None:
    """For bulk writes (imports, seeding) that send no model signals: forget the stamps of
    these villages (a queryset or a list of ids) in one query."""
    forget_stamps(
        Village.objects.filter(pk__in=villages).values_list(
            "code", "township__code", "township__district__code", "township__district__city__code"
        )
    )


def tree_changed() -> None:
    """A village, township or district was added, renamed or removed: every stamp changes."""

    def renew():
        NEAR.forget([TREE_KEY])
        cache.set(TREE_KEY, str(time.time_ns()), timeout=None)

    renew()
    transaction.on_commit(renew)


def watch(model, village_path: str) -> None:
    """Forget the board stamps of the village behind each saved or deleted `model` row
    (`village_path` leads from the model to its village, e.g. "pledge_list__village"). Call it
    from an AppConfig.ready(). A signal and not a call in each write path: admin edits,
    services and model methods all save through here, and forgetting a cache entry is no
    domain logic. Costs one query per write."""
    paths = [f"{village_path}__code", f"{village_path}__township__code"]
    paths.append(f"{village_path}__township__district__code")
    paths.append(f"{village_path}__township__district__city__code")

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


def watch_everything() -> None:
    """Everything the board shows, and how each row leads to its village."""
    watch(PledgeList, "village")
    watch(Project, "pledge_list__village")
    watch(Prohibition, "pledge_list__village")
    # the 4+2 record shown with the list (决议公开)
    watch(DecisionRecord, "pledge_list__village")
    watch(DecisionMeeting, "record__pledge_list__village")
    watch(ChangeRequest, "project__pledge_list__village")
    watch(ProgressUpdate, "project__pledge_list__village")
    watch(Photo, "update__project__pledge_list__village")
    watch(Suggestion, "village")
    watch(Meeting, "village")
    watch(Candidate, "village")
    # residents' challenges and reports, and the year-end review, as the township decided them
    watch(Challenge, Challenge.village_path())
    watch(ViolationReport, ViolationReport.village_path())
    watch(AnnualReview, "pledge_list__village")
    for model in (City, District, Township, Village):
        watch_tree(model)
    # Bulk writes (the Excel import, seeding) send no model signals: they say so themselves.
    pledge_signals.written_in_bulk.connect(
        _written_in_bulk, dispatch_uid="board-stamp:written-in-bulk"
    )
    # The overnight recount of overdue projects changes the figures the pages show.
    figure_signals.overdue_recounted.connect(
        _written_in_bulk, dispatch_uid="board-stamp:overdue-recounted"
    )


def _written_in_bulk(sender, village_ids, **kwargs):
    villages_changed(village_ids)
