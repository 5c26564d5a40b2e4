from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from audit import views as audit_views
from board import views as board_views
from dashboards import views as dashboard_views
from imports import views as import_views
from ops import views as ops_views
from pledges import views as pledge_views
from residents import views as resident_views

admin.site.site_header = _("Livelihood pledges administration")
admin.site.site_title = _("Livelihood pledges")

urlpatterns = [
    # First: the public board is the hottest path, and URL resolution walks this list.
    path("", include("board.urls")),
    path("", include("dashboards.urls")),
    path("", include("pledges.urls")),
    path("", include("suggestions.urls")),
    path("", include("imports.urls")),
    path("", include("residents.urls")),
    path("", include("reviews.urls")),
    path("", include("notices.urls")),
    path("", dashboard_views.home, name="home"),
    path("healthz/", ops_views.healthz, name="healthz"),
    path("healthz/live/", ops_views.live, name="healthz_live"),
    path("accounts/login/", audit_views.login, name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", audit_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("language/<str:code>/", board_views.switch_language, name="switch_language"),
    path("", include("audit.urls")),
    path("admin/", admin.site.urls),
    path("", include("villages.urls")),
]

# Uploads, in DEBUG and production alike: each through the view of the app whose models name
# the file (by the prefix of its upload_to), which checks who may see it (ops/media.py).
# MEDIA_URL is "media/" (Django reads it as "/media/" once the settings are loaded).
MEDIA = settings.MEDIA_URL.lstrip("/")
urlpatterns += [
    path(
        f"{MEDIA}progress/<path:name>",
        pledge_views.progress_photo_file,
        name="progress_photo_file",
    ),
    path(
        f"{MEDIA}minutes/<path:name>",
        pledge_views.minutes_file,
        name="minutes_file",
    ),
    path(
        f"{MEDIA}residents/<path:name>",
        resident_views.photo_file,
        name="resident_photo_file",
    ),
    path(f"{MEDIA}imports/<path:name>", import_views.import_file, name="import_file"),
]

# The 404 and 403 pages fall back to a plain frame when base.html cannot be rendered (a
# missing static files manifest, the database down); 500.html is plain always.
handler404 = "lib.errors.page_not_found"
handler403 = "lib.errors.permission_denied"
