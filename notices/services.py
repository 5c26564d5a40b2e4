"""Writing and sending notices. Views, tasks and commands call these.

The path of a month's notices: `notice_run_monthly` (the schedule) or `notice_run_create`
(a township's "send now", the command) records a NoticeRun → `notice_run_continue` queues one
batch per township that still has villages without a notice → `notices_generate_and_deliver`
writes the township's notices in a fixed number of queries, then delivers the in-app and
e-mail channels at once and queues the robots. Every step is safe to run twice: the unique
key on (village, period, kind) refuses a second notice, and a delivery is sent only while it
is pending and claimed by the one attempt (see `DeliveryQuerySet.claim`). `notices_sweep`
(every few minutes) picks up what a lost task, a killed worker or a broker outage left.
"""

import datetime
import json
import logging
import smtplib
import socket

from django.conf import settings
from django.core.cache import cache
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_celery_beat.models import PeriodicTask

from ops.services import enqueue, is_eager
from villages.models import Township, Village

from .channels import DeliveryError, RateLimited, email_message, post_robot
from .content import drafts_for_township
from .context_processors import badge_key
from .models import (
    Delivery,
    Notice,
    NoticeRun,
    TownshipNoticeSettings,
    VillageNoticeSettings,
    period_of,
    split_addresses,
)
from .workdays import next_working_day

logger = logging.getLogger(__name__)

MONTHLY = Notice.Kind.MONTHLY
FIRE_TASK = "notices.tasks.fire_monthly_notices"


def _forget_badges(village_ids) -> None:
    keys = [badge_key(village_id) for village_id in village_ids]
    transaction.on_commit(lambda: _delete_keys(keys))


def _delete_keys(keys) -> None:
    try:
        cache.delete_many(keys)
    except Exception:  # a cache outage must not fail a delivery; the badge expires anyway
        logger.warning("could not forget unread badges", exc_info=True)


# --- Runs ---


@transaction.atomic
def notice_run_create(
    *,
    period: str,
    township: Township | None = None,
    village=None,
    by=None,
    due_at: datetime.datetime | None = None,
) -> NoticeRun:
    """Ask for the notices of a month: every village, a township's, or one village's. A
    run due now is queued at once; a later one is started by the sweeper when due."""
    if village is not None:
        township = village.township
    run = NoticeRun.objects.create(
        period=period,
        kind=MONTHLY,
        township=township,
        village=village,
        requested_by=by,
        due_at=due_at or timezone.now(),
    )
    run.queue_error = None
    if run.due_at <= timezone.now():

        def failed(error):
            run.queue_error = error

        enqueue("notices.tasks.continue_notice_run", run.pk, on_kept=failed)
    return run


