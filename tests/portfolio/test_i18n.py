import ast
import datetime as dt
import functools
import io
import re
import tokenize
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation.template import templatize
from openpyxl import load_workbook

from initiatives.models import Stage
from portfolio.charts import plotly_separators
from portfolio.importing import ChoiceNames, parse_bool
from tests.conftest import make_user

LOCALE = Path(settings.BASE_DIR) / "locale"


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


LANGUAGES = ["sv", "fi"]  # every language but the source's (English)
PLACEHOLDERS = re.compile(r"%\([a-z_]+\)[sd]|%%|<[^>]+>")
# The callables makemessages hands to xgettext, as (context, singular, plural) positions.
KEYWORDS = {
    "_": (None, 0, None), "gettext": (None, 0, None), "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None), "ngettext": (None, 0, 1), "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None), "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2), "npgettext_lazy": (0, 1, 2),
}  # fmt: skip


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def _message(arguments: list, call: str) -> tuple | None:
    """(context, msgid, msgid_plural) of one call, or None when its text is not a literal."""
    positions = KEYWORDS[call]
    if any(index is not None and index >= len(arguments) for index in positions):
        return None
    message = tuple(None if index is None else arguments[index] for index in positions)
    return message if isinstance(message[1], str) else None


def _from_python(text: str) -> set[tuple]:
    found = set()
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.Call):
            continue
        call = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if call in KEYWORDS:
            arguments = [
                arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None
                for arg in node.args
            ]
            if message := _message(arguments, call):
                found.add(message)
    return found


def _from_template(text: str, origin: str) -> set[tuple]:
    # templatize is what makemessages feeds xgettext: each {% translate %} and
    # {% blocktranslate %} as a gettext call on one line, the rest as filler.
    code = "\n".join(line.lstrip() for line in templatize(text, origin=origin).splitlines())
    tokens = [
        token
        for token in tokenize.generate_tokens(io.StringIO(code).readline)
        if token.type in (tokenize.NAME, tokenize.OP, tokenize.STRING)
    ]
    found = set()
    for index, token in enumerate(tokens[:-1]):
        if token.string not in KEYWORDS or tokens[index + 1].string != "(":
            continue
        arguments = []
        for argument in tokens[index + 2 :]:
            if argument.string == ")":
                break
            if argument.type == tokenize.STRING:
                arguments.append(ast.literal_eval(argument.string))
            elif argument.string != ",":
                arguments.append(None)
        if message := _message(arguments, token.string):
            found.add(message)
    return found


@functools.cache
def source_messages() -> frozenset[tuple]:
    """Every (context, msgid, msgid_plural) marked for translation in the apps' code and the
    templates, as makemessages finds them (multi-line strings, blocktranslate and plurals too)."""
    root = Path(settings.BASE_DIR)
    folders = [path for path in root.iterdir() if (path / "apps.py").exists()]
    found = set()
    for folder in [*folders, root / "templates"]:
        for path in folder.rglob("*"):
            if "migrations" in path.parts or not path.is_file():
                continue
            if path.suffix == ".py":
                found |= _from_python(path.read_text())
            elif path.suffix in (".html", ".txt"):
                found |= _from_template(path.read_text(), str(path))
    return frozenset(found)


def _translations(entry: polib.POEntry) -> list[tuple[str, str]]:
    """(the source text, its translation) for each form of the entry."""
    if entry.msgid_plural:
        return [
            (entry.msgid if form == 0 else entry.msgid_plural, text)
            for form, text in sorted(entry.msgstr_plural.items())
        ]
    return [(entry.msgid, entry.msgstr)]


def test_the_source_is_read_as_makemessages_reads_it():
    messages = source_messages()
    assert (None, "Log out", None) in messages  # {% translate %}
    assert ("unit", "SEK", None) in messages  # pgettext_lazy
    assert (None, "%(counter)s initiative", "%(counter)s initiatives") in messages  # plural
    assert (  # a multi-line {% blocktranslate %}
        None,
        "Hello %(name)s,\n\n%(inviter)s has invited you to the digitalization portfolio",
        None,
    ) in messages


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_of_the_source_is_translated(language):
    translated = {
        (entry.msgctxt, entry.msgid, entry.msgid_plural or None)
        for entry in catalogue(language).translated_entries()
    }
    assert sorted(source_messages() - translated, key=str) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_has_no_untranslated_or_fuzzy_entry(language):
    entries = [entry for entry in catalogue(language) if not entry.obsolete]
    unfinished = [
        entry.msgid
        for entry in entries
        if "fuzzy" in entry.flags or any(not text.strip() for _id, text in _translations(entry))
    ]
    assert unfinished == []
    assert catalogue(language).metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_and_markup(language):
    wrong = [
        (source, text)
        for entry in catalogue(language).translated_entries()
        for source, text in _translations(entry)
        if sorted(PLACEHOLDERS.findall(text)) != sorted(PLACEHOLDERS.findall(source))
    ]
    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_translation_matches_the_source(language):
    compiled = {
        (entry.msgctxt, entry.msgid): entry.msgstr or entry.msgstr_plural
        for entry in polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))
    }
    stale = [
        entry.msgid
        for entry in catalogue(language).translated_entries()
        if compiled.get((entry.msgctxt, entry.msgid)) != (entry.msgstr or entry.msgstr_plural)
    ]
    assert stale == []


