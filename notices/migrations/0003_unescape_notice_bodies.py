"""Notices written before the fix were HTML-escaped once by the template Context (`'` stored
as `&#x27;`, `<` as `&lt;`), so every reader saw the entities. Undo exactly that escaping:
the five entities django.utils.html.escape makes, `&amp;` last."""

from django.db import migrations

ENTITIES = [("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#x27;", "'"), ("&amp;", "&")]


def unescape(text: str) -> str:
    for entity, char in ENTITIES:
        text = text.replace(entity, char)
    return text


def forwards(apps, schema_editor):
    Notice = apps.get_model("notices", "Notice")
    changed = []
    for notice in Notice.objects.filter(body__contains="&").only("pk", "body").iterator(2000):
        body = unescape(notice.body)
        if body != notice.body:
            notice.body = body
            changed.append(notice)
        if len(changed) >= 500:
            Notice.objects.bulk_update(changed, ["body"])
            changed = []
    Notice.objects.bulk_update(changed, ["body"])


class Migration(migrations.Migration):
    dependencies = [("notices", "0002_default_schedule")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
