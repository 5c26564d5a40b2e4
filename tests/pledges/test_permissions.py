"""Role × view × own / other scope, for every pledges page."""

from django.test import TestCase
from django.urls import reverse

from pledges.models import ChangeRequest, Escalation, PledgeList
from tests.factories import VillageFactory, full_list
from tests.personas import DENIED, LOGIN, OK, WITH_A_ROLE, Personas, assert_matrix

Status = PledgeList.Status


class PermissionMatrixTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory()
        cls.draft = full_list(village=cls.village, year=2027)
        cls.submitted = full_list(status=Status.SUBMITTED, village=cls.village, year=2025)
        cls.published = full_list(status=Status.PUBLISHED, village=cls.village, year=2026)
        cls.project = cls.published.projects.get(number=1)
        cls.completed = cls.published.projects.get(number=2)
        cls.completed.status = "completed"
        cls.completed.save()
        cls.change = ChangeRequest.objects.create(
            project=cls.project, reason="延期", title="新名称"
        )
        cls.escalation = Escalation.objects.create(
            village=cls.project.pledge_list.village, project=cls.project, problem="缺资金"
        )
        cls.personas = Personas.around(cls.village)

    def urls(self):
        return {
            "dashboard": reverse(
                "dashboards:township_dashboard", args=[self.village.township.code]
            ),
            "district": reverse(
                "dashboards:district_overview", args=[self.village.township.district.code]
            ),
            "list": reverse("pledges:pledge_list_detail", args=[self.published.pk]),
            "edit": reverse("pledges:pledge_list_edit", args=[self.draft.pk]),
            "review": reverse("pledges:pledge_list_review", args=[self.submitted.pk]),
            "project": reverse("pledges:project_detail", args=[self.project.pk]),
            "progress": reverse("pledges:project_progress", args=[self.project.pk]),
            "complete": reverse("pledges:project_complete", args=[self.project.pk]),
            "verify": reverse("pledges:project_verify", args=[self.completed.pk]),
            "change": reverse("pledges:project_change", args=[self.completed.pk]),
            "decide": reverse("pledges:change_request_decide", args=[self.change.pk]),
            "escalate": reverse("pledges:project_escalate", args=[self.project.pk]),
            "answer": reverse("pledges:escalation_answer", args=[self.escalation.pk]),
        }

    # Expected status of a GET per persona; other_* hold the same roles one place over.
    MATRIX = {
        #            committee reviewer cadre admin other_committee other_cadre
        "dashboard": (DENIED, DENIED, OK, OK, DENIED, DENIED),
        "district": (DENIED, DENIED, DENIED, OK, DENIED, DENIED),
        "list": (OK, OK, OK, OK, DENIED, DENIED),
        "edit": (OK, DENIED, OK, DENIED, DENIED, DENIED),
        "review": (DENIED, DENIED, OK, DENIED, DENIED, DENIED),
        "project": (OK, OK, OK, OK, DENIED, DENIED),
        "progress": (OK, DENIED, DENIED, DENIED, DENIED, DENIED),
        "complete": (OK, DENIED, DENIED, DENIED, DENIED, DENIED),
        "verify": (DENIED, DENIED, OK, DENIED, DENIED, DENIED),
        "change": (OK, DENIED, OK, DENIED, DENIED, DENIED),
        "decide": (DENIED, DENIED, OK, DENIED, DENIED, DENIED),
        "escalate": (OK, DENIED, OK, DENIED, DENIED, DENIED),
        "answer": (DENIED, DENIED, OK, OK, DENIED, DENIED),
    }
    ORDER = WITH_A_ROLE

    def test_every_page_for_every_role_in_its_own_and_another_place(self):
        assert_matrix(self, self.personas, self.urls(), self.MATRIX, self.ORDER)

    def test_a_user_without_a_role_is_refused_everywhere(self):
        assert_matrix(self, self.personas, self.urls(), DENIED, ["nobody"])

    def test_anonymous_is_sent_to_log_in(self):
        assert_matrix(self, self.personas, self.urls(), LOGIN, ["anonymous"])

    def test_refused_posts_change_nothing(self):
        urls = self.urls()
        self.client.force_login(self.personas.other_cadre)
        self.client.post(urls["verify"], {"decision": "verify"})
        self.client.post(urls["review"], {"decision": "approve"})
        self.client.force_login(self.personas.reviewer)
        self.client.post(urls["progress"], {"percent_done": "50"})
        self.completed.refresh_from_db()
        self.submitted.refresh_from_db()
        self.assertEqual(self.completed.status, "completed")
        self.assertEqual(self.submitted.status, Status.SUBMITTED)
        self.assertFalse(self.project.updates.exists())

    def test_action_pages_refuse_the_wrong_method(self):
        self.client.force_login(self.personas.cadre)
        self.assertEqual(
            self.client.get(
                reverse("pledges:pledge_list_publish", args=[self.published.pk])
            ).status_code,
            405,
        )
        self.assertEqual(
            self.client.get(
                reverse("pledges:pledge_list_submit", args=[self.draft.pk])
            ).status_code,
            405,
        )
        self.assertEqual(self.client.put(self.urls()["list"]).status_code, 405)
