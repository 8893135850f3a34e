"""HTTP Basic authentication of security profile 1, and the seam for TLS (profiles 2, 3).

Security profile 1: the station sends ``Authorization: Basic base64(identity:password)``
on every connection; the CSMS checks both the username (it must equal the identity in
the URL) and the password (OCPP 2.0.1 A00.FR.202-204; 1.6 security whitepaper).
"""

from __future__ import annotations

import base64
import binascii
import ssl

from harness.verdicts import HarnessError

__all__ = ["basic_auth_header", "check_basic_auth", "ssl_context"]


def basic_auth_header(username: str, password: str) -> str:
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def check_basic_auth(header: str | None, identity: str, password: str) -> str | None:
    """``None`` when the header authenticates ``identity``, else why not (no secrets)."""
    if not header:
        return "no Authorization header (security profile 1 needs HTTP Basic auth)"
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return f"Authorization scheme is {scheme!r}, expected 'Basic'"
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return "Authorization header is not valid base64 of 'user:password'"
    username, sep, given = decoded.partition(":")
    if not sep:
        return "Authorization header has no ':' between username and password"
    if username != identity:
        return f"Basic auth username {username!r} differs from the identity {identity!r}"
    if given != password:
        return "Basic auth password is wrong"
    return None


def ssl_context(security_profile: int) -> ssl.SSLContext | None:
    """TLS context for a profile: none for 0 and 1; 2 and 3 are not built yet."""
    if security_profile <= 1:
        return None
    raise HarnessError(
        f"security profile {security_profile} (TLS) is not supported yet; use 0 or 1",
        "setup",
    )
