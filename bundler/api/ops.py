"""API tokens and event subscriptions (operations: add and flush, never commit).

A token is scoped to one role and one ministry (ministry tokens) or one pilot (pilot tokens);
office tokens see what the programme office sees. The token acts as a `principal`: a User
that exists only in memory, with the token's role, ministry and pilot, so that the one
visibility rule (bundler.wishes.visibility) decides for the API exactly as for the pages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import secrets
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from bundler import audit, otp
from bundler.enums import Role
from bundler.models import ApiToken, Ministry, Package, Pilot, Subscription, User, utcnow
from bundler.rules import RuleError

TOKEN_PREFIX = "bndl_"  # noqa: S105 - a prefix, not a secret
# Roles a token may carry: what the API offers each (admin accounts see no wishes).
TOKEN_ROLES = (Role.MINISTRY, Role.PILOT, Role.OFFICE)


def token_hash(raw: str) -> str:
    """Return the stored form of a token: its SHA-256 (a token is 256 random bits)."""
    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True)
class NewToken:
    """A token just made: the row, and the secret shown once."""

    token: ApiToken
    secret: str


def may_manage(user: User, token: ApiToken) -> bool:
    """Tell whether a user may see and revoke a token: admins all, ministry users their own
    ministry's."""
    if user.role is Role.ADMIN:
        return True
    return (
        user.role is Role.MINISTRY
        and token.role is Role.MINISTRY
        and user.ministry_id is not None
        and token.ministry_id == user.ministry_id
    )


def _check_scope(actor: User, role: Role, ministry: Ministry | None, pilot: Pilot | None) -> None:
    if actor.role is Role.MINISTRY and (
        role is not Role.MINISTRY or ministry is None or ministry.id != actor.ministry_id
    ):
        raise RuleError(_l("U kunt alleen tokens voor uw eigen ministerie maken."), "role")
    if actor.role not in (Role.ADMIN, Role.MINISTRY):
        raise RuleError(_l("U mag geen API-tokens maken."), "role")
    if role not in TOKEN_ROLES:
        raise RuleError(_l("Kies de rol ministerie, pilot of programmabureau."), "role")
    if role is Role.MINISTRY and ministry is None:
        raise RuleError(_l("Kies het ministerie van dit token."), "ministry")
    if role is Role.PILOT and pilot is None:
        raise RuleError(_l("Kies de pilot van dit token."), "pilot")
    if role is not Role.MINISTRY and ministry is not None:
        raise RuleError(_l("Alleen ministerietokens horen bij een ministerie."), "ministry")
    if role is not Role.PILOT and pilot is not None:
        raise RuleError(_l("Alleen pilottokens horen bij een pilot."), "pilot")


def create_token(
    session: Session,
    *,
    name: str,
    role: Role,
    expires_on: dt.date,
    actor: User,
    ministry: Ministry | None = None,
    pilot: Pilot | None = None,
    max_days: int = 366,
) -> NewToken:
    """Make a token; only its hash is stored, the secret is returned to be shown once."""
    name = name.strip()
    if not name:
        raise RuleError(_l("Geef het token een naam."), "name")
    _check_scope(actor, role, ministry, pilot)
    today = utcnow().date()
    if not today < expires_on <= today + dt.timedelta(days=max_days):
        raise RuleError(
            _l("Kies een vervaldatum na vandaag en binnen %(days)s dagen.", days=max_days),
            "expires_on",
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        token_hash=token_hash(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        role=role,
        ministry=ministry,
        pilot=pilot,
        created_by=actor,
        expires_at=dt.datetime.combine(expires_on, dt.time.min, dt.UTC),
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        "api.token_created",
        actor=actor,
        obj=token,
        after={
            "name": name,
            "role": role.value,
            "ministry": ministry.code if ministry else None,
            "pilot": pilot.name if pilot else None,
            "expires": expires_on.isoformat(),
        },
        summary=token.label,
    )
    return NewToken(token, secret)


def revoke_token(session: Session, token: ApiToken, *, actor: User) -> None:
    """Revoke a token at once; its subscriptions stop receiving events."""
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    token.revoked_by = actor
    audit.record(session, "api.token_revoked", actor=actor, obj=token, summary=token.label)
    session.flush()


def find_token(session: Session, raw: str) -> ApiToken | None:
    """Return the usable token with this secret, or None (unknown, revoked or expired)."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(raw)))
    if token is None or not token.is_usable(utcnow()):
        return None
    return token


def needs_touch(token: ApiToken, now: dt.datetime) -> bool:
    """Tell whether a token's last-used time is worth writing (once a minute is precise
    enough; writing on every call would serialise reads on SQLite)."""
    return token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1)


def touch(session: Session, token_id: int, now: dt.datetime) -> None:
    """Record that a token was used now."""
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))


def principal(token: ApiToken) -> User:
    """Return an in-memory User with the token's role, ministry and pilot (never stored)."""
    user = User(
        email=token.label,
        name=token.name,
        role=token.role,
        ministry_id=token.ministry_id,
        active=True,
    )
    # Set without events, so that no backref puts this user into a pilot's members.
    set_committed_value(user, "pilots", [token.pilot] if token.pilot is not None else [])
    set_committed_value(user, "ministry", token.ministry)
    return user


