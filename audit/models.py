"""The security event log (MLPS 2.0 level 2: who did what, when, from where, kept at least
six months) and the password history the password policy needs."""

import datetime

from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from villages.models import Membership

# How the log shows an event's details: a label for each key, and words for the values of the
# keys that take a few known ones. Other keys and values are shown as they were recorded.
DETAIL_LABELS = {
    "what": _("data"),
    "model": _("data"),
    "via": _("through"),
    "member": _("account"),
    "role": _("role"),
    "place": _("place"),
    "year": _("year"),
    "file": _("file"),
    "rows": _("rows"),
    "new": _("new"),
    "changed": _("changed"),
    "personal": _("names and phones"),
    "reason": _("reason"),
    "method": _("request"),
}
DETAIL_VALUES = {
    "what": {
        "suggestions": _("suggestions"),
        "pledge lists": _("pledge lists"),
        "security events": _("security events"),
    },
    "via": {"page": _("the pages"), "admin": _("the admin")},
    "reason": {"idle": _("idle too long"), "lifetime": _("signed in too long")},
    "method": {"GET": _("opening a page"), "POST": _("sending a form")},
    "personal": {True: _("included"), False: _("not included")},
}


def _detail_value(key: str, value, detail: dict) -> str:
    if isinstance(value, str | int) and value in DETAIL_VALUES.get(key, {}):
        return str(DETAIL_VALUES[key][value])
    if key == "role" and value in Membership.Role.values:
        return str(Membership.Role(value).label)
    if key == "model":
        try:
            return str(apps.get_model(value)._meta.verbose_name_plural)
        except (LookupError, ValueError):
            return str(value)
    if key == "place" and detail.get("place_name"):
        return _("%(name)s (%(code)s)") % {"name": detail["place_name"], "code": value}
    return str(value)


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete a security event through the ORM."""


class SecurityEventQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A site administrator sees every event; a district administrator the events of
        accounts in their districts; everyone else none."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        district_ids = Membership.objects.scope_for(user).district_ids
        return self.filter(district_id__in=district_ids) if district_ids else self.none()

    def matching(self, *, kind: str = "", username: str = "", since=None, until=None):
        """The events page's filters; empty values filter nothing. `until` is inclusive."""
        queryset = self
        if kind:
            queryset = queryset.filter(kind=kind)
        if username:
            queryset = queryset.filter(username__icontains=username)
        if since:
            queryset = queryset.filter(created__date__gte=since)
        if until:
            queryset = queryset.filter(created__date__lte=until)
        return queryset

    def export_rows(self, limit: int) -> list[dict]:
        """The first `limit` events as rows of SecurityEvent.export_columns()."""
        return [event.export_row() for event in self[:limit]]

    def update(self, **kwargs):
        raise AppendOnlyError("Security events are never changed.")

    def delete(self):
        raise AppendOnlyError("Security events are removed only by `purge_security_events`.")

    def purge(self, *, days: int | None = None) -> int:
        """Remove events older than the retention period (SECURITY_EVENT_RETENTION_DAYS):
        the one way events leave the log."""
        days = settings.SECURITY_EVENT_RETENTION_DAYS if days is None else days
        cutoff = timezone.now() - datetime.timedelta(days=days)
        old = self.filter(created__lt=cutoff)
        deleted, _rows = models.QuerySet.delete(old)
        return deleted


class SecurityEvent(models.Model):
    """One security-relevant event. Append-only: saving an existing row or deleting one
    raises; only the retention purge removes old rows."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("log-in")
        LOGOUT = "logout", _("log-out")
        LOGIN_FAILED = "login_failed", _("failed log-in")
        LOCKOUT = "lockout", _("locked out")
        SESSION_EXPIRED = "session_expired", _("session expired")
        PASSWORD_CHANGED = "password_changed", _("password changed")
        OTP_FAILED = "otp_failed", _("wrong one-time code")
        OTP_ENROLLED = "otp_enrolled", _("authenticator app set up")
        REFUSED = "refused", _("permission refused")
        ROLE_GRANTED = "role_granted", _("role granted")
        ROLE_CHANGED = "role_changed", _("role changed")
        ROLE_REVOKED = "role_revoked", _("role removed")
        EXPORT = "export", _("export of personal data")
        IMPORT = "import", _("import")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    # No database constraint and nothing done on delete: the log outlives the accounts and
    # places it mentions, and a cascade would have to update it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    district = models.ForeignKey(
        "villages.District",
        models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("district"),
    )
    ip_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    path = models.CharField(_("path"), max_length=300, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    created = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    objects = SecurityEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        indexes = [
            models.Index(fields=["district", "-created"], name="securityevent_district_time"),
            models.Index(fields=["kind", "-created"], name="securityevent_kind_time"),
        ]

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.username}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Security events are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Security events are removed only by `purge_security_events`.")

    def detail_items(self) -> list[tuple[str, str]]:
        """(label, value) of each detail in the reader's language: the known keys in the
        order of DETAIL_LABELS, then the others by name (PostgreSQL keeps no key order). The
        place's name goes with its code."""
        order = {key: n for n, key in enumerate(DETAIL_LABELS)}
        keys = sorted(self.detail, key=lambda key: (order.get(key, len(order)), key))
        return [
            (str(DETAIL_LABELS.get(key, key)), _detail_value(key, self.detail[key], self.detail))
            for key in keys
            if key != "place_name"
        ]

    @property
    def detail_text(self) -> str:
        return " · ".join(
            _("%(label)s: %(value)s") % {"label": label, "value": value}
            for label, value in self.detail_items()
        )

    @staticmethod
    def export_columns() -> list[tuple[str, str]]:
        """(key of the row, header) of the export, headers in the request's language."""
        columns = [
            ("created", _("time")),
            ("kind", _("kind")),
            ("username", _("username")),
            ("ip_address", _("client address")),
            ("path", _("path")),
            ("user_agent", _("browser")),
            ("detail", _("detail")),
        ]
        return [(key, str(header)) for key, header in columns]

    def export_row(self) -> dict:
        return {
            "created": timezone.localtime(self.created).strftime("%Y-%m-%d %H:%M:%S"),
            "kind": self.get_kind_display(),
            "username": self.username,
            "ip_address": self.ip_address or "",
            "path": self.path,
            "user_agent": self.user_agent,
            "detail": self.detail_text,
        }


class PasswordHistory(models.Model):
    """The hash of each password a user has set, newest last: the policy refuses the last
    PASSWORD_HISTORY_COUNT again and dates the current one for PASSWORD_MAX_AGE_DAYS."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("user")
    )
    password = models.CharField(_("password hash"), max_length=128)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("password history entry")
        verbose_name_plural = _("password history")
        indexes = [models.Index(fields=["user", "-created"], name="passwordhistory_user_time")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created:%Y-%m-%d}"
