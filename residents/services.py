"""Writes of the residents' side, and the messages to followers. Each write runs in one
transaction; views call these. Messages are rows first (unique per follower and event), then
a task sends what is still pending: at least once from Celery, exactly once from the rows."""

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lib.photos import store_photo
from ops.services import enqueue
from pledges.models import Project

from . import sms
from .models import Challenge, Follow, Message, ViolationReport

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
# A message left "sending" this long was lost with its worker: send it again.
STALE_SENDING = datetime.timedelta(minutes=10)
# The sweeper leaves younger pending messages to the task queued with them, and waits twice
# as long again after each failed attempt (2, 4, 8... minutes): exponential backoff.
SWEEP_AFTER = datetime.timedelta(minutes=2)


# --- Following ---------------------------------------------------------------------------


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


@transaction.atomic
def follow(*, channel: str, address: str, village=None, suggestion=None) -> tuple[Follow, bool]:
    """Follow a village or a suggestion; following again changes nothing. A new follower
    gets a first message saying what they follow and how to stop, so someone who was signed
    up by another person can stop it at once."""
    target = {"village": village} if village is not None else {"suggestion": suggestion}
    found, created = Follow.objects.active().get_or_create(
        **target, address=address, defaults={"channel": channel}
    )
    if created:
        if village is not None:
            text = _("You now follow the pledge board of %(village)s.") % {"village": village.name}
            link = reverse("board:board_place", args=[village.code])
        else:
            text = _("You will be told when suggestion %(code)s is answered.") % {
                "code": suggestion.receipt_code
            }
            link = reverse("suggestions:track_detail", args=[suggestion.receipt_code])
        _queue(Follow.objects.filter(pk=found.pk), "welcome", text, link)
    return found, created


@transaction.atomic
def stop_following(follow_row: Follow) -> None:
    Follow.objects.filter(pk=follow_row.pk, stopped_at__isnull=True).update(
        stopped_at=timezone.now()
    )


@transaction.atomic
def follow_again(follow_row: Follow) -> bool:
    """Undo a stop (a link opened by mistake), unless the same address follows again anew."""
    if (
        Follow.objects.active()
        .filter(
            village=follow_row.village_id,
            suggestion=follow_row.suggestion_id,
            address=follow_row.address,
        )
        .exists()
    ):
        return False
    return bool(Follow.objects.filter(pk=follow_row.pk).update(stopped_at=None))


def project_verified(project: Project) -> int:
    """Tell the village's followers that a project was struck off as done."""
    village = project.pledge_list.village
    text = _("%(village)s: project %(number)s “%(title)s” is verified as done.") % {
        "village": village.name,
        "number": project.number,
        "title": project.title,
    }
    link = reverse("board:board_village", args=[village.code, project.pledge_list.year])
    return _queue(village.follows.active(), f"verified:{project.pk}", text, link)


def project_reopened(project: Project) -> int:
    village = project.pledge_list.village
    text = _(
        "%(village)s: project %(number)s “%(title)s” is back in progress after a "
        "resident's challenge."
    ) % {"village": village.name, "number": project.number, "title": project.title}
    link = reverse("board:board_village", args=[village.code, project.pledge_list.year])
    stamp = int(timezone.now().timestamp())
    return _queue(village.follows.active(), f"reopened:{project.pk}:{stamp}", text, link)


def review_published(village, year: int, event_id) -> int:
    text = _("%(village)s: the results of the %(year)s year-end review are published.") % {
        "village": village.name,
        "year": year,
    }
    link = reverse("board:board_village", args=[village.code, year])
    return _queue(village.follows.active(), f"review:{event_id}", text, link)


def suggestion_answered(suggestion) -> int:
    """Tell the suggestion's followers that it has a reply (once, however often it is
    edited afterwards)."""
    text = _("Suggestion %(code)s has a reply: %(reply)s") % {
        "code": suggestion.receipt_code,
        "reply": suggestion.reply[:60],
    }
    link = reverse("suggestions:track_detail", args=[suggestion.receipt_code])
    return _queue(suggestion.follows.active(), f"answered:{suggestion.pk}", text, link)


def _queue(follows, event: str, text: str, link: str) -> int:
    """One pending message per follower for the event (none twice), then a task to send
    them once the transaction commits. If the broker is down the call waits in the outbox and
    the rows for the sweeper."""
    rows = [
        Message(follow=row, event=event, body=_body(row, text, link))
        for row in follows.only("pk", "token")
    ]
    if not rows:
        return 0
    Message.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    ids = list(
        Message.objects.filter(
            event=event, follow__in=[r.follow for r in rows], status=Message.Status.PENDING
        ).values_list("pk", flat=True)
    )
    enqueue("residents.tasks.send_messages", ids)
    return len(ids)


def _body(follow_row: Follow, text: str, link: str) -> str:
    return _("[%(site)s] %(text)s See %(link)s Stop: %(stop)s") % {
        "site": settings.SMS_SIGNATURE,
        "text": text,
        "link": _site(link),
        "stop": follow_row.stop_url(),
    }


