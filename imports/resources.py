"""Excel in and out with django-import-export.

One ModelResource per importable model (`ProjectResource`, `ProhibitionResource`) with explicit
fields and the natural key (village code, year, number); `PledgeItemResource` reads the
template, where projects and prohibitions share one sheet, and hands each row to the right
one. The web page, the admin, `manage.py import_pledges` and the Celery task all import
through `PledgeItemResource.import_data`, so they accept the same files and give the same
errors.

Why it is fast (bench/import): the file's villages, lists and items are read in four queries
before the first row (`_Context`), rows are compared with what was loaded instead of with a
deep copy, and the writes are bulk inserts and updates with their history rows
(django-simple-history's bulk helpers: bulk writes send no signals). A dry run writes
nothing at all.

The files people really have (`normalise_rows`): a title row above the header, Traditional
characters in the headers, full-width digits, dates as 2025年6月, 2025/6/30 or an Excel date
number, "30盏" in the quantity cell, blank rows at the end.
"""

import logging
from collections import defaultdict

import tablib
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from pledges.models import DecisionMeeting, PledgeList, Prohibition, Project
from pledges.signals import written_in_bulk
from suggestions.models import Suggestion

from .context import _Context, _ContextLoader
from .reading import (
    COLUMNS,
    HEADER,
    KIND_LABELS,
    PROHIBITION,
    PROJECT,
    PROJECT_ONLY,
    ROW,
    STATUS_HEADER,
    is_blank,
    normalise_rows,
)
from .widgets import AmountWidget, CategoryWidget, DateWidget, NumberWidget, TextWidget

logger = logging.getLogger(__name__)

# --- One resource per model -------------------------------------------------------------------


def _history_reason() -> str:
    return _("Imported from Excel")


class WriteConflict(Exception):
    """The rows passed every check, but the database refused a write: most likely someone
    else added the same list or item at the same moment."""


def _write_error(error: Exception) -> Exception:
    if isinstance(error, IntegrityError):
        logger.warning("import write refused: %s", error)
        return WriteConflict(
            _(
                "These lists were changed by someone else during the import; nothing was "
                "imported. Upload the file again to see the changes."
            )
        )
    return error


