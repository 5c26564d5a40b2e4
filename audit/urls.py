from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("security/events/", views.events, name="events"),
    path("security/events.xlsx", views.events_export, name="events_export"),
    path("security/one-time-code/", views.otp, name="otp"),
]
