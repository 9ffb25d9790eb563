"""The project's URLs plus the public invitation page, for the user tests (no tests here).

portfolio/urls.py is to include organisation.urls_public under accounts/invitation/; until it does,
the tests mark themselves with `pytest.mark.urls(URLCONF)`. Once it does, this changes nothing:
the first of two identical routes wins.
"""

from django.urls import include, path

from portfolio.urls import urlpatterns as project_urlpatterns

URLCONF = __name__

urlpatterns = [
    path("accounts/invitation/", include("organisation.urls_public")),
    *project_urlpatterns,
]
