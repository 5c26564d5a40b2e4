from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase, override_settings
from django.urls import reverse

from pledges.models import Project
from residents.models import Challenge, ViolationReport
from tests.factories import VillageFactory, full_list
from tests.personas import DENIED, LOGIN, OK, WITH_A_ROLE, assert_matrix
from tests.residents.world import YEAR, build, png

CONTACT = "13700001111"
# The second post of a decision: the one that confirms what the first one showed.
CONFIRMED = {"confirmed": "1", "seen": "1"}


class ChallengeTests(TestCase):
    def setUp(self):
        build(self)
        cache.clear()  # the rate limit counts in the cache

    def challenge_url(self, number=1, code=None, year=YEAR):
        return reverse("residents:challenge_new", args=[code or self.village.code, year, number])

    def report_url(self, number=1):
        return reverse("residents:report_new", args=[self.village.code, YEAR, number])

    def board(self):
        return self.client.get(reverse("board:board_place", args=[self.village.code]))

    def post_challenge(self, **data):
        return self.client.post(
            self.challenge_url(), {"text": "路灯只装了一半，晚上还是黑的", **data}
        )

    def test_the_board_links_verified_projects_to_a_challenge_and_prohibitions_to_a_report(self):
        page = self.board()
        self.assertContains(page, self.challenge_url(1))
        self.assertNotContains(page, self.challenge_url(2))  # planned: nothing to challenge
        self.assertContains(page, self.report_url(1))
        self.assertContains(page, reverse("residents:statuses"))

    def test_only_a_verified_project_of_a_published_list_can_be_challenged(self):
        self.assertEqual(self.client.get(self.challenge_url(1)).status_code, 200)
        self.assertEqual(self.client.get(self.challenge_url(2)).status_code, 404)
        self.assertEqual(self.client.get(self.challenge_url(99)).status_code, 404)
        self.assertEqual(self.client.get(self.challenge_url(code="999999999999")).status_code, 404)
        self.assertEqual(self.client.get(self.challenge_url(year=YEAR - 1)).status_code, 404)

    def test_a_challenge_with_a_photo_is_kept_re_encoded_and_the_contact_stays_private(self):
        response = self.post_challenge(photo=png(), contact=CONTACT)
        self.assertContains(response, "乡镇已收到")
        challenge = Challenge.objects.get()
        self.assertEqual(challenge.contact, CONTACT)
        self.assertTrue(challenge.image.name.endswith(".jpg"))
        self.assertTrue(challenge.thumbnail.name)
        self.assertNotContains(self.board(), CONTACT)

    def test_bad_input_says_what_to_fix_and_stores_nothing(self):
        cases = {
            "short": ({"text": "不好"}, "至少 5 个字"),
            "long": ({"text": "长" * 501}, "500"),
            "not an image": (
                {"photo": SimpleUploadedFile("notes.png", b"not an image")},
                "notes.png",
            ),
            "contact": ({"contact": "abc"}, "请填写11位手机号或电子邮箱"),
        }
        for case, (data, message) in cases.items():
            with self.subTest(case=case):
                response = self.post_challenge(**data)
                self.assertContains(response, message, status_code=400)
        self.assertFalse(Challenge.objects.exists())

    @override_settings(RESIDENT_ADDRESS_RATE="2/h")
    def test_a_post_over_the_address_limit_is_shown_again_with_its_text(self):
        cache.clear()
        for n in range(2):
            self.client = Client()  # two residents behind one address, each their own phone
            self.post_challenge(contact=f"1381234567{n}")
        self.client = Client()
        response = self.post_challenge(text="第三位群众：路灯只装了一半")
        self.assertContains(response, "第三位群众：路灯只装了一半", status_code=429)
        self.assertIn("Retry-After", response)
        self.assertEqual(Challenge.objects.count(), 2)

    @override_settings(RESIDENT_BROWSER_RATE="2/h")
    def test_one_phone_is_limited_but_its_neighbour_on_the_same_address_is_not(self):
        cache.clear()
        for _ in range(2):
            self.post_challenge()
        self.assertEqual(self.post_challenge().status_code, 429)
        self.client = Client()
        self.assertEqual(self.post_challenge().status_code, 200)
        self.assertEqual(Challenge.objects.count(), 3)

    @override_settings(RESIDENT_BROWSER_RATE="1/h")
    def test_invalid_posts_do_not_count(self):
        cache.clear()
        for _ in range(3):
            self.assertEqual(self.post_challenge(text="不好").status_code, 400)
        self.assertEqual(self.post_challenge().status_code, 200)

    def test_upheld_the_project_goes_back_to_in_progress_with_history_and_on_the_board(self):
        self.post_challenge(contact=CONTACT)
        challenge = Challenge.objects.get()
        self.client.force_login(self.personas.cadre)
        page = self.client.get(challenge.get_absolute_url())
        self.assertContains(page, CONTACT)  # the township sees the contact
        response = self.client.post(
            challenge.get_absolute_url(),
            {"decision": "uphold", "answer": "现场核查属实，剩余15盏5月底前装完", **CONFIRMED},
        )
        self.assertRedirects(response, challenge.get_absolute_url())
        self.project.refresh_from_db()
        self.assertEqual(self.project.status, Project.Status.IN_PROGRESS)
        last = self.project.history.first()
        self.assertEqual(last.history_user, self.personas.cadre)
        self.assertIn("现场核查属实", last.status_note)
        challenge.refresh_from_db()
        self.assertEqual(challenge.status, Challenge.Status.UPHELD)
        self.assertEqual(challenge.history.first().history_user, self.personas.cadre)
        self.client.logout()
        board = self.board()
        self.assertContains(board, "现场核查属实")
        self.assertContains(board, "质疑成立")
        self.assertNotContains(board, CONTACT)

    def test_dismissing_needs_a_public_answer(self):
        self.post_challenge()
        challenge = Challenge.objects.get()
        self.client.force_login(self.personas.cadre)
        response = self.client.post(challenge.get_absolute_url(), {"decision": "dismiss"})
        self.assertContains(response, "这个字段是必填项", status_code=400)
        self.client.post(
            challenge.get_absolute_url(),
            {"decision": "dismiss", "answer": "已全部安装，见照片", **CONFIRMED},
        )
        challenge.refresh_from_db()
        self.assertEqual(challenge.status, Challenge.Status.DISMISSED)
        self.project.refresh_from_db()
        self.assertEqual(self.project.status, Project.Status.VERIFIED)
        self.client.logout()
        self.assertContains(self.board(), "已全部安装，见照片")

    def test_a_decision_changes_a_board_page_already_cached(self):
        # Neither a dismissal nor a confirmed report touches the project or the list: the
        # board's data stamp must still change.
        self.post_challenge()
        self.client.post(self.report_url(), {"text": "违规发包工程给亲戚"})
        etag = self.board()["ETag"]
        self.client.force_login(self.personas.cadre)
        for post, decision in (
            (Challenge.objects.get(), "dismiss"),
            (ViolationReport.objects.get(), "confirm"),
        ):
            self.client.post(
                post.get_absolute_url(), {"decision": decision, "answer": "已核查", **CONFIRMED}
            )
        self.client.logout()
        url = reverse("board:board_place", args=[self.village.code])
        page = self.client.get(url, HTTP_IF_NONE_MATCH=etag)
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "已核查", count=2)

    def test_a_confirmed_report_shows_on_the_board_without_the_reporter(self):
        self.client.post(self.report_url(), {"text": "村干部在村里吃喝报销", "contact": CONTACT})
        report = ViolationReport.objects.get()
        self.client.force_login(self.personas.cadre)
        self.client.post(
            report.get_absolute_url(),
            {"decision": "confirm", "answer": "经查属实，已责令整改", **CONFIRMED},
        )
        report.refresh_from_db()
        self.assertEqual(report.status, ViolationReport.Status.CONFIRMED)
        self.client.logout()
        board = self.board()
        self.assertContains(board, "经查属实，已责令整改")
        self.assertNotContains(board, CONTACT)
        self.assertNotContains(board, "吃喝报销")  # the resident's own words are not published

    def test_the_village_committee_never_sees_who_reported(self):
        self.client.post(self.report_url(), {"text": "违规发包工程给亲戚", "contact": CONTACT})
        self.post_challenge(contact=CONTACT)
        report, challenge = ViolationReport.objects.get(), Challenge.objects.get()
        self.client.force_login(self.personas.committee)
        self.assertEqual(self.client.get(report.get_absolute_url()).status_code, 403)
        page = self.client.get(challenge.get_absolute_url())
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, CONTACT)
        for url in (
            reverse("pledges:village_list", args=[self.village.code]),
            reverse("pledges:pledge_list_detail", args=[self.pledge_list.pk]),
            reverse("pledges:project_detail", args=[self.project.pk]),
            reverse("suggestions:suggestion_inbox", args=[self.village.code]),
        ):
            with self.subTest(url=url):
                self.assertNotContains(self.client.get(url, follow=True), CONTACT)

    def test_open_ones_show_on_the_township_dashboard(self):
        self.post_challenge()
        self.client.post(self.report_url(), {"text": "违规发包工程给亲戚"})
        self.client.force_login(self.personas.cadre)
        dashboard = self.client.get(
            reverse("dashboards:township_dashboard", args=[self.township.code])
        )
        self.assertContains(dashboard, "群众质疑：1 件待答复")
        self.assertContains(
            dashboard, reverse("residents:township_inbox", args=[self.township.code])
        )


