"""The reviewer's ballot, by the link on the slip: which tokens work, when, and that a second
ballot replaces the first."""

import datetime

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.utils import timezone

from reviews import services
from reviews.models import AnnualReview, Ballot, Invitation, ProjectRating, voter_key

from .factories import ballot_data, ballot_post, ballot_url, invite, make_review

Status = AnnualReview.Status


class BallotLinkTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.review = make_review()
        cls.invitation, cls.token = invite(cls.review, name="王小明")

    def setUp(self):
        cache.clear()  # the rate limit counts in the cache

    def test_it_shows_the_ballot_for_the_slips_own_review(self):
        response = self.client.get(ballot_url(self.review, self.token))
        self.assertNotContains(response, "王小明")  # anonymous: the ballot greets nobody
        self.assertContains(response, "无记名评议")
        self.assertContains(response, "满意")
        self.assertIn("no-store", response["Cache-Control"])
        self.assertEqual(response["Referrer-Policy"], "same-origin")

    def test_it_refuses_a_token_used_for_another_review(self):
        other = make_review()
        response = self.client.get(ballot_url(other, self.token))
        self.assertEqual(response.status_code, 404)
        response = self.client.post(ballot_url(other, self.token), ballot_post(other))
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Ballot.objects.exists())

    def test_it_refuses_a_made_up_token(self):
        self.assertEqual(self.client.get(ballot_url(self.review, "x" * 22)).status_code, 404)
        self.assertEqual(self.client.get(ballot_url(self.review, "y" * 500)).status_code, 404)

    def test_it_stores_a_ballot_and_updates_it_on_a_second_vote(self):
        url = ballot_url(self.review, self.token)
        response = self.client.post(url, ballot_post(self.review, comment="路灯很亮"))
        self.assertRedirects(response, url)
        self.assertContains(self.client.get(url), "您已完成评议")
        self.client.post(url, ballot_post(self.review, rating="dissatisfied", comment="再想想"))
        ballot = Ballot.objects.get()
        self.assertEqual(ballot.comment, "再想想")
        self.assertFalse(ballot.is_paper)
        self.assertEqual(ballot.project_ratings.count(), 10)
        self.assertEqual(
            set(ballot.project_ratings.values_list("rating", flat=True)), {"dissatisfied"}
        )
        self.assertEqual(ballot.prohibition_ratings.count(), 5)
        self.invitation.refresh_from_db()
        self.assertTrue(self.invitation.has_voted)

    def test_the_service_also_never_writes_a_second_ballot(self):
        data = ballot_data(self.review, ["satisfied"] * 10)
        self.assertTrue(
            services.ballot_cast(invitation=self.invitation, token=self.token, data=data)
        )
        self.assertFalse(
            services.ballot_cast(invitation=self.invitation, token=self.token, data=data)
        )
        self.assertEqual(Ballot.objects.count(), 1)
        self.assertEqual(ProjectRating.objects.count(), 10)

    def test_an_incomplete_ballot_says_what_is_missing_and_stores_nothing(self):
        project = self.review.pledge_list.projects.get(number=3)
        data = ballot_post(self.review, **{f"project_{project.pk}": ""})
        response = self.client.post(ballot_url(self.review, self.token), data)
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "请选择满意、基本满意或不满意", status_code=400)
        self.assertFalse(Ballot.objects.exists())
        # What was answered is still there to send again.
        self.assertEqual(response.content.decode().count(" checked>"), 9 + 5)

    def test_it_refuses_a_token_after_the_window_closes(self):
        AnnualReview.objects.filter(pk=self.review.pk).update(
            closes_at=timezone.now() - datetime.timedelta(minutes=1)
        )
        url = ballot_url(self.review, self.token)
        self.assertEqual(self.client.get(url).status_code, 403)
        response = self.client.post(url, ballot_post(self.review))
        self.assertEqual(response.status_code, 403)
        self.assertContains(response, "评议已结束", status_code=403)
        self.assertFalse(Ballot.objects.exists())

    def test_it_refuses_a_token_before_the_window_opens_and_while_a_draft(self):
        AnnualReview.objects.filter(pk=self.review.pk).update(
            opens_at=timezone.now() + datetime.timedelta(hours=1)
        )
        response = self.client.get(ballot_url(self.review, self.token))
        self.assertContains(response, "开始，请到时再来", status_code=403)
        AnnualReview.objects.filter(pk=self.review.pk).update(
            status=Status.DRAFT, opens_at=timezone.now() - datetime.timedelta(hours=1)
        )
        response = self.client.get(ballot_url(self.review, self.token))
        self.assertContains(response, "评议尚未开始", status_code=403)

    def test_a_closed_review_freezes_the_ballot(self):
        url = ballot_url(self.review, self.token)
        self.client.post(url, ballot_post(self.review))
        self.review.close(by=None)
        self.review.refresh_from_db()
        self.assertLessEqual(self.review.closes_at, timezone.now())
        self.client.post(url, ballot_post(self.review, rating="dissatisfied"))
        self.assertEqual(set(ProjectRating.objects.values_list("rating", flat=True)), {"satisfied"})
        with self.assertRaises(ValidationError):
            services.ballot_cast(
                invitation=self.invitation,
                token=self.token,
                data=ballot_data(self.review, ["dissatisfied"] * 10),
            )

    def test_a_reprinted_slip_replaces_the_old_link(self):
        [(invitation, new_token)] = services.slips_issue(
            review=self.review, invitations=[self.invitation]
        )
        self.assertEqual(self.client.get(ballot_url(self.review, self.token)).status_code, 404)
        self.assertEqual(self.client.get(ballot_url(self.review, new_token)).status_code, 200)

    def test_who_has_voted_gets_no_new_slip(self):
        services.ballot_cast(
            invitation=self.invitation,
            token=self.token,
            data=ballot_data(self.review, ["satisfied"] * 10),
        )
        self.invitation.refresh_from_db()
        self.assertEqual(
            services.slips_issue(review=self.review, invitations=[self.invitation]), []
        )
        self.assertEqual(self.client.get(ballot_url(self.review, self.token)).status_code, 200)

    def test_tokens_are_long_random_and_only_their_hash_is_stored(self):
        self.assertGreaterEqual(len(self.token), 22)  # 16 bytes = 128 bits, URL-safe base64
        self.invitation.refresh_from_db()
        self.assertNotIn(self.token, self.invitation.token_hash)
        self.assertEqual(len(self.invitation.token_hash), 64)
        _other, second = invite(self.review, name="李四")
        self.assertNotEqual(self.token, second)


class PaperBallotTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.review = make_review()
        cls.invitation, cls.token = invite(cls.review, name="赵大妈")

    def test_a_paper_voter_is_counted_once_and_cannot_vote_again_online(self):
        self.assertTrue(services.invitation_mark_paper(invitation=self.invitation))
        self.assertFalse(services.invitation_mark_paper(invitation=self.invitation))
        services.paper_ballot_enter(
            review=self.review, data=ballot_data(self.review, ["basically"] * 9 + [""])
        )
        ballot = Ballot.objects.get()
        self.assertTrue(ballot.is_paper)
        self.assertEqual(ballot.voter_key, "")
        self.assertEqual(ballot.project_ratings.count(), 9)  # one left blank on paper
        self.assertEqual(self.client.get(ballot_url(self.review, self.token)).status_code, 404)

    def test_paper_ballots_are_no_more_than_the_paper_voters(self):
        with self.assertRaisesMessage(ValidationError, "纸质"):
            from django.utils import translation

            with translation.override("zh-hans"):
                services.paper_ballot_enter(
                    review=self.review, data=ballot_data(self.review, ["satisfied"] * 10)
                )
        self.assertFalse(Ballot.objects.exists())

    def test_an_online_voter_cannot_be_marked_as_paper(self):
        services.ballot_cast(
            invitation=self.invitation,
            token=self.token,
            data=ballot_data(self.review, ["satisfied"] * 10),
        )
        self.assertFalse(services.invitation_mark_paper(invitation=self.invitation))
        self.assertEqual(services.paper_ballots_expected(self.review), 0)


class AnonymityTests(TestCase):
    """Nothing stored with a ballot leads back to the person."""

    def test_a_ballot_has_no_field_pointing_at_a_person(self):
        for field in Ballot._meta.get_fields():
            related = getattr(field, "related_model", None)
            self.assertNotIn(related, (Invitation,), field.name)
            if related is not None:
                self.assertNotEqual(related._meta.label, "auth.User", field.name)
        names = {field.name for field in Ballot._meta.get_fields()}
        self.assertFalse(names & {"created", "modified", "invitation", "user", "history"})
        self.assertFalse(hasattr(Ballot, "history"))

    def test_the_voter_key_comes_from_the_token_not_from_stored_data(self):
        review = make_review()
        invitation, token = invite(review)
        services.ballot_cast(
            invitation=invitation, token=token, data=ballot_data(review, ["satisfied"] * 10)
        )
        ballot = Ballot.objects.get()
        invitation.refresh_from_db()
        self.assertEqual(ballot.voter_key, voter_key(token))
        stored = {str(invitation.pk), invitation.token_hash, invitation.name}
        for value in stored:
            self.assertNotEqual(voter_key(value), ballot.voter_key)
        # The invitation's history knows nothing of the vote.
        self.assertFalse(
            {"has_voted", "token_hash"} & {f.name for f in Invitation.history.model._meta.fields}
        )
