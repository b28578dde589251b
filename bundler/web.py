"""Small helpers every view module shares: the signed-in user and the one commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import abort
from flask_login import current_user
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bundler.models import User


def current_actor() -> User:
    """Return the signed-in user as a model instance (views behind a login check only)."""
    user: User = current_user._get_current_object()
    return user


@contextmanager
def stale_is_409(db: Session) -> Iterator[None]:
    """Answer 409 when a row changed by someone else meanwhile is written in this block."""
    try:
        yield
    except StaleDataError:
        db.rollback()
        abort(409)


def commit_or_409(db: Session) -> None:
    """Commit the request's changes; answer 409 when someone changed the same rows meanwhile."""
    with stale_is_409(db):
        db.commit()
