"""One-time codes: TOTP secrets and their encryption, recovery codes, the enrolment QR code.

Plain functions without Flask or SQLAlchemy. The TOTP secret is stored encrypted (Fernet)
with a key derived from the instance's SECRET_KEY: a database dump or a backup archive
alone (which never contains the secret key) then reveals no second factor.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ISSUER = "bundler"
DIGITS = 6
INTERVAL = 30
# Accept the code of the previous and next 30-second step too: phone clocks drift.
WINDOW = 1
RECOVERY_CODE_COUNT = 10
# No 0/O, 1/I/L: codes are read from paper and typed in by hand.
RECOVERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RECOVERY_GROUPS = 3
RECOVERY_GROUP_LENGTH = 4


class SecretUnreadable(ValueError):
    """The stored secret cannot be decrypted (e.g. the instance's SECRET_KEY changed)."""


def new_secret() -> str:
    """Return a new random base32 TOTP secret (160 bits)."""
    return pyotp.random_base32(length=32)


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"bundler totp secret v1"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret_key: str, plaintext: str) -> str:
    """Encrypt a secret for storage with a key derived from the app's SECRET_KEY."""
    return _fernet(secret_key).encrypt(plaintext.encode()).decode()


def decrypt(secret_key: str, token: str) -> str:
    """Decrypt a stored secret; raise SecretUnreadable when the key does not fit."""
    try:
        return _fernet(secret_key).decrypt(token.encode()).decode()
    except (InvalidToken, ValueError) as error:
        raise SecretUnreadable("stored secret cannot be decrypted") from error


def normalise_code(code: str) -> str:
    """Strip spaces and dashes and upper-case what a user typed."""
    return "".join(ch for ch in code if ch not in " -\t\n\r").upper()


def time_step(at: dt.datetime) -> int:
    """Return the 30-second TOTP step of a moment."""
    return int(at.timestamp()) // INTERVAL


def totp_at_step(secret: str, step: int) -> str:
    """Return the code of a secret for one time step."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).generate_otp(step)


def matching_step(secret: str, code: str, at: dt.datetime) -> int | None:
    """Return the time step whose code matches, within the window around `at`, or None."""
    code = normalise_code(code)
    if len(code) != DIGITS or not (code.isascii() and code.isdigit()):
        return None
    now = time_step(at)
    found = None
    for step in range(now - WINDOW, now + WINDOW + 1):
        # Compare every candidate (no early exit), in constant time.
        if hmac.compare_digest(totp_at_step(secret, step), code):
            found = step
    return found


def provisioning_uri(secret: str, account: str) -> str:
    """Return the otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(
        name=account, issuer_name=ISSUER
    )


def qr_data_url(text: str) -> str:
    """Render text as a QR code and return it as an SVG data: URL (allowed by the CSP)."""
    uri: str = segno.make(text, error="m").svg_data_uri(
        scale=5, border=4, dark="#000", light="#fff"
    )
    return uri


def grouped(secret: str, size: int = 4) -> str:
    """Split a secret into groups of four characters so it can be typed over."""
    return " ".join(secret[i : i + size] for i in range(0, len(secret), size))


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """Return new recovery codes such as 'K7QM-2XRT-9HNB' (about 59 bits each)."""
    return [
        "-".join(
            "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUP_LENGTH))
            for _ in range(RECOVERY_GROUPS)
        )
        for _ in range(count)
    ]


def looks_like_recovery_code(code: str) -> bool:
    """Tell whether typed input has the shape of a recovery code rather than a TOTP code."""
    code = normalise_code(code)
    return len(code) == RECOVERY_GROUPS * RECOVERY_GROUP_LENGTH and all(
        ch in RECOVERY_ALPHABET for ch in code
    )


def hash_recovery_code(code: str, secret_key: str) -> str:
    """Hash a recovery code for storage with a key derived from SECRET_KEY (HMAC-SHA256).

    Keyed, so a stolen database alone does not allow guessing the codes offline.
    """
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"bundler recovery codes v1"
    ).derive(secret_key.encode())
    return hmac.new(key, normalise_code(code).encode(), hashlib.sha256).hexdigest()
