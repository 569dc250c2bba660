import pytest

from motcua.notifications.sms import MemoryAdapter

from .factories import make_world


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture(autouse=True)
def _memory_channels(settings):
    settings.MOTCUA_SMS_ADAPTER = "motcua.notifications.sms.MemoryAdapter"
    settings.MOTCUA_SITE_URL = "https://dichvucong.example.vn"
    settings.MOTCUA_NOTIFY_MAX_EVENT_AGE_HOURS = None  # these tests act at fixed dates in 2025
    MemoryAdapter.outbox.clear()
    yield
    MemoryAdapter.outbox.clear()
