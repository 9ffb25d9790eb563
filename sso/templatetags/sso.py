from django import template
from django.conf import settings

from sso import oidc

register = template.Library()


@register.simple_tag
def sso_login_options() -> dict:
    """What the login page offers: single sign-on (and under what name), the password form."""
    return {
        "enabled": oidc.enabled(),
        "provider_name": settings.OIDC_PROVIDER_NAME,
        "password_login": settings.PASSWORD_LOGIN,
    }
