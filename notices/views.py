from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lib.forms import bound, status_for
from villages.access import get_for_user, get_township_for_user, get_village_for_user
from villages.models import Membership, Village

from . import services
from .content import PLACEHOLDERS
from .forms import SendForm, TownshipNoticeSettingsForm, VillageNoticeSettingsForm
from .models import (
    Delivery,
    Notice,
    TownshipNoticeSettings,
    VillageNoticeSettings,
    period_of,
    validate_period,
)

TEMPLATE_HELP = gettext_lazy(
    "Django template language: {{ placeholder }}, the if and for tags, and "
    'filters such as |length or |date:"Y-m-d". Nothing else is reachable.'
)


def _period(request) -> str:
    """?period=YYYY-MM, or this month when it is missing or malformed."""
    period = request.GET.get("period", "")
    try:
        validate_period(period)
    except ValidationError:
        return period_of(timezone.localdate())
    return period


def _township(request, code: str, perm: str = "notices.view_township_notices"):
    return get_township_for_user(request, code, perm=perm)


def get_notice_for_user(request, pk: int, perm: str = "notices.view_notice") -> Notice:
    return get_for_user(request, Notice.objects.select_related("village__township"), perm, pk=pk)


@login_required
@require_GET
def inbox(request):
    """The village committee's notices, newest first (for all of the user's villages)."""
    village_ids = Membership.objects.scope_for(request.user).committee_village_ids
    if not village_ids:
        raise PermissionDenied
    notices = (
        Notice.objects.for_villages(village_ids)
        .in_inbox()
        .select_related("village", "township")
        .order_by("-created", "-pk")
    )
    page = Paginator(notices, 30).get_page(request.GET.get("page"))
    return render(request, "notices/inbox.html", {"page": page})


@login_required
@require_GET
def notice_detail(request, pk: int):
    """Opening a notice marks it read for its village (when a committee member opens it)."""
    notice = get_notice_for_user(request, pk)
    if not notice.is_read and request.user.has_perm("notices.read_notice", notice):
        services.notice_mark_read(notice=notice, by=request.user)
    can_see_deliveries = request.user.has_perm(
        "notices.view_township_notices", notice.village.township
    )
    return render(
        request,
        "notices/notice_detail.html",
        {
            "notice": notice,
            "deliveries": notice.deliveries.all() if can_see_deliveries else None,
        },
    )


@login_required
@require_GET
def township_notices(request, code: str):
    """The township's month: every village with its notice and how each channel fared."""
    township = _township(request, code)
    period = _period(request)
    notices = {
        notice.village_id: notice
        for notice in Notice.objects.filter(township=township, period=period).prefetch_related(
            "deliveries"
        )
    }
    rows = [(village, notices.get(village.pk)) for village in township.villages.all()]
    return render(
        request,
        "notices/township_notices.html",
        {
            "township": township,
            "period": period,
            "rows": rows,
            "sent_count": len(notices),
            "failed_count": Delivery.objects.failed_for_township(township).count(),
            "can_send": request.user.has_perm("notices.send_notices", township),
            "send_form": SendForm(initial={"period": period}),
        },
    )


@login_required
@require_GET
def notice_preview(request, code: str, village_code: str):
    township = _township(request, code)
    village = get_object_or_404(Village, code=village_code, township=township)
    period = _period(request)
    draft = services.notices_preview(township=township, village=village, period=period)
    return render(
        request,
        "notices/notice_preview.html",
        {
            "township": township,
            "village": village,
            "period": period,
            "draft": draft,
            "channel_labels": [
                Delivery.Channel(channel).label for channel, _target in draft.channels
            ],
            "can_send": request.user.has_perm("notices.send_notices", township),
        },
    )


def _say_sending(request, run, period: str) -> None:
    """A queue that is down delays the notices; the saved run sends them when it is back."""
    if run.queue_error is not None:
        messages.warning(
            request,
            _(
                "The queue is not available right now. The request is saved and the notices "
                "will go out automatically when it is back."
            ),
        )
    else:
        messages.success(
            request,
            _(
                "Sending the %(period)s notices. Villages that already have theirs get "
                "nothing twice."
            )
            % {"period": period},
        )


