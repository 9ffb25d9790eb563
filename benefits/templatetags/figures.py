"""{% figure_data %}: a chart's figure embedded in the page, escaped for a script element."""

from django import template
from django.utils.html import json_script
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def figure_data(figure, *id_parts) -> SafeString:
    """`<script id="{id}-data" type="application/json">` holding the figure, for charts.js.

    Django's json_script escapes `<`, `>` and `&` inside the JSON, so a title or unit holding
    `</script>` stays text and cannot end the block (the one safe way to put JSON into HTML).
    """
    chart_id = "".join(str(part) for part in id_parts)
    return json_script(figure, f"{chart_id}-data")


@register.filter
def without_money_value(rows: list[dict]) -> list[dict]:
    """The score-against-value chart's rows that have no expected SEK/year: left out of the chart
    (they would all sit on its zero line, on top of each other) and listed beside it."""
    return [row for row in rows if not row["expected_sek"]]
