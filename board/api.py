"""The open data API (/api/v1/…) on django-ninja: read-only JSON of the public board, and its
OpenAPI document generated from the schemas below (served at /api/v1/openapi.json).

The operations answer as the board pages do (responses.py): from the data stamp, with an ETag
and 304, from the cache when the answer for the current stamp is there, and marked for the
early answer (middleware.py). An answer is checked against its schema once, when it is built
(`_checked`): a cached answer is served as it is, never validated again. The dicts come from
open_data.py, which lists every published field by hand; the schemas say the same fields
with their types, and forbid any other (`additionalProperties: false`), so a field added to an
answer but not to its schema fails when the answer is built (a 500, never served), in
schemathesis and in the tests.

Every route goes through `read_only` (GET and HEAD, else 405 in JSON with `Allow`); errors
are the Error schema in JSON, also for any other address under /api/ (`not_found`). The
docs page of ninja is off: it loads its scripts from a CDN, which the CSP and the offline
servers refuse; the document itself is the description.
"""

import functools
import hashlib
import json
from typing import Annotated, Literal

from django.conf import settings
from django.shortcuts import redirect
from django.urls import Resolver404, URLPattern, resolve
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Path, Query
from ninja.errors import HttpError, ValidationError
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from lib.years import YEAR_MAX, YEAR_MIN, parse_year
from pledges import models as pledges
from suggestions import models as suggestions
from villages.models import District, Township, Village

from . import open_data, replica
from .responses import READ_METHODS, api_error, cached_json, read_only

PREFIX = "api/v1/"  # where board/urls.py mounts the API; the document's paths start with it
TAGS = ["open data"]
YEAR_ERROR = "year must be a year from 2000 to 2100."

# --- Schemas: every answer, field by field --------------------------------------------------


def _untitled(schema: dict, _model) -> None:
    """Pydantic titles every property with its own name: noise in the document."""
    for field in schema.get("properties", {}).values():
        field.pop("title", None)