def can_see_package(token: ApiToken, package: Package) -> bool:
    """Tell whether a token may see a package: the office all, a ministry its own."""
    if token.role is Role.OFFICE:
        return True
    return token.role is Role.MINISTRY and package.ministry_id == token.ministry_id


def tokens_for(session: Session, user: User) -> list[ApiToken]:
    """Return the tokens a user manages, newest first."""
    query = select(ApiToken).order_by(ApiToken.id.desc())
    if user.role is Role.MINISTRY:
        query = query.where(
            ApiToken.role == Role.MINISTRY, ApiToken.ministry_id == user.ministry_id
        )
    elif user.role is not Role.ADMIN:
        return []
    return list(session.scalars(query))


# -- callback URLs: no requests into private networks (SSRF) ----------------------------------


def _allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address, allow: Sequence[str]) -> bool:
    return any(address in ipaddress.ip_network(net, strict=False) for net in allow)


def resolve(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Return every address a host name resolves to (an IP literal: itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def check_callback_url(url: str, allow: Sequence[str]) -> None:
    """Refuse a callback URL that is not https or that points at a private, loopback,
    link-local or otherwise non-public address, unless the operator's allow-list
    (WEBHOOK_ALLOWED_NETWORKS) names its network. Checked again before every delivery."""
    parts = urlsplit(url.strip())
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host or parts.username or parts.password or parts.scheme not in ("https", "http"):
        raise RuleError(_l("Geef een volledige https-URL zonder gebruikersnaam."), "callbackUrl")
    try:
        addresses = resolve(host)
    except (OSError, UnicodeError):
        raise RuleError(_l("De host van deze URL bestaat niet."), "callbackUrl") from None
    listed = bool(addresses) and all(_allowed(a, allow) for a in addresses)
    if listed:
        return
    if parts.scheme != "https":
        raise RuleError(_l("Een callback-URL moet met https:// beginnen."), "callbackUrl")
    if not addresses or not all(a.is_global for a in addresses) or port == 0:
        raise RuleError(
            _l("Deze URL wijst naar een privé- of intern adres; dat is niet toegestaan."),
            "callbackUrl",
        )


def create_subscription(
    session: Session,
    token: ApiToken,
    *,
    callback_url: str,
    event_types: Sequence[str],
    secret_key: str,
    allow: Sequence[str],
) -> tuple[Subscription, str]:
    """Register a callback URL for event types; return it with its signing secret (once)."""
    check_callback_url(callback_url, allow)
    signing_secret = secrets.token_urlsafe(32)
    subscription = Subscription(
        token=token,
        callback_url=callback_url.strip(),
        event_types=sorted(set(event_types)),
        secret=otp.encrypt(secret_key, signing_secret),
    )
    session.add(subscription)
    session.flush()
    audit.record(
        session,
        "api.subscription_created",
        obj=subscription,
        actor_label=token.label,
        after={"url": subscription.callback_url, "types": subscription.event_types},
        summary=token.label,
    )
    return subscription, signing_secret


def delete_subscription(session: Session, subscription: Subscription, *, label: str) -> None:
    """Stop a subscription; its delivery history stays visible."""
    subscription.deleted_at = utcnow()
    audit.record(
        session,
        "api.subscription_deleted",
        obj=subscription,
        actor_label=label,
        before={"url": subscription.callback_url},
        summary=label,
    )
    session.flush()


def subscriptions_of(session: Session, token: ApiToken) -> list[Subscription]:
    """Return a token's active subscriptions."""
    return list(
        session.scalars(
            select(Subscription)
            .where(Subscription.token_id == token.id, Subscription.deleted_at.is_(None))
            .order_by(Subscription.id)
        )
    )
