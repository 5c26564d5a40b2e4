from django.urls import include, path

from . import import_views, views

app_name = "pledges"

urlpatterns = [
    path("districts/<str:code>/", views.district_overview, name="district_overview"),
    path("districts/<str:code>/open-year/", views.open_year, name="open_year"),
    path("townships/<str:code>/", views.township_dashboard, name="township_dashboard"),
    path("townships/<str:code>/projects/", views.township_projects, name="township_projects"),
    path("villages/<str:code>/", views.village_list, name="village_list"),
    path("lists/<int:pk>/", views.pledge_list_detail, name="pledge_list_detail"),
    path("lists/<int:pk>/edit/", views.pledge_list_edit, name="pledge_list_edit"),
    path("lists/<int:pk>/submit/", views.pledge_list_submit, name="pledge_list_submit"),
    path("lists/<int:pk>/carry-over/", views.pledge_list_carry_over, name="pledge_list_carry_over"),
    path("lists/<int:pk>/review/", views.pledge_list_review, name="pledge_list_review"),
    path("lists/<int:pk>/publish/", views.pledge_list_publish, name="pledge_list_publish"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/progress/", views.project_progress, name="project_progress"),
    path("projects/<int:pk>/complete/", views.project_complete, name="project_complete"),
    path("projects/<int:pk>/verify/", views.project_verify, name="project_verify"),
    path("projects/<int:pk>/change/", views.project_change, name="project_change"),
    path("projects/<int:pk>/escalate/", views.project_escalate, name="project_escalate"),
    path("changes/<int:pk>/decide/", views.change_request_decide, name="change_request_decide"),
    path("escalations/<int:pk>/answer/", views.escalation_answer, name="escalation_answer"),
    path("villages/<str:code>/suggestions/", views.suggestion_inbox, name="suggestion_inbox"),
    path("villages/<str:code>/suggestions/new/", views.suggestion_new, name="suggestion_new"),
    path("villages/<str:code>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("suggestions/<int:pk>/", views.suggestion_detail, name="suggestion_detail"),
    path("suggestions/<int:pk>/hide/", views.suggestion_hide, name="suggestion_hide"),
    path(
        "townships/<str:code>/suggestions/", views.township_suggestions, name="township_suggestions"
    ),
    # Excel in and out (pledges/import_views.py)
    path("townships/<str:code>/import/", import_views.township_import, name="township_import"),
    path("imports/template.xlsx", import_views.import_template, name="import_template"),
    path("imports/<int:pk>/", import_views.import_job, name="import_job"),
    path("imports/<int:pk>/status/", import_views.import_job_status, name="import_job_status"),
    path("imports/<int:pk>/confirm/", import_views.import_job_confirm, name="import_job_confirm"),
    path("export/<str:code>/<str:what>.xlsx", import_views.export, name="export"),
]
# Working pages live under /pledges/; the residents' pages (no account) at the top.
urlpatterns = [
    path("pledges/", include(urlpatterns)),
    path("suggest/<str:code>/", views.suggest, name="suggest"),
    path("suggest/thanks/<str:code>/", views.suggestion_thanks, name="suggestion_thanks"),
    path("track/", views.track, name="track"),
    path("track/<str:code>/", views.track_detail, name="track_detail"),
    path("board/", views.board, name="board"),
    path("board/search/", views.board_search, name="board_search"),
    path("board/<str:code>/", views.board_place, name="board_place"),
    path("board/<str:code>/<int:year>/", views.board_village, name="board_village"),
    path("board/<str:code>/<int:year>/poster/", views.board_poster, name="board_poster"),
    # Open data: read-only JSON (static/api/openapi.json) and the tables as downloads.
    path("api/v1/districts/", views.api_districts, name="api_districts"),
    path("api/v1/districts/<str:code>/", views.api_district, name="api_district"),
    path("api/v1/townships/<str:code>/", views.api_township, name="api_township"),
    path("api/v1/villages/<str:code>/<int:year>/", views.api_village, name="api_village"),
    path(
        "board/<str:code>/export.csv", views.board_export, {"fmt": "csv"}, name="board_export_csv"
    ),
    path(
        "board/<str:code>/export.xlsx",
        views.board_export,
        {"fmt": "xlsx"},
        name="board_export_xlsx",
    ),
]
