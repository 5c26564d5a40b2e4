"""`seed_demo`'s opinion collection: meetings, suggestions, their replies and escalations."""

import re
from collections import Counter
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.db.models import Count, F
from django.test import TestCase
from django.utils import timezone

from pledges.models import Escalation, PledgeList, Project
from suggestions.models import RECEIPT_ALPHABET, Meeting, Suggestion
from villages.models import Membership, Village

CODE = re.compile(rf"^[{RECEIPT_ALPHABET}]{{4}}-[{RECEIPT_ALPHABET}]{{4}}$")


def seed(**options) -> str:
    out = StringIO()
    # Without the reviews layer, which adds last year's lists (tests/reviews covers it).
    options.setdefault("reviews", False)
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


class SeedSuggestionsTests(TestCase):
    """One default run (119 villages in the seed-000 district, 12 beside it), read by every
    test."""

    @classmethod
    def setUpTestData(cls):
        cls.output = seed()
        cls.year = timezone.localdate().year
        cls.today = timezone.localdate()

    def test_it_collects_opinion_in_the_proportions_of_the_seed(self):
        # Seed 000: 342 meetings and 626 suggestions for the 119 villages of its district.
        in_district = {"village__township__district__code": "520302"}
        meetings = Meeting.objects.filter(**in_district)
        suggestions = Suggestion.objects.filter(**in_district)
        self.assertEqual(Village.objects.filter(township__district__code="520302").count(), 119)
        self.assertTrue(280 <= meetings.count() <= 420, meetings.count())
        self.assertTrue(520 <= suggestions.count() <= 740, suggestions.count())
        per_village = Counter(Meeting.objects.values_list("village", flat=True))
        self.assertEqual(len(per_village), Village.objects.count())
        self.assertTrue(set(per_village.values()) <= set(range(1, 6)))
        per_village = Counter(Suggestion.objects.values_list("village", flat=True))
        self.assertEqual(len(per_village), Village.objects.count())
        self.assertTrue(set(per_village.values()) <= set(range(2, 10)))
        self.assertFalse(Suggestion.objects.exclude(year=self.year).exists())

    def test_it_holds_mostly_mass_meetings_early_in_the_year(self):
        kinds = Counter(Meeting.objects.values_list("kind", flat=True))
        self.assertGreater(kinds[Meeting.Kind.MASS_MEETING], Meeting.objects.count() / 2)
        self.assertTrue(kinds[Meeting.Kind.VISITS])
        self.assertTrue(kinds[Meeting.Kind.REPRESENTATIVES])
        for day, attendance, notes in Meeting.objects.values_list("date", "attendance", "notes"):
            self.assertEqual(day.year, self.year)
            self.assertLessEqual(day, self.today)
            self.assertLessEqual(day.month, 4)
            self.assertTrue(20 <= attendance <= 120)
            self.assertTrue(notes)

    def test_it_takes_most_suggestions_at_the_villages_meetings(self):
        from_meetings = Suggestion.objects.filter(channel=Suggestion.Channel.MEETING)
        self.assertGreater(from_meetings.count(), Suggestion.objects.count() / 2)
        self.assertFalse(from_meetings.filter(meeting=None).exists())
        self.assertFalse(
            Suggestion.objects.exclude(channel=Suggestion.Channel.MEETING)
            .exclude(meeting=None)
            .exists()
        )
        self.assertFalse(from_meetings.exclude(meeting__village=F("village")).exists())
        self.assertFalse(from_meetings.exclude(received=F("meeting__date")).exists())
        others = set(Suggestion.objects.values_list("channel", flat=True)) - {"meeting"}
        self.assertTrue(others >= {"online", "visit", "phone", "representative"})

    def test_it_mixes_statuses_as_a_year_in_progress(self):
        total = Suggestion.objects.count()
        share = {
            status: count / total
            for status, count in Counter(
                Suggestion.objects.values_list("status", flat=True)
            ).items()
        }
        self.assertTrue(0.35 <= share["adopted"] <= 0.55, share)
        self.assertTrue(0.15 <= share["not_adopted"] <= 0.35, share)
        self.assertTrue(0.02 <= share["passed_up"] <= 0.10, share)
        self.assertTrue(0.08 <= share["received"] + share["considering"] <= 0.25, share)
        self.assertTrue(0.05 <= share["closed"] <= 0.16, share)

    def test_it_links_adopted_ones_to_a_project_of_the_same_village(self):
        adopted = Suggestion.objects.filter(status=Suggestion.Status.ADOPTED)
        self.assertFalse(adopted.annotate(n=Count("projects")).filter(n=0).exists())
        self.assertFalse(
            Suggestion.objects.exclude(status=Suggestion.Status.ADOPTED)
            .filter(projects__isnull=False)
            .exists()
        )
        self.assertFalse(adopted.exclude(projects__pledge_list__village=F("village")).exists())
        self.assertFalse(adopted.exclude(projects__pledge_list__year=self.year).exists())
        self.assertFalse(adopted.exclude(projects__category=F("category")).exists())
        for suggestion in adopted.prefetch_related("projects")[:50]:
            (project,) = suggestion.projects.all()
            self.assertIn(f"第{project.number}项", suggestion.reply)

    def test_it_replies_to_every_answered_one_after_it_came_in(self):
        answered = Suggestion.objects.exclude(status__in=Suggestion.OPEN)
        self.assertFalse(answered.filter(reply="").exists())
        self.assertFalse(answered.filter(replied_at=None).exists())
        self.assertFalse(Suggestion.objects.filter(status="closed", reply="").exists())
        unanswered = Suggestion.objects.filter(status__in=Suggestion.OPEN)
        self.assertFalse(unanswered.exclude(reply="").exists())
        self.assertFalse(unanswered.exclude(replied_at=None).exists())
        now = timezone.now()
        for received, replied_at in answered.values_list("received", "replied_at"):
            self.assertLessEqual(replied_at, now)
            self.assertTrue(0 <= (timezone.localtime(replied_at).date() - received).days <= 40)

    def test_it_keeps_dates_inside_the_year_and_not_ahead_of_today(self):
        for received in Suggestion.objects.values_list("received", flat=True):
            self.assertEqual(received.year, self.year)
            self.assertLessEqual(received, self.today)

    def test_it_leaves_some_unanswered_and_some_of_those_overdue(self):
        unanswered = Suggestion.objects.unanswered()
        self.assertTrue(unanswered.exists())
        if self.today.timetuple().tm_yday > settings.SUGGESTION_REPLY_DAYS + 1:
            self.assertTrue(Suggestion.objects.overdue().exists())
            self.assertLess(Suggestion.objects.overdue().count(), unanswered.count())

    def test_it_passes_some_up_to_the_township(self):
        passed_up = Suggestion.objects.filter(status=Suggestion.Status.PASSED_UP)
        self.assertTrue(passed_up.exists())
        self.assertFalse(passed_up.filter(escalation=None).exists())
        self.assertFalse(
            Suggestion.objects.exclude(status=Suggestion.Status.PASSED_UP)
            .exclude(escalation=None)
            .exists()
        )
        self.assertEqual(Escalation.objects.count(), passed_up.count())
        for suggestion in passed_up.select_related("escalation"):
            escalation = suggestion.escalation
            self.assertEqual(escalation.village_id, suggestion.village_id)
            self.assertEqual(escalation.problem, suggestion.text)
            self.assertEqual(escalation.level, Escalation.Level.TOWNSHIP)
            self.assertIsNone(escalation.raised_by)

    def test_it_gives_longjiang_suggestions_to_answer(self):
        village_user = Membership.objects.get(user__username="village").user
        longjiang = Suggestion.objects.filter(village__name="龙江村")
        self.assertGreaterEqual(longjiang.unanswered().count(), 2)
        self.assertTrue(longjiang.filter(status=Suggestion.Status.ADOPTED).exists())
        if self.today.timetuple().tm_yday > settings.SUGGESTION_REPLY_DAYS + 1:
            self.assertTrue(longjiang.overdue().exists())
            self.assertTrue(longjiang.unanswered().exclude(pk__in=longjiang.overdue()).exists())
        replied = longjiang.exclude(replied_at=None)
        self.assertEqual(set(replied.values_list("replied_by", flat=True)), {village_user.pk})
        self.assertFalse(
            Suggestion.objects.exclude(village__name="龙江村").exclude(replied_by=None).exists()
        )
        self.assertEqual(
            set(
                Meeting.objects.filter(village__name="龙江村").values_list("created_by", flat=True)
            ),
            {village_user.pk},
        )

    def test_it_gives_unique_receipt_codes(self):
        codes = list(Suggestion.objects.values_list("receipt_code", flat=True))
        self.assertEqual(len(set(codes)), len(codes))
        for code in codes:
            self.assertRegex(code, CODE)
        self.assertFalse(Suggestion.objects.exclude(client_token=None).exists())

    def test_it_hides_a_couple_with_a_reason(self):
        hidden = Suggestion.objects.filter(is_hidden=True)
        self.assertTrue(1 <= hidden.count() <= 5, hidden.count())
        self.assertFalse(hidden.filter(hidden_reason="").exists())
        self.assertFalse(
            Suggestion.objects.filter(is_hidden=False).exclude(hidden_reason="").exists()
        )

    def test_it_keeps_private_details_to_a_minority_and_fake(self):
        total = Suggestion.objects.count()
        named = Suggestion.objects.exclude(name="")
        self.assertTrue(0 < named.count() < total / 2)
        self.assertFalse(Suggestion.objects.filter(name="").exclude(phone="").exists())
        for phone in Suggestion.objects.exclude(phone="").values_list("phone", flat=True):
            self.assertRegex(phone, r"^1380000\d{4}$")

    def test_it_writes_realistic_varied_texts(self):
        texts = set(Suggestion.objects.values_list("text", flat=True))
        self.assertGreater(len(texts), 100)
        for text in texts:
            self.assertTrue(0 < len(text) <= Suggestion.TEXT_MAX)
            self.assertNotIn("{", text)
        community = Suggestion.objects.filter(village__kind=Village.Kind.COMMUNITY)
        self.assertTrue(community.exists())
        self.assertFalse(community.filter(category__in=["irrigation", "industry"]).exists())

    def test_it_records_history_for_what_it_creates(self):
        for model in [Meeting, Suggestion, Escalation]:
            history = model.history.filter(history_type="+")
            self.assertEqual(history.count(), model.objects.count())
            self.assertTrue(model.objects.exists())
        suggestion = Suggestion.objects.filter(status=Suggestion.Status.ADOPTED).first()
        record = suggestion.history.get()
        self.assertEqual(record.status, Suggestion.Status.ADOPTED)
        self.assertEqual(
            [link.project_id for link in record.projects.all()],
            list(suggestion.projects.values_list("id", flat=True)),
        )

    def test_it_prints_a_summary(self):
        meetings, suggestions = Meeting.objects.count(), Suggestion.objects.count()
        self.assertIn(f"{meetings} meetings, {suggestions} suggestions", self.output)
        self.assertIn("131 lists, 1310 projects, 655 prohibitions", self.output)

    def test_it_adds_nothing_on_a_second_run(self):
        counts = [model.objects.count() for model in (Meeting, Suggestion, Escalation)]
        self.assertIn("already loaded", seed())
        self.assertEqual(
            [model.objects.count() for model in (Meeting, Suggestion, Escalation)], counts
        )


