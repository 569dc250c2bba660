import pytest

from motcua.notifications.sms import MemoryAdapter
from motcua.notifications.tests.factories import make_world


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture(autouse=True)
def _portal_settings(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MOTCUA_SMS_ADAPTER = "motcua.notifications.sms.MemoryAdapter"
    settings.MOTCUA_PAYMENT_GATEWAY = "motcua.portal.payments.FakeGateway"
    MemoryAdapter.outbox.clear()
