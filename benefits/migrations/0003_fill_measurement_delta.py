from django.db import migrations


def fill_deltas(apps, schema_editor):
    Benefit = apps.get_model("benefits", "Benefit")
    Measurement = apps.get_model("benefits", "Measurement")
    for benefit in Benefit.objects.all().iterator():
        previous = benefit.baseline_value
        changed = []
        for measurement in Measurement.objects.filter(benefit=benefit).order_by("date", "id"):
            measurement.delta = measurement.value - previous
            previous = measurement.value
            changed.append(measurement)
        Measurement.objects.bulk_update(changed, ["delta"])


class Migration(migrations.Migration):
    dependencies = [("benefits", "0002_measurement_delta")]

    operations = [migrations.RunPython(fill_deltas, migrations.RunPython.noop)]
