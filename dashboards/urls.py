from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("pledges/cities/<str:code>/", views.city_overview, name="city_overview"),
    path("pledges/districts/<str:code>/", views.district_overview, name="district_overview"),
    path("pledges/townships/<str:code>/", views.township_dashboard, name="township_dashboard"),
]
