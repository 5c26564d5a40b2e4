"""Residents' suggestions: the public form and tracking by receipt code (no account); the
committee's inbox, answers and meetings; the township's backlog and standard replies."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit import ratelimits
from lib.forms import bound, status_for
from lib.year_nav import year_nav
from lib.years import year_or_404, year_param
from pledges.models import Category
from villages.access import get_township_for_user, get_village_for_user
from villages.models import Village

from . import pool, services
from .access import get_reply_template_for_user, get_suggestion_for_user
from .forms import (
    BulkAnswerForm,
    CandidateForm,
    HideForm,
    MeetingForm,
    PoolDecisionForm,
    PublicSuggestionForm,
    ReplyTemplateForm,
    SuggestionAnswerForm,
    SuggestionEntryForm,
    TrackForm,
)
from .models import Candidate, ReplyTemplate, Suggestion

# --- Residents, no account ---------------------------------------------------------------------

# Counted only when a suggestion is stored: per client address (a village office or a mobile
# network shares one), per browser and per phone or e-mail given; the rates are settings.
SUGGESTION_LIMITS = ratelimits.FormLimits(
    "suggestions.suggest",
    address="SUGGESTION_ADDRESS_RATE",
    browser="SUGGESTION_BROWSER_RATE",
    contact="SUGGESTION_CONTACT_RATE",
)
# Every well-formed receipt code looked up counts, found or not: codes cannot be guessed.
TRACK_LIMITS = ratelimits.FormLimits(
    "suggestions.track", address="TRACK_RATE", browser="TRACK_BROWSER_RATE"
)


@require_http_methods(["GET", "POST"])
@ratelimits.identify_browser
def suggest(request, code: str):
    """The public form: no account needed. A post over a limit is shown again with its text
    and when to send it (429); invalid posts are not counted."""
    village = get_object_or_404(Village.objects.with_tree(), code=code)
    form = PublicSuggestionForm(*bound(request), initial={"token": uuid.uuid4().hex})
    refused = None
    if form.is_valid() and form.is_robot:  # say thanks, store nothing
        return render(request, "suggestions/suggestion_thanks.html", {"village": village})
    if form.is_valid():
        refused = SUGGESTION_LIMITS.refusal(request, contacts=form.contacts())
    if form.is_valid() and refused is None:
        data = {k: form.cleaned_data[k] for k in ("text", "category", "name", "phone", "notify")}
        suggestion, created = services.suggestion_submit(
            village=village, client_token=form.cleaned_data["token"], **data
        )
        if created:  # a resent post (double tap) stores and counts nothing twice
            SUGGESTION_LIMITS.count(request, contacts=form.contacts())
        return redirect("suggestions:suggestion_thanks", code=suggestion.receipt_code)
    if refused is not None:
        form.add_error(None, refused.message)
    context = {"village": village, "form": form}
    return ratelimits.form_page(request, "suggestions/suggest.html", context, refused=refused)


@require_GET
def suggestion_thanks(request, code: str):
    suggestion = get_object_or_404(Suggestion.objects.with_village(), receipt_code=code)
    context = {"suggestion": suggestion, "village": suggestion.village}
    return render(request, "suggestions/suggestion_thanks.html", context)


@require_GET
@ratelimits.identify_browser
def track(request):
    """Look a suggestion up by its receipt code (typed in any case, with or without dash). A
    code that finds nothing, or a look-up over the limits, is said on the form, with the
    code still in it."""
    form = TrackForm(request.GET if "code" in request.GET else None)
    refused = TRACK_LIMITS.admit(request) if form.is_valid() else None
    if refused is not None:
        form.add_error(None, refused.message)
    elif form.is_valid():
        code = form.cleaned_data["code"]
        if Suggestion.objects.filter(receipt_code=code).exists():
            return redirect("suggestions:track_detail", code=code)
        form.add_error("code", _("No suggestion has this code; check the code on your receipt."))
    return ratelimits.form_page(request, "suggestions/track.html", {"form": form}, refused=refused)


@require_GET
@ratelimits.limit("TRACK_RATE", methods=("GET",))
def track_detail(request, code: str):
    suggestion = get_object_or_404(Suggestion.objects.with_village(), receipt_code=code)
    projects = suggestion.projects.select_related("pledge_list")
    context = {"suggestion": suggestion, "projects": projects}
    return render(request, "suggestions/track_detail.html", context)


# --- The village committee ----------------------------------------------------------------------


@login_required
@require_GET
def suggestion_inbox(request, code: str):
    """The committee's inbox: unanswered oldest first (overdue marked), then recent replies."""
    village = get_village_for_user(request, code, perm="suggestions.view_suggestion")
    suggestions = village.suggestions.visible_to(request.user)
    context = {
        "village": village,
        "unanswered": suggestions.unanswered().order_by("received", "pk"),
        "answered": suggestions.exclude(status__in=Suggestion.OPEN).order_by("-replied_at", "-pk")[
            :30
        ],
        "reply_days": settings.SUGGESTION_REPLY_DAYS,
        "can_record": request.user.has_perm("suggestions.record_suggestions", village),
        "can_answer": request.user.has_perm("suggestions.answer_suggestion", village),
    }
    return render(request, "suggestions/suggestion_inbox.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def suggestion_detail(request, pk: int):
    """Read a suggestion (private fields included) and answer it."""
    suggestion = get_suggestion_for_user(request, pk)
    can_answer = request.user.has_perm("suggestions.answer_suggestion", suggestion)
    if request.method == "POST" and not can_answer:
        raise PermissionDenied
    form = SuggestionAnswerForm(*bound(request), suggestion=suggestion)
    if form.is_valid():
        services.suggestion_answer(suggestion=suggestion, by=request.user, **form.cleaned_data)
        messages.success(request, _("Saved. The resident sees the reply with the receipt code."))
        return redirect(suggestion)
    context = {
        "suggestion": suggestion,
        "form": form,
        "hide_form": HideForm(),
        "can_answer": can_answer,
        "projects": suggestion.projects.select_related("pledge_list"),
        "history": suggestion.history.select_related("history_user")[:20],
    }
    return render(
        request, "suggestions/suggestion_detail.html", context, status=status_for(request)
    )


@login_required
@require_POST
def suggestion_hide(request, pk: int):
    suggestion = get_suggestion_for_user(request, pk, perm="suggestions.answer_suggestion")
    form = HideForm(request.POST)
    if form.is_valid():
        suggestion.hide(by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("The text is hidden from the public; it stays on record."))
    else:
        messages.error(request, _("Say why the text is hidden."))
    return redirect(suggestion)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request, code: str):
    """Record a meeting and type in the suggestions collected there, one per line."""
    village = get_village_for_user(request, code, perm="suggestions.record_suggestions")
    form = MeetingForm(*bound(request))
    if form.is_valid():
        data = dict(form.cleaned_data)
        texts, category = data.pop("suggestions"), data.pop("category")
        meeting = services.meeting_record(
            village=village, by=request.user, texts=texts, category=category, **data
        )
        count = meeting.suggestions.count()
        messages.success(
            request, _("Meeting recorded with %(count)s suggestions.") % {"count": count}
        )
        return redirect("suggestions:suggestion_inbox", code=village.code)
    context = {"village": village, "form": form}
    return render(request, "suggestions/meeting_form.html", context, status=status_for(request))


