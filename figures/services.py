"""Keeping the VillageYear rows equal to what counting.py counts from the source tables.

`refresh` recounts the village-years in scope and writes what changed: called by watch.py in
the transaction of every write that can change a figure, by the daily recount of overdue
projects, for bulk writes (imports, seeding: pledges.signals.written_in_bulk), and by
`check_figures --fix`. `differences` counts and compares without writing (the tests and
`check_figures`). The reads at the end sum the rows for the board's charts, for any set of
villages (a township's, a district's, a city's).

Two writers recounting the same village at once would each count without the other's
uncommitted rows, and the second would overwrite the first's figures. So `refresh` first locks
the villages' own rows (FOR NO KEY UPDATE, which still lets other transactions insert rows that
point at the village): the second writer waits until the first commits, then counts both.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Case, IntegerField, Sum, When
from django.utils import timezone

from lib.signals import announce
from pledges.models import PledgeList
from reviews.models import AnnualReview
from suggestions.models import Meeting, Suggestion
from villages.models import District, Township, Village

from . import counting
from .counting import OUTCOMES, PARTS, PROJECTS, SUGGESTIONS
from .models import (
    DISTRICT_FIGURES,
    ON_TIME,
    PROJECT_FIGURES,
    SUGGESTION_FIGURES,
    VERIFIED_MONTHS,
    DistrictOutcome,
    DistrictYear,
    Outcome,
    ReplyWait,
    VillageYear,
    _overdue_sql,
)
from .signals import overdue_recounted

CHUNK = 500  # villages counted and written at a time
OVERDUE = ("overdue_count", "overdue_until")


@dataclass(frozen=True)
class Difference:
    """A figure of a village-year whose stored value is not what the source tables give."""

    village_id: int | None  # None: a district's sums (DistrictYear, DistrictOutcome)
    year: int
    name: str
    stored: object
    counted: object
    district_id: int | None = None


def refresh(*, villages, years=None, parts=PARTS, today: datetime.date | None = None) -> int:
    """Recount `parts` of the village-years of `villages` (ids: a collection, a range, or
    None for all) and `years` (None: every year), and write the rows that changed: update,
    create, or delete a row left with nothing to count. Returns how many rows were written.
    A fixed number of queries per CHUNK villages."""
    today = today or timezone.localdate()
    written = 0
    for chunk in _chunks(villages):
        with transaction.atomic(savepoint=False):
            districts = _lock(chunk)
            stored = _stored(chunk, years, parts)
            counted = counting.count(villages=chunk, years=years, parts=parts, today=today)
            written += _write(stored, counted, parts, today, districts)
    return written


def differences(*, villages=None, years=None, today: datetime.date | None = None) -> list:
    """Every figure whose stored value differs from a count from scratch; [] when the rows
    are right. An overdue count the daily recount has not reached yet is not a difference
    (the pages count those rows live until it does)."""
    today = today or timezone.localdate()
    found = []
    for chunk in _chunks(villages):
        stored = _stored(chunk, years, PARTS)
        counted = counting.count(villages=chunk, years=years, today=today)
        for key in sorted(stored.keys() | counted.keys()):
            old = stored.get(key) or counting.EMPTY_ROW
            new = counted.get(key, counting.EMPTY_ROW)
            skipped = {"overdue_on", *(OVERDUE if _is_stale(old, today) else ())}
            found.extend(
                Difference(*key, name, old[name], new[name])
                for name in counting.EMPTY_ROW
                if name not in skipped and old[name] != new[name]
            )
    if villages is None and years is None:
        found.extend(district_differences())
    return found


def recount_overdue(today: datetime.date | None = None) -> int:
    """Recount the projects of the rows whose overdue count no longer holds on `today` (a
    project passed its planned finish since they were counted); safe to run twice, and on
    any day. Returns how many rows were written."""
    today = today or timezone.localdate()
    keys = VillageYear.objects.stale(today).values_list("year", "village_id").order_by("year")
    by_year = {}
    for year, village_id in keys:
        by_year.setdefault(year, []).append(village_id)
    written = sum(
        refresh(villages=ids, years=[year], parts={PROJECTS}, today=today)
        for year, ids in by_year.items()
    )
    if written:
        village_ids = sorted({pk for ids in by_year.values() for pk in ids})
        announce(overdue_recounted, VillageYear, village_ids=village_ids)
    return written


def _chunks(villages):
    """The villages a few hundred at a time: for all of them, ranges of ids spanning 4 × CHUNK
    villages (no list of ids in the queries); else CHUNK of the ids given at a time."""
    if villages is None:
        ids = list(Village.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), CHUNK * 4):
            chunk = ids[start : start + CHUNK * 4]
            yield range(chunk[0], chunk[-1] + 1)
        return
    if isinstance(villages, range):
        yield villages
        return
    ids = iter(sorted(set(villages)))
    while chunk := list(islice(ids, CHUNK)):
        yield chunk


def _lock(villages) -> dict[int, int]:
    """Wait for any other transaction recounting these villages (see the module's docstring);
    {village id: its district's id}. On SQLite, which lets one transaction write at a time
    anyway, the query locks nothing."""
    return dict(
        Village.objects.filter(counting.village_filter("pk", villages))
        .select_for_update(no_key=True, of=("self",))
        .order_by("pk")
        .values_list("pk", "township__district_id")
    )


def _stored(villages, years, parts) -> dict:
    """{(village id, year): the row as counting.count gives it, with its `pk`}."""
    scope = counting.village_filter("village_id", villages) & counting.year_filter("year", years)
    rows = {}
    for row in (
        VillageYear.objects.filter(scope)
        .order_by()
        .values("pk", "village_id", "year", *counting.FIELDS)
    ):
        key = row.pop("village_id"), row.pop("year")
        rows[key] = {**row, "outcomes": {}, "waits": {}}
    if not rows:
        return rows
    children = counting.village_filter("village_year__village_id", villages)
    children &= counting.year_filter("village_year__year", years)
    by_pk = {row["pk"]: row for row in rows.values()}
    if OUTCOMES in parts:
        outcomes = Outcome.objects.filter(children).order_by()
        for pk, category, unit, total, projects in outcomes.values_list(
            "village_year", "category", "unit", "total", "projects"
        ):
            by_pk[pk]["outcomes"][category, unit] = (total, projects)
    if SUGGESTIONS in parts:
        waits = ReplyWait.objects.filter(children).order_by()
        for pk, days, suggestions in waits.values_list("village_year", "days", "suggestions"):
            by_pk[pk]["waits"][days] = suggestions
    return rows


def _is_stale(row: dict, today: datetime.date) -> bool:
    """The row's overdue count no longer holds on `today` (VillageYear.overdue_until)."""
    until, on = row["overdue_until"], row["overdue_on"]
    return (until is not None and until <= today) or (on is not None and on > today)


def _same(old: dict, new: dict, today: datetime.date) -> bool:
    """Nothing to write: equal figures, the day overdue was counted aside while the old count
    still holds."""
    names = [name for name in new if not (name == "overdue_on" and not _is_stale(old, today))]
    return all(old[name] == new[name] for name in names)


def _write(stored: dict, counted: dict, parts, today: datetime.date, districts: dict) -> int:
    """Write the rows of `counted` (only `parts` counted) that differ from `stored`, and add
    what changed to their districts' sums (`districts`: {village id: district id}). Queries:
    one upsert of the rows whose own fields changed; per kind of child row that changed, one
    delete and one insert; one delete of the rows left with nothing to count; one upsert of
    the districts' sums, and one of their outcomes when those changed. None when nothing
    changed."""
    nothing = counting.empty(parts)
    changed, emptied = [], []
    for key in stored.keys() | counted.keys():
        old = stored.get(key)
        new = {**(old or counting.EMPTY_ROW), **counted.get(key, nothing)}
        new.pop("pk", None)
        if all(new[name] == value for name, value in counting.EMPTY_ROW.items()):
            if old is not None:
                emptied.append(old["pk"])
        elif old is None or not _same(old, new, today):
            changed.append((key, old, new))
    if emptied:
        VillageYear.objects.filter(pk__in=emptied).delete()
    fields = [name for name in counting.FIELDS if name in nothing]
    rewritten = [
        (key, new)
        for key, old, new in changed
        if old is None or not _same({n: old[n] for n in fields}, {n: new[n] for n in fields}, today)
    ]
    pks = {key: old["pk"] for key, old, _new in changed if old is not None}
    if rewritten:
        rows = VillageYear.objects.bulk_create(
            [
                VillageYear(village_id=key[0], year=key[1], **{n: new[n] for n in counting.FIELDS})
                for key, new in rewritten
            ],
            update_conflicts=True,
            unique_fields=["village", "year"],
            update_fields=fields or ["year"],
        )
        pks.update({key: row.pk for (key, _new), row in zip(rewritten, rows, strict=True)})
    for child, name, build in ((Outcome, "outcomes", _outcomes), (ReplyWait, "waits", _waits)):
        redo = [
            (key, old, new[name])
            for key, old, new in changed
            if name in nothing and (old or counting.EMPTY_ROW)[name] != new[name]
        ]
        gone = [pks[key] for key, old, _values in redo if old is not None and old[name]]
        if gone:
            child.objects.filter(village_year__in=gone).delete()
        fresh = [item for key, _old, values in redo for item in build(pks[key], values)]
        if fresh:
            child.objects.bulk_create(fresh)
    gone = set(emptied)
    moved = [
        *changed,
        *((k, row, counting.EMPTY_ROW) for k, row in stored.items() if row["pk"] in gone),
    ]
    _add_to_districts(moved, districts)
    return len(changed) + len(emptied)


def _figures_of(row: dict) -> dict:
    """A village row's part of its district's sums (DISTRICT_FIGURES)."""
    return {
        "list_count": int(bool(row["is_published"])),
        **{name: row[name] for name in DISTRICT_FIGURES if name != "list_count"},
    }


def _add_to_districts(moved: list, districts: dict) -> None:
    """Add each (key, old row or None, new row) change of the village rows to its district's
    sums: one upsert of the DistrictYear rows, one of the DistrictOutcome rows, each only when
    something changed, in key order (two writers lock the rows in the same order). Adding
    in the database, not writing a sum read here, lets two writers in one district add
    their changes without losing either's."""
    years, outcomes = {}, {}
    for (village_id, year), old, new in moved:
        key = districts[village_id], year
        before, after = _figures_of(old or counting.EMPTY_ROW), _figures_of(new)
        sums = years.setdefault(key, dict.fromkeys(DISTRICT_FIGURES, 0))
        for name in DISTRICT_FIGURES:
            sums[name] += after[name] - before[name]
        old_outcomes = (old or counting.EMPTY_ROW)["outcomes"]
        for unit_key in old_outcomes.keys() | new["outcomes"].keys():
            total0, projects0 = old_outcomes.get(unit_key, (0, 0))
            total1, projects1 = new["outcomes"].get(unit_key, (0, 0))
            if (total0, projects0) != (total1, projects1):
                found = outcomes.setdefault((*key, *unit_key), [0, 0])
                found[0] += total1 - total0
                found[1] += projects1 - projects0
    years = {key: sums for key, sums in years.items() if any(sums.values())}
    outcomes = {key: change for key, change in outcomes.items() if any(change)}
    if years:
        _upsert_adding(
            DistrictYear,
            ["district_id", "year"],
            list(DISTRICT_FIGURES),
            [(*key, *(years[key][name] for name in DISTRICT_FIGURES)) for key in sorted(years)],
        )
    if outcomes:
        _upsert_adding(
            DistrictOutcome,
            ["district_id", "year", "category", "unit"],
            ["total", "projects"],
            [(*key, *outcomes[key]) for key in sorted(outcomes)],
        )


def _upsert_adding(model, keys: list[str], names: list[str], rows: list[tuple]) -> None:
    """INSERT the rows, or add their values to the row of the same key (PostgreSQL and
    SQLite both read ON CONFLICT … DO UPDATE). One query."""
    table = model._meta.db_table
    columns = [*keys, *names]
    values = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(rows))
    adding = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in names)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values}"
        f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {adding}"
    )
    with connections[model.objects.db].cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])


