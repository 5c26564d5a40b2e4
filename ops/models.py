"""Work kept in the database while the broker cannot take it (see ops.services.enqueue)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxTaskQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(sent__isnull=True).order_by("created", "pk")


class OutboxTask(models.Model):
    """One Celery task call that could not be queued when it was asked for (the broker was
    down); the sweeper (ops.tasks.send_outbox, `manage.py send_outbox`) queues it later."""

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    sent = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    objects = OutboxTaskQuerySet.as_manager()

    class Meta:
        ordering = ["created", "pk"]
        verbose_name = _("queued task")
        verbose_name_plural = _("queued tasks (outbox)")
        indexes = [
            models.Index(
                fields=["created"],
                condition=models.Q(sent__isnull=True),
                name="outboxtask_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)!r}"
