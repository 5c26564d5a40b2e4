"""deploy/ agrees with the app: the environment example names every setting the app reads, and
the nginx site's limits and locations match the app's (`make prod-check` runs them together)."""

import re
from pathlib import Path

from django.conf import settings

from lib.photos import PHOTO_MAX_BYTES, PHOTO_MAX_COUNT

ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY = ROOT / "deploy"
SITE = (DEPLOY / "nginx" / "pledges.conf").read_text()


def _read_by_settings() -> set[str]:
    """Every variable config/settings.py reads: env("X"), env.int("X", ...) and the like."""
    text = (ROOT / "config" / "settings.py").read_text()
    return set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", text))


def _in_example() -> set[str]:
    """The variables deploy/env.example sets or shows (commented: `# NAME=default`)."""
    text = (DEPLOY / "env.example").read_text()
    return set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def _megabytes(directive: str) -> int:
    return int(re.search(rf"^\s*{directive} (\d+)m;", SITE, flags=re.MULTILINE).group(1))


def test_the_environment_example_lists_every_setting_the_app_reads():
    read = _read_by_settings()
    assert len(read) > 50  # the pattern still finds them
    assert read - _in_example() == set(), "add these to deploy/env.example"
    assert _in_example() - read == set(), "deploy/env.example names settings nobody reads"


def test_nginx_accepts_the_largest_upload_the_app_accepts():
    largest = max(PHOTO_MAX_COUNT * PHOTO_MAX_BYTES, settings.PLEDGE_IMPORT_MAX_BYTES)
    assert _megabytes("client_max_body_size") * 1024 * 1024 > largest


def test_the_internal_location_is_where_the_app_redirects():
    assert f"location {settings.MEDIA_ACCEL_PREFIX} {{\n        internal;" in SITE


def test_nginx_overwrites_the_client_address_headers_the_app_trusts():
    example = (DEPLOY / "env.example").read_text()
    assert re.search(r"^RATELIMIT_IP_META_KEY=HTTP_X_REAL_IP$", example, flags=re.MULTILINE)
    assert "proxy_set_header X-Real-IP $remote_addr;" in SITE
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in SITE
    assert "$proxy_add_x_forwarded_for" not in SITE  # would keep what the client sent
