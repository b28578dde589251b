"""Helpers for the API tests: tokens of any scope, authenticated requests, a story to read."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bundler.api.ops import TOKEN_PREFIX, token_hash
from bundler.db import session_scope
from bundler.enums import Role
from bundler.models import ApiToken, Ministry, utcnow


def make_token(
    app: Flask,
    role: Role,
    *,
    ministry: str | None = None,
    pilot_id: int | None = None,
    name: str = "",
    days: int = 30,
    revoked: bool = False,
) -> str:
    """Store a token of this scope and return its secret (negative days: expired)."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with session_scope(app) as session:
        ministry_id = (
            session.scalar(select(Ministry.id).where(Ministry.code == ministry))
            if ministry
            else None
        )
        session.add(
            ApiToken(
                name=name or f"{role.value} {ministry or pilot_id or ''}".strip(),
                token_hash=token_hash(secret),
                prefix=secret[:11],
                role=role,
                ministry_id=ministry_id,
                pilot_id=pilot_id,
                expires_at=utcnow() + dt.timedelta(days=days),
                revoked_at=utcnow() if revoked else None,
            )
        )
    return secret


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def call(client: FlaskClient, method: str, path: str, token: str | None = None, **kw: Any) -> Any:
    """Send an API request with the token (if any)."""
    headers = {**kw.pop("headers", {}), **(auth(token) if token else {})}
    return client.open(path, method=method, headers=headers, **kw)


@dataclass
class Tokens:
    jenv: str
    bzk: str
    office: str
    pilot: str
    other_pilot: str
