import pytest
from django.urls import reverse

from tests.conftest import make_lesson, make_update


@pytest.mark.django_db
def test_every_page_renders_for_the_office(client_for, office, own_initiative, head):
    make_update(own_initiative, head)
    make_lesson(own_initiative, head)
    client = client_for(office)
    for url in [
        reverse("initiatives:list"),
        reverse("initiatives:create"),
        reverse("initiatives:detail", args=[own_initiative.ref]),
        reverse("initiatives:edit", args=[own_initiative.ref]),
        reverse("initiatives:stage", args=[own_initiative.ref]),
        reverse("initiatives:check_in"),
        reverse("initiatives:lessons"),
        reverse("initiatives:proposals"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
