# Departments now live in the organisation app, on the same table: point the foreign keys there and
# forget the model here, in Django's state only (no table or constraint changes).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0002_bounds_and_history"),
        ("organisation", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="initiative",
                    name="department",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="initiatives", to="organisation.department", verbose_name="department"),
                ),
                migrations.AlterField(
                    model_name="historicalinitiative",
                    name="department",
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="organisation.department", verbose_name="department"),
                ),
                migrations.DeleteModel(name="Department"),
            ],
            database_operations=[],
        ),
    ]
