"""Account operations shared by the admin pages and the CLI (they add and flush, never commit)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bundler import audit
from bundler.enums import Role
from bundler.models import Ministry, Pilot, User
from bundler.passwords import hash_password
from bundler.rules import RuleError


def snapshot(user: User) -> dict[str, Any]:
    """Describe an account for the audit log (no secrets)."""
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "ministry": user.ministry.code if user.ministry else None,
        "pilots": [p.name for p in user.pilots],
        "active": user.active,
    }


def _check_role(role: Role, ministry: Ministry | None, pilots: Sequence[Pilot]) -> None:
    if role is Role.MINISTRY and ministry is None:
        raise RuleError(_l("Kies het ministerie van deze gebruiker."), "ministry")
    if role is not Role.MINISTRY and ministry is not None:
        raise RuleError(_l("Alleen ministeriegebruikers horen bij een ministerie."), "ministry")
    if role is not Role.PILOT and pilots:
        raise RuleError(_l("Alleen pilotteamleden horen bij een pilot."), "pilots")


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: Role,
    password: str,
    ministry: Ministry | None = None,
    pilots: Sequence[Pilot] = (),
    actor: User | None = None,
) -> User:
    """Create an account after checking the e-mail address is free and the role fits."""
    email = email.strip().lower()
    if session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise RuleError(_l("Er is al een account met dit e-mailadres."), "email")
    _check_role(role, ministry, pilots)
    user = User(
        email=email,
        name=name.strip() or email,
        role=role,
        password_hash=hash_password(password),
        ministry=ministry,
        pilots=list(pilots),
    )
    session.add(user)
    session.flush()
    audit.record(session, "user.created", actor=actor, obj=user, after=snapshot(user))
    return user


def update_user(
    session: Session,
    user: User,
    *,
    name: str,
    role: Role,
    active: bool,
    ministry: Ministry | None,
    pilots: Sequence[Pilot],
    password: str | None = None,
    actor: User | None = None,
) -> None:
    """Change an account; a new role, password or deactivation ends its sessions."""
    _check_role(role, ministry, pilots)
    before = snapshot(user)
    revoke = role is not user.role or (user.active and not active) or bool(password)
    user.name, user.role, user.active = name.strip() or user.email, role, active
    user.ministry, user.pilots = ministry, list(pilots)
    if password:
        user.password_hash = hash_password(password)
    if revoke:
        user.session_version += 1
    after = snapshot(user)
    if password:
        after["password_changed"] = True
    if before != after:
        audit.record(session, "user.updated", actor=actor, obj=user, before=before, after=after)