class _Answer(BaseModel):
    """Plain pydantic models, which ninja documents as it does its own `Schema`: that one
    reads ORM objects through a getter, which made checking a village's answer (a dict)
    3.9 ms instead of 0.07. Strict: a field is of its type, not converted to it; forbid: no
    field the schema does not name (and the document says so)."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra=_untitled)


PATH_ON_SITE = "Path on this site (relative to the server URL). 本站路径。"
SitePath = Annotated[str, Field(description=PATH_ON_SITE)]
Count = Annotated[int, Field(ge=0)]
Decimal2 = Annotated[
    str,
    Field(
        pattern=r"^\d+\.\d{2}$",
        description='Decimal with two places, as a string (e.g. "1923.00").'
        " 十进制数，字符串，两位小数。",
        examples=["1923.00"],
    ),
]
IsoDate = Annotated[str, Field(json_schema_extra={"format": "date"})]
IsoDateTime = Annotated[
    str,
    Field(
        description="ISO 8601 with the offset of the site's time zone (Asia/Shanghai, +08:00).",
        json_schema_extra={"format": "date-time"},
    ),
]


def _code(digits: int, what: str) -> dict:
    return {
        "pattern": rf"^[0-9]{{{digits}}}$",
        "description": f"{digits}-digit statistical division code of the {what}"
        " (统计用区划代码), as text.",
    }


DISTRICT_CODE = _code(6, "district")
TOWNSHIP_CODE = _code(9, "township")
VILLAGE_CODE = _code(12, "village or community")
TownshipCode = Annotated[str, Field(**TOWNSHIP_CODE)]
VillageCode = Annotated[str, Field(**VILLAGE_CODE)]


def _error_example(schema: dict, model) -> None:
    _untitled(schema, model)
    schema["examples"] = [{"error": "No district with this code.", "status": 404}]


class Error(_Answer):
    """Every error of the API (400, 404, 405)."""

    model_config = ConfigDict(json_schema_extra=_error_example)
    error: str = Field(description="What is wrong, in English.")
    status: int = Field(description="The HTTP status, again.")


class PlaceRef(_Answer):
    """A district or township, with its board page and its API address."""

    code: str
    name: str
    board_url: SitePath
    url: SitePath


class DistrictIndex(_Answer):
    districts: list[PlaceRef]


class Outcome(_Answer):
    """Quantities of completed and verified projects of published lists, summed by category
    and unit (成效：如路灯1923盏)."""

    category: Literal[tuple(pledges.Category.values)]
    category_label: str = Field(
        description="Category name in the request's language (Accept-Language; default"
        " Chinese). 类别名称。"
    )
    unit: str = Field(examples=["盏", "米", "亩"])
    total: Decimal2
    projects: Count


class Figures(_Answer):
    """Opinion collection figures for the year (民意征集). Counts every suggestion of the
    place, public or not; never any text."""

    meetings: Count = Field(
        description="Mass meetings and visit rounds held in the year (群众会议)."
    )
    received: Count = Field(description="Suggestions received (收到意见建议).")
    answered: Count = Field(description="Suggestions with a public reply (已回复).")
    adopted: Count = Field(description="Suggestions adopted into a project (已采纳).")
    median_days_to_reply: float | None = Field(
        description="Median days from receipt to reply; null when none is answered"
        " (答复天数中位数)."
    )


class DistrictTotals(_Answer):
    villages: Count = Field(description="Villages and communities (村/社区数).")
    lists_published: Count = Field(description="Published lists of the year (已公示清单).")
    projects: Count = Field(
        description="Projects of published lists, cancelled ones not counted (民生实事)."
    )
    verified: Count = Field(description="Verified and struck off (已验收销号).")
    completed: Count = Field(description="Completed, waiting for verification (已完成待验收).")
    overdue: Count = Field(description="Planned or in progress after the planned finish (逾期).")


class TownshipPlace(_Answer):
    """A township, with its board page and its API address."""

    code: TownshipCode
    name: str
    board_url: SitePath
    url: SitePath


# A schema's fields come base by base, the last base first: the place, then its counts.
class DistrictTownshipRow(DistrictTotals, TownshipPlace):
    """A township of the district table, with its counts."""


class DistrictTable(_Answer):
    """The district table of the public board (区级汇总表), published lists only."""

    district: PlaceRef
    year: int
    townships: list[DistrictTownshipRow]
    totals: DistrictTotals
    outcomes: list[Outcome]
    figures: Figures


class TownshipTotals(DistrictTotals):
    in_progress: Count = Field(description="In progress (进行中).")


class TownshipVillageRow(_Answer):
    """A village of the township table; a village without a published list has `list` and
    `url` null and zeros."""

    code: VillageCode
    name: str
    board_url: SitePath
    url: str | None = Field(description="API address of the published list; null when none is.")
    list: Literal["published"] | None = Field(
        description='"published" when the year\'s list is published (已公示), else null; the'
        " counts are then 0."
    )
    projects: Count
    verified: Count
    completed: Count
    in_progress: Count
    overdue: Count


class TownshipRef(TownshipPlace):
    """A township, with its district."""

    district: PlaceRef


class TownshipTable(_Answer):
    """The township table of the public board (镇/街道汇总表), published lists only."""

    township: TownshipRef
    year: int
    villages: list[TownshipVillageRow]
    totals: TownshipTotals
    outcomes: list[Outcome]
    figures: Figures


class VillageRef(_Answer):
    """A village or community, with its township and district."""

    code: VillageCode
    name: str
    kind: Literal[tuple(Village.Kind.values)]
    board_url: SitePath
    url: SitePath
    township: PlaceRef
    district: PlaceRef


class ListState(_Answer):
    status: Literal[pledges.PledgeList.Status.PUBLISHED.value]
    published_at: IsoDateTime | None


class Project(_Answer):
    """One of the ten livelihood projects (民生实事)."""

    number: int = Field(ge=1)
    title: str
    category: str
    category_label: str
    status: Literal[tuple(pledges.Project.Status.values)] = Field(
        description="planned 计划, in_progress 进行中, completed 已完成待验收, verified 已验收销号,"
        " cancelled 已取消."
    )
    status_label: str
    percent_done: int = Field(ge=0, le=100)
    target_quantity: Decimal2 | None
    unit: str
    lead_name: str = Field(
        description="The official who leads the project (领办人), as on the board."
    )
    lead_post: str
    planned_start: IsoDate | None
    planned_finish: IsoDate | None
    verified_at: IsoDateTime | None
    is_overdue: bool


class Prohibition(_Answer):
    """One of the five prohibitions (不准事项)."""

    number: int = Field(ge=1)
    text: str


class Suggestion(_Answer):
    """An answered resident's suggestion (意见建议及答复); the newest 30 by reply."""

    received: IsoDate
    category: str
    status: Literal[tuple(s.value for s in suggestions.Suggestion.ANSWERED)]
    status_label: str
    text: str | None = Field(
        description="The suggestion; null if moderated (hidden suggestions are not listed at"
        " all). The author's name and phone are never published."
    )
    reply: str = Field(description="The public reply (答复).")
    replied_at: IsoDateTime | None
    adopted_projects: list[int] = Field(
        description="Numbers of the projects of this list the suggestion was adopted into."
    )