class PermissionTests(TestCase):
    def setUp(self):
        build(self)
        self.challenge = Challenge.objects.create(project=self.project, text="没有完成的项目")
        self.report = ViolationReport.objects.create(prohibition=self.prohibition, text="违规")

    def test_the_matrix(self):
        pages = {
            "inbox": reverse("residents:township_inbox", args=[self.township.code]),
            "challenge": self.challenge.get_absolute_url(),
            "report": self.report.get_absolute_url(),
            "replies": reverse("suggestions:reply_templates", args=[self.township.code]),
            "answer": reverse("suggestions:bulk_answer", args=[self.village.code]),
        }
        # other_committee is a neighbour's, in the same township.
        order = [*WITH_A_ROLE, "nobody"]
        matrix = {
            #            committee reviewer cadre admin other_committee other_cadre nobody
            "inbox": (DENIED, DENIED, OK, OK, DENIED, DENIED, DENIED),
            "challenge": (OK, DENIED, OK, OK, DENIED, DENIED, DENIED),
            "report": (DENIED, DENIED, OK, OK, DENIED, DENIED, DENIED),
            "replies": (DENIED, DENIED, OK, DENIED, DENIED, DENIED, DENIED),
            "answer": (OK, DENIED, OK, DENIED, DENIED, DENIED, DENIED),
        }
        assert_matrix(self, self.personas, pages, matrix, order)
        assert_matrix(self, self.personas, pages, LOGIN, ["anonymous"])

    def test_only_the_township_cadre_decides_and_a_refusal_changes_nothing(self):
        decision = {"decision": "dismiss", "answer": "不成立", **CONFIRMED}
        posts = {
            "challenge": (self.challenge.get_absolute_url(), decision),
            "report": (self.report.get_absolute_url(), decision),
        }
        others = ["district_admin", "committee", "other_cadre"]
        assert_matrix(self, self.personas, posts, DENIED, others, method="post")
        self.challenge.refresh_from_db()
        self.report.refresh_from_db()
        self.assertTrue(self.challenge.is_open and self.report.is_open)


class QueryBudgetTests(TestCase):
    def test_the_township_inbox_does_not_grow(self):
        build(self)
        self.client.force_login(self.personas.cadre)
        url = reverse("residents:township_inbox", args=[self.township.code])
        for villages in (1, 5):
            for _ in range(villages):
                village = VillageFactory(township=self.township)
                pledge_list = full_list(status="published", village=village, year=YEAR)
                project = pledge_list.projects.first()
                prohibition = pledge_list.prohibitions.first()
                Challenge.objects.create(project=project, text="没完成")
                Challenge.objects.create(project=project, text="没完成", status="dismissed")
                ViolationReport.objects.create(prohibition=prohibition, text="违规")
                ViolationReport.objects.create(
                    prohibition=prohibition, text="违规", status="confirmed"
                )
            # session, user, memberships, township; open and decided challenges and reports
            with self.subTest(villages=villages), self.assertNumQueries(8):
                self.client.get(url)