@login_required
@require_http_methods(["GET", "POST"])
def suggestion_new(request, code: str):
    """One suggestion received by visit, phone or a representative."""
    village = get_village_for_user(request, code, perm="suggestions.record_suggestions")
    form = SuggestionEntryForm(*bound(request))
    if form.is_valid():
        suggestion = services.suggestion_record(
            suggestion=form.save(commit=False), village=village, by=request.user
        )
        code_text = {"code": suggestion.receipt_code}
        messages.success(request, _("Recorded. Receipt code %(code)s.") % code_text)
        return redirect("suggestions:suggestion_inbox", code=village.code)
    context = {"village": village, "form": form, "single": True}
    return render(request, "suggestions/meeting_form.html", context, status=status_for(request))


@login_required
@require_http_methods(["GET", "POST"])
def bulk_answer(request, code: str):
    """Answer several open suggestions at once, starting from one of the township's standard
    replies (?template=<id> fills the reply in, no script needed)."""
    village = get_village_for_user(request, code, perm="suggestions.answer_suggestion")
    templates = list(village.township.reply_templates.all())
    chosen = next((t for t in templates if str(t.pk) == request.GET.get("template")), None)
    form = BulkAnswerForm(
        *bound(request),
        suggestions=village.suggestions.unanswered().order_by("received", "pk"),
        initial={"reply": chosen.text if chosen else ""},
    )
    if form.is_valid():
        count = services.suggestions_answer(by=request.user, **form.cleaned_data)
        text = ngettext("%(count)s suggestion answered.", "%(count)s suggestions answered.", count)
        messages.success(request, text % {"count": count})
        return redirect("suggestions:suggestion_inbox", code=code)
    context = {"village": village, "form": form, "templates": templates, "chosen": chosen}
    return render(request, "suggestions/bulk_answer.html", context, status=status_for(request))