def notice_run_monthly(
    *, now: datetime.datetime | None = None, move_to_working_day: bool | None = None
) -> NoticeRun:
    """What the monthly schedule fires: this month's notices to every village. On a weekend
    or public holiday, with the option on, they are due on the next working day at the
    same time of day."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if move_to_working_day is None:
        move_to_working_day = settings.NOTICE_MOVE_TO_WORKING_DAY
    due_at = now
    if move_to_working_day:
        day = next_working_day(local.date())
        if day != local.date():
            due_at = timezone.make_aware(datetime.datetime.combine(day, local.time()))
    return notice_run_create(period=period_of(local.date()), due_at=due_at)


def notice_run_continue(*, run: NoticeRun) -> int:
    """Queue a batch for every township that still has villages without the run's notice;
    mark the run completed when none is left. Returns the number of batches queued."""
    township_ids = list(
        run.villages_without_notice()
        .order_by("township_id")
        .values_list("township_id", flat=True)
        .distinct()
    )
    if not township_ids:
        NoticeRun.objects.filter(pk=run.pk, completed_at__isnull=True).update(
            completed_at=timezone.now()
        )
        return 0
    run.touch()
    for township_id in township_ids:
        enqueue("notices.tasks.generate_township_notices", run.pk, township_id)
    return len(township_ids)


# --- Writing notices ---


def notices_generate(*, run: NoticeRun, township: Township) -> list[int]:
    """Write the run's missing notices in one township, with a pending delivery for each of
    their channels. Returns the ids of the notices written now.

    Thirteen queries whatever the number of villages (see drafts_for_township for seven of
    them). Two workers on the same batch cannot both write: the unique key refuses the
    second notice and the second delivery of a channel.
    """
    wanted = run.villages().filter(township=township)
    existing = set(
        Notice.objects.filter(village__in=wanted, period=run.period, kind=run.kind).values_list(
            "village_id", flat=True
        )
    )
    missing = [pk for pk in wanted.values_list("pk", flat=True) if pk not in existing]
    if not missing:
        return []
    drafts = drafts_for_township(township, run.period, village_ids=missing)
    with transaction.atomic():
        Notice.objects.bulk_create(
            [
                Notice(
                    township=township,
                    village=draft.village,
                    period=run.period,
                    kind=run.kind,
                    body=draft.body,
                    figures=draft.figures,
                )
                for draft in drafts
            ],
            ignore_conflicts=True,
        )
        written = dict(
            Notice.objects.filter(
                village_id__in=missing, period=run.period, kind=run.kind
            ).values_list("village_id", "pk")
        )
        Delivery.objects.bulk_create(
            [
                Delivery(notice_id=written[draft.village.pk], channel=channel, target=target)
                for draft in drafts
                if draft.village.pk in written
                for channel, target in draft.channels
            ],
            ignore_conflicts=True,
        )
        run.touch()
    return list(written.values())


def notices_to_send(*, township: Township, period: str) -> dict:
    """What "send now to all villages" would do, for the page that asks to confirm it: the
    township's villages, and how many of them get the month's notice now (the others have
    it already and get nothing twice). One query."""
    has_notice = Exists(Notice.objects.filter(village=OuterRef("pk"), period=period, kind=MONTHLY))
    figures = Village.objects.filter(township=township).aggregate(
        villages=Count("id"), to_send=Count("id", filter=~has_notice)
    )
    return {**figures, "already": figures["villages"] - figures["to_send"]}


def notices_preview(*, township: Township, village, period: str):
    """The notice a village would get for the month, not saved."""
    drafts = drafts_for_township(township, period, village_ids=[village.pk])
    return drafts[0] if drafts else None


# --- Delivering ---


def notices_generate_and_deliver(*, run: NoticeRun, township: Township) -> dict:
    """A township's batch: write its notices, deliver the inbox and e-mail channels now (one
    mail connection for the batch), queue the group robots."""
    notice_ids = notices_generate(run=run, township=township)
    return deliver_batch(notice_ids=notice_ids, township_id=township.pk)


def deliver_batch(*, notice_ids: list[int], township_id: int) -> dict:
    """Deliver the pending channels of these notices: five queries, plus one per e-mail."""
    counts = {"inbox": 0, "email": 0, "failed": 0, "robots": 0}
    if not notice_ids:
        return counts
    batch = Delivery.objects.filter(notice_id__in=notice_ids)
    counts["inbox"] = _deliver_inbox(batch)

    claimed = batch.filter(channel=Delivery.Channel.EMAIL).claim()
    connection = get_connection(timeout=settings.NOTICE_EMAIL_TIMEOUT)
    server_down = None  # a mail server that cannot be reached is not tried for every message
    try:
        for delivery in claimed:
            try:
                if server_down is not None:
                    raise server_down
                _send_email(delivery, connection)
            except DeliveryError as error:
                counts["failed"] += 1
                _record_failure(delivery, error)
                if isinstance(error.__cause__, MAIL_SERVER_DOWN):
                    server_down = error
            else:
                # One by one: a worker killed mid-batch re-sends only the message in flight.
                counts["email"] += _mark_sent(
                    Delivery.objects.filter(pk=delivery.pk, claim=delivery.claim)
                )
    finally:
        try:
            connection.close()
        except Exception:  # closing a broken SMTP session must not hide what was sent
            logger.warning("closing the mail connection failed", exc_info=True)

    robots = list(
        batch.filter(channel=Delivery.Channel.ROBOT, status=Delivery.Status.PENDING)
        .values_list("pk", "target", "notice__period", "notice__kind")
        .order_by()
    )
    summaries = set()
    for pk, target, period, kind in robots:
        if target == Delivery.TOWNSHIP_ROBOT:
            summaries.add((township_id, period, kind))
        else:
            enqueue("notices.tasks.deliver_notice", pk)
    for summary in summaries:
        enqueue("notices.tasks.deliver_township_robot", *summary)
    counts["robots"] = len(robots)
    return counts


def deliver_inbox(*, notice_ids: list[int]) -> int:
    return _deliver_inbox(Delivery.objects.filter(notice_id__in=notice_ids))


def _deliver_inbox(deliveries) -> int:
    """The in-app inbox is the database itself: one UPDATE makes the notices visible."""
    inbox = deliveries.filter(channel=Delivery.Channel.INBOX, status=Delivery.Status.PENDING)
    village_ids = list(inbox.values_list("notice__village_id", flat=True).order_by())
    sent = _mark_sent(inbox)
    _forget_badges(village_ids)
    return sent


def _mark_sent(deliveries) -> int:
    return deliveries.update(
        status=Delivery.Status.SENT,
        delivered_at=timezone.now(),
        attempts=F("attempts") + 1,
        last_error="",
        claim=None,
        claimed_until=None,
    )


def _send_email(delivery: Delivery, connection) -> None:
    addresses = split_addresses(delivery.target)
    if not addresses:
        raise DeliveryError(_("No e-mail address."))
    message = email_message(delivery.notice, addresses)
    message.connection = connection
    try:
        message.send()
    except Exception as error:  # SMTP errors, refused connections, timeouts
        raise DeliveryError(f"{type(error).__name__}: {error}") from error


MAIL_SERVER_DOWN = (
    smtplib.SMTPConnectError,
    smtplib.SMTPServerDisconnected,
    ConnectionError,
    TimeoutError,
    socket.gaierror,
)


def _backoff(attempts: int) -> float:
    return settings.NOTICE_RETRY_BASE_SECONDS * 2 ** (attempts - 1)


def _record_failure(delivery: Delivery, error: DeliveryError) -> float | None:
    """Count the attempt and keep the error; failed for good after NOTICE_MAX_ATTEMPTS,
    else queue the next attempt with exponential backoff. A robot's rate limit is no
    failure: the attempt is not counted. Returns the countdown, None when given up."""
    attempts = delivery.attempts
    if isinstance(error, RateLimited):
        countdown = error.retry_after
    else:
        attempts += 1
        countdown = None if attempts >= settings.NOTICE_MAX_ATTEMPTS else _backoff(attempts)
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk, claim=delivery.claim).update(
        status=Delivery.Status.FAILED if countdown is None else Delivery.Status.PENDING,
        attempts=attempts,
        last_error=str(error)[:1000],
        next_attempt_at=now + datetime.timedelta(seconds=countdown or 0),
        claim=None,
        claimed_until=None,
    )
    logger.info("delivery %s failed (attempt %s): %s", delivery.pk, attempts, error)
    if countdown is not None and not is_eager():
        # Eager mode has no timer to wait with: the sweeper or a resend picks it up.
        enqueue("notices.tasks.deliver_notice", delivery.pk, countdown=countdown)
    return countdown


def delivery_attempt(*, delivery_id: int) -> str:
    """One attempt at one pending delivery (a robot, or a retry of any channel)."""
    claimed = Delivery.objects.filter(pk=delivery_id).claim()
    if not claimed:
        return "not pending"
    delivery = claimed[0]
    notice = delivery.notice
    if delivery.is_township_robot:
        Delivery.objects.filter(pk=delivery.pk).update(claim=None, claimed_until=None)
        enqueue(
            "notices.tasks.deliver_township_robot", notice.township_id, notice.period, notice.kind
        )
        return "summary queued"
    try:
        if delivery.channel == Delivery.Channel.EMAIL:
            _send_email(delivery, get_connection(timeout=settings.NOTICE_EMAIL_TIMEOUT))
        elif delivery.channel == Delivery.Channel.ROBOT:
            robot = VillageNoticeSettings.for_village(notice.village)
            post_robot(robot, notice.body)
    except DeliveryError as error:
        _record_failure(delivery, error)
        return "failed"
    _mark_sent(Delivery.objects.filter(pk=delivery.pk, claim=delivery.claim))
    if delivery.channel == Delivery.Channel.INBOX:
        _forget_badges([notice.village_id])
    return "sent"


def township_robot_send(*, township_id: int, period: str, kind: str = MONTHLY) -> str:
    """One summary message to the township's group robot for every village that shares it
    (one message instead of one per village keeps within the robot's rate limit)."""
    claimed = Delivery.objects.filter(
        notice__township_id=township_id,
        notice__period=period,
        notice__kind=kind,
        channel=Delivery.Channel.ROBOT,
        target=Delivery.TOWNSHIP_ROBOT,
    ).claim()
    if not claimed:
        return "not pending"
    robot = TownshipNoticeSettings.objects.filter(township_id=township_id).first()
    try:
        if robot is None or not robot.has_robot:
            raise DeliveryError(_("The township has no group robot set up."))
        post_robot(robot, robot_summary([delivery.notice for delivery in claimed]))
    except DeliveryError as error:
        for delivery in claimed:
            _record_failure(delivery, error)
        return "failed"
    _mark_sent(Delivery.objects.filter(claim=claimed[0].claim))
    return "sent"


def robot_summary(notices: list[Notice]) -> str:
    """The township group's message: one line per village with its main figures."""
    notices = sorted(notices, key=lambda notice: notice.village.code)
    first = notices[0]
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            _("%(township)s: the %(period)s notices have gone to %(count)s villages.")
            % {"township": first.township.name, "period": first.period, "count": len(notices)}
        ]
        for notice in notices:
            figures = notice.figures or {}
            lines.append(
                _(
                    "%(village)s: %(overdue)s overdue, %(awaiting)s waiting for verification, "
                    "%(suggestions)s suggestions waiting for a reply"
                )
                % {
                    "village": notice.village.name,
                    "overdue": figures.get("overdue", 0),
                    "awaiting": figures.get("awaiting", 0),
                    "suggestions": figures.get("suggestions", 0),
                }
            )
        lines.append(_("Each village committee finds its notice in its inbox."))
    return "\n".join(lines)


