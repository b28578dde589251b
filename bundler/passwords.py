"""Password hashing (scrypt) for sign-in, accounts and the CLI."""

from __future__ import annotations

from werkzeug.security import check_password_hash, generate_password_hash

# Checked against when the e-mail address is unknown, so both paths take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


def hash_password(password: str) -> str:
    """Hash a password with scrypt."""
    return generate_password_hash(password, method="scrypt")


def check_password(password_hash: str | None, password: str) -> bool:
    """Tell whether a password matches a hash; takes as long when there is no hash."""
    return check_password_hash(password_hash or _DUMMY_HASH, password) and bool(password_hash)