class _ItemResource(resources.ModelResource):
    """What projects and prohibitions share: the natural key, bulk writes with history, the
    comparison with the loaded item (unchanged rows are skipped), the row's checks."""

    village_code = fields.Field(column_name=HEADER["village_code"], readonly=True)
    village_name = fields.Field(column_name=HEADER["village_name"], readonly=True)
    year = fields.Field(column_name=HEADER["year"], readonly=True)
    kind = fields.Field(column_name=HEADER["kind"], readonly=True)
    number = fields.Field(attribute="number", column_name=HEADER["number"], widget=NumberWidget())

    KIND = ""
    # Resource field name → model attribute, for the fields a row writes.
    WRITES: dict = {}

    def __init__(self, *, context: _Context | None = None, user=None, **kwargs):
        super().__init__(**kwargs)
        self.context = context
        self.user = user
        self.last_changes = None  # (field, before, after) of the last row, for the preview

    def get_queryset(self):
        return super().get_queryset().select_related("pledge_list__village")

    # Export
    def dehydrate_village_code(self, item) -> str:
        return item.pledge_list.village.code

    def dehydrate_village_name(self, item) -> str:
        return item.pledge_list.village.name

    def dehydrate_year(self, item) -> int:
        return item.pledge_list.year

    def dehydrate_kind(self, item) -> str:
        return KIND_LABELS[self.KIND]

    # Import
    def init_instance(self, row=None):
        key = self.context.keys.get(row[ROW])
        if key is None:  # the row is in error already; it is checked but never saved
            return self._meta.model()
        _kind, village, year, _number = key
        return self._meta.model(pledge_list=self.context.pledge_list_for(village, year))

    def after_init_instance(self, instance, new, row, **kwargs):
        if not new:
            instance._import_original = {
                attribute: getattr(instance, attribute) for attribute in self.WRITES.values()
            }

    def import_instance(self, instance, row, **kwargs):
        """Set the fields, collecting every cell's problem (not only the first) together
        with the whole-file checks of this row."""
        errors = {
            column: list(messages)
            for column, messages in self.context.errors.get(row[ROW], {}).items()
        }
        for name in self.WRITES:
            field = self.fields[name]
            if field.column_name in errors:
                continue
            try:
                field.save(instance, row, **kwargs)
            except ValueError as error:
                errors[field.column_name] = [self.context.problem(row, name, str(error))]
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """Unchanged when every written field equals what was loaded (Decimal("30") equals
        Decimal("30.00")); the changed ones are kept for the preview."""
        if import_validation_errors:
            return False
        before = getattr(instance, "_import_original", None)
        if before is None:
            instance._import_changed = list(self.WRITES)
            return False
        self.last_changes = [
            (name, before[attribute], getattr(instance, attribute))
            for name, attribute in self.WRITES.items()
            if getattr(instance, attribute) != before[attribute]
        ]
        instance._import_changed = [name for name, _before, _after in self.last_changes]
        return not self.last_changes

    def row_problems(self, instance, row) -> dict:
        """Checks of the whole row once its cells are read (see validate_instance)."""
        errors = {}
        if not getattr(instance, self.WRITES["title"]):
            errors["title"] = _("give the title of the project or prohibition")
        pledge_list = getattr(instance, "pledge_list", None)
        if pledge_list is not None and pledge_list.pk and not pledge_list.is_editable:
            changed = getattr(instance, "_import_changed", None) or ["title"]
            if pledge_list.is_public:
                problem = _(
                    "the %(village)s list for %(year)s is published: changes need a change "
                    "request (on the project's page)"
                )
            else:
                problem = _(
                    "the %(village)s list for %(year)s is %(status)s: it can no longer be "
                    "changed by import"
                )
            errors.setdefault(
                changed[0],
                problem
                % {
                    "village": pledge_list.village.name,
                    "year": pledge_list.year,
                    "status": pledge_list.get_status_display(),
                },
            )
        return errors

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if not errors:
            row = self._row
            for name, problem in self.row_problems(instance, row).items():
                errors.setdefault(HEADER[name], []).append(self.context.problem(row, name, problem))
        if errors:
            raise ValidationError(errors)

    def before_import_row(self, row, **kwargs):
        self._row = row

    # Bulk writes, with their history rows (bulk writes send no signals).
    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.create_instances and not dry_run:
            try:
                bulk_create_with_history(
                    self.create_instances,
                    self._meta.model,
                    batch_size=self._meta.batch_size,
                    default_user=self.user,
                    default_change_reason=_history_reason(),
                )
            except Exception as error:
                self.handle_import_error(result, _write_error(error), raise_errors)
        self.create_instances.clear()

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.update_instances and not dry_run:
            now = timezone.now()
            for instance in self.update_instances:
                instance.modified = now  # auto_now does not run in bulk_update
            try:
                bulk_update_with_history(
                    self.update_instances,
                    self._meta.model,
                    [*self.WRITES.values(), "modified"],
                    batch_size=self._meta.batch_size,
                    default_user=self.user,
                    default_change_reason=_history_reason(),
                )
            except Exception as error:
                self.handle_import_error(result, _write_error(error), raise_errors)
        self.update_instances.clear()

    class Meta:
        use_bulk = True
        batch_size = 1000
        skip_unchanged = True
        # We compare with the loaded values ourselves (skip_row): no deep copy per row.
        skip_diff = True
        instance_loader_class = _ContextLoader
        import_id_fields = ["village_code", "year", "kind", "number"]