# --- The districts' sums from scratch (a move, check_figures) ---------------------------

_DISTRICT = "village__township__district_id"


def district_sums(districts=None) -> tuple[dict, dict]:
    """({(district id, year): DISTRICT_FIGURES summed from the village rows},
    {(district id, year, category, unit): (total, projects)}) for `districts` (ids; None for
    all). Two queries."""
    rows = VillageYear.objects.all()
    outcomes = Outcome.objects.all()
    if districts is not None:
        rows = rows.filter(**{f"{_DISTRICT}__in": list(districts)})
        outcomes = outcomes.filter(**{f"village_year__{_DISTRICT}__in": list(districts)})
    published = Sum(Case(When(is_published=True, then=1), default=0, output_field=IntegerField()))
    summed = (
        rows.values(_DISTRICT, "year")
        .annotate(list_count=published, **{n: Sum(n) for n in DISTRICT_FIGURES[1:]})
        .order_by()
    )
    years = {
        (row.pop(_DISTRICT), row.pop("year")): {n: row[n] for n in DISTRICT_FIGURES}
        for row in summed
    }
    by_unit = (
        outcomes.values(f"village_year__{_DISTRICT}", "village_year__year", "category", "unit")
        .annotate(sum_total=Sum("total"), sum_projects=Sum("projects"))
        .order_by()
        .values_list(
            f"village_year__{_DISTRICT}",
            "village_year__year",
            "category",
            "unit",
            "sum_total",
            "sum_projects",
        )
    )
    units = {
        (district, year, category, unit): (_cents(total), projects)
        for district, year, category, unit, total, projects in by_unit
    }
    return years, units