class SeedSuggestionsRunTwiceTests(TestCase):
    def test_it_gives_another_year_its_own_receipt_codes(self):
        year = timezone.localdate().year
        seed()
        seed(year=year - 1)
        self.assertEqual(
            Suggestion.objects.filter(year=year).count(),
            Suggestion.objects.filter(year=year - 1).count(),
        )
        codes = list(Suggestion.objects.values_list("receipt_code", flat=True))
        self.assertEqual(len(set(codes)), len(codes))
        last_year = Suggestion.objects.filter(year=year - 1)
        self.assertFalse(last_year.exclude(received__year=year - 1).exists())
        # The pledge lists draw from their own generator: the suggestions changed no project.
        self.assertEqual(
            list(
                Project.objects.filter(pledge_list__year=year)
                .order_by("pledge_list__village__code", "number")
                .values_list("title", flat=True)
            ),
            list(
                Project.objects.filter(pledge_list__year=year - 1)
                .order_by("pledge_list__village__code", "number")
                .values_list("title", flat=True)
            ),
        )

    def test_it_is_deterministic_for_a_seed(self):
        def snapshot():
            return list(
                Suggestion.objects.order_by(
                    "village__code", "received", "receipt_code"
                ).values_list(
                    "village__code", "text", "status", "channel", "receipt_code", "received"
                )
            )

        seed(seed=7)
        first = snapshot()
        for model in (Suggestion, Meeting, Escalation, PledgeList):
            model.objects.all().delete()
        seed(seed=7)
        self.assertEqual(snapshot(), first)