class ProjectResource(_ItemResource):
    title = fields.Field(attribute="title", column_name=HEADER["title"], widget=TextWidget(100))
    category = fields.Field(
        attribute="category", column_name=HEADER["category"], widget=CategoryWidget()
    )
    lead_name = fields.Field(
        attribute="lead_name", column_name=HEADER["lead_name"], widget=TextWidget(30)
    )
    target_quantity = fields.Field(
        attribute="target_quantity", column_name=HEADER["target_quantity"], widget=AmountWidget()
    )
    unit = fields.Field(attribute="unit", column_name=HEADER["unit"], widget=TextWidget(10))
    budget = fields.Field(attribute="budget", column_name=HEADER["budget"], widget=AmountWidget())
    planned_start = fields.Field(
        attribute="planned_start", column_name=HEADER["planned_start"], widget=DateWidget()
    )
    planned_finish = fields.Field(
        attribute="planned_finish",
        column_name=HEADER["planned_finish"],
        widget=DateWidget(month_end=True),
    )
    description = fields.Field(
        attribute="description", column_name=HEADER["description"], widget=TextWidget()
    )

    KIND = PROJECT
    WRITES = {key: key for key, _header in COLUMNS[4:]}

    def row_problems(self, instance, row) -> dict:
        errors = super().row_problems(instance, row)
        if instance.target_quantity is not None and not instance.unit:
            errors.setdefault("unit", _("give the unit of the target quantity (盏, 米, 亩 …)"))
        start, finish = instance.planned_start, instance.planned_finish
        if start and finish and finish < start:
            errors.setdefault("planned_finish", _("the planned finish is before the planned start"))
        return errors

    class Meta(_ItemResource.Meta):
        model = Project
        fields = [key for key, _header in COLUMNS]


class ProhibitionResource(_ItemResource):
    title = fields.Field(attribute="text", column_name=HEADER["title"], widget=TextWidget(200))

    KIND = PROHIBITION
    WRITES = {"number": "number", "title": "text"}

    def import_instance(self, instance, row, **kwargs):
        for key in PROJECT_ONLY:
            if not is_blank(row.get(HEADER[key])):
                self.context.errors[row[ROW]].setdefault(HEADER[key], []).append(
                    self.context.problem(
                        row,
                        key,
                        _("a prohibition has no %(column)s; leave it empty")
                        % {"column": HEADER[key]},
                    )
                )
        super().import_instance(instance, row, **kwargs)

    class Meta(_ItemResource.Meta):
        model = Prohibition
        fields = ["village_code", "village_name", "year", "kind", "number", "title"]


# --- The template's rows: projects and prohibitions in one sheet -----------------------------


