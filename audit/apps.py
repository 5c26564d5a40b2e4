from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Security")

    def ready(self):
        from . import signals

        signals.connect()
        name_security_packages()


def name_security_packages() -> None:
    """Chinese names in the admin for the security packages' apps, which have none to
    translate: django-axes' app (its models' names come from our catalogue) and django-otp's
    TOTP app and model, whose names are plain English strings. Only the names shown change
    (migrations read a model's declared Meta, not these)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    apps.get_app_config("axes").verbose_name = _("Log-in attempts and lockouts")
    apps.get_app_config("otp_totp").verbose_name = _("One-time codes")
    TOTPDevice._meta.verbose_name = _("authenticator app")
    TOTPDevice._meta.verbose_name_plural = _("authenticator apps")
