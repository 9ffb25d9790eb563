# Departments move from the initiatives app to organisation without touching their table: the
# model is created here in Django's state only (on the existing table initiatives_department and
# its members table), and initiatives.0003 removes it from that app's state.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("initiatives", "0002_bounds_and_history"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Department",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=200, unique=True, verbose_name="name")),
                        ("code", models.CharField(max_length=20, unique=True, verbose_name="short code")),
                        ("members", models.ManyToManyField(blank=True, related_name="departments", to=settings.AUTH_USER_MODEL, verbose_name="members")),
                    ],
                    options={
                        "verbose_name": "department",
                        "verbose_name_plural": "departments",
                        "ordering": ["name"],
                        "db_table": "initiatives_department",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