class PledgeItemResource(resources.Resource):
    """A row of the template is one project or prohibition of a village's list for a year;
    this reads the sheet and hands each row to `ProjectResource` or `ProhibitionResource`.

    Always all or nothing: one transaction, rolled back on any error, validation errors
    included. Arguments: `user` (recorded in history), `year` (see `_Context`), `places`
    (where the importer may write; None: everywhere), `on_progress(done, total)`."""

    village_code = fields.Field(column_name=HEADER["village_code"])
    village_name = fields.Field(column_name=HEADER["village_name"])
    year = fields.Field(column_name=HEADER["year"])
    kind = fields.Field(column_name=HEADER["kind"])
    number = fields.Field(column_name=HEADER["number"])
    title = fields.Field(column_name=HEADER["title"])
    category = fields.Field(column_name=HEADER["category"])
    lead_name = fields.Field(column_name=HEADER["lead_name"])
    target_quantity = fields.Field(column_name=HEADER["target_quantity"])
    unit = fields.Field(column_name=HEADER["unit"])
    budget = fields.Field(column_name=HEADER["budget"])
    planned_start = fields.Field(column_name=HEADER["planned_start"])
    planned_finish = fields.Field(column_name=HEADER["planned_finish"])
    description = fields.Field(column_name=HEADER["description"])

    PROGRESS_EVERY = 250

    class Meta:
        use_bulk = True  # the children collect the rows; they are written at the end
        instance_loader_class = _ContextLoader
        import_id_fields = ["village_code", "number"]

    def __init__(self, *, user=None, year=None, places=None, on_progress=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user if getattr(user, "pk", None) else None
        self.year = year
        self.places = places
        self.on_progress = on_progress
        self.context = None

    @classmethod
    def get_display_name(cls):
        return _("pledge lists (projects and prohibitions)")

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        return super().import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=True,
            collect_failed_rows=collect_failed_rows,
            rollback_on_validation_errors=True,
            **kwargs,
        )

    def before_import(self, dataset, **kwargs):
        if ROW not in (dataset.headers or []):
            # From the admin: a Dataset of the raw sheet, its first row taken as the header.
            normalised = normalise_rows([dataset.headers or [], *dataset])
            dataset.wipe()
            dataset.headers = normalised.headers
            for row in normalised:
                dataset.append(row)
        self.context = _Context(dataset, year=self.year, places=self.places)
        options = {"context": self.context, "user": self.user}
        self.children = {
            PROJECT: ProjectResource(**options),
            PROHIBITION: ProhibitionResource(**options),
        }
        self.loaders = {kind: _ContextLoader(child) for kind, child in self.children.items()}
        self.total = len(dataset)

    def import_row(self, row, instance_loader, **kwargs):
        kind = self.context.kind(row) or PROJECT
        child = self.children[kind]
        child.last_changes = None
        row_result = child.import_row(row, self.loaders[kind], **kwargs)
        row_result.kind = kind
        row_result.sheet_row = row[ROW]
        row_result.changes = child.last_changes
        key = self.context.keys.get(row[ROW])
        row_result.village_name = key[1].name if key else ""
        row_result.diff = [row.get(column) for _key, column in COLUMNS]  # for the admin's preview
        done = kwargs.get("row_number", 0)
        if self.on_progress and done % self.PROGRESS_EVERY == 0:
            self.on_progress(done, self.total)
        return row_result

    # The children wrote nothing yet: lists first, then the items, once every row passed.
    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if dry_run or result.has_validation_errors() or result.has_errors():
            for child in self.children.values():
                child.create_instances.clear()
            return
        try:
            self.context.save_new_lists(user=self.user, reason=_history_reason())
        except Exception as error:
            self.handle_import_error(result, _write_error(error), raise_errors)
            return
        for child in self.children.values():
            child.bulk_create(using_transactions, dry_run, raise_errors, result=result)

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        failed = dry_run or result.has_validation_errors() or result.has_errors()
        for child in self.children.values():
            if failed:
                child.update_instances.clear()
            else:
                child.bulk_update(using_transactions, dry_run, raise_errors, result=result)

    def bulk_delete(self, using_transactions, dry_run, raise_errors, result=None):
        pass  # an import never deletes

    def after_import(self, dataset, result, **kwargs):
        if self.on_progress:
            self.on_progress(self.total, self.total)
        failed = result.has_errors() or result.has_validation_errors()
        if not (kwargs.get("dry_run") or failed) and self.context.touched_village_ids:
            # Bulk writes send no model signals: say which villages' lists changed.
            village_ids = list(self.context.touched_village_ids)
            written_in_bulk.send(sender=PledgeList, village_ids=village_ids)

    # Export: the lists' projects, then their prohibitions, village by village.
    def export(self, queryset=None, **kwargs) -> tablib.Dataset:
        """`queryset`: PledgeLists. Two queries (projects, prohibitions), whatever the size."""
        lists = list(queryset.select_related("village").order_by("village__code", "year"))
        rows = defaultdict(list)
        for resource in (ProjectResource(), ProhibitionResource()):
            items = resource.get_queryset().filter(pledge_list__in=[pl.pk for pl in lists])
            headers = resource.get_export_headers()
            for item in items.order_by("number"):
                values = dict(zip(headers, resource.export_resource(item), strict=True))
                rows[item.pledge_list_id].append(
                    [values.get(header, "") for _key, header in COLUMNS]
                    + [item.pledge_list.get_status_display()]
                )
        dataset = tablib.Dataset(headers=[header for _key, header in COLUMNS] + [STATUS_HEADER])
        for pledge_list in lists:
            for row in rows[pledge_list.pk]:
                dataset.append(row)
        return dataset


