"""Which `Host` a request may name, and which browser requests may change anything (issue 23):
the defences of a service without keys against DNS rebinding and cross-site posts.
DEVELOPERS.md ("Host and origin checks") says what each refuses.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from flask import Response, current_app, request

from service.errors import CrossSiteRequest, HostNotAllowed
from service.http.auth import READ_METHODS, get_keys

PROBES = frozenset({"health.healthz", "health.readyz"})


def allowed_hosts() -> frozenset[str]:
    raw: str = current_app.config["SETTINGS"].allowed_hosts
    return frozenset(name.strip().lower() for name in raw.split(",") if name.strip())


def host_name(host: str) -> str:
    """`Host` without its port, lower case, IPv6 brackets removed."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def is_loopback_name(name: str) -> bool:
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_host() -> None:
    """Before every view: the `Host` and cross-site rules above."""
    if request.endpoint in PROBES:
        return
    allowed = allowed_hosts()
    name = host_name(request.host)
    if (allowed or not get_keys().any_active()) and not (is_loopback_name(name) or name in allowed):
        raise HostNotAllowed(
            "this service does not answer to the host name the request names; list it in "
            "SUMMARY_ALLOWED_HOSTS to serve it"
        )
    if request.method in READ_METHODS:
        return
    if request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
        raise CrossSiteRequest("a change sent by a browser from another site is refused")
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc.lower() != request.host.lower():
        raise CrossSiteRequest("a change sent by a browser from another origin is refused")


def relative_redirect(response: Response) -> Response:
    """After every view: a redirect to this service (`//v1//documents` to `/v1/documents`, a
    missing slash) names a path only, never the `Host` the client sent."""
    location = response.headers.get("Location")
    if location and response.status_code in (301, 302, 303, 307, 308):
        parts = urlsplit(location)
        if parts.netloc and parts.netloc.lower() == request.host.lower():
            response.headers["Location"] = parts._replace(scheme="", netloc="").geturl()
    return response
