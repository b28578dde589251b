"""Stored files (package PDFs and their JSON twins), kept in the database.

Why the database and not a folder: every app server and job worker already shares the
database, so a package published by one is served by all without a shared volume; the
bytes are written in the same transaction as the version that points to them, so a failed
build or commit leaves neither a version without its file nor a file without its version;
and packages are immutable and a few megabytes, small enough to keep as a blob. Files are
content-addressed (sha256), so storing the same bytes twice keeps one copy.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from bundler.models import StoredFile

PREFIX = "sha256:"


def key_for(data: bytes) -> str:
    """Return the storage key of some bytes: their SHA-256."""
    return PREFIX + hashlib.sha256(data).hexdigest()


def put(session: Session, data: bytes, content_type: str) -> str:
    """Store bytes (once) and return their key; the caller commits."""
    key = key_for(data)
    if session.get(StoredFile, key) is None:
        session.add(StoredFile(key=key, content_type=content_type, size=len(data), data=data))
        session.flush()
    return key


def get(session: Session, key: str) -> bytes:
    """Return the bytes stored under a key, checking they are still what was stored."""
    stored = session.scalar(
        select(StoredFile).where(StoredFile.key == key).options(undefer(StoredFile.data))
    )
    if stored is None:
        raise KeyError(key)
    data = bytes(stored.data)
    if key_for(data) != key:
        raise ValueError(f"stored file {key} is damaged")
    return data