# --- Export-only resources ------------------------------------------------------------------

DECISION_SHEET = "四议两公开"
DECISION_STEP_HEADERS = ["日期", "地点", "主持人", "应到", "实到", "结果"]


class DecisionRecordResource(resources.Resource):
    """The lists' 4+2 records, one row per list: each meeting's date, place, chair, members
    entitled and present and outcome, then the deciding meeting's kind and votes, and a note
    for a list imported without a record (无四议两公开记录（导入）)."""

    def headers(self) -> list[str]:
        steps = [
            f"{step.label}{header}"
            for step in DecisionMeeting.Step
            for header in DECISION_STEP_HEADERS
        ]
        tail = ["决议会议类型", "赞成", "反对", "弃权", "备注"]
        return [HEADER["village_code"], HEADER["village_name"], HEADER["year"], *steps, *tail]

    def export(self, queryset=None, **kwargs) -> tablib.Dataset:
        """`queryset`: PledgeLists. Two queries (lists with their records, meetings)."""
        lists = list(
            queryset.select_related("village", "decision").order_by("village__code", "year")
        )
        meetings = defaultdict(dict)
        for meeting in DecisionMeeting.objects.filter(
            record__pledge_list__in=[pl.pk for pl in lists]
        ).select_related("record"):
            meetings[meeting.record.pledge_list_id][meeting.step] = meeting
        dataset = tablib.Dataset(headers=self.headers())
        for pledge_list in lists:
            dataset.append(self._row(pledge_list, meetings[pledge_list.pk]))
        return dataset

    def _row(self, pledge_list, by_step: dict) -> list:
        row = [pledge_list.village.code, pledge_list.village.name, pledge_list.year]
        for step in DecisionMeeting.Step:
            meeting = by_step.get(step)
            row += (
                [
                    meeting.date,
                    meeting.place,
                    meeting.chaired_by,
                    meeting.entitled,
                    meeting.present,
                    meeting.outcome,
                ]
                if meeting
                else [""] * len(DECISION_STEP_HEADERS)
            )
        deciding = by_step.get(DecisionMeeting.Step.DECIDE)
        if deciding:
            row += [
                str(deciding.get_kind_display()),
                deciding.votes_for,
                deciding.votes_against,
                deciding.votes_abstain,
            ]
        else:
            row += [""] * 4
        record = getattr(pledge_list, "decision", None)
        imported = record is not None and record.imported_without_record and not by_step
        row.append("无四议两公开记录（导入）" if imported else "")
        return row


CANDIDATE_SHEET = "候选事项"


class CandidateResource(resources.Resource):
    """The candidate pool the lists were chosen from: one row per candidate, with how many
    residents asked for it, what it became on the list, or why it was not chosen. Its title
    column is not called 名称: the import would take this sheet for a second list."""

    HEADERS = [
        HEADER["village_code"],
        HEADER["village_name"],
        HEADER["year"],
        "类型",
        "候选事项",
        "类别",
        "来源",
        "提出人数",
        "状态",
        "列入清单序号",
        "未列入原因",
    ]

    def export(self, queryset=None, **kwargs) -> tablib.Dataset:
        """`queryset`: `Candidate.objects.for_export(...)`. One query."""
        dataset = tablib.Dataset(headers=self.HEADERS)
        for candidate in queryset:
            item = candidate.chosen_as
            dataset.append(
                [
                    candidate.village.code,
                    candidate.village.name,
                    candidate.year,
                    str(candidate.get_kind_display()),
                    candidate.title,
                    str(candidate.get_category_display()),
                    str(candidate.get_source_display()),
                    candidate.asked_count,
                    str(candidate.get_status_display()),
                    item.number if item else "",
                    candidate.reason,
                ]
            )
        return dataset


