from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

LOCALE = Path(settings.BASE_DIR) / "locale" / "sv" / "LC_MESSAGES"


def test_swedish_is_the_default_whatever_the_browser_says(client, db):
    response = client.get(reverse("login"), headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="sv">' in response.text
    assert "Logga in" in response.text


def test_the_language_switch_turns_the_page_english_and_back(client, db):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("login")}, follow=True
    )
    assert '<html lang="en">' in response.text
    assert "Log in" in response.text
    response = client.post(reverse("set_language"), {"language": "sv", "next": "/"}, follow=True)
    assert "Logga in" in response.text


def test_every_page_offers_the_language_switch(client_for, office, own_initiative):
    client = client_for(office)
    for url in [reverse("initiatives:list"), own_initiative.get_absolute_url()]:
        assert f'action="{reverse("set_language")}"' in client.get(url).text


def test_swedish_numbers_and_dates(client_for, office, own_initiative):
    own_initiative.budget = 1_250_000
    own_initiative.planned_end = "2027-03-31"
    own_initiative.save()
    client = client_for(office)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    response = client.get(own_initiative.get_absolute_url())
    assert "1\xa0250\xa0000" in response.text or "1 250 000" in response.text
    assert "2027-03-31" in response.text


@pytest.fixture(scope="module")
def catalogue():
    return polib.pofile(str(LOCALE / "django.po"))


def test_the_swedish_translation_is_complete(catalogue):
    missing = [entry.msgid for entry in catalogue if not entry.translated() and not entry.obsolete]
    assert missing == []


def test_the_compiled_translation_matches_the_source(catalogue):
    compiled = polib.mofile(str(LOCALE / "django.mo"))
    compiled_ids = {entry.msgid for entry in compiled}
    assert {entry.msgid for entry in catalogue.translated_entries()} <= compiled_ids


def _marked_strings() -> set[str]:
    """Literal strings marked for translation in our templates and Python code (single-line)."""
    import re

    root = Path(settings.BASE_DIR)
    found = set()
    templates = [
        *(root / "templates").rglob("*.html"),
        *(root / "sso" / "templates").rglob("*.html"),
    ]
    for path in templates:
        found |= set(re.findall(r'{% translate "([^"]+)" %}', path.read_text()))
        found |= set(re.findall(r"{% translate '([^']+)' %}", path.read_text()))
    for app in ["organisation", "portfolio", "initiatives", "benefits", "api", "sso"]:
        for path in (root / app).rglob("*.py"):
            if "migrations" not in path.parts:
                found |= set(re.findall(r'\b_\("([^"\\]+)"\)', path.read_text()))
    return found


def test_every_marked_string_is_in_the_swedish_catalogue(catalogue):
    translated = {entry.msgid for entry in catalogue.translated_entries()}
    assert sorted(_marked_strings() - translated) == []
