"""The error pages show in production even when the static files manifest is missing
(collectstatic not run): base.html's {% static %} then raises, and so would every error page
that extends it."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from lib import errors

MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


@pytest.fixture
def no_manifest(settings, tmp_path):
    """Production's static storage, over a STATIC_ROOT where collectstatic never ran."""
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST_STORAGE}}


@pytest.fixture
def quiet_client(client):
    """The client answers as the server would (a 500 page) instead of raising."""
    client.raise_request_exception = False
    return client


@pytest.mark.django_db
def test_a_missing_page_is_a_404_page_without_the_manifest(no_manifest, quiet_client):
    response = quiet_client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


@pytest.mark.django_db
def test_a_failing_page_is_the_plain_500_page_without_the_manifest(no_manifest, quiet_client):
    # The login page extends base.html, whose {% static %} has no manifest entry.
    response = quiet_client.get(reverse("login"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "出错了" in page
    assert "/static/" not in page and "<style" not in page


@pytest.mark.django_db
def test_the_handlers_answer_without_the_manifest(no_manifest, rf: RequestFactory):
    request = rf.get("/somewhere/")
    assert errors.page_not_found(request, Http404()).status_code == 404
    denied = errors.permission_denied(request, PermissionDenied())
    assert denied.status_code == 403
    assert "无权访问" in denied.content.decode()


@pytest.mark.django_db
def test_with_the_static_files_the_404_page_keeps_the_site_frame(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page
    assert "css/site.css" in page and 'class="site-header"' in page
