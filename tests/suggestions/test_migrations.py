"""Moving suggestions, meetings, standard replies and import jobs into apps of their own
keeps every row: the tables are renamed, not copied, and content types follow them."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

BEFORE = [
    ("pledges", "0003_importjob"),
    ("residents", "0002_sweep_schedule"),
    ("villages", "0002_village_pinyin"),
    ("suggestions", None),
    ("imports", None),
]


class MovedModelsTests(TransactionTestCase):
    def migrate(self, targets):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)
        executor.loader.build_graph()
        return executor.loader.project_state([node for node in targets if node[1]]).apps

    def tearDown(self):
        self.migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    def test_rows_made_before_the_move_are_there_after_it(self):
        old = self.migrate(BEFORE)
        district = old.get_model("villages", "District").objects.create(code="520302", name="区")
        township = old.get_model("villages", "Township").objects.create(
            district=district, code="520302001", name="镇"
        )
        village = old.get_model("villages", "Village").objects.create(
            township=township, code="520302001001", name="龙江村"
        )
        pledge_list = old.get_model("pledges", "PledgeList").objects.create(
            village=village, year=2026
        )
        project = old.get_model("pledges", "Project").objects.create(
            pledge_list=pledge_list, number=1, title="路灯"
        )
        meeting = old.get_model("pledges", "Meeting").objects.create(
            village=village, date=datetime.date(2026, 3, 1)
        )
        suggestion = old.get_model("pledges", "Suggestion").objects.create(
            village=village, year=2026, meeting=meeting, text="修路灯", receipt_code="ABCD-2345"
        )
        suggestion.projects.add(project)
        old.get_model("residents", "Follow").objects.create(
            suggestion=suggestion, channel="sms", address="13812345678", token="t"
        )
        old.get_model("residents", "ReplyTemplate").objects.create(
            township=township, title="已纳入", text="已纳入明年清单"
        )
        old.get_model("pledges", "ImportJob").objects.create(
            township=township, year=2026, file="imports/x.xlsx", file_name="x.xlsx"
        )
        # Going back moved the content type back too: the same row, under its old app.
        moved_type = ContentType.objects.get(app_label="pledges", model="suggestion")

        new = self.migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
        Suggestion = new.get_model("suggestions", "Suggestion")
        moved = Suggestion.objects.get(pk=suggestion.pk)
        self.assertEqual((moved.text, moved.receipt_code), ("修路灯", "ABCD-2345"))
        self.assertEqual(moved.meeting_id, meeting.pk)
        self.assertEqual(list(moved.projects.values_list("pk", flat=True)), [project.pk])
        follow = new.get_model("residents", "Follow").objects.get()
        self.assertEqual(follow.suggestion_id, suggestion.pk)
        self.assertEqual(
            new.get_model("suggestions", "ReplyTemplate").objects.get().title, "已纳入"
        )
        self.assertEqual(new.get_model("imports", "ImportJob").objects.get().file_name, "x.xlsx")
        self.assertEqual(Suggestion._meta.db_table, "suggestions_suggestion")
        moved_type.refresh_from_db()
        self.assertEqual(moved_type.app_label, "suggestions")
