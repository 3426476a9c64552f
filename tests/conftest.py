import pytest


@pytest.fixture
def moderator(django_user_model):
    return django_user_model.objects.create_superuser(
        username="moderator", email="", password="a-long-test-password"
    )