def send_pending(ids) -> int:
    """Send each message that is still pending (or failed, to retry it). A message is claimed
    with a conditional update first, so two workers never send the same one. A failure is
    recorded on the message (status, attempts, error) and never stops the others. Returns
    how many were sent."""
    sent = 0
    messages = Message.objects.filter(
        pk__in=ids,
        status__in=[Message.Status.PENDING, Message.Status.FAILED],
        attempts__lt=MAX_ATTEMPTS,
    ).select_related("follow")
    for message in messages:
        claimed = Message.objects.filter(pk=message.pk, status=message.status).update(
            status=Message.Status.SENDING, attempts=F("attempts") + 1, modified=timezone.now()
        )
        if not claimed:
            continue
        if message.follow.stopped_at is not None:
            _finish(message, Message.Status.FAILED, error="stopped following")
            continue
        try:
            _deliver(message)
        except Exception as error:
            logger.warning("Message %s failed: %s", message.pk, error)
            _finish(message, Message.Status.FAILED, error=str(error)[:500])
        else:
            _finish(message, Message.Status.SENT)
            sent += 1
    return sent


def _finish(message: Message, status: str, error: str = "") -> None:
    Message.objects.filter(pk=message.pk).update(
        status=status,
        last_error=error,
        sent_at=timezone.now() if status == Message.Status.SENT else None,
        modified=timezone.now(),
    )


def _deliver(message: Message) -> None:
    follow_row = message.follow
    if follow_row.channel == Follow.Channel.SMS:
        sms.send_sms(follow_row.address, message.body)
    else:
        send_mail(
            _("News from the pledge board"),
            message.body,
            None,
            [follow_row.address],
            fail_silently=False,
        )


def sweep() -> int:
    """Send what was left behind: messages stuck "sending" (their worker died) and pending or
    failed ones older than a couple of minutes (their task was lost or the broker was down)."""
    now = timezone.now()
    Message.objects.filter(status=Message.Status.SENDING, modified__lt=now - STALE_SENDING).update(
        status=Message.Status.PENDING, modified=now
    )
    due = Message.objects.filter(
        status__in=[Message.Status.PENDING, Message.Status.FAILED],
        attempts__lt=MAX_ATTEMPTS,
        modified__lt=now - SWEEP_AFTER,
    ).values_list("pk", "attempts", "modified")[:5000]
    ids = [pk for pk, attempts, modified in due if modified < now - SWEEP_AFTER * 2**attempts]
    return send_pending(ids)


# --- Challenges and reports --------------------------------------------------------------


def _post(model, *, text: str, contact: str, photo=None, **target):
    post = model(text=text, contact=contact, **target)
    if photo is not None:
        store_photo(post, photo)
    post.save()
    return post


@transaction.atomic
def challenge_submit(*, project: Project, text: str, contact: str = "", photo=None) -> Challenge:
    return _post(Challenge, project=project, text=text, contact=contact, photo=photo)


@transaction.atomic
def report_submit(*, prohibition, text: str, contact: str = "", photo=None) -> ViolationReport:
    return _post(ViolationReport, prohibition=prohibition, text=text, contact=contact, photo=photo)


@transaction.atomic
def challenge_rule(*, challenge: Challenge, uphold: bool, by, answer: str) -> int:
    """One ruling for every open challenge to the challenge's project, made on `challenge`:
    the others get the same decision and answer and point to it, so a project is never both
    upheld and dismissed. Upheld, the project goes back to in progress, visibly and in its
    history, with the answer as the reason, and the village's followers are told. Returns
    how many challenges were decided; 0 when someone else ruled first (the project row is
    locked, so two cadres ruling at once cannot both win)."""
    project = Project.objects.select_for_update().get(pk=challenge.project_id)
    together = challenge.open_together()
    if challenge.pk not in {c.pk for c in together} or not challenge.rule(
        uphold=uphold, by=by, answer=answer
    ):
        return 0
    decided = 1
    for other in together:
        if other.pk != challenge.pk:
            decided += other.rule(uphold=uphold, by=by, answer=answer, lead=challenge)
    if uphold:
        reason = _("A resident's challenge was upheld: %(answer)s") % {"answer": challenge.answer}
        if project.reopen(by=by, reason=reason):
            project_reopened(project)
    return decided


def ruling_figures(challenge: Challenge) -> dict:
    """What the ruling page shows and what a ruling on `challenge` would do, for the page
    that asks to confirm it: the open challenges it decides, the project and its status, the
    followers a reopening would text, the project's earlier rulings. Three queries."""
    project = challenge.project
    together = challenge.open_together()
    return {
        "together": together,
        "challenges": len(together),
        "project": project,
        "village": project.pledge_list.village,
        "followers": project.pledge_list.village.follows.active().count(),
        "rulings": Challenge.objects.rulings_for(project),
    }
