"""What residents hear from the apps below: a project verified, a suggestion sent with a
contact to be told of its reply, a suggestion answered. Each receiver calls one service."""

from pledges.signals import project_verified
from suggestions.signals import suggestion_answered, suggestion_submitted

from . import services


def _project_verified(sender, project, **kwargs):
    services.project_verified(project)


def _suggestion_submitted(sender, suggestion, notify=None, **kwargs):
    if notify:
        channel, address = notify
        services.follow(channel=channel, address=address, suggestion=suggestion)


def _suggestion_answered(sender, suggestion, **kwargs):
    services.suggestion_answered(suggestion)


def connect() -> None:
    project_verified.connect(_project_verified, dispatch_uid="residents.project_verified")
    suggestion_submitted.connect(_suggestion_submitted, dispatch_uid="residents.submitted")
    suggestion_answered.connect(_suggestion_answered, dispatch_uid="residents.answered")
