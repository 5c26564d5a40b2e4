"""Widgets: one cell → one value, or a ValueError that says what is expected."""

import calendar
import datetime
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import translation
from django.utils.translation import gettext as _
from import_export import widgets
from openpyxl.utils.datetime import from_excel

from pledges.models import Category

from .reading import cell_text, fold, half_width, is_blank


class TextWidget(widgets.Widget):
    def __init__(self, max_length: int | None = None):
        super().__init__()
        self.max_length = max_length

    def clean(self, value, row=None, **kwargs) -> str:
        text = cell_text(value)
        if self.max_length and len(text) > self.max_length:
            raise ValueError(
                _("at most %(count)s characters (this has %(have)s)")
                % {"count": self.max_length, "have": len(text)}
            )
        return text

    def render(self, value, obj=None, **kwargs):
        return value or ""


class NumberWidget(widgets.Widget):
    """The item's number in its list: 1, 2, … (from "1", 1.0, "１" or "第1项")."""

    def clean(self, value, row=None, **kwargs) -> int:
        text = half_width(value)
        if not text.isdigit() or int(text) < 1:
            raise ValueError(_("expected a whole number from 1 up"))
        return int(text)

    def render(self, value, obj=None, **kwargs):
        return value


class AmountWidget(widgets.Widget):
    """A quantity or budget: not negative, two decimal places; "1,923" and "30" are fine
    (the unit of "30盏" was split off when the file was read)."""

    LIMIT = Decimal("1e10")  # max_digits=12, decimal_places=2

    def clean(self, value, row=None, **kwargs) -> Decimal | None:
        text = half_width(value)
        if not text:
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("expected a number, such as 30 or 30盏")) from None
        if not amount.is_finite():
            raise ValueError(_("expected a number, such as 30 or 30盏"))
        if amount < 0:
            raise ValueError(_("must not be negative"))
        if amount >= self.LIMIT:
            raise ValueError(_("is too large"))
        return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


_FULL_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_MONTH = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?(底|末|初)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# Excel's day numbers for 2000-01-01 and 2100-12-31: a plain 5-digit number is one of them.
_SERIAL_RANGE = (36526, 73415)


class DateWidget(widgets.Widget):
    """A date cell, or 2025/6/30, 2025-06-30, 2025.6.30, 2025年6月30日, 20250630, an Excel
    date number, or a month alone (2025年6月: the first day, or the last for a finish)."""

    def __init__(self, month_end: bool = False):
        super().__init__()
        self.month_end = month_end

    def clean(self, value, row=None, **kwargs) -> datetime.date | None:
        if is_blank(value):
            return None
        try:
            date = self._parse(value)
        except (ValueError, OverflowError, TypeError):
            date = None
        if date is None or not 2000 <= date.year <= 2100:
            raise ValueError(
                _("expected a date such as 2025/6/30, 2025-06-30, 2025年6月 or an Excel date")
            )
        return date

    def _parse(self, value) -> datetime.date | None:
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = value if isinstance(value, str) else half_width(value)
        if re.fullmatch(r"\d{5}(\.0+)?", text):
            serial = int(float(text))
            return (
                from_excel(serial).date()
                if _SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]
                else None
            )
        match = _FULL_DATE.match(text) or _COMPACT_DATE.match(text)
        if match:
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
        match = _MONTH.match(text)
        if match:
            year, month = int(match[1]), int(match[2])
            at_end = match[3] in ("底", "末") or (self.month_end and match[3] != "初")
            day = calendar.monthrange(year, month)[1] if at_end else 1
            return datetime.date(year, month, day)
        return None

    def render(self, value, obj=None, **kwargs):
        return value or ""


class CategoryWidget(widgets.Widget):
    """A category by its label (Chinese or English) or its code; empty means "other"."""

    def _choices(self) -> dict:
        choices = {}
        for language in ("en", "zh-hans"):
            with translation.override(language):
                choices.update({fold(label): value for value, label in Category.choices})
        choices.update({fold(value): value for value in Category.values})
        choices[fold("其它")] = Category.OTHER
        return choices

    def clean(self, value, row=None, **kwargs) -> str:
        if is_blank(value):
            return Category.OTHER
        if not hasattr(self, "_cache"):
            self._cache = self._choices()
        category = self._cache.get(fold(value))
        if category is None:
            raise ValueError(
                _("expected one of: %(choices)s")
                % {"choices": "、".join(str(label) for label in Category.labels)}
            )
        return category

    def render(self, value, obj=None, **kwargs):
        return str(Category(value).label) if value else ""
