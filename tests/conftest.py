import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language: a request to a Spanish page
    leaves Spanish active in the thread that served it."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def moderator(django_user_model):
    return django_user_model.objects.create_superuser(
        username="moderator", email="", password="a-long-test-password"
    )
