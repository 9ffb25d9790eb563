"""Numbers as people type them, in the active language's format, and back.

A browser's <input type="number"> reads what is typed with the browser's own locale, not the
page's: "17,4" typed in a Swedish page in an English Chromium became 174. So number fields are
text fields (inputmode="decimal" or "numeric" brings up the right keyboard on a phone), and the
server reads them with the active language's separators (Swedish and Finnish "1 234,5", English
"1,234.5"). Whatever could be read two ways is refused with a message instead of guessed:

- with a decimal comma (sv, fi): a point before exactly three digits ("1.234": a thousand, or one
  and a bit?), or a point and a comma together ("1,234.5"). A point before other than three digits
  ("0.5") can only be a decimal point and is read as one, so a link or a number pasted from
  elsewhere still works.
- with a decimal point (en): a comma before other than exactly three digits ("17,4": a decimal
  comma) or a comma after the decimal point.

Spaces (also no-break and narrow no-break spaces) group thousands in every language; groups must
be of three digits, so "12 34" is refused rather than read as 1234.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

SPACES = re.compile(r"[ \u00a0\u202f\u2009]")
MINUS_SIGNS = "-\u2212\u2013"  # hyphen-minus, minus sign, en dash (typed or pasted for minus)
GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+")
SPACE_GROUPED = re.compile(r"\d{1,3}(?: \d{3})+")
DIGITS = re.compile(r"\d+")

AMBIGUOUS = _(
    "“%(value)s” can be read in two ways. Write a decimal as %(decimal)s and thousands as "
    "%(thousands)s."
)
GROUPING = _("Group the digits in threes, as in %(thousands)s, or leave out the spaces.")
NOT_A_NUMBER = forms.DecimalField.default_error_messages["invalid"]  # Django's "Enter a number."


def decimal_separator() -> str:
    """The active language's decimal separator: "," (sv, fi) or "." (en)."""
    return formats.get_format("DECIMAL_SEPARATOR")


def _examples() -> dict[str, str]:
    if decimal_separator() == ",":
        return {"decimal": "17,4", "thousands": "1 234"}
    return {"decimal": "17.4", "thousands": "1,234"}


def _refuse(message, value: str, code: str) -> ValidationError:
    return ValidationError(message, code=code, params={"value": value, **_examples()})


def _whole_part(text: str, original: str, comma_groups: bool) -> str:
    """The digits before the decimal separator, with spaces (and, in English, commas) as
    thousands separators checked and removed."""
    if " " in text:
        if not SPACE_GROUPED.fullmatch(text):
            raise _refuse(GROUPING, original, "grouping")
        return text.replace(" ", "")
    if comma_groups and "," in text:
        if not GROUPED.fullmatch(text):
            raise _refuse(AMBIGUOUS, original, "ambiguous")
        return text.replace(",", "")
    if text == "":  # ",5" or ".5"
        return "0"
    if not DIGITS.fullmatch(text):
        raise ValidationError(NOT_A_NUMBER, code="invalid")
    return text


def parse_number(value: str) -> Decimal:
    """Read a number typed in the active language's format; refuse what could be misread.

    Raises ValidationError with code "invalid" (not a number), "ambiguous" or "grouping".
    """
    original = value.strip()
    text = SPACES.sub(" ", original)
    sign = ""
    if text and text[0] in MINUS_SIGNS:
        sign, text = "-", text[1:].lstrip()
    elif text.startswith("+"):
        text = text[1:].lstrip()
    if not text or not re.fullmatch(r"[\d ,.]+", text):
        raise ValidationError(NOT_A_NUMBER, code="invalid")
    if decimal_separator() == ",":
        if "." in text:
            whole, _sep, fraction = text.partition(".")
            if "," in text or "." in fraction or len(fraction) == 3 or " " in fraction:
                raise _refuse(AMBIGUOUS, original, "ambiguous")
        else:
            whole, _sep, fraction = text.partition(",")
            if "," in fraction:
                raise _refuse(AMBIGUOUS, original, "ambiguous")
        whole = _whole_part(whole, original, comma_groups=False)
    else:
        whole, _sep, fraction = text.partition(".")
        if "," in fraction or "." in fraction:
            raise _refuse(AMBIGUOUS, original, "ambiguous")
        whole = _whole_part(whole, original, comma_groups=True)
    if _sep and not DIGITS.fullmatch(fraction):
        raise ValidationError(NOT_A_NUMBER, code="invalid")
    try:
        return Decimal(f"{sign}{whole}.{fraction}" if _sep else f"{sign}{whole}")
    except InvalidOperation:
        raise ValidationError(NOT_A_NUMBER, code="invalid") from None


def format_number(value) -> str:
    """A number as a form shows it: the active language's decimal separator, no trailing zeros
    (17,4, not 17,4000) and no thousands separators (1234567: nothing to misread, and what is
    shown reads back as the same value)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):  # what was typed, shown back as typed
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        value = value.normalize()
    # format(…, "f") writes normalize()'s 1E+3 as 1000.
    return format(value, "f").replace(".", decimal_separator())


def _parse(value: str, invalid_message) -> Decimal:
    """parse_number, saying "not a number" in the field's own words ("Enter a whole number.")."""
    try:
        return parse_number(value)
    except ValidationError as error:
        if error.code == "invalid":
            raise ValidationError(invalid_message, code="invalid") from None
        raise


class NumberInput(forms.TextInput):
    """A text input for a number: the browser keeps what is typed as it is (an
    <input type="number"> may rewrite or drop it), shown in the active language's format,
    with its unit after it (tied to the input with aria-describedby)."""

    def __init__(self, attrs=None, *, unit: str = "", inputmode: str = "decimal"):
        super().__init__({"inputmode": inputmode, "autocomplete": "off", **(attrs or {})})
        self.unit = unit

    def format_value(self, value):
        return format_number(value) or None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        if self.unit and widget_attrs.get("id"):
            unit_id = f"{widget_attrs['id']}_unit"
            described = widget_attrs.get("aria-describedby", "")
            widget_attrs["aria-describedby"] = f"{described} {unit_id}".strip()
        return context

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        html = super().render(name, value, attrs, renderer)
        if not self.unit:
            return html
        unit_id = f"{(attrs or {}).get('id') or self.attrs.get('id', '')}_unit"
        return format_html(
            '<span class="with-unit">{} <span class="unit" id="{}">{}</span></span>',
            html,
            unit_id,
            self.unit,
        )


class LocalizedDecimalField(forms.DecimalField):
    """A decimal typed in the active language's format (see parse_number)."""

    widget = NumberInput

    def __init__(self, *args, unit: str = "", **kwargs):
        kwargs.pop("localize", None)
        super().__init__(*args, **kwargs)
        self.widget.unit = unit or self.widget.unit

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        return _parse(str(value), self.error_messages["invalid"])

    def widget_attrs(self, widget):
        # DecimalField's step/min/max belong to <input type="number">; not to a text input.
        return forms.Field.widget_attrs(self, widget)


class LocalizedIntegerField(forms.IntegerField):
    """A whole number (kronor) typed in the active language's format: "1 234 567" in Swedish,
    "1,234,567" in English."""

    widget = NumberInput

    def __init__(self, *args, unit: str = "", **kwargs):
        kwargs.pop("localize", None)
        super().__init__(*args, **kwargs)
        self.widget.unit = unit or self.widget.unit
        self.widget.attrs["inputmode"] = "numeric"

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, int):
            return value
        number = _parse(str(value), self.error_messages["invalid"])
        if number != number.to_integral_value():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return int(number)

    def widget_attrs(self, widget):
        return forms.Field.widget_attrs(self, widget)
