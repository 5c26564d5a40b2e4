"""Last month's notices for the demo district, delivered to the in-app inbox only, so the demo
`village` user has notices to read."""

from django.utils import timezone

from notices import services
from notices.models import Delivery, Notice, NoticeRun
from villages.models import District

DEMO_DISTRICT = "520302"


def seed(*, district: str, period: str) -> str:
    """Generates and delivers `period`'s notices township by township; returns the line to
    print. Does nothing when the district is missing or already has notices for `period`."""
    place = District.objects.filter(code=district).first()
    if place is None:
        return f"No district {district}; no notices seeded."
    if Notice.objects.filter(period=period, township__district=place).exists():
        return f"Notices for {period} are already there; nothing to do."
    written = 0
    for township in place.townships.order_by("code"):
        run = NoticeRun.objects.create(period=period, township=township)
        ids = services.notices_generate(run=run, township=township)
        # Only the inbox: a demo must not send e-mail or post to a robot, not even later.
        Delivery.objects.filter(notice_id__in=ids).exclude(channel=Delivery.Channel.INBOX).delete()
        services.deliver_inbox(notice_ids=ids)
        NoticeRun.objects.filter(pk=run.pk).update(completed_at=timezone.now())
        written += len(ids)
    return f"Notices for {period}: {written} villages of {place}."