class VillageList(_Answer):
    """A village's published pledge list for a year (年度承诺清单)."""

    village: VillageRef
    year: int
    list: ListState
    projects: list[Project]
    prohibitions: list[Prohibition]
    suggestions: list[Suggestion]


class OpenApiDocument(BaseModel):
    """This document."""

    model_config = ConfigDict(extra="allow", json_schema_extra=_untitled)
    openapi: str
    info: dict
    paths: dict


def _checked(schema: type[_Answer], data: dict) -> dict:
    """`data`, once checked against its schema (a ValidationError, a 500, when they part):
    the answer is cached as it is and served without another check."""
    schema.model_validate(data)
    return data


# --- Parameters -----------------------------------------------------------------------------


def _this_year() -> int:
    return timezone.localdate().year


def _ascii_year(text: str) -> int:
    """?year= as the board reads it (lib.years.parse_year): ASCII digits of a year a list
    can have; empty is this year."""
    if text == "":
        return _this_year()
    year = parse_year(text)
    if year is None:
        raise ValueError(YEAR_ERROR)
    return year


YEAR_RANGE = {"ge": YEAR_MIN, "le": YEAR_MAX, "example": 2026}
YearQuery = Annotated[
    int,
    BeforeValidator(_ascii_year),
    Query(
        default_factory=_this_year,
        description="The year (2000–2100); this year when absent. 年度。",
        **YEAR_RANGE,
    ),
]


def _path_code(spec: dict, example: str):
    return Annotated[str, Path(example=example, **spec)]


# --- The API --------------------------------------------------------------------------------

DESCRIPTION = """\
Read-only data of the public board: published pledge lists (年度承诺清单) of villages and \
communities, their ten livelihood projects (民生实事) and five prohibitions (不准事项), the \
answered residents' suggestions, and the district and township tables. No login; GET (and \
HEAD) only. Only published lists are shown; residents' names and phone numbers and moderated \
texts are never published.

Types: decimals are strings with two decimal places; dates and times are ISO 8601; division \
codes are strings. Labels (`*_label`) follow Accept-Language (zh-hans by default, en).

Every JSON answer carries an ETag; send it back in If-None-Match to get 304 while nothing \
changed.

Errors are JSON too (schema `Error`): 400 for a parameter that is not valid (a `year` out of \
2000–2100), 404 for a code that names nothing, a list that is not published or any other \
address under /api/, and 405 with an `Allow` header for any method other than GET and HEAD \
(`components/responses`).

This document: /api/v1/openapi.json, generated from the API's schemas."""

ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
# What every address of the API shares, beside its operations.
COMMON_RESPONSES = {
    "NotFound": {
        "description": "Nothing at this address: any address under /api/ that is not one of"
        " the paths here.",
        "content": ERROR_CONTENT,
    },
    "MethodNotAllowed": {
        "description": "Any method other than GET and HEAD, at every path here: the data is"
        " read-only.",
        "headers": {
            "Allow": {
                "description": "The methods this address answers.",
                "schema": {"type": "string", "const": ", ".join(READ_METHODS)},
            }
        },
        "content": ERROR_CONTENT,
    },
}


def _download(media_type: str, schema: dict, summary: str, operation_id: str) -> dict:
    """The tables as files (views.board_export): board pages, not the API, so not ninja's
    operations, but listed in the same document."""
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "description": "The district table (6-digit code: one row per township) or the"
            " township table (9-digit code: one row per village), published lists only, with"
            " a total row (合计). Chinese headers. Codes are text; text cells that start with"
            " = + - @ are escaped against formula injection.",
            "tags": ["downloads"],
            "parameters": [
                {
                    "name": "code",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "pattern": r"^([0-9]{6}|[0-9]{9})$"},
                    "description": "District (6 digits) or township (9 digits) code.",
                    "examples": {
                        "district": {"value": "520302"},
                        "township": {"value": "520302001"},
                    },
                },
                {
                    "name": "year",
                    "in": "query",
                    "required": False,
                    "description": "The year (2000–2100); this year when absent. 年度。",
                    "schema": {"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX},
                    "example": 2026,
                },
            ],
            "responses": {
                "200": {
                    "description": "The file, as an attachment.",
                    "content": {media_type: {"schema": schema}},
                },
                "404": {
                    "description": "No such district or township, or a year no list can have"
                    " (an HTML page)."
                },
            },
        }
    }


