import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def in_english():
    """Services called outside a request speak the default language (Swedish); these tests read
    their messages in English, as the pages' tests do (client_for sets the English cookie)."""
    with translation.override("en"):
        yield
