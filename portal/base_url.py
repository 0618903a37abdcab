"""The portal's public address, for the links it prints and mails.

- `configured()`: CERMIN_BASE_URL (default http://127.0.0.1:5000). Everything made without a
  request (`counters --json`, the tickets CSV, the mail worker) and every mailed link uses it,
  never a Host header: anyone can send a request with a Host header of their choosing, and a
  mailed link is read by someone else.
- `for_page()`: the address a page rendered for a request shows (QR codes, posters, the thank-you
  page's link): CERMIN_BASE_URL when it is set, else the address the request came to, so a
  development server on another port links to itself.
"""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request

DEFAULT = "http://127.0.0.1:5000"


def configured() -> str:
    return (current_app.config.get("CERMIN_BASE_URL") or DEFAULT).rstrip("/")


def for_page() -> str:
    if current_app.config.get("CERMIN_BASE_URL") or not has_request_context():
        return configured()
    return request.host_url.rstrip("/")


def is_loopback(url: str) -> bool:
    """Whether `url` names this machine only (127.0.0.0/8, ::1, localhost): a phone that scans it
    reaches itself, not the portal."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
