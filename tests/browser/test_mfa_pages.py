"""Two-step verification in the browser: enrolment, codes, management, sign-in step; axe on each."""

from __future__ import annotations

import datetime as dt

from bundler import otp
from bundler.enums import Role
from tests.conftest import PASSWORD


def _password(page, email):
    page.goto("/aanmelden")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()


def test_mfa_pages_are_accessible_from_enrolment_to_sign_in(app, page, axe, make_user, tmp_path):
    app.config["MFA_REQUIRED"] = True
    user = make_user(Role.OFFICE)
    _password(page, user.email)
    page.wait_for_url("**/account/tweestapsverificatie/instellen")
    qr = page.get_by_role("img", name="QR-code")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")  # the SVG renders
    axe(page)

    page.get_by_label("Code uit de app").fill("abc")
    page.get_by_role("button", name="Instellen").click()
    assert page.get_by_role("alert").first.is_visible()
    assert page.locator("#code[aria-invalid=true]").count() == 1
    axe(page)

    secret = page.locator("#mfa-secret").inner_text().replace(" ", "")
    step = otp.time_step(dt.datetime.now(dt.UTC))
    page.get_by_label("Code uit de app").fill(otp.totp_at_step(secret, step))
    page.get_by_role("button", name="Instellen").click()
    page.wait_for_url("**/account/tweestapsverificatie/herstelcodes")
    assert page.locator(".bundler-mfa-codes li").count() == otp.RECOVERY_CODE_COUNT
    axe(page)

    page.goto("/account/tweestapsverificatie")
    assert page.locator("nav a[aria-current=page]").inner_text() == "Tweestapsverificatie"
    page.get_by_role("button", name="Nieuwe herstelcodes maken").click()
    assert page.locator("#renew_code[aria-invalid=true]").count() == 1
    axe(page)

    page.get_by_role("button", name="Afmelden").click()
    page.wait_for_url("**/aanmelden")
    _password(page, user.email)
    page.wait_for_url("**/aanmelden/code")
    axe(page)
    page.get_by_label("Code").fill(otp.totp_at_step(secret, step))  # already used: refused
    page.get_by_role("button", name="Doorgaan").click()
    assert "Deze code klopt niet of is al gebruikt." in page.content()
    axe(page)
    page.get_by_label("Code").fill(otp.totp_at_step(secret, step + 1))
    page.get_by_role("button", name="Doorgaan").click()
    page.wait_for_url(lambda url: "/aanmelden" not in url)
    assert page.get_by_role("button", name="Afmelden").is_visible()
    page.screenshot(path=str(tmp_path / "home.png"))