def notice_mark_read(*, notice: Notice, by) -> bool:
    """The first committee member to open it marks it read for the village."""
    if not notice.mark_read(by=by):
        return False
    _forget_badges([notice.village_id])
    return True


@transaction.atomic
def delivery_resend(*, delivery: Delivery, by=None) -> bool:
    """A failed delivery goes back to pending with a fresh set of attempts."""
    updated = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.FAILED).update(
        status=Delivery.Status.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        claim=None,
        claimed_until=None,
    )
    if updated:
        enqueue("notices.tasks.deliver_notice", delivery.pk)
    return bool(updated)


@transaction.atomic
def deliveries_resend_failed(*, township: Township, by=None) -> int:
    ids = list(Delivery.objects.failed_for_township(township).values_list("pk", flat=True)[:1000])
    Delivery.objects.filter(pk__in=ids, status=Delivery.Status.FAILED).update(
        status=Delivery.Status.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        claim=None,
        claimed_until=None,
    )
    for pk in ids:
        enqueue("notices.tasks.deliver_notice", pk)
    return len(ids)


# --- Sweeping ---


def notices_sweep(
    *, now: datetime.datetime | None = None, stale: datetime.timedelta | None = None
) -> dict:
    """Finish what was left: the monthly run of a schedule that fired while the broker was
    down, runs that stopped moving (a lost task, a killed worker), and pending deliveries
    whose next attempt is overdue. Runs every few minutes; safe to run any time."""
    now = now or timezone.now()
    if stale is None:
        stale = datetime.timedelta(seconds=settings.NOTICE_STALE_SECONDS)
    result = {"monthly": _monthly_backstop(now, stale), "batches": 0, "deliveries": 0}
    for run in NoticeRun.objects.to_sweep(now, stale):
        result["batches"] += notice_run_continue(run=run)
    ids = list(
        Delivery.objects.stale(now, stale)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[: settings.NOTICE_SWEEP_LIMIT]
    )
    # Not picked again before `stale` has passed once more.
    Delivery.objects.filter(pk__in=ids).update(next_attempt_at=now)
    for pk in ids:
        enqueue("notices.tasks.deliver_notice", pk)
    result["deliveries"] = len(ids)
    return result


def _monthly_backstop(now: datetime.datetime, stale: datetime.timedelta) -> bool:
    """Beat records that the monthly schedule fired (PeriodicTask.last_run_at) even when it
    could not hand the task to a broker that was down; such a month gets its run here."""
    task = (
        PeriodicTask.objects.filter(task=FIRE_TASK, enabled=True, last_run_at__isnull=False)
        .order_by("-last_run_at")
        .first()
    )
    if task is None or task.last_run_at > now - stale:
        return False
    fired = timezone.localtime(task.last_run_at)
    period = period_of(fired.date())
    if period != period_of(timezone.localtime(now).date()):
        return False
    if NoticeRun.objects.filter(
        period=period, kind=MONTHLY, township__isnull=True, village__isnull=True
    ).exists():
        return False
    try:
        kwargs = json.loads(task.kwargs or "{}")
    except ValueError:
        kwargs = {}
    logger.warning("the monthly notices of %s never arrived from beat: starting them", period)
    notice_run_monthly(now=fired, move_to_working_day=kwargs.get("move_to_working_day"))
    return True
