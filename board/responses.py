"""How board pages and the JSON API answer: from the data stamp (stamps.py), with an ETag and
304 Not Modified, and from the cache when the page for the current stamp is there.

Warm, the stamp and the page come in one round trip to the cache and the database is not
asked. The stamp changes with every write to what the page shows, so a cached page is never
stale. Visitors who are not logged in (nearly all) get the whole page from the cache: it
holds nothing per visitor (no form, no CSRF token). Logged-in users get the cached content
inside a freshly rendered frame with their own header.
"""

import hashlib
from functools import wraps

from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt

from . import stamps

CACHE_SECONDS = 24 * 3600
FRAME = "board/page.html"


def _etag(text: str) -> str:
    return '"' + hashlib.sha1(text.encode()).hexdigest()[:20] + '"'


def _has(request, etag: str) -> bool:
    return etag in request.headers.get("If-None-Match", "")


def cached_page(
    request, *, kind: str, code: str, year: int, template: str, context, part: str = ""
):
    """The board page of a place and year: 304 when the browser has it, else the cached
    page, else built now from `context()` (pages.py) and `template`. `part` names a page
    under the place's (a project's page, "project-3"): it shares the place's stamp."""
    name = f"{kind}:{code}:{year}{':' + part if part else ''}"
    page_key = f"board-page:{name}:{get_language()}"
    stamp, cached = stamps.stamp_and_cached(kind, code, year, page_key)
    if stamp is None:
        raise Http404
    etag = _etag(f"{name}:{get_language()}:{stamp}")
    if _has(request, etag):
        response = HttpResponseNotModified()
    elif request.user.is_authenticated:
        title, content = _content(etag, template, context)
        response = render(request, FRAME, {"content": content, "title": title})
    else:
        response = HttpResponse(_whole_page(request, etag, cached, page_key, template, context))
        keep_for_early_answer(request, (kind, code, year), stamp)
    response["ETag"] = etag
    patch_cache_control(response, no_cache=True)  # always revalidate: a 304 is cheap
    patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return response


def _whole_page(request, etag: str, cached, page_key: str, template: str, context) -> str:
    """`cached` is (etag, page): the page of the current stamp, or an older one to replace."""
    if cached is not None and cached[0] == etag:
        return cached[1]
    title, content = _content(etag, template, context)
    page = render_to_string(FRAME, {"content": content, "title": title}, request=request)
    cache.set(page_key, (etag, page), timeout=CACHE_SECONDS)
    return page


def _content(etag: str, template: str, context) -> tuple[str, str]:
    """The page's own part (title, HTML), from the cache or built now."""
    cached = cache.get(f"board:{etag}")
    if cached is None:
        data = context()
        cached = (data["title"], render_to_string(template, data))
        cache.set(f"board:{etag}", cached, timeout=CACHE_SECONDS)
    return cached


def api_json(data, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"  # public, read-only, no cookies needed
    return response


def api_error(status: int, message: str) -> JsonResponse:
    """Every error of the API, in JSON (the Error schema of api.py)."""
    return api_json({"error": message, "status": status}, status=status)


READ_METHODS = ("GET", "HEAD")


def read_only(view):
    """The open data answers GET and HEAD; any other method gets 405 with `Allow`, in JSON.
    Exempt from the CSRF check, which would otherwise answer a POST with its 403 page
    before the view: nothing here changes, so there is nothing to protect."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in READ_METHODS:
            response = api_error(405, "Only GET and HEAD: the data is read-only.")
            response["Allow"] = ", ".join(READ_METHODS)
            return response
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapper)


def cached_json(request, *, key: str, stamp: str, build, place: tuple | None = None):
    """As `cached_page`, for JSON: the ETag comes from the board's data stamp (and the
    language, which the labels are in), 304 when the client has it, else the cached data,
    else `build()`. `place` (kind, code, year) is what the stamp is of: the answer is then
    also kept for the early answer (middleware.py)."""
    language = get_language()
    etag = _etag(f"api:{key}|{stamp}|{language}")
    if _has(request, etag):
        response = HttpResponseNotModified()
        response["Access-Control-Allow-Origin"] = "*"
    else:
        cache_key = f"api:{key}:{language}:{etag}"
        data = cache.get(cache_key)
        if data is None:
            data = build()
            cache.set(cache_key, data, timeout=CACHE_SECONDS)
        response = api_json(data)
        if place is not None:
            keep_for_early_answer(request, place, stamp)
    response["ETag"] = etag
    patch_cache_control(response, no_cache=True)
    return response


def keep_for_early_answer(request, place: tuple, stamp: str) -> None:
    """Mark a whole answer that is the same for every visitor without a session: once the
    rest of the stack has added its headers, the first middleware keeps it with them, and
    answers the next visitor from the cache while the place's stamp stays `stamp`."""
    request.board_early_answer = (place, stamp)
