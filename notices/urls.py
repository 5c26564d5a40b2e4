from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("notices/", views.inbox, name="inbox"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("notices/townships/<str:code>/", views.township_notices, name="township_notices"),
    path(
        "notices/townships/<str:code>/preview/<str:village_code>/",
        views.notice_preview,
        name="notice_preview",
    ),
    path("notices/townships/<str:code>/send/", views.send_now, name="send_now"),
    path(
        "notices/townships/<str:code>/settings/", views.township_settings, name="township_settings"
    ),
    path("notices/townships/<str:code>/failures/", views.failures, name="failures"),
    path("notices/townships/<str:code>/failures/resend/", views.resend_all, name="resend_all"),
    path("notices/deliveries/<int:pk>/resend/", views.resend, name="resend"),
    path("notices/villages/<str:code>/channels/", views.village_channels, name="village_channels"),
]