# --- The township -------------------------------------------------------------------------------


@login_required
@require_GET
def township_suggestions(request, code: str):
    """Every village's backlog in the township, and the township's figures for the year."""
    township = get_township_for_user(request, code, perm="suggestions.view_suggestion_backlog")
    year = year_param(request)
    years = Suggestion.objects.in_township(township).values_list("year", flat=True).distinct()
    context = {
        "township": township,
        "year": year,
        "year_links": year_nav([(y, "") for y in years.order_by("year")], year),
        "villages": Suggestion.objects.villages_by_backlog(township),
        "figures": Suggestion.objects.figures(year=year, villages=township.villages.all()),
    }
    return render(request, "suggestions/township_suggestions.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def reply_templates(request, code: str):
    township = get_township_for_user(request, code, perm="suggestions.change_reply_templates")
    form = ReplyTemplateForm(*bound(request), instance=ReplyTemplate(township=township))
    if form.is_valid():
        form.save()
        messages.success(request, _("Standard reply saved."))
        return redirect("suggestions:reply_templates", code=code)
    context = {"township": township, "form": form, "templates": township.reply_templates.all()}
    return render(request, "suggestions/reply_templates.html", context, status=status_for(request))


@login_required
@require_http_methods(["GET", "POST"])
def reply_template_edit(request, pk: int):
    template = get_reply_template_for_user(request, pk)
    form = ReplyTemplateForm(*bound(request), instance=template)
    if form.is_valid():
        form.save()
        messages.success(request, _("Standard reply saved."))
        return redirect("suggestions:reply_templates", code=template.township.code)
    context = {"template": template, "form": form}
    return render(
        request, "suggestions/reply_template_edit.html", context, status=status_for(request)
    )


@login_required
@require_POST
def reply_template_delete(request, pk: int):
    template = get_reply_template_for_user(request, pk)
    template.delete()
    messages.success(request, _("Standard reply removed."))
    return redirect("suggestions:reply_templates", code=template.township.code)


# --- The candidate pool: from residents' voices to the list (民意征集 → 清单) --------------------


@login_required
@require_GET
def candidate_pool(request, code: str, year: int):
    """The committee's drafting page: the year's suggestions grouped by similarity, each
    group one step from a candidate; the pool with how many asked for each; choosing into
    the draft list or not this year. The township and district read it."""
    village = get_village_for_user(request, code, perm="suggestions.view_candidates")
    return _pool_page(request, village, year_or_404(year))


def _pool_page(request, village, year: int, form=None):
    may_change = request.user.has_perm("suggestions.change_candidates", village)
    context = pool.page(village, year, user=request.user, groups=may_change)
    context.update(
        {
            "form": form,
            "ticked": {str(pk) for pk in form["candidates"].value() or []} if form else set(),
            "may_change": may_change,
            "kinds": Candidate.Kind.choices,
            "categories": Category.choices,
        }
    )
    status = 400 if form is not None else 200
    return render(request, "suggestions/pool.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def candidate_new(request, code: str, year: int):
    """A candidate made from a group of suggestions (the pool page posts the group here), or
    by hand: from a meeting, or the committee's own."""
    village = get_village_for_user(request, code, perm="suggestions.change_candidates")
    year = year_or_404(year)
    form = CandidateForm(*bound(request), village=village, year=year)
    if form.is_valid():
        candidate = services.candidate_create(
            village=village, year=year, by=request.user, **form.cleaned_data
        )
        text = _("Candidate added to the pool: %(title)s.") % {"title": candidate.title}
        messages.success(request, text)
        return redirect("suggestions:candidate_pool", code=code, year=year)
    context = {"village": village, "year": year, "form": form, "linked": pool.linked(form)}
    return render(
        request, "suggestions/pool_candidate_form.html", context, status=status_for(request)
    )


@login_required
@require_POST
def pool_decide(request, code: str, year: int):
    """Ticked candidates chosen into the draft list (as projects and prohibitions, within the
    list's limits, their suggestions adopted and the authors told), or not this year with a
    reason. What cannot be done is said on the pool page, with the ticks kept."""
    village = get_village_for_user(request, code, perm="suggestions.change_candidates")
    year = year_or_404(year)
    in_pool = Candidate.objects.visible_to(request.user).of(village, year).in_pool()
    form = PoolDecisionForm(request.POST, candidates=in_pool)
    if form.is_valid():
        data = form.cleaned_data
        try:
            message = pool.decide(village=village, year=year, by=request.user, **data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, message)
            return redirect("suggestions:candidate_pool", code=code, year=year)
    return _pool_page(request, village, year, form)
