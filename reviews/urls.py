from django.urls import include, path

from . import views

app_name = "reviews"

urlpatterns = [
    path("townships/<str:code>/", views.township_reviews, name="township_reviews"),
    path("villages/<str:code>/", views.village_reviews, name="village_reviews"),
    path("lists/<int:pk>/new/", views.review_new, name="review_new"),
    path("<int:pk>/", views.review_detail, name="review_detail"),
    path("<int:pk>/how-to-vote/", views.voting_guide, name="voting_guide"),
    path("<int:pk>/window/", views.review_edit, name="review_edit"),
    path("<int:pk>/open/", views.review_open, name="review_open"),
    path("<int:pk>/close/", views.review_close, name="review_close"),
    path("<int:pk>/publish/", views.review_publish, name="review_publish"),
    path("<int:pk>/invitations/", views.invitations, name="invitations"),
    path("<int:pk>/slips/", views.slips, name="slips"),
    path("<int:pk>/paper/", views.paper_ballot, name="paper_ballot"),
    path("<int:pk>/results/", views.review_results, name="review_results"),
    path("<int:pk>/results.xlsx", views.review_results_export, name="review_results_export"),
    path("invitations/<int:pk>/paper/", views.invitation_paper, name="invitation_paper"),
    path("invitations/<int:pk>/remove/", views.invitation_remove, name="invitation_remove"),
]
# Working pages under /reviews/; the reviewer's ballot and the public results at the top.
urlpatterns = [
    path("reviews/", include(urlpatterns)),
    path("ballot/<int:review>/<str:token>/", views.ballot, name="ballot"),
    path("board/<str:code>/<int:year>/review/", views.report, name="report"),
    path("board/<str:code>/ranking/", views.ranking, name="ranking"),
    path("board/<str:code>/ranking.xlsx", views.ranking_export, name="ranking_export"),
]