# Finnish ------------------------------------------------------------------------------------------


def test_the_header_offers_the_two_other_languages_each_in_its_own_language(client, db):
    def offered(language: str) -> list[str]:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        page = client.get(reverse("login")).text
        return re.findall(
            r'name="language" value="(\w+)" lang="\1" class="link-button">(\w+)<', page
        )

    assert offered("sv") == [("fi", "Suomi"), ("en", "English")]
    assert offered("fi") == [("sv", "Svenska"), ("en", "English")]
    assert offered("en") == [("sv", "Svenska"), ("fi", "Suomi")]


def test_the_language_switch_turns_the_page_finnish(client, db):
    response = client.post(
        reverse("set_language"), {"language": "fi", "next": reverse("login")}, follow=True
    )
    assert '<html lang="fi">' in response.text
    assert "Kirjaudu sisään" in response.text


def test_finnish_numbers_and_dates(client_for, office, own_initiative):
    own_initiative.budget = 1_250_000
    own_initiative.planned_end = "2027-03-31"
    own_initiative.save()
    client = client_for(office)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fi"
    response = client.get(own_initiative.get_absolute_url())
    assert "1\xa0250\xa0000" in response.text
    assert "31.3.2027" in response.text
    assert "Vastuuhenkilö" in response.text


def test_finnish_dates_and_times_are_as_finns_write_them():
    moment = dt.datetime(2026, 11, 5, 9, 5)
    with translation.override("fi"):
        assert formats.date_format(moment.date(), "SHORT_DATE_FORMAT") == "5.11.2026"
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "5.11.2026 9.05"


def test_finnish_charts_have_a_decimal_comma_and_space_grouped_thousands():
    with translation.override("fi"):
        assert plotly_separators() == ", "


def test_the_profile_and_the_invitation_offer_finnish(client_for, office):
    client = client_for(office)
    for url in [reverse("organisation:profile"), reverse("organisation:user_invite")]:
        assert '<option value="fi">Finnish</option>' in client.get(url).text


def test_choosing_finnish_on_the_profile_turns_the_pages_finnish(client_for, office):
    client = client_for(office)
    response = client.post(
        reverse("organisation:profile"), {"language": "fi", "first_name": "Anna"}, follow=True
    )
    assert '<html lang="fi">' in response.text
    assert "Tietosi tallennettiin." in response.text


def test_the_invitation_email_is_written_in_finnish(client_for, office):
    client_for(office).post(
        reverse("organisation:user_invite"),
        {"first_name": "Aino", "last_name": "Virtanen", "email": "aino.virtanen@porvoo.fi",
         "role": "department_head", "language": "fi"},
    )  # fmt: skip
    [message] = mail.outbox
    html, _mimetype = message.alternatives[0]
    assert message.subject == "Digitalisaation hankesalkku: sinut on kutsuttu"
    assert "Hei Aino Virtanen," in message.body
    assert "on kutsunut sinut digitalisaation hankesalkkuun" in message.body
    assert "Käyttäjätunnuksesi on aino.virtanen@porvoo.fi." in message.body
    assert "?lang=fi" in message.body
    assert '<html lang="fi">' in html and "Käyttäjätunnuksesi on" in html


def test_the_password_reset_email_is_written_in_finnish(client, db):
    user = make_user("executive", username="johto")
    user.email = "johto@porvoo.fi"
    user.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fi"
    client.post(reverse("password_reset"), {"email": "johto@porvoo.fi"})
    [message] = mail.outbox
    assert message.subject == "Digitalisaation hankesalkku: valitse uusi salasana"
    assert "Joku, luultavasti sinä, on pyytänyt" in message.body
    assert "Linkkiä voi käyttää kerran:" in message.body


def test_the_import_templates_instructions_are_in_finnish(client_for, office, own_initiative):
    client = client_for(office)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fi"
    response = client.get(reverse("portfolio:import_template", args=["benefits"]))
    workbook = load_workbook(io.BytesIO(response.content))
    instructions = workbook["Ohjeet"]
    assert instructions["A1"].value == "Pohja: hyödyt"
    assert [cell.value for cell in instructions[7]] == [
        "Sarake", "Pakollinen", "Sisältö", "Sallitut arvot"
    ]  # fmt: skip
    # The drop-down lists: written into the validation, or on the hidden lists sheet.
    lists = [
        validation.formula1 for validation in workbook["benefits"].data_validations.dataValidation
    ]
    if "lists" in workbook.sheetnames:
        lists += [str(cell.value) for row in workbook["lists"].iter_rows() for cell in row]
    assert '"kyllä,ei"' in lists
    assert {"h/vuosi", "kr/vuosi", "min per asia"} <= set(
        ",".join(lists).replace('"', "").split(",")
    )


def test_the_import_reads_finnish_yes_no_and_choice_names():
    assert parse_bool("Kyllä") is True
    assert parse_bool("ei") is False
    assert ChoiceNames(Stage.choices)("Pilotti") == Stage.PILOT
    assert ChoiceNames(Stage.choices)("skaalaus") == Stage.SCALING
