from django.urls import path

from . import views

app_name = "pledges"

urlpatterns = [
    path("pledges/districts/<str:code>/open-year/", views.open_year, name="open_year"),
    path("pledges/open-year/<int:pk>/", views.open_year_job, name="open_year_job"),
    path(
        "pledges/townships/<str:code>/projects/", views.township_projects, name="township_projects"
    ),
    path("pledges/villages/<str:code>/", views.village_list, name="village_list"),
    path("pledges/lists/<int:pk>/", views.pledge_list_detail, name="pledge_list_detail"),
    path("pledges/lists/<int:pk>/edit/", views.pledge_list_edit, name="pledge_list_edit"),
    path("pledges/lists/<int:pk>/submit/", views.pledge_list_submit, name="pledge_list_submit"),
    path(
        "pledges/lists/<int:pk>/carry-over/",
        views.pledge_list_carry_over,
        name="pledge_list_carry_over",
    ),
    path("pledges/lists/<int:pk>/decision/", views.decision_record, name="decision_record"),
    path(
        "pledges/lists/<int:pk>/decision/<str:step>/",
        views.decision_meeting,
        name="decision_meeting",
    ),
    path("pledges/lists/<int:pk>/review/", views.pledge_list_review, name="pledge_list_review"),
    path("pledges/lists/<int:pk>/publish/", views.pledge_list_publish, name="pledge_list_publish"),
    path("pledges/projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("pledges/projects/<int:pk>/progress/", views.project_progress, name="project_progress"),
    path("pledges/projects/<int:pk>/complete/", views.project_complete, name="project_complete"),
    path("pledges/projects/<int:pk>/verify/", views.project_verify, name="project_verify"),
    path("pledges/projects/<int:pk>/change/", views.project_change, name="project_change"),
    path("pledges/projects/<int:pk>/escalate/", views.project_escalate, name="project_escalate"),
    path(
        "pledges/changes/<int:pk>/decide/",
        views.change_request_decide,
        name="change_request_decide",
    ),
    path("pledges/escalations/<int:pk>/answer/", views.escalation_answer, name="escalation_answer"),
]
