from django.urls import include, path

from . import views

app_name = "residents"

working = [
    path("townships/<str:code>/", views.township_inbox, name="township_inbox"),
    path("challenges/<int:pk>/", views.challenge_detail, name="challenge_detail"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
]

urlpatterns = [
    path("residents/", include(working)),
    path("board/<str:code>/follow/", views.follow_village, name="follow_village"),
    path(
        "board/<str:code>/<int:year>/projects/<int:number>/challenge/",
        views.challenge_new,
        name="challenge_new",
    ),
    path(
        "board/<str:code>/<int:year>/prohibitions/<int:number>/report/",
        views.report_new,
        name="report_new",
    ),
    path("follow/stop/<str:token>/", views.unfollow, name="unfollow"),
    path("help/statuses/", views.statuses, name="statuses"),
]
