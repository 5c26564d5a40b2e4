"""Every district gets its city: the city with the first four digits of the district's code
(a district's code starts with its city's), created with its code as a placeholder name for
an administrator to correct when it does not exist yet."""

from django.db import migrations


def cities_from_codes(apps, schema_editor):
    City = apps.get_model("villages", "City")
    District = apps.get_model("villages", "District")
    codes = {code[:4] for code in District.objects.values_list("code", flat=True)}
    existing = set(City.objects.filter(code__in=codes).values_list("code", flat=True))
    City.objects.bulk_create(City(code=code, name=code) for code in sorted(codes - existing))
    for city in City.objects.filter(code__in=codes):
        District.objects.filter(city__isnull=True, code__startswith=city.code).update(city=city)


class Migration(migrations.Migration):
    dependencies = [("villages", "0004_city")]

    operations = [migrations.RunPython(cities_from_codes, migrations.RunPython.noop)]
