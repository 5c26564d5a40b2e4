"""The moved models take the tables of their new app (pledges_suggestion →
suggestions_suggestion, …), and their content types follow them, so permissions, admin log
entries and history keep pointing at the same rows."""

from django.db import migrations

MOVED = {
    "pledges": ["meeting", "historicalmeeting", "suggestion", "historicalsuggestion",
                "historicalsuggestion_projects"],
    "residents": ["replytemplate", "historicalreplytemplate"],
}


def content_types_follow(apps, schema_editor, forwards=True):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for old_app, models in MOVED.items():
        source, target = (old_app, "suggestions") if forwards else ("suggestions", old_app)
        for model in models:
            if not ContentType.objects.filter(app_label=target, model=model).exists():
                ContentType.objects.filter(app_label=source, model=model).update(app_label=target)


def content_types_go_back(apps, schema_editor):
    content_types_follow(apps, schema_editor, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("suggestions", "0001_initial"),
        ("pledges", "0004_move_suggestions_and_imports_out"),
        ("residents", "0003_move_replies_to_suggestions"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelTable(name="meeting", table=None),
        migrations.AlterModelTable(name="historicalmeeting", table=None),
        migrations.AlterModelTable(name="suggestion", table=None),
        migrations.AlterModelTable(name="historicalsuggestion", table=None),
        migrations.AlterModelTable(name="historicalsuggestion_projects", table=None),
        migrations.AlterModelTable(name="replytemplate", table=None),
        migrations.AlterModelTable(name="historicalreplytemplate", table=None),
        migrations.RunPython(content_types_follow, content_types_go_back),
    ]
