"""`{{ part|rate_of:whole }}`: a rate shown with what it is made of (lib.rates.Rate prints as
"80.0%（8/10）", "—" when nothing was counted), for templates given two counts."""

from django import template

from lib.rates import Rate

register = template.Library()


@register.filter
def rate_of(part, whole) -> Rate:
    """Counts missing (no summary yet) count as nothing."""
    return Rate(int(part or 0), int(whole or 0))