@login_required
@require_POST
def send_now(request, code: str):
    """Send the month's notice now to one village (?village=code) or, after a page that
    says to how many villages and for which month, to all of the township's villages. A
    village that already has it gets nothing twice."""
    township = _township(request, code, perm="notices.send_notices")
    form = SendForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("period", []):
            messages.error(request, error)
        return redirect("notices:township_notices", code=code)
    period, village_code = form.cleaned_data["period"], form.cleaned_data["village"]
    village = None
    if village_code:
        village = get_object_or_404(Village, code=village_code, township=township)
    elif not form.cleaned_data["confirmed"]:
        figures = services.notices_to_send(township=township, period=period)
        context = {"township": township, "period": period, **figures}
        return render(request, "notices/send_confirm.html", context)
    run = services.notice_run_create(
        period=period, township=township, village=village, by=request.user
    )
    _say_sending(request, run, period)
    return redirect(f"{reverse('notices:township_notices', args=[code])}?period={period}")


@login_required
@require_http_methods(["GET", "POST"])
def township_settings(request, code: str):
    """The township's message and notice template, and its group robot."""
    township = _township(request, code)
    instance = TownshipNoticeSettings.for_township(township)
    can_change = request.user.has_perm("notices.change_notice_settings", township)
    if request.method == "POST" and not can_change:
        raise PermissionDenied
    form = TownshipNoticeSettingsForm(*bound(request), instance=instance)
    if form.is_valid():
        form.instance.modified_by = request.user
        form.save()
        messages.success(request, _("Saved. The next notices use it."))
        return redirect("notices:township_notices", code=code)
    context = {"township": township, "form": form, "can_change": can_change}
    context.update(placeholders=PLACEHOLDERS, template_help=TEMPLATE_HELP)
    return render(request, "notices/township_settings.html", context, status=status_for(request))


@login_required
@require_http_methods(["GET", "POST"])
def village_channels(request, code: str):
    """Where a village's notices go: chosen by its township."""
    village = get_village_for_user(request, code, perm="notices.view_township_notices")
    can_change = request.user.has_perm("notices.change_notice_settings", village)
    if request.method == "POST" and not can_change:
        raise PermissionDenied
    form = VillageNoticeSettingsForm(
        *bound(request), instance=VillageNoticeSettings.for_village(village)
    )
    if form.is_valid():
        form.instance.modified_by = request.user
        form.save()
        messages.success(
            request, _("Saved: %(village)s's notices go there from now on.") % {"village": village}
        )
        return redirect("notices:township_notices", code=village.township.code)
    context = {"village": village, "form": form, "can_change": can_change}
    return render(request, "notices/village_channels.html", context, status=status_for(request))


@login_required
@require_GET
def failures(request, code: str):
    """Deliveries that failed for good, with the last error: the township resends them."""
    township = _township(request, code)
    return render(
        request,
        "notices/failures.html",
        {
            "township": township,
            "deliveries": Delivery.objects.failed_for_township(township)[:200],
            "can_send": request.user.has_perm("notices.send_notices", township),
        },
    )


@login_required
@require_POST
def resend(request, pk: int):
    delivery = get_object_or_404(
        Delivery.objects.select_related("notice__village__township"), pk=pk
    )
    township = delivery.notice.village.township
    if not request.user.has_perm("notices.send_notices", township):
        raise PermissionDenied
    if services.delivery_resend(delivery=delivery, by=request.user):
        messages.success(request, _("Sending again."))
    else:
        messages.info(request, _("This delivery is no longer failed."))
    return redirect("notices:failures", code=township.code)


@login_required
@require_POST
def resend_all(request, code: str):
    township = _township(request, code, perm="notices.send_notices")
    count = services.deliveries_resend_failed(township=township, by=request.user)
    messages.success(request, _("Sending %(count)s deliveries again.") % {"count": count})
    return redirect("notices:failures", code=code)
