"""Error pages that still show when what the site's pages need is broken: a static files
manifest missing in production (collectstatic not run), or the database a context processor
asks. The 404 and 403 pages have the site's frame when they can, the plain frame when they
cannot; 500.html is plain always (Django renders it without the request)."""

import logging

from django.http import HttpResponseForbidden, HttpResponseNotFound
from django.template import loader
from django.views import defaults

logger = logging.getLogger(__name__)

PLAIN = "plain.html"


def _plain(template: str) -> str:
    """The template in the plain frame: no {% static %}, no context processors."""
    return loader.render_to_string(template, {"layout": PLAIN})


def page_not_found(request, exception):
    try:
        return defaults.page_not_found(request, exception)
    except Exception:
        logger.exception("The 404 page failed; the plain one was shown instead")
        return HttpResponseNotFound(_plain("404.html"))


def permission_denied(request, exception):
    try:
        return defaults.permission_denied(request, exception)
    except Exception:
        logger.exception("The 403 page failed; the plain one was shown instead")
        return HttpResponseForbidden(_plain("403.html"))
