"""Shared pytest configuration: browser tests drive Debian's chromium (never a downloaded browser)."""

import os
import shutil
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import settings

# Property tests assert values, never speed: the machine is shared and a slow moment must not fail an example
# (hypothesis' default 200 ms deadline did, once, on a loaded machine). Speed lives in bench/.
settings.register_profile("motcua", deadline=None)
settings.load_profile("motcua")

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


def chromium_path() -> str | None:
    """Debian's chromium: the one on PATH, else /usr/bin/chromium; None where there is neither."""
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None


CHROMIUM = chromium_path() or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def browser_world(transactional_db, settings, tmp_path):
    """What every browser test starts from: the test world (an agency, its officer ``mc``, the citizen ``congdan``,
    procedure 1.001612; motcua/notifications/tests/factories.py) in a database the live server's thread sees, with
    uploads kept in the test's own directory and text messages in memory."""
    from motcua.notifications.tests.factories import make_world

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MOTCUA_SMS_ADAPTER = "motcua.notifications.sms.MemoryAdapter"
    return make_world()


@pytest.fixture
def filed_world(browser_world):
    """The browser world with one dossier filed online by the citizen for procedure 1.001612, not yet received
    (``world["dossier"]``)."""
    from motcua.dossiers import services as dossiers
    from motcua.notifications.tests.factories import APPLICANT

    browser_world["dossier"], _ = dossiers.dossier_file(
        actor=browser_world["citizen"],
        procedure_code="1.001612",
        agency_identifier="000.00.21.H26",
        channel="online",
        applicant=APPLICANT,
    )
    return browser_world


@pytest.fixture
def sign_in(live_server, page):
    """``sign_in(username, password=PASSWORD, next_url=None)``: the browser signs out whoever was signed in, then
    signs in at /accounts/login/ (the test world's password unless another is given; with ``?next=next_url`` when
    given, and lands on that page)."""
    from motcua.notifications.tests.factories import PASSWORD

    def sign_in(username: str, password: str = PASSWORD, next_url: str | None = None) -> None:
        page.context.clear_cookies()
        login = f"{live_server.url}/accounts/login/"
        page.goto(f"{login}?next={quote(next_url, safe='/')}" if next_url else login)
        page.locator("main input[name=username]").fill(username)
        page.locator("main input[name=password]").fill(password)
        with page.expect_navigation():
            page.locator("main button[type=submit]").last.click()
        assert "/accounts/login/" not in page.url, f"{username} could not sign in"
        if next_url:
            assert urlsplit(page.url).path == urlsplit(next_url).path, f"{username} landed on {page.url}"

    return sign_in


def pytest_collection_modifyitems(config, items):
    """Browser tests are skipped where Debian's chromium is missing, whatever the database. (``make test`` runs them
    on SQLite and deselects them on PostgreSQL with ``-m "not browser"``: the Makefile's choice, not this rule's.)"""
    if chromium_path() is not None:
        return
    skip = pytest.mark.skip(reason="Debian chromium not installed (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 at Django's production cost takes ~1 s per user on this machine; tests don't need it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts and ends in the default language (Vietnamese). A request with the English preference
    activates English in its thread and LocaleMiddleware does not undo it after the response, so without this a
    later test's gettext depends on which tests ran before it."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
