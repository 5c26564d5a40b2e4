from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Year-end reviews")

    def ready(self):
        from pledges import open_data

        from .models import AnnualReview

        # Published results show on the village's board page.
        open_data.watch(AnnualReview, "pledge_list__village")
