"""client_ip: the key of the rate limits and the login throttle (per client, also behind a reverse proxy)."""

import pytest
from django.test import RequestFactory

from motcua.org.throttle import client_ip


def request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/api/v1/dossiers/X/status", **extra)


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"
    assert client_ip(None) == ""


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        # nginx on 10.0.0.5 appends the peer it saw
        ("10.0.0.5", "198.51.100.1", "198.51.100.1"),
        # a client cannot choose its key: what it sent itself sits left of what our proxy appended
        ("10.0.0.5", "1.2.3.4, 198.51.100.1", "198.51.100.1"),
        # two trusted hops (load balancer, then nginx)
        ("10.0.0.5", "1.2.3.4, 198.51.100.1, 10.0.0.9", "198.51.100.1"),
        # the peer is not a trusted proxy: the header is ignored
        ("203.0.113.7", "198.51.100.1", "203.0.113.7"),
        # a trusted proxy that sent no header: the proxy itself
        ("10.0.0.5", None, "10.0.0.5"),
        # IPv6 clients and networks
        ("10.0.0.5", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_behind_trusted_proxies_the_forwarded_client_is_used(settings, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24", "fd00::/8"]
    assert client_ip(request(remote, forwarded)) == expected


def test_a_misspelt_trusted_proxy_stops_the_start(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import motcua.settings

    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.5, nginx.local")
    with pytest.raises(ImproperlyConfigured, match="nginx.local"):
        importlib.reload(motcua.settings)
    monkeypatch.delenv("TRUSTED_PROXIES")
    importlib.reload(motcua.settings)
