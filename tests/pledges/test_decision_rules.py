"""The 4+2 record's rules (Organic Law of Villagers' Committees): who must attend the deciding
meeting and how many must vote for, at the edges; what a list lacks before it may be
submitted, in words that name the step."""

import datetime

from django.core.exceptions import ValidationError
from django.test import SimpleTestCase, TestCase, override_settings

from pledges.models import DecisionMeeting, DecisionRecord, PledgeList
from pledges.models.decision import meets
from tests.factories import UserFactory, decided, full_list

Kind, Step = DecisionMeeting.Kind, DecisionMeeting.Step


def deciding(kind=Kind.REPRESENTATIVES, *, entitled, present, votes_for, against=0, abstain=0):
    """An unsaved deciding meeting with its minutes: only the counts vary."""
    return DecisionMeeting(
        step=Step.DECIDE,
        kind=kind,
        date=datetime.date(2026, 1, 26),
        place="村委会",
        chaired_by="王村长",
        outcome="通过",
        entitled=entitled,
        present=present,
        votes_for=votes_for,
        votes_against=against,
        votes_abstain=abstain,
        image="minutes/signed.jpg",
    )


class QuorumTests(SimpleTestCase):
    def test_a_representatives_meeting_with_exactly_two_thirds_present_has_a_quorum(self):
        self.assertTrue(deciding(entitled=45, present=30, votes_for=30).has_quorum())
        self.assertEqual(deciding(entitled=45, present=30, votes_for=30).problems(), [])

    def test_one_short_of_two_thirds_has_none(self):
        meeting = deciding(entitled=45, present=29, votes_for=29)
        self.assertFalse(meeting.has_quorum())
        [problem] = meeting.problems()
        self.assertIn("29", problem)
        self.assertIn("45", problem)
        self.assertIn("三分之二以上", problem)

    def test_two_thirds_of_a_number_not_divisible_by_three_rounds_up(self):
        # 2/3 of 31 is 20.67: 20 is short, 21 is enough (no float rounding either way).
        self.assertFalse(deciding(entitled=31, present=20, votes_for=20).has_quorum())
        self.assertTrue(deciding(entitled=31, present=21, votes_for=21).has_quorum())

    def test_a_villagers_meeting_by_adults_needs_more_than_half(self):
        exactly_half = deciding(Kind.ADULTS, entitled=800, present=400, votes_for=300)
        self.assertFalse(exactly_half.has_quorum())
        self.assertIn("须过半数到会", exactly_half.problems()[0])
        self.assertTrue(
            deciding(Kind.ADULTS, entitled=800, present=401, votes_for=300).has_quorum()
        )

    def test_a_villagers_meeting_by_households_needs_two_thirds(self):
        self.assertTrue(
            deciding(Kind.HOUSEHOLDS, entitled=300, present=200, votes_for=150).has_quorum()
        )
        self.assertFalse(
            deciding(Kind.HOUSEHOLDS, entitled=300, present=199, votes_for=150).has_quorum()
        )

    @override_settings(PLEDGE_DECISION_QUORUM={"representatives": ("at_least", 4, 5)})
    def test_the_quorum_comes_from_settings(self):
        self.assertFalse(deciding(entitled=45, present=35, votes_for=35).has_quorum())
        self.assertTrue(deciding(entitled=45, present=36, votes_for=36).has_quorum())
        self.assertIn("至少4/5", deciding(entitled=45, present=35, votes_for=35).problems()[0])


class MajorityTests(SimpleTestCase):
    def test_more_than_half_of_those_present_passes(self):
        self.assertTrue(deciding(entitled=45, present=40, votes_for=21, against=19).has_passed())

    def test_a_tie_fails(self):
        meeting = deciding(entitled=45, present=40, votes_for=20, against=20)
        self.assertFalse(meeting.has_passed())
        self.assertEqual(
            meeting.problems(),
            ["决议未获通过：赞成20票，未超过到会40人的半数。"],
        )

    def test_exactly_half_with_abstentions_fails(self):
        # Abstaining is not voting for: 12 of 24 present is exactly half.
        meeting = deciding(entitled=30, present=24, votes_for=12, against=2, abstain=10)
        self.assertFalse(meeting.has_passed())

    def test_the_majority_counts_those_present_not_the_votes_cast(self):
        # 12 for, 0 against, but 45 present: 12 is not more than half of 45.
        meeting = deciding(Kind.ADULTS, entitled=80, present=45, votes_for=12)
        self.assertFalse(meeting.has_passed())
        self.assertIn("赞成12票，未超过到会45人的半数", meeting.problems()[0])

    @override_settings(PLEDGE_DECISION_MAJORITY=("at_least", 2, 3))
    def test_the_majority_comes_from_settings(self):
        self.assertFalse(deciding(entitled=45, present=30, votes_for=19).has_passed())
        self.assertTrue(deciding(entitled=45, present=30, votes_for=20).has_passed())
        self.assertIn(
            "未达到到会30人的三分之二以上",
            deciding(entitled=45, present=30, votes_for=19).problems()[0],
        )

    def test_the_arithmetic_is_exact_for_large_counts(self):
        # A float would call 2/3 of 3 × 10^17 + 1 the same as its neighbour.
        total = 3 * 10**17 + 1
        self.assertFalse(meets(2 * 10**17, total, ("at_least", 2, 3)))
        self.assertTrue(meets(2 * 10**17 + 1, total, ("at_least", 2, 3)))


