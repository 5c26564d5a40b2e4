from django.urls import path

from . import views

app_name = "imports"

# Under /pledges/, where they were before this app had its own room: old links keep working.
urlpatterns = [
    path("pledges/townships/<str:code>/import/", views.township_import, name="township_import"),
    path("pledges/imports/template.xlsx", views.import_template, name="import_template"),
    path("pledges/imports/<int:pk>/", views.import_job, name="import_job"),
    path("pledges/imports/<int:pk>/status/", views.import_job_status, name="import_job_status"),
    path("pledges/imports/<int:pk>/confirm/", views.import_job_confirm, name="import_job_confirm"),
    path("pledges/export/<str:code>/<str:what>.xlsx", views.export, name="export"),
]
