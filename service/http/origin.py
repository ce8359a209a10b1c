"""Which `Host` a request may name, and which browser requests may change anything (issue 23).

A service without keys trusts every client on its own machine. A web page the user visits can
make its own name resolve to 127.0.0.1 (DNS rebinding) and so reach the service from the
browser, with `Host` still naming the attacker's site; or post to it cross-site without reading
the answer. So:

- **Host**: without keys, a request whose `Host` is neither a loopback name or address
  (`localhost`, `*.localhost`, 127.0.0.0/8, `::1`) nor one of `SUMMARY_ALLOWED_HOSTS` is refused
  400 `host_not_allowed`. With keys, `Host` is checked the same way only when
  `SUMMARY_ALLOWED_HOSTS` is set (a keyed service behind a proxy is named by whatever the proxy
  passes on). The liveness and readiness probes are exempt: they hold nothing.
- **Cross-site changes**: a request that is not GET/HEAD/OPTIONS is refused 403
  `cross_site_request` when the browser marks it cross-site (`Sec-Fetch-Site: cross-site`) or
  its `Origin` is not the host it is sent to (`null` included). Clients that are not browsers
  send neither header.
- **Redirects** name a path, never the `Host` the client sent (`relative_redirect`).
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
