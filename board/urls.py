from django.urls import include, path, re_path

from . import api, views

app_name = "board"

urlpatterns = [
    path("board/", views.board, name="board"),
    path("board/search/", views.board_search, name="board_search"),
    path("board/<str:code>/", views.board_place, name="board_place"),
    path("board/<str:code>/<int:year>/", views.board_village, name="board_village"),
    path("board/<str:code>/<int:year>/poster/", views.board_poster, name="board_poster"),
    path(
        "board/<str:code>/<int:year>/projects/<int:number>/",
        views.board_project,
        name="board_project",
    ),
    path(
        "board/<str:code>/<int:year>/projects/<int:number>/plate/",
        views.board_project_plate,
        name="board_project_plate",
    ),
    # Open data: read-only JSON (the django-ninja API of api.py, its OpenAPI document at
    # api/v1/openapi.json) and the tables as downloads.
    path(api.PREFIX, include(api.urlpatterns())),
    path(
        "board/<str:code>/export.csv", views.board_export, {"fmt": "csv"}, name="board_export_csv"
    ),
    path(
        "board/<str:code>/export.xlsx",
        views.board_export,
        {"fmt": "xlsx"},
        name="board_export_xlsx",
    ),
    # Last: any other address under /api/ is a 404 in JSON, not the site's HTML page.
    re_path(r"^api/", api.not_found, name="api_not_found"),
]