class ProgressResource(resources.ModelResource):
    """Where every project stands: for meetings and the monthly report (一月一汇报)."""

    village_code = fields.Field(column_name="村(社区)代码")
    village_name = fields.Field(column_name="村(社区)名称")
    year = fields.Field(column_name="年度")
    number = fields.Field(attribute="number", column_name="序号")
    title = fields.Field(attribute="title", column_name="名称")
    category = fields.Field(attribute="category", column_name="类别", widget=CategoryWidget())
    lead_name = fields.Field(attribute="lead_name", column_name="领办人")
    status = fields.Field(column_name="状态")
    percent_done = fields.Field(attribute="percent_done", column_name="完成百分比")
    target_quantity = fields.Field(
        attribute="target_quantity", column_name="目标数量", widget=AmountWidget()
    )
    quantity_done = fields.Field(
        attribute="quantity_done", column_name="已完成数量", widget=AmountWidget()
    )
    unit = fields.Field(attribute="unit", column_name="单位")
    planned_finish = fields.Field(
        attribute="planned_finish", column_name="计划完成", widget=DateWidget()
    )
    is_overdue = fields.Field(column_name="逾期")
    verified_at = fields.Field(column_name="验收销号时间")

    class Meta:
        model = Project
        fields = [
            "village_code",
            "village_name",
            "year",
            "number",
            "title",
            "category",
            "lead_name",
            "status",
            "percent_done",
            "target_quantity",
            "quantity_done",
            "unit",
            "planned_finish",
            "is_overdue",
            "verified_at",
        ]

    def dehydrate_village_code(self, project) -> str:
        return project.pledge_list.village.code

    def dehydrate_village_name(self, project) -> str:
        return project.pledge_list.village.name

    def dehydrate_year(self, project) -> int:
        return project.pledge_list.year

    def dehydrate_status(self, project) -> str:
        return str(project.get_status_display())

    def dehydrate_is_overdue(self, project) -> str:
        return _("yes") if project.is_overdue else ""

    def dehydrate_verified_at(self, project):
        return timezone.localtime(project.verified_at).date() if project.verified_at else ""


class SuggestionResource(resources.ModelResource):
    """Residents' suggestions. Name and phone only with `private=True` (the village's
    committee and its township); otherwise the columns are left out."""

    village_code = fields.Field(column_name="村(社区)代码")
    village_name = fields.Field(column_name="村(社区)名称")
    receipt_code = fields.Field(attribute="receipt_code", column_name="回执码")
    received = fields.Field(attribute="received", column_name="收到日期", widget=DateWidget())
    channel = fields.Field(column_name="渠道")
    category = fields.Field(attribute="category", column_name="类别", widget=CategoryWidget())
    text = fields.Field(column_name="内容")
    name = fields.Field(attribute="name", column_name="姓名")
    phone = fields.Field(attribute="phone", column_name="电话")
    status = fields.Field(column_name="状态")
    reply = fields.Field(attribute="reply", column_name="答复")
    replied_at = fields.Field(column_name="答复时间")

    PRIVATE = ("name", "phone")

    class Meta:
        model = Suggestion
        fields = [
            "village_code",
            "village_name",
            "receipt_code",
            "received",
            "channel",
            "category",
            "text",
            "name",
            "phone",
            "status",
            "reply",
            "replied_at",
        ]

    def __init__(self, *, private: bool = False, **kwargs):
        super().__init__(**kwargs)
        if not private:
            for name in self.PRIVATE:
                del self.fields[name]

    def get_export_order(self):
        return tuple(name for name in super().get_export_order() if name in self.fields)

    def dehydrate_village_code(self, suggestion) -> str:
        return suggestion.village.code

    def dehydrate_village_name(self, suggestion) -> str:
        return suggestion.village.name

    def dehydrate_channel(self, suggestion) -> str:
        return str(suggestion.get_channel_display())

    def dehydrate_status(self, suggestion) -> str:
        return str(suggestion.get_status_display())

    def dehydrate_text(self, suggestion) -> str:
        # Hidden from the public for a reason; the export says so rather than repeat it.
        return _("(hidden)") if suggestion.is_hidden else suggestion.text

    def dehydrate_replied_at(self, suggestion):
        return timezone.localtime(suggestion.replied_at).date() if suggestion.replied_at else ""
