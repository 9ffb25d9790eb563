"""Walking a paginated list page as a visitor would: by page number, or by its Next/Previous
links (the keyset pages of portfolio.keyset). `rows` picks what a page shows from its response."""

from __future__ import annotations

import html
import re
from collections.abc import Callable


def link(response, rel: str) -> str | None:
    """The href of the page's link with this rel ("next", "prev"), unescaped."""
    found = re.search(rf'<a href="([^"]+)"[^>]*rel="{rel}"', response.text)
    return html.unescape(found.group(1)) if found else None


def by_offset(client, url: str, query: dict, rows: Callable) -> list[list]:
    """The rows of each page asked for by number, as the offset paginator gives them."""
    first = client.get(url, query)
    pages = [rows(first)]
    for number in range(2, first.context["page"].paginator.num_pages + 1):
        pages.append(rows(client.get(url, {**query, "page": number})))
    return pages


def by_links(client, url: str, rel: str, rows: Callable) -> tuple[list[list], list[str]]:
    """The rows of each page met following the `rel` links from `url`, and the links."""
    pages, links = [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        pages.append(rows(response))
        url = link(response, rel)
        if url:
            links.append(url)
    return pages, links