DOWNLOADS = {
    "/board/{code}/export.csv": _download(
        "text/csv",
        {"type": "string"},
        "Table as CSV, UTF-8 with BOM (表格下载 CSV)",
        "export_csv",
    ),
    "/board/{code}/export.xlsx": _download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        {"type": "string", "format": "binary"},
        "Table as Excel (表格下载 xlsx)",
        "export_xlsx",
    ),
}


class OpenDataAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """ninja's document of the operations, with what it cannot know: the paths start
        with PREFIX (the API is mounted inside the board's URLs, without a namespace of its
        own), HEAD is GET without its body (one operation each), the errors every address
        shares and the downloads."""
        document = super().get_openapi_schema(path_prefix="/" + PREFIX)
        for item in document["paths"].values():
            item.pop("head", None)
        document["paths"].update(DOWNLOADS)
        document["components"]["responses"] = COMMON_RESPONSES
        return document


api = OpenDataAPI(
    title="Village livelihood pledges: open data (十要五不准 公开数据)",
    version="1.0.0",
    description=DESCRIPTION,
    servers=[{"url": "/"}],
    openapi_url=None,  # served by `openapi` below: cached, with an ETag, read-only
    docs_url=None,  # ninja's docs page loads its scripts from a CDN: see the module's doc
    openapi_extra={
        "tags": [
            {"name": "open data", "description": "JSON 公开数据"},
            {"name": "downloads", "description": "CSV / Excel 下载"},
        ]
    },
)

ETAG = {
    "ETag": {
        "description": "Changes exactly when the data shown changes (and with the language).",
        "schema": {"type": "string"},
    }
}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "An ETag from an earlier answer: 304 while the data is unchanged.",
    "schema": {"type": "string"},
}


def _http(answer: str, **errors: str) -> dict:
    """What the schemas do not say of an operation: the ETag, 304, and what each answer
    means (`errors`: "not_found", "bad_year")."""
    responses = {
        200: {"description": answer, "headers": ETAG},
        304: {
            "description": "Not modified: the client's copy (If-None-Match) is current.",
            "headers": ETAG,
        },
    }
    if "bad_year" in errors:
        responses[400] = {"description": errors["bad_year"]}
    if "not_found" in errors:
        responses[404] = {"description": errors["not_found"]}
    return {"parameters": [IF_NONE_MATCH], "responses": responses}


def _read(path: str, **kwargs):
    """An operation of the API: GET (and HEAD, the same without the body)."""
    return api.api_operation(["GET", "HEAD"], path, tags=TAGS, **kwargs)


BAD_YEAR = "Not a valid year (2000–2100)."


@_read(
    "/openapi.json",
    response=OpenApiDocument,
    operation_id="get_openapi",
    summary="This document (接口说明)",
    url_name="api_openapi",
    openapi_extra=_http("The OpenAPI document of this API, generated from its schemas."),
)
def api_openapi(request):
    document, stamp = openapi_document()
    return cached_json(request, key="openapi", stamp=stamp, build=lambda: document)


@functools.cache
def openapi_document() -> tuple[dict, str]:
    """The API's OpenAPI document, as served, and a stamp of it: made once per process."""
    document = json.loads(json.dumps(api.get_openapi_schema(), ensure_ascii=False))
    return document, hashlib.sha1(json.dumps(document).encode()).hexdigest()


@_read(
    "/districts/",
    response=DistrictIndex,
    operation_id="list_districts",
    summary="Districts (区县列表)",
    url_name="api_districts",
    openapi_extra=_http("Every district."),
)
@replica.reads_may_lag  # the stamp is the data itself: nothing older is kept under it
def api_districts(request):
    data = open_data.district_index(District.objects.all())
    stamp = hashlib.sha1(repr(data).encode()).hexdigest()
    return cached_json(
        request, key="districts", stamp=stamp, build=lambda: _checked(DistrictIndex, data)
    )


