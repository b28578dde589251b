"""Security headers, CSRF on every unsafe request, rate limiting, session timeouts."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request, session, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user, logout_user
from werkzeug.datastructures import MultiDict
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map
from werkzeug.urls import iri_to_uri
from werkzeug.wrappers import Response

from bundler.models import utcnow
from forms.base import CsrfForm

limiter = Limiter(key_func=get_remote_address, default_limits=[])

CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
# Every file the app sends for download (attachments, packages, exports): never rendered as a
# page of this site, even if a browser were made to show it inline.
DOWNLOAD_CSP = f"{CSP}; sandbox"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# URL prefixes where no cookie authenticates anything (the API takes bearer tokens only).
COOKIELESS = "bundler.security.cookieless"
# Messages waiting in the session for the next page (flash); older ones are dropped.
MAX_FLASHES = 5


# Every id in a URL fits the databases' integer columns (PostgreSQL integer: 32 bits).
MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in every URL rule: at most ten ASCII digits and MAX_ID, else 404.

    Werkzeug's own converter accepts any length, and an id past the column's range makes the
    database driver fail (a 500) instead of finding nothing.
    """

    regex = r"[0-9]{1,10}"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


# Longer than any path of this app; a longer `next` is not one of ours.
MAX_REDIRECT_LENGTH = 2000


def safe_next(target: object) -> str:
    """Return a user-supplied redirect target if it is a path on this site, else the start page.

    The only way the app redirects to a target that came from a request (`next`). Browsers
    drop tab, CR and LF anywhere in a URL, strip control characters and spaces at the ends and
    read a backslash as a slash, and Werkzeug drops or encodes some of them too: so a target
    holding any ASCII control character, any whitespace or a backslash is refused outright
    instead of cleaned, and what is left must be a path (`/...`, never `//host`), also after
    Werkzeug has encoded it for the Location header.
    """
    home = url_for("main.index")
    if not isinstance(target, str) or not target or len(target) > MAX_REDIRECT_LENGTH:
        return home
    if any(c.isspace() or c < " " or c == "\x7f" or c == "\\" for c in target):
        return home
    if not _is_local_path(target) or not _is_local_path(iri_to_uri(target)):
        return home
    return target


def _is_local_path(target: str) -> bool:
    parts = urlsplit(target)
    return (
        not parts.scheme
        and not parts.netloc
        and target.startswith("/")
        and not target.startswith("//")
    )


# -- throttling wherever a secret is checked (finding 5 of issue 10) -----------------------------

F = TypeVar("F", bound=Callable[..., Any])


def _secret_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _check_failed(response: Response) -> bool:
    # Every such form redirects when the secret was right; anything else counts as a guess.
    return response.status_code != 302


def _account_key() -> str:
    if current_user.is_authenticated:
        return f"account:{current_user.id}"
    return f"address:{get_remote_address()}"


def throttle_secret_checks(view: F) -> F:
    """Throttle a view that checks a password, TOTP code or recovery code of the signed-in
    account: LOGIN_RATE_LIMIT failed attempts per account, as sign-in counts them.

    One budget is shared by every view so decorated, so a guesser can spread guesses neither
    over these forms nor over addresses; a right answer (a redirect) costs nothing. (No
    per-address budget here: colleagues behind one office address must not throttle each
    other; sign-in and its code step, before anyone is known, count per address too.)
    """
    limited = limiter.shared_limit(
        _secret_limit,
        scope="secret-account",
        key_func=_account_key,
        methods=["POST"],
        deduct_when=_check_failed,
    )(view)
    return cast(F, limited)


# Folders only the app's own account may enter (the database, uploads and storage live there).
PRIVATE_DIR_MODE = 0o700


def make_private_folders(app: Flask) -> None:
    """Create instance/ readable by the app user only; close the upload and storage folders
    to others where they exist (attachments.store creates the upload folder 0700)."""
    _private_dir(Path(app.instance_path), create=True)
    for key in ("UPLOAD_FOLDER", "STORAGE_FOLDER"):
        _private_dir(Path(app.config[key]), create=False)


def _private_dir(path: Path, *, create: bool) -> None:
    try:
        if create:
            path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        if path.is_dir() and path.stat().st_uid == os.getuid():
            os.chmod(path, PRIVATE_DIR_MODE)
    except OSError:  # a read-only or foreign folder: the operator's choice, not fatal
        return


def init_app(app: Flask) -> None:
    """Register the bounded id converter, the request hooks and the rate limiter."""
    make_private_folders(app)
    # Replaces the built-in "int": rules added after this (every blueprint) are bounded.
    app.url_map.converters["int"] = BoundedIntConverter
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    limiter.init_app(app)
    app.before_request(refuse_nul_bytes)
    app.before_request(check_csrf)
    app.before_request(enforce_session_lifetime)
    app.after_request(set_security_headers)
    app.after_request(bound_flashes)


def bound_flashes(response: Response) -> Response:
    """Keep only the newest few messages waiting in the session (`MAX_FLASHES`).

    A browser shows them on the page it is sent to next. A client that never follows the
    redirect (a script posting forms) would otherwise grow its session cookie with every
    post: past the 4 KB browsers keep, and slower to read and sign on every request.
    """
    if session.modified:  # only a request that flashed (or logged in) can have added one
        waiting = session.get("_flashes")
        if waiting and len(waiting) > MAX_FLASHES:
            session["_flashes"] = waiting[-MAX_FLASHES:]
    return response


def refuse_nul_bytes() -> None:
    """Refuse NUL characters in any form or query value (400): no person types them, and
    PostgreSQL cannot store them in text."""
    for values in (request.args, request.form):
        for _name, items in values.lists():
            if any("\x00" in value for value in items):
                abort(400)


def cookieless(app: Flask, prefix: str) -> None:
    """Declare a URL prefix where only bearer tokens authenticate: no session, no CSRF token.

    A forged cross-site request carries the victim's cookie, never their token, so under
    such a prefix there is nothing for it to ride on; everywhere else the check stays.
    """
    app.extensions.setdefault(COOKIELESS, []).append(prefix)


def is_cookieless() -> bool:
    """Tell whether this request is under a prefix where cookies authenticate nothing."""
    prefixes = current_app.extensions.get(COOKIELESS, ())
    return any(request.path.startswith(prefix) for prefix in prefixes)


def check_csrf() -> None:
    """Refuse any unsafe request without a valid CSRF token (400), except where cookies
    authenticate nothing (the token API)."""
    if request.method not in UNSAFE_METHODS or is_cookieless():
        return
    token = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token", "")
    form = CsrfForm(formdata=MultiDict({"csrf_token": token}))
    if not form.validate():
        abort(400, description="csrf")


def enforce_session_lifetime() -> None:
    """End a session past its absolute lifetime; Flask itself enforces the idle timeout."""
    if is_cookieless():
        return  # no session here: nothing to renew, and no cookie to send back
    session.permanent = True
    if not current_user.is_authenticated:
        return
    started = session.get("login_at")
    limit = current_app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds()
    if started is None or utcnow().timestamp() - float(started) > limit:
        logout_user()
        session.clear()


R = TypeVar("R", bound=Response)


def as_download(response: R) -> R:
    """Mark a response as a file download: sandboxed, not sniffed, not cached."""
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


def set_security_headers(response: Response) -> Response:
    """Add the security headers to every response."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault(
        "Strict-Transport-Security",
        f"max-age={current_app.config['HSTS_SECONDS']}; includeSubDomains",
    )
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.endpoint != "static":
        # Pages show wishes and personal data: never keep them in a shared cache.
        headers["Cache-Control"] = "no-store"
    return response
