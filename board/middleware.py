"""The early answer: the public board's pages and open data, served from the cache before the
rest of the middleware stack runs (Django's per-site cache pattern, with the board's stamps).

A visitor without a session (nearly every resident) asking with GET for a page another such
visitor was shown gets the stored answer with the headers the whole stack added to it then
(CSP, security headers, ETag, Vary, Content-Language), as long as the data stamp of its place
has not moved: a write to the place changes the stamp, and the next visitor goes down the
stack for a fresh page. Everything else (a session, another method, a host that is not
allowed, plain HTTP where HTTPS is required) goes down the stack as before.
"""

import hashlib
import threading
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.translation import get_language_from_request

from . import replica
from .pages import CITY_SORTS
from .responses import CACHE_SECONDS
from .stamps import NEAR, cached_stamp

# Headers that describe a body: a 304 leaves them out.
_BODY_HEADERS = {"content-type", "content-length"}


# Where the board answers: every other page goes down the stack without a look in the cache.
PATH_PREFIXES = ("/board/", "/api/")


def _key(request, language: str) -> str | None:
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    if settings.SECURE_SSL_REDIRECT and not request.is_secure():
        return None  # the security middleware redirects to HTTPS first
    year = sort = ""
    if request.META.get("QUERY_STRING"):
        query = request.GET
        if set(query) - {"year", "sort"} or any(len(query.getlist(n)) > 1 for n in query):
            return None  # only the board's own question: any other query would be a new copy
        year = query.get("year", "")
        # A city page's column to sort by (a handful of names, so a handful of copies)
        sort = query.get("sort", "")
        if sort and sort not in CITY_SORTS:
            return None
    try:
        host = request.get_host()  # checks ALLOWED_HOSTS, as the stack would
    except DisallowedHost:
        return None
    asked = f"{host}|{language}|{request.path}|{year}" + (f"|{sort}" if sort else "")
    return "board-early:" + hashlib.sha1(asked.encode()).hexdigest()


def _current(entry: dict | None) -> dict | None:
    """The entry if its place's stamp has not moved since it was kept."""
    if entry is not None and cached_stamp(*entry["place"]) == entry["stamp"]:
        return entry
    return None


def _answer(request, entry: dict) -> HttpResponse:
    headers = _headers(entry)
    if entry["etag"] in request.META.get("HTTP_IF_NONE_MATCH", ""):
        response, store = HttpResponseNotModified(), headers["not_modified"]
    else:
        response, store = HttpResponse(entry["body"], status=entry["status"]), headers["whole"]
    # The stored headers as Django keeps them (lower-case name -> (name, value)), checked and
    # encoded once when the answer was kept: setting them one by one again costs more than
    # the rest of the answer (14 of ~22 µs measured in-process).
    response.headers._store = dict(store)
    return response


def _headers(entry: dict) -> dict:
    """The entry's headers, whole and for a 304, made once per entry this process holds."""
    if "prepared" not in entry:
        whole = HttpResponse()
        for name, value in entry["headers"]:
            whole[name] = value
        store = whole.headers._store
        not_modified = {k: v for k, v in store.items() if k not in _BODY_HEADERS}
        entry["prepared"] = {"whole": store, "not_modified": not_modified}
    return entry["prepared"]


class NearAnswers:
    """The answers this process served last (at most BOARD_NEAR_ANSWERS, least recently
    served dropped first), so a warm answer needs no round trip to Redis either: each is
    still checked against its place's stamp, which the process keeps while Redis reports no
    change to it (stamps.NEAR). Off where the stamps are not tracked."""

    def __init__(self):
        self._answers = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> dict | None:
        with self._lock:
            entry = self._answers.get(key)
            if entry is not None:
                self._answers.move_to_end(key)
            return entry

    def keep(self, key: str, entry: dict) -> None:
        if not NEAR.tracking():
            return
        with self._lock:
            self._answers[key] = entry
            self._answers.move_to_end(key)
            while len(self._answers) > settings.BOARD_NEAR_ANSWERS:
                self._answers.popitem(last=False)


_NEAR_ANSWERS = NearAnswers()


class EarlyBoardAnswerMiddleware:
    """First in MIDDLEWARE: answer from the cache (0 queries), or keep what the stack made."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = language = None
        if request.method == "GET" and request.path.startswith(PATH_PREFIXES):
            language = get_language_from_request(request)
            key = _key(request, language)
        if key is not None:
            entry = _current(_NEAR_ANSWERS.get(key))
            if entry is None and (entry := _current(cache.get(key))) is not None:
                _NEAR_ANSWERS.keep(key, entry)  # another process made it: keep it here too
            if entry is not None:
                return _answer(request, entry)
        # A visitor's reads go to the read replica where they can (replica.py).
        visitor = request.method in ("GET", "HEAD") and request.path.startswith(PATH_PREFIXES)
        visitor = visitor and settings.SESSION_COOKIE_NAME not in request.COOKIES
        with replica.board_reads(active=visitor):
            response = self.get_response(request)
        if key is not None and getattr(request, "LANGUAGE_CODE", None) == language:
            self._keep(request, response, key)
        return response

    @staticmethod
    def _keep(request, response, key: str) -> None:
        marked = getattr(request, "board_early_answer", None)
        if marked is None or response.status_code != 200 or response.streaming:
            return
        if response.cookies:
            return  # a cookie is someone's own
        place, stamp = marked
        entry = {
            "place": place,
            "stamp": stamp,
            "etag": response.get("ETag", ""),
            "status": response.status_code,
            "headers": list(response.items()),
            "body": response.content,
        }
        cache.set(key, entry, timeout=CACHE_SECONDS)
        _NEAR_ANSWERS.keep(key, entry)
