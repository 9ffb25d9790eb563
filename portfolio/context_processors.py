from django.http import HttpRequest

from organisation import permissions


def navigation(request: HttpRequest) -> dict:
    """What the navigation may offer this user; the views enforce it again on the server."""
    user = request.user
    return {
        "nav": {
            "role": permissions.role(user),
            "can_check_in": permissions.can_check_in(user),
            "can_create": permissions.can_create(user),
            "is_office": permissions.is_office(user),
        }
    }
