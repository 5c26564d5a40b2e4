from django.urls import include, path

from . import views

app_name = "suggestions"

# The committee's and township's pages sit under /pledges/ and the standard replies under
# /residents/, where they were before this app had its own room: old links keep working.
working = [
    path("villages/<str:code>/suggestions/", views.suggestion_inbox, name="suggestion_inbox"),
    path("villages/<str:code>/suggestions/new/", views.suggestion_new, name="suggestion_new"),
    path("villages/<str:code>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("suggestions/<int:pk>/", views.suggestion_detail, name="suggestion_detail"),
    path("suggestions/<int:pk>/hide/", views.suggestion_hide, name="suggestion_hide"),
    path(
        "townships/<str:code>/suggestions/", views.township_suggestions, name="township_suggestions"
    ),
    path("villages/<str:code>/pool/<int:year>/", views.candidate_pool, name="candidate_pool"),
    path("villages/<str:code>/pool/<int:year>/new/", views.candidate_new, name="candidate_new"),
    path("villages/<str:code>/pool/<int:year>/decide/", views.pool_decide, name="pool_decide"),
]
replies = [
    path("townships/<str:code>/replies/", views.reply_templates, name="reply_templates"),
    path("replies/<int:pk>/", views.reply_template_edit, name="reply_template_edit"),
    path("replies/<int:pk>/delete/", views.reply_template_delete, name="reply_template_delete"),
    path("villages/<str:code>/answer/", views.bulk_answer, name="bulk_answer"),
]

urlpatterns = [
    path("suggest/<str:code>/", views.suggest, name="suggest"),
    path("suggest/thanks/<str:code>/", views.suggestion_thanks, name="suggestion_thanks"),
    path("track/", views.track, name="track"),
    path("track/<str:code>/", views.track_detail, name="track_detail"),
    path("pledges/", include(working)),
    path("residents/", include(replies)),
]
