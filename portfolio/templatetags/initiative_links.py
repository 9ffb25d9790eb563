"""The initiative page's "Dependencies and alternatives" section loads its own data, so that the
page includes it with one line (templates/portfolio/_links.html)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def initiative_links(context, initiative) -> dict:
    """What the section shows to the user reading the page (portfolio.link_views.links_context)."""
    from django.contrib.auth.models import AnonymousUser

    from portfolio.link_views import links_context

    request = context.get("request")
    user = request.user if request is not None else AnonymousUser()
    return links_context(user, initiative)["links"]
