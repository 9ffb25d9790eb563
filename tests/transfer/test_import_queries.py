"""Checking a file costs the same number of queries for 10 rows as for 500: every look-up is
made once per file, not once per row."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from benefits.models import Measurement, PortfolioSetting
from portfolio.models import CouncilGoal, ImportBatch
from tests.benefits.factories import TODAY, make_benefit
from tests.conftest import make_initiative, make_user


@pytest.fixture
def goals(db):
    return [CouncilGoal.objects.create(title=f"Mål {n}", order=n) for n in range(3)]


def initiatives_file(count: int, goals, existing: int) -> bytes:
    scores = ",".join(f"goal_{g.pk}_score,goal_{g.pk}_reason" for g in goals)
    lines = [f"ref,title,department,owner,kind,stage,budget,planned_start,{scores}"]
    for n in range(count):
        ref = f"OLD-{n:04d}" if n < existing else f"NEW-{n:04d}"
        marks = ",".join(f"{n % 6},Skäl" for _goal in goals)
        department = "utb" if n % 2 else "Trafikkontoret"
        lines.append(
            f"{ref},Initiativ {n},{department},head,RPA-robot,pilot,{n},2025-01-01,{marks}"
        )
    return "\n".join(lines).encode()


def measurements_file(count: int, refs: list[str]) -> bytes:
    lines = ["initiative_ref,benefit_title,date,value,note"]
    for n in range(count):
        date = TODAY - dt.timedelta(days=n // len(refs))
        lines.append(f"{refs[n % len(refs)]},Timmar,{date},{n},Mätt")
    return "\n".join(lines).encode()


def post(client, kind: str, content: bytes):
    upload = SimpleUploadedFile(f"{kind}.csv", content)
    return client.post(reverse("portfolio:import"), {"kind": kind, "file": upload})


@pytest.mark.parametrize("count", [10, 500])
def test_checking_an_initiatives_file_makes_the_same_queries_for_10_or_500_rows(
    client_for, office, head, own_department, other_department, goals, count,
    django_assert_num_queries,
):  # fmt: skip
    for n in range(count // 2):
        make_initiative(own_department, ref=f"OLD-{n:04d}")
    make_user("office")  # users other than the ones named
    client = client_for(office)
    content = initiatives_file(count, goals, existing=count // 2)
    # session, user and role; goals, departments, users; the batch
    with django_assert_num_queries(7):
        response = post(client, "initiatives", content)
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    PortfolioSetting.current()  # the settings' row, as in any database in use
    # session, user and role; the batch; initiatives, their scores, departments, owners, goals;
    # the settings (the horizon) and the cost lines of the initiatives whose budget changes
    with django_assert_num_queries(11):
        page = client.get(reverse("portfolio:import_preview", args=[batch.pk]))
    plan = page.context["plan"]
    assert plan.ok, plan.errors[:3]
    assert (len(plan.creates), len(plan.updates)) == (count - count // 2, count // 2)


@pytest.mark.parametrize("count", [10, 500])
def test_checking_and_applying_measurements_makes_the_same_queries_for_10_or_500_rows(
    client_for, office, head, own_department, count, django_assert_num_queries
):
    refs = []
    for n in range(5):
        initiative = make_initiative(own_department, ref=f"M-{n}")
        make_benefit(initiative, title="Timmar", baseline_date=TODAY - dt.timedelta(days=400))
        refs.append(initiative.ref)
    client = client_for(office)
    content = measurements_file(count, refs)
    with django_assert_num_queries(4):  # session, user and role; the batch
        response = post(client, "benefits", content)
    batch = ImportBatch.objects.get()
    # session, user and role; the batch; initiatives, benefits, measurements
    with django_assert_num_queries(7):
        page = client.get(response["Location"])
    assert page.context["plan"].new_measurements == count
    # session, user and role; the batch; queuing it (portfolio.importing.import_queue):
    # savepoint, lock and read the batch, mark it queued; the task (immediate backend): claim
    # the batch and read it; savepoint, lock and read the batch; initiatives, benefits and their
    # measurements; the same for the latest values, written in one executemany; the measurements
    # in one, their ids, their history in one; data version, the batch, savepoint released; the
    # task's id on the batch, the batch read again, savepoint released; the benefits'
    # initiatives and whether the dashboard's sums are kept (portfolio.figures; not here)
    with django_assert_num_queries(30):
        client.post(reverse("portfolio:import_apply", args=[batch.pk]))
    assert Measurement.objects.count() == count
    assert Measurement.history.filter(history_user=office).count() == count
