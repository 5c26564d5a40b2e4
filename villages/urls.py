from django.urls import path

from . import views

app_name = "villages"

urlpatterns = [
    path("districts/<str:code>/", views.district_detail, name="district_detail"),
    path("townships/<str:code>/", views.township_detail, name="township_detail"),
    path("villages/<str:code>/", views.village_detail, name="village_detail"),
]
