"""What the event log hears: Django's log-in signals, django-axes' lockouts, role changes
(every save or delete of a villages.Membership, from the admin, a page or a command) and the
admin's Excel imports and exports (django-import-export's signals).

Connected in AuditConfig.ready. The session policy's decisions that need the database
(has the password expired, must this user enter a one-time code) are made here, once per
log-in, and kept in the session for the middleware.
"""

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from import_export.signals import post_export, post_import
from simple_history.models import HistoricalRecords

from villages.models import Membership

from .middleware import start_session
from .models import SecurityEvent
from .passwords import password_has_expired
from .services import record

Kind = SecurityEvent.Kind


def must_use_otp(user) -> bool:
    """OTP_FOR_DISTRICT_ADMINS: district administrators enter a one-time code at log-in."""
    return settings.OTP_FOR_DISTRICT_ADMINS and (
        Membership.objects.filter(user=user, role=Membership.Role.DISTRICT_ADMIN).exists()
    )


def logged_in(sender, request, user, **kwargs):
    record(request, Kind.LOGIN, user=user)
    if request is not None and hasattr(request, "session"):
        start_session(
            request, password_expired=password_has_expired(user), otp_required=must_use_otp(user)
        )


def logged_out(sender, request, user, **kwargs):
    if user is not None and not getattr(request, "_audit_expired", False):
        record(request, Kind.LOGOUT, user=user)


def login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username") or "")
    record(request, Kind.LOGIN_FAILED, username=username)


def locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    record(request, Kind.LOCKOUT, username=str(username or ""))


def _current_request():
    """The request being served, if any: django-simple-history's middleware keeps it."""
    return getattr(HistoricalRecords.context, "request", None)


def _membership_detail(membership: Membership) -> dict:
    place = membership.place
    return {
        "member": membership.user.get_username(),
        "role": membership.role,
        "place": place.code if place is not None else "",
    }


def _district_of(membership: Membership) -> int | None:
    if membership.district_id:
        return membership.district_id
    if membership.township_id:
        return membership.township.district_id
    if membership.village_id:
        return membership.village.township.district_id
    return None


def membership_saved(sender, instance, created, raw=False, **kwargs):
    if raw:  # loading a fixture
        return
    kind = Kind.ROLE_GRANTED if created else Kind.ROLE_CHANGED
    record(
        _current_request(),
        kind,
        district_id=_district_of(instance),
        **_membership_detail(instance),
    )


def membership_deleted(sender, instance, **kwargs):
    record(
        _current_request(),
        Kind.ROLE_REVOKED,
        district_id=_district_of(instance),
        **_membership_detail(instance),
    )


def admin_imported(sender, model, **kwargs):
    """django-import-export's admin confirmed an import."""
    record(_current_request(), Kind.IMPORT, model=model._meta.label, via="admin")


def admin_exported(sender, model, **kwargs):
    record(_current_request(), Kind.EXPORT, model=model._meta.label, via="admin")


def connect() -> None:
    user_logged_in.connect(logged_in, dispatch_uid="audit.logged_in")
    user_logged_out.connect(logged_out, dispatch_uid="audit.logged_out")
    user_login_failed.connect(login_failed, dispatch_uid="audit.login_failed")
    user_locked_out.connect(locked_out, dispatch_uid="audit.locked_out")
    post_save.connect(membership_saved, sender=Membership, dispatch_uid="audit.role_saved")
    post_delete.connect(membership_deleted, sender=Membership, dispatch_uid="audit.role_deleted")
    post_import.connect(admin_imported, dispatch_uid="audit.admin_imported")
    post_export.connect(admin_exported, dispatch_uid="audit.admin_exported")