def _cents(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def _district_stored(districts=None) -> tuple[dict, dict]:
    """district_sums's dicts, as the DistrictYear and DistrictOutcome rows hold them (rows of
    zeros left out). Two queries."""
    rows, outcomes = DistrictYear.objects.all(), DistrictOutcome.objects.filter(projects__gt=0)
    if districts is not None:
        rows = rows.filter(district__in=list(districts))
        outcomes = outcomes.filter(district__in=list(districts))
    years = {}
    for row in rows.order_by().values("district_id", "year", *DISTRICT_FIGURES):
        key = row.pop("district_id"), row.pop("year")
        if any(row.values()):
            years[key] = row
    units = {
        (district, year, category, unit): (_cents(total), projects)
        for district, year, category, unit, total, projects in outcomes.order_by().values_list(
            "district_id", "year", "category", "unit", "total", "projects"
        )
    }
    return years, units


def district_differences() -> list[Difference]:
    """Every district sum that is not the sum of its villages' rows; [] when they agree."""
    years, units = district_sums()
    stored_years, stored_units = _district_stored()
    found = []
    zeros = dict.fromkeys(DISTRICT_FIGURES, 0)
    for key in sorted(years.keys() | stored_years.keys()):
        old, new = stored_years.get(key, zeros), years.get(key, zeros)
        found.extend(
            Difference(None, key[1], name, old[name], new[name], district_id=key[0])
            for name in DISTRICT_FIGURES
            if old[name] != new[name]
        )
    for key in sorted(units.keys() | stored_units.keys()):
        old, new = stored_units.get(key), units.get(key)
        if old != new:
            name = f"outcome {key[2]} {key[3]}"
            found.append(Difference(None, key[1], name, old, new, district_id=key[0]))
    return found


def rebuild_districts(districts=None) -> None:
    """Write the sums of `districts` (ids; None for all) again from their villages' rows:
    after a village or a township moves or goes, and for `check_figures --fix`. A few
    queries. Not for the writes of every day: a writer of the same district at the same time
    would be lost (those add to the sums, _add_to_districts)."""
    years, units = district_sums(districts)
    with transaction.atomic():
        for model in (DistrictYear, DistrictOutcome):
            rows = model.objects.all()
            if districts is not None:
                rows = rows.filter(district__in=list(districts))
            rows.delete()
        DistrictYear.objects.bulk_create(
            DistrictYear(district_id=key[0], year=key[1], **years[key]) for key in sorted(years)
        )
        DistrictOutcome.objects.bulk_create(
            DistrictOutcome(
                district_id=key[0],
                year=key[1],
                category=key[2],
                unit=key[3],
                total=units[key][0],
                projects=units[key][1],
            )
            for key in sorted(units)
        )


def _outcomes(pk: int, outcomes: dict) -> list[Outcome]:
    return [
        Outcome(village_year_id=pk, category=category, unit=unit, total=total, projects=projects)
        for (category, unit), (total, projects) in sorted(outcomes.items())
    ]


def _waits(pk: int, waits: dict) -> list[ReplyWait]:
    return [
        ReplyWait(village_year_id=pk, days=days, suggestions=n) for days, n in sorted(waits.items())
    ]


def fill_after_migrate(*, using: str = "default", verbosity: int = 1, **kwargs) -> int:
    """post_migrate: count every row when the table is empty and there is something to count
    (a database that had lists before this app came, or one restored without the table's
    rows); sum the districts' rows when only those are missing. Two queries otherwise."""
    connection = connections[using]
    if (
        using != "default"
        or VillageYear._meta.db_table not in connection.introspection.table_names()
    ):
        return 0
    if VillageYear.objects.exists():
        if not DistrictYear.objects.exists():  # rows counted before the districts' sums came
            rebuild_districts()
        return 0
    if not (
        PledgeList.objects.published().exists()
        or Suggestion.objects.exists()
        or Meeting.objects.exists()
    ):
        return 0
    written = refresh(villages=None)
    rebuild_districts()  # whatever sums were left without the village rows they came from
    if verbosity:
        print(f"  Figures: counted {written} village-years.")
    return written


# --- Reads for the board's charts -------------------------------------------------------


def verified_by_month(villages, years) -> dict[int, list[int] | None]:
    """{year: how many projects of the published lists of `villages` (a queryset of villages,
    e.g. `Village.objects.filter(township__district=district)`) were verified in each month of
    that year, January first}, for each of `years`; None for a year without a published list
    there (nothing to compare with). One query."""
    sums = (
        VillageYear.objects.filter(village__in=villages, year__in=list(years), is_published=True)
        .values("year")
        .annotate(**{name: Sum(name) for name in VERIFIED_MONTHS})
        .order_by("year")
    )
    found = dict.fromkeys(years)
    for row in sums:
        found[row["year"]] = [row[name] for name in VERIFIED_MONTHS]
    return found


# --- A city's districts (the city page, 亮晒评) --------------------------------------------------


def city_districts(city, year: int, today: datetime.date | None = None) -> list:
    """The city page: every district of `city`, by code, with the sums of its villages' rows
    of `year` as `summary` (as `VillageYearQuerySet.by_township` sums them per township:
    `village_count`, `list_count`, the project figures of published lists, the suggestions
    of every village), `replies` ({"on_time", "answered"}: answered suggestions, and those
    answered within SUGGESTION_REPLY_DAYS, ON_TIME) and `reviews` ({"reviewed", "satisfied"}:
    published year-end reviews of the year's lists, and those whose stored satisfaction
    reaches RANKING_THRESHOLD). One grouped query, whatever the number of districts and
    villages: nothing is counted from the projects or the suggestions."""
    today = today or timezone.localdate()
    districts = _district_sums(city, year, today)
    for district in districts:
        district.replies = {"on_time": district.answered_on_time, "answered": district.answered}
        district.reviews = {"reviewed": district.reviewed, "satisfied": district.satisfied or 0}
    return districts


def city_months(city) -> dict[int, list[int]]:
    """{year: how many projects of the published lists of the villages of `city` were
    verified in each month of it, January first} for every year with a published list there,
    oldest first: the city page's year switcher and its chart of this year against last
    (`verified_by_month` for every year at once), from the districts' sums. One query."""
    sums = (
        DistrictYear.objects.filter(district__city=city, list_count__gt=0)
        .values("year")
        .annotate(**{name: Sum(name) for name in VERIFIED_MONTHS})
        .order_by("year")
    )
    return {row["year"]: [row[name] for name in VERIFIED_MONTHS] for row in sums}


def city_outcomes(city, year: int) -> list[dict]:
    """What `OutcomeQuerySet.summed` gives for the villages of `city` in `year`, from the
    districts' sums. One query."""
    return list(
        DistrictOutcome.objects.filter(district__city=city, year=year, projects__gt=0)
        .values("category", "unit")
        .annotate(total=Sum("total"), projects=Sum("projects"))
        .order_by("category", "unit")
    )


def _district_sums(city, year: int, today: datetime.date) -> list:
    """The districts of `city` with `village_count`, `summary`, ON_TIME and their reviews'
    counts (see `city_districts`). One query, in SQL like `VillageYearQuerySet.by_township`,
    and for the same reason: the districts' sums (DistrictYear), their overdue counts
    corrected for the rows the daily recount has not reached yet (found by the index of each
    date, as few as the recount leaves), and their published reviews."""
    district, township, village, figures, sums_table = (
        m._meta.db_table for m in (District, Township, Village, VillageYear, DistrictYear)
    )
    pledge_list, review = PledgeList._meta.db_table, AnnualReview._meta.db_table
    overdue, overdue_params = _overdue_sql("f", today)
    up_the_tree = (  # from `f`, a row with a village_id, to its district `dd`
        f" JOIN {village} v ON f.village_id = v.id JOIN {township} t ON v.township_id = t.id"
        f" JOIN {district} dd ON t.district_id = dd.id"
    )
    figures_sql = ", ".join(
        f"COALESCE(y.{name}, 0) AS {name}"
        for name in ("list_count", *PROJECT_FIGURES, *SUGGESTION_FIGURES, ON_TIME)
        if name != "overdue_count"
    )
    districts = list(
        District.objects.raw(
            f"SELECT d.id, d.city_id, d.code, d.name, COALESCE(vc.n, 0) AS village_count,"
            f" {figures_sql},"
            f" COALESCE(y.overdue_count, 0) + COALESCE(late.n, 0) AS overdue_count,"
            f" COALESCE(rv.reviewed, 0) AS reviewed, rv.satisfied"
            f" FROM {district} d LEFT JOIN {sums_table} y ON y.district_id = d.id AND y.year = %s"
            f" LEFT JOIN (SELECT t.district_id, COUNT(*) AS n FROM {village} v"
            f" JOIN {township} t ON v.township_id = t.id JOIN {district} dd"
            f" ON t.district_id = dd.id WHERE dd.city_id = %s GROUP BY t.district_id) vc"
            f" ON vc.district_id = d.id"
            # the stale rows' overdue counted now, less the count their district holds
            f" LEFT JOIN (SELECT t.district_id, SUM({overdue} - f.overdue_count) AS n"
            f" FROM {figures} f{up_the_tree} WHERE dd.city_id = %s AND f.year = %s"
            f" AND f.is_published AND (f.overdue_until <= %s OR f.overdue_on > %s)"
            f" GROUP BY t.district_id) late ON late.district_id = d.id"
            # a village's one list of the year, and its one review
            f" LEFT JOIN (SELECT t.district_id, COUNT(*) AS reviewed,"
            f" SUM(CASE WHEN r.satisfaction_rate >= %s THEN 1 ELSE 0 END) AS satisfied"
            f" FROM {review} r JOIN {pledge_list} f ON r.pledge_list_id = f.id{up_the_tree}"
            f" WHERE dd.city_id = %s AND f.year = %s AND r.status = %s"
            f" GROUP BY t.district_id) rv ON rv.district_id = d.id"
            f" WHERE d.city_id = %s ORDER BY d.code",
            [
                year,
                city.pk,
                *overdue_params,
                city.pk,
                year,
                today,
                today,
                settings.RANKING_THRESHOLD,
                city.pk,
                year,
                AnnualReview.Status.PUBLISHED,
                city.pk,
            ],
        )
    )
    for place in districts:
        place.summary = {
            "village_count": place.village_count,
            **{
                name: getattr(place, name)
                for name in ("list_count", *PROJECT_FIGURES, *SUGGESTION_FIGURES)
            },
        }
    return districts
