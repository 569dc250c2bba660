"""Reverse proxies we trust (settings.TRUSTED_PROXIES: addresses or networks). Only a request whose peer
(REMOTE_ADDR) is one of them may tell us the client's address (X-Forwarded-For, motcua.org.throttle.client_ip) or
that the client spoke HTTPS to the proxy (X-Forwarded-Proto, ForwardedProtoMiddleware below)."""

import functools
import ipaddress

from django.conf import settings

FORWARDED_PROTO = "HTTP_X_FORWARDED_PROTO"


@functools.cache
def _networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def is_trusted_proxy(address: str) -> bool:
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    return any(ip in net for net in _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ())))


class ForwardedProtoMiddleware:
    """First in MIDDLEWARE. Django's SECURE_PROXY_SSL_HEADER (set from X-Forwarded-Proto when TRUSTED_PROXIES is
    configured, motcua/settings.py) believes the header from whoever sends it: a client reaching the server
    directly could claim HTTPS. This drops the header unless the peer is a trusted proxy, before
    SecurityMiddleware, CommonMiddleware, CSRF or any view asks `request.is_secure()` (ADR 0001 addendum)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if FORWARDED_PROTO in request.META and not is_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
            del request.META[FORWARDED_PROTO]
        return self.get_response(request)