@_read(
    "/districts/{code}/",
    response={200: DistrictTable, 400: Error, 404: Error},
    operation_id="get_district",
    summary="District table (区级汇总)",
    url_name="api_district",
    openapi_extra=_http(
        "The district's townships with their counts, the outcomes and the suggestion figures.",
        bad_year=BAD_YEAR,
        not_found="No such district.",
    ),
)
def api_district(request, code: _path_code(DISTRICT_CODE, "520302"), year: YearQuery):
    district = open_data.find(District.objects.all(), code, 6)
    if district is None:
        return api_error(404, "No district with this code.")
    return cached_json(
        request,
        key=f"d:{code}:{year}",
        stamp=open_data.district_stamp(district, year),
        build=lambda: _checked(DistrictTable, open_data.district_data(district, year)),
        place=("district", code, year),
    )


@_read(
    "/townships/{code}/",
    response={200: TownshipTable, 400: Error, 404: Error},
    operation_id="get_township",
    summary="Township table (镇/街道汇总)",
    url_name="api_township",
    openapi_extra=_http(
        "The township's villages with their counts, the outcomes and the suggestion figures.",
        bad_year=BAD_YEAR,
        not_found="No such township.",
    ),
)
def api_township(request, code: _path_code(TOWNSHIP_CODE, "520302001"), year: YearQuery):
    township = open_data.find(Township.objects.select_related("district"), code, 9)
    if township is None:
        return api_error(404, "No township with this code.")
    return cached_json(
        request,
        key=f"t:{code}:{year}",
        stamp=open_data.township_stamp(township, year),
        build=lambda: _checked(TownshipTable, open_data.township_data(township, year)),
        place=("township", code, year),
    )


@_read(
    "/villages/{code}/{int:year}/",
    response={200: VillageList, 404: Error},
    operation_id="get_village_list",
    summary="A village's published list (村/社区年度承诺清单)",
    url_name="api_village",
    openapi_extra=_http(
        "The published list.",
        not_found="No such village, or its list for the year is not published (未公示).",
    ),
)
def api_village(
    request,
    code: _path_code(VILLAGE_CODE, "520302001001"),
    year: Annotated[int, Path(**YEAR_RANGE)],
):
    village = open_data.find(Village.objects.with_tree(), code, 12)
    if village is None:
        return api_error(404, "No village with this code.")
    pledge_list = open_data.village_querysets(village, year)[0].first()
    if pledge_list is None:
        return api_error(404, "The list for this year is not published.")
    return cached_json(
        request,
        key=f"v:{code}:{year}",
        stamp=open_data.village_stamp(village, year),
        build=lambda: _checked(VillageList, open_data.village_data(village, year, pledge_list)),
        place=("village", code, year),
    )


# --- Errors ---------------------------------------------------------------------------------


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    """A parameter ninja refused: a path that names nothing (a code that is not its digits,
    a year no list can have) is 404, as any other address; a query (?year=) is 400."""
    if any(error["loc"][0] == "path" for error in exc.errors):
        return api_error(404, "Nothing at this address: see /api/v1/openapi.json.")
    return api_error(400, YEAR_ERROR)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return api_error(exc.status_code, str(exc))


def urlpatterns() -> list[URLPattern]:
    """The operations' routes for board/urls.py (under PREFIX), each behind `read_only`:
    ninja itself would answer another method with a 405 in plain text. ninja's root route
    (it only raises a 404 page) is left out: /api/v1/ is `not_found`'s."""
    patterns, _app_name, _namespace = api.urls
    return [
        URLPattern(pattern.pattern, read_only(pattern.callback), pattern.default_args, pattern.name)
        for pattern in patterns
        if pattern.name != "api-root"
    ]


@csrf_exempt
def not_found(request):
    """Any other address under /api/, with any method: 404 in JSON, as the API's own
    answers. A path without its final slash is sent to the one with it, as
    CommonMiddleware does everywhere else (this route leaves it nothing to resolve)."""
    if _slash_appended_resolves(request):
        return redirect(request.get_full_path(force_append_slash=True), permanent=True)
    return api_error(404, "Nothing at this address: see /api/v1/openapi.json.")


def _slash_appended_resolves(request) -> bool:
    path = request.path_info
    if not settings.APPEND_SLASH or path.endswith("/") or request.method not in READ_METHODS:
        return False
    try:
        return resolve(path + "/", getattr(request, "urlconf", None)).func is not not_found
    except Resolver404:
        return False
