"""Uploaded files, answered once the owning app's view has decided the user may see them.

Each app whose models hold uploads has one view (`media/<its upload_to prefix>/...`) that finds
the row naming the file, asks its permission, and returns `file_response(name)`. In production
(`MEDIA_ACCEL_REDIRECT=True`) the answer is an empty response whose `X-Accel-Redirect` header
tells nginx to send the file from an `internal;` location (deploy/nginx/pledges.conf): the
bytes never pass through gunicorn, and nginx serves nothing from MEDIA_ROOT on its own. Without
it (a laptop, the tests) Django streams the file itself.
"""

import mimetypes
import os
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404, HttpResponse
from django.utils._os import safe_join


def file_response(name: str, *, public: bool = False) -> HttpResponse:
    """The stored file `name` (relative to MEDIA_ROOT). A name that leaves MEDIA_ROOT is
    refused with 404 whatever the caller checked. `public`: anyone may see it, so shared
    caches may keep it; otherwise only the browser that asked."""
    try:
        path = safe_join(settings.MEDIA_ROOT, name)
    except SuspiciousFileOperation as error:
        raise Http404 from error
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if settings.MEDIA_ACCEL_REDIRECT:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_PREFIX + quote(name)
    else:
        if not os.path.isfile(path):
            raise Http404
        response = FileResponse(open(path, "rb"), content_type=content_type)  # noqa: SIM115
    # Stored names never change (a new upload gets a new name), so a day is safe.
    response["Cache-Control"] = f"{'public' if public else 'private'}, max-age=86400"
    return response
