import os

import pytest

from huifang.accounts.choices import Role

from .factories import StoreFactory, member

# Playwright's sync API runs an event loop; Django must still allow ORM calls from tests using it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _isolated_cache(settings, tmp_path):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AXES_ENABLED = False


@pytest.fixture
def store(db):
    return StoreFactory(code="SZ01", name="深圳测试斯柯达4S店")


@pytest.fixture
def other_store(db):
    return StoreFactory(code="GZ02", name="广州另一家4S店")


@pytest.fixture
def specialist(store):
    return member(store, Role.CARE_SPECIALIST, username="specialist")


@pytest.fixture
def manager(store):
    return member(store, Role.SERVICE_MANAGER, username="manager")


@pytest.fixture
def director(store):
    return member(store, Role.CARE_DIRECTOR, username="director")


@pytest.fixture
def outsider(other_store):
    """A care specialist of another store: must get 404/403 on everything of `store`."""
    return member(other_store, Role.CARE_SPECIALIST, username="outsider")