class DeciderProblemsTests(SimpleTestCase):
    def test_votes_beyond_those_present_are_refused(self):
        meeting = deciding(entitled=45, present=30, votes_for=25, against=6)
        self.assertEqual(meeting.problems(), ["表决共31票，但实到只有30人。"])

    def test_the_signed_minutes_are_required(self):
        meeting = deciding(entitled=45, present=40, votes_for=38)
        meeting.image = ""
        self.assertEqual(meeting.problems(), ["缺少决议会议签字记录的照片或扫描件。"])

    def test_the_kind_of_meeting_is_required(self):
        meeting = deciding(entitled=45, present=40, votes_for=38)
        meeting.kind = ""
        self.assertIn("村民会议或村民代表会议", meeting.problems()[0])


class SubmissionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = UserFactory()

    def assert_refused(self, pledge_list, *expected):
        with self.assertRaises(ValidationError) as caught:
            pledge_list.submit(by=self.user)
        for text in expected:
            self.assertIn(text, caught.exception.messages)
        pledge_list.refresh_from_db()
        self.assertEqual(pledge_list.status, PledgeList.Status.DRAFT)
        return caught.exception.messages

    def test_a_list_without_a_record_names_all_four_steps(self):
        messages = self.assert_refused(
            full_list(decision=False),
            "缺少提议会议的记录。",
            "缺少商议会议的记录。",
            "缺少审议会议的记录。",
            "缺少决议会议的记录。",
        )
        self.assertEqual(len(messages), 4)

    def test_a_missing_discussion_is_named(self):
        pledge_list = full_list()
        pledge_list.decision.meetings.filter(step=Step.DISCUSS).delete()
        messages = self.assert_refused(pledge_list, "缺少商议会议的记录。")
        self.assertEqual(len(messages), 1)

    def test_a_failed_vote_is_named_with_its_figures(self):
        pledge_list = full_list(decision=False)
        decided(pledge_list, present=45, votes_for=12, votes_against=30, votes_abstain=3)
        self.assert_refused(
            pledge_list,
            "决议未获通过：赞成12票，未超过到会45人的半数。",
        )

    def test_a_meeting_without_a_quorum_is_named(self):
        pledge_list = full_list(decision=False)
        decided(pledge_list, present=29, votes_for=29, votes_against=0, votes_abstain=0)
        [message] = self.assert_refused(pledge_list)
        self.assertIn("村民代表会议未达到法定人数：应到45人，实到29人", message)

    def test_meetings_out_of_order_are_named(self):
        pledge_list = full_list()
        pledge_list.decision.meetings.filter(step=Step.REVIEW).update(
            date=datetime.date(2026, 1, 1)
        )
        self.assert_refused(pledge_list, "审议会议的日期早于商议会议。")

    def test_a_complete_record_lets_it_through(self):
        pledge_list = full_list()
        self.assertTrue(pledge_list.submit(by=self.user))

    def test_a_list_imported_without_a_record_may_be_submitted(self):
        pledge_list = full_list(decision=False, year=2024)
        DecisionRecord.objects.create(pledge_list=pledge_list, imported_without_record=True)
        self.assertTrue(pledge_list.submit(by=self.user))

    def test_the_messages_read_in_english_too(self):
        from django.utils import translation

        pledge_list = full_list(decision=False)
        decided(pledge_list, present=45, votes_for=12, votes_against=30, votes_abstain=3)
        pledge_list.decision.meetings.filter(step=Step.DISCUSS).delete()
        with translation.override("en"):
            messages = self.assert_refused(pledge_list)
        self.assertEqual(
            messages,
            [
                "The record of the discussion meeting is missing.",
                "The decision did not pass: 12 votes for, not more than half of the 45 present.",
            ],
        )

    def test_the_record_keeps_its_history(self):
        pledge_list = full_list()
        meeting = pledge_list.decision.meetings.get(step=Step.DECIDE)
        meeting.votes_for = 37
        meeting.save()
        self.assertEqual([h.votes_for for h in meeting.history.order_by("history_date")], [38, 37])
