"""ImportJob takes the table of its new app (pledges_importjob → imports_importjob), and its
content type follows it."""

from django.db import migrations


def content_type_follows(apps, schema_editor, source="pledges", target="imports"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=target, model="importjob").exists():
        ContentType.objects.filter(app_label=source, model="importjob").update(app_label=target)


def content_type_goes_back(apps, schema_editor):
    content_type_follows(apps, schema_editor, source="imports", target="pledges")


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0001_initial"),
        ("pledges", "0004_move_suggestions_and_imports_out"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelTable(name="importjob", table=None),
        migrations.RunPython(content_type_follows, content_type_goes_back),
    ]
