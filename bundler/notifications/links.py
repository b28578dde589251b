"""Single-use, expiring links that set a password: invitations and password resets.

The token is 256 random bits (`secrets.token_urlsafe(32)`), so it cannot be guessed; only
its SHA-256 is stored, so a copy of the database opens no account. A link works once
(`used_at`), until it expires, and only for an active account. Setting the password raises
the account's session version, which ends every session it had. A new link of the same
purpose makes the older ones unusable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bundler import audit
from bundler.models import AccountLink, User, utcnow
from bundler.passwords import hash_password
from bundler.rules import RuleError

INVITATION, RESET = "invitation", "reset"


def token_hash(token: str) -> str:
    """Return the stored form of a link's token."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue(
    session: Session, user: User, purpose: str, *, valid: dt.timedelta, actor: User | None = None
) -> str:
    """Make a new link for the user (older unused ones of this purpose stop working);
    return its token, which is shown or mailed once and never stored."""
    now = utcnow()
    session.execute(
        update(AccountLink)
        .where(
            AccountLink.user_id == user.id,
            AccountLink.purpose == purpose,
            AccountLink.used_at.is_(None),
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    session.add(
        AccountLink(
            user_id=user.id,
            purpose=purpose,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + valid,
        )
    )
    audit.record(session, f"account.{purpose}_issued", actor=actor, obj=user, summary=user.email)
    session.flush()
    return token


def find(session: Session, token: str) -> AccountLink | None:
    """Return the usable link of a token: known, unused, not expired, account active."""
    if not token or len(token) > 100:
        return None
    link = session.scalar(select(AccountLink).where(AccountLink.token_hash == token_hash(token)))
    if link is None or link.used_at is not None or link.expires_at <= utcnow():
        return None
    return link if link.user.active else None


def use(session: Session, link: AccountLink, password: str) -> User:
    """Set the password through a link, once; end every session of the account."""
    claimed = session.execute(
        update(AccountLink)
        .where(AccountLink.id == link.id, AccountLink.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise RuleError(_l("Deze link is al gebruikt."), "password")
    user = link.user
    user.password_hash = hash_password(password)
    user.session_version += 1
    audit.record(session, f"account.{link.purpose}_used", actor=user, obj=user)
    session.flush()
    return user


def user_by_email(session: Session, email: str) -> User | None:
    """Return the active account with this address, or None."""
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    return user if user is not None and user.active else None
