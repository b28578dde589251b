"""The pure one-time-code functions: TOTP window, secret encryption, recovery codes, QR."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest

from bundler import otp

NOW = dt.datetime(2026, 3, 1, 12, 0, 15, tzinfo=dt.UTC)


def test_matching_step_accepts_the_window_and_nothing_else():
    secret = otp.new_secret()
    step = otp.time_step(NOW)
    for offset in (-1, 0, 1):
        assert otp.matching_step(secret, otp.totp_at_step(secret, step + offset), NOW) == (
            step + offset
        )
    for offset in (-3, -2, 2, 3):
        code = otp.totp_at_step(secret, step + offset)
        if code not in {otp.totp_at_step(secret, step + o) for o in (-1, 0, 1)}:
            assert otp.matching_step(secret, code, NOW) is None


def test_matching_step_agrees_with_pyotp_and_tolerates_spaces():
    secret = otp.new_secret()
    code = pyotp.TOTP(secret).at(NOW)
    assert otp.matching_step(secret, f" {code[:3]} {code[3:]} ", NOW) == otp.time_step(NOW)


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦", "12 34 5x"])
def test_malformed_codes_never_match(code):
    assert otp.matching_step(otp.new_secret(), code, NOW) is None


def test_secret_encryption_round_trip_and_wrong_key():
    secret = otp.new_secret()
    token = otp.encrypt("key one", secret)
    assert secret not in token
    assert otp.decrypt("key one", token) == secret
    with pytest.raises(otp.SecretUnreadable):
        otp.decrypt("key two", token)
    with pytest.raises(otp.SecretUnreadable):
        otp.decrypt("key one", "not a token")


def test_encrypted_secret_fits_the_column():
    assert len(otp.encrypt("k", otp.new_secret())) <= 255


def test_recovery_codes_are_unique_readable_and_hash_normalised():
    codes = otp.new_recovery_codes()
    assert len(codes) == len(set(codes)) == otp.RECOVERY_CODE_COUNT
    for code in codes:
        assert otp.looks_like_recovery_code(code)
        assert not set(code.replace("-", "")) & set("01ILO")
        assert otp.hash_recovery_code(code, "k") == otp.hash_recovery_code(
            " " + code.lower().replace("-", " ") + " ", "k"
        )
        assert otp.hash_recovery_code(code, "k") != otp.hash_recovery_code(code, "other key")
    assert not otp.looks_like_recovery_code("123456")


def test_qr_code_is_an_svg_data_url_of_the_uri():
    secret = otp.new_secret()
    uri = otp.provisioning_uri(secret, "iemand@example.org")
    assert uri.startswith("otpauth://totp/bundler:iemand%40example.org?secret=" + secret)
    url = otp.qr_data_url(uri)
    assert url.startswith("data:image/svg+xml;charset=utf-8,")
    assert "%3Csvg%20xmlns" in url


def test_grouped_secret_reads_back():
    secret = otp.new_secret()
    assert otp.grouped(secret).replace(" ", "") == secret
