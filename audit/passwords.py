"""The password policy (MLPS 2.0 level 2 by default): at least 8 characters of at least three
of four kinds, changed every PASSWORD_MAX_AGE_DAYS, none of the last PASSWORD_HISTORY_COUNT
again. Django password validators (AUTH_PASSWORD_VALIDATORS), every number from settings."""

import datetime

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import PasswordHistory


def _kinds(password: str) -> int:
    """How many of lower-case, capital, digit and anything else the password uses."""
    return sum(
        (
            any(ch.islower() for ch in password),
            any(ch.isupper() for ch in password),
            any(ch.isdigit() for ch in password),
            any(not (ch.islower() or ch.isupper() or ch.isdigit()) for ch in password),
        )
    )


class ComplexityValidator:
    """Length and kinds of character. Replaces Django's MinimumLengthValidator."""

    def __init__(self, min_length: int | None = None, min_kinds: int | None = None):
        self.min_length = min_length or settings.PASSWORD_MIN_LENGTH
        self.min_kinds = min_kinds or settings.PASSWORD_MIN_KINDS

    def validate(self, password: str, user=None) -> None:
        errors = []
        if len(password) < self.min_length:
            errors.append(
                ValidationError(
                    ngettext(
                        "This password is too short: use at least %(min_length)d character.",
                        "This password is too short: use at least %(min_length)d characters.",
                        self.min_length,
                    ),
                    code="password_too_short",
                    params={"min_length": self.min_length},
                )
            )
        if _kinds(password) < self.min_kinds:
            errors.append(
                ValidationError(
                    _(
                        "Use at least %(count)d of these four kinds of character: lower-case "
                        "letters, capital letters, digits and symbols."
                    ),
                    code="password_too_simple",
                    params={"count": self.min_kinds},
                )
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return _(
            "At least %(min_length)d characters, with at least %(count)d of these four kinds: "
            "lower-case letters, capital letters, digits and symbols."
        ) % {"min_length": self.min_length, "count": self.min_kinds}


class HistoryValidator:
    """Refuses the current password and the ones before it, back to the last `count`; keeps
    the history when a password is set (Django calls `password_changed` from User.save)."""

    def __init__(self, count: int | None = None):
        self.count = settings.PASSWORD_HISTORY_COUNT if count is None else count

    def _recent_hashes(self, user) -> list[str]:
        if user is None or not user.pk or self.count <= 0:
            return []
        hashes = list(
            PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[
                : self.count
            ]
        )
        if user.password and user.password not in hashes:
            hashes.insert(0, user.password)  # set before the history was kept
        return hashes[: self.count]

    def validate(self, password: str, user=None) -> None:
        for encoded in self._recent_hashes(user):
            if check_password(password, encoded):
                raise ValidationError(
                    ngettext(
                        "This password was used recently: choose one different from your "
                        "last password.",
                        "This password was used recently: choose one different from your "
                        "last %(count)d passwords.",
                        self.count,
                    ),
                    code="password_reused",
                    params={"count": self.count},
                )

    def password_changed(self, password: str, user=None) -> None:
        if user is None or not user.pk:
            return
        PasswordHistory.objects.create(user=user, password=user.password)
        keep = max(self.count, 1)  # the newest one dates the current password
        old = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[keep:]
        PasswordHistory.objects.filter(pk__in=list(old)).delete()

    def get_help_text(self) -> str:
        return ngettext(
            "It must differ from your last password.",
            "It must differ from your last %(count)d passwords.",
            self.count,
        ) % {"count": self.count}


def password_set_at(user) -> datetime.datetime:
    """When the current password was set: the newest history entry, or when the account
    was made (passwords set before the history was kept)."""
    latest = (
        PasswordHistory.objects.filter(user=user, password=user.password)
        .values_list("created", flat=True)
        .first()
    )
    return latest or user.date_joined


def password_has_expired(user) -> bool:
    days = settings.PASSWORD_MAX_AGE_DAYS
    if not days or not user.has_usable_password():
        return False
    return timezone.now() - password_set_at(user) > datetime.timedelta(days=days)
