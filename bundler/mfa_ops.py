"""Second-factor operations shared by the MFA pages and the CLI (they add and flush, never commit).

No secret or code is ever passed to the audit log: events name only what happened.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, or_, select, update
from sqlalchemy.orm import Session

from bundler import audit, otp
from bundler.models import RecoveryCode, User, utcnow

TOTP = "totp"
RECOVERY = "recovery"


def _rowcount(result: Any) -> int:
    return cast(CursorResult[Any], result).rowcount


def claim_step(session: Session, user: User, step: int) -> bool:
    """Record a TOTP time step as used; False when it or a later one was used already.

    One conditional UPDATE, so two requests racing with the same code cannot both win.
    """
    result = session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(result) != 1:
        return False
    user.totp_last_step = step
    return True


def _use_recovery_code(session: Session, user: User, code: str, secret_key: str) -> bool:
    result = session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == otp.hash_recovery_code(code, secret_key),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


def check_code(
    session: Session,
    user: User,
    code: str,
    *,
    secret_key: str,
    now: dt.datetime | None = None,
    allow_recovery: bool = True,
) -> str | None:
    """Accept a TOTP code (once) or an unused recovery code; return which, or None.

    A failure is recorded in the audit log as `auth.mfa_failed`, without the code.
    """
    now = now or utcnow()
    method = None
    reason = "wrong code"
    if user.totp_secret is None:
        reason = "not enrolled"
    elif otp.looks_like_recovery_code(code):
        if allow_recovery and _use_recovery_code(session, user, code, secret_key):
            method = RECOVERY
        else:
            reason = "unknown or used recovery code"
    else:
        try:
            secret = otp.decrypt(secret_key, user.totp_secret)
        except otp.SecretUnreadable:
            secret, reason = None, "stored secret unreadable (SECRET_KEY changed?)"
        step = otp.matching_step(secret, code, now) if secret else None
        if step is not None:
            if claim_step(session, user, step):
                method = TOTP
            else:
                reason = "code already used"
    if method is None:
        audit.record(
            session, "auth.mfa_failed", actor=user, obj=user, result="denied", summary=reason
        )
    return method


def replace_recovery_codes(session: Session, user: User, *, secret_key: str) -> list[str]:
    """Invalidate the account's recovery codes and return ten new ones (shown once)."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = otp.new_recovery_codes()
    session.add_all(
        RecoveryCode(user_id=user.id, code_hash=otp.hash_recovery_code(c, secret_key))
        for c in codes
    )
    session.flush()
    return codes


def remaining_recovery_codes(session: Session, user: User) -> int:
    """Count the account's unused recovery codes."""
    return (
        session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def enrol(
    session: Session,
    user: User,
    secret: str,
    code: str,
    *,
    secret_key: str,
    now: dt.datetime | None = None,
) -> list[str] | None:
    """Store the secret when the first code from the app matches; return new recovery codes."""
    now = now or utcnow()
    step = otp.matching_step(secret, code, now)
    if step is None:
        audit.record(
            session,
            "auth.mfa_failed",
            actor=user,
            obj=user,
            result="denied",
            summary="wrong code at enrolment",
        )
        return None
    user.totp_secret = otp.encrypt(secret_key, secret)
    user.totp_last_step = step
    user.session_version += 1  # a changed second factor ends the account's other sessions
    codes = replace_recovery_codes(session, user, secret_key=secret_key)
    audit.record(session, "mfa.enrolled", actor=user, obj=user, after={"mfa": True})
    return codes


def renew_recovery_codes(session: Session, user: User, *, secret_key: str) -> list[str]:
    """Replace the recovery codes of an enrolled account and record it."""
    codes = replace_recovery_codes(session, user, secret_key=secret_key)
    user.session_version += 1
    audit.record(session, "mfa.recovery_codes_renewed", actor=user, obj=user)
    return codes


def disable(
    session: Session,
    user: User,
    *,
    action: str = "mfa.disabled",
    actor: User | None = None,
    actor_label: str = "",
) -> None:
    """Remove the second factor and all recovery codes of an account."""
    user.totp_secret = None
    user.totp_last_step = None
    user.session_version += 1
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record(
        session,
        action,
        actor=actor,
        actor_label=actor_label,
        obj=user,
        before={"mfa": True},
        after={"mfa": False},
    )
