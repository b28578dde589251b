"""Form controls as a person sees them: radio buttons and checkboxes, and when errors show."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import select

from bundler import demo
from bundler.db import session_scope
from bundler.enums import Role
from bundler.models import Wish

RED = "rgb(164, 22, 26)"  # --bundler-red
BLUE = (0x15, 0x42, 0x73)  # --bundler-blue


def load_demo(app: Flask) -> dict[str, int]:
    """Load the demo story; return the ids of its wishes by title."""
    with session_scope(app) as session:
        demo.load(session)
        return {w.title: w.id for w in session.scalars(select(Wish))}


def demo_login(page: Any, role: Role) -> None:
    """Sign in as the demo account of a role."""
    account = next(a for a in demo.ACCOUNTS if a.role is role)
    page.goto("/aanmelden")
    page.get_by_label("E-mailadres").fill(account.email)
    page.get_by_label("Wachtwoord").fill(account.password)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(lambda url: "/aanmelden" not in url)


def style(locator: Any, *names: str) -> dict[str, str]:
    """Return computed style properties of the element."""
    return locator.evaluate(
        "(el, names) => { const s = getComputedStyle(el);"
        " return Object.fromEntries(names.map(n => [n, s.getPropertyValue(n)])); }",
        list(names),
    )


def blue_pixels(locator: Any) -> int:
    """Count the pixels in a screenshot of the element that are (nearly) the theme's blue."""
    from PIL import Image

    data = Image.open(io.BytesIO(locator.screenshot())).convert("RGB").tobytes()
    pixels = (data[i : i + 3] for i in range(0, len(data), 3))
    return sum(
        1
        for pixel in pixels
        if all(abs(channel - want) < 40 for channel, want in zip(pixel, BLUE, strict=True))
    )


def assert_label_beside(page: Any, control_id: str) -> None:
    """The label starts just right of its control, on the same line."""
    control = page.locator(f"#{control_id}").bounding_box()
    label = page.locator(f"label[for='{control_id}']").bounding_box()
    gap = label["x"] - (control["x"] + control["width"])
    assert 0 <= gap <= 24, f"label {gap}px from its control"
    control_middle = control["y"] + control["height"] / 2
    assert label["y"] <= control_middle <= label["y"] + label["height"]


def assert_checked_differs(page: Any, checked: Any, unchecked: Any) -> None:
    """A checked control computes another look than an unchecked one, and shows it."""
    names = ("background-color", "background-image", "border-color")
    assert style(checked, *names) != style(unchecked, *names)
    assert blue_pixels(checked) > 2 * blue_pixels(unchecked) + 20


def test_checked_radio_and_checkbox_look_checked(
    app: Flask, page: Any, axe: Callable[[Any], None]
) -> None:
    load_demo(app)
    demo_login(page, Role.PILOT)
    page.goto("/knelpunten/nieuw")

    # Urgency: "Normaal" is checked by default, "Laag" is not.
    normal, low = page.get_by_label("Normaal"), page.get_by_label("Laag")
    assert normal.is_checked() and not low.is_checked()
    assert_checked_differs(page, normal, low)
    for control in ("urgency-0", "urgency-1", "urgency-2", "statute_unknown"):
        assert_label_beside(page, control)

    # Choosing another option moves the visible state with it.
    page.get_by_text("Hoog", exact=True).click()
    assert_checked_differs(page, page.get_by_label("Hoog"), normal)

    # A checkbox too.
    box = page.get_by_label("Ik weet niet om welke wet het gaat")
    before = style(box, "background-color", "background-image")
    box.check()
    assert style(box, "background-color", "background-image") != before
    assert blue_pixels(box) > 100

    # Keyboard focus shows a ring around the control.
    page.get_by_label("Hoog").focus()
    page.keyboard.press("ArrowUp")
    focused = page.get_by_label("Normaal")
    assert focused.is_checked()
    ring = style(focused, "outline-style", "outline-width")
    assert ring["outline-style"] != "none" and ring["outline-width"] != "0px"
    axe(page)


def test_ministry_sees_its_chosen_answer(app: Flask, page: Any, axe: Callable[[Any], None]) -> None:
    wishes = load_demo(app)
    death = wishes["Uitvaartondernemer kan overlijden niet digitaal aangeven"]
    demo_login(page, Role.MINISTRY)
    page.goto(f"/ministerie/knelpunten/{death}/antwoord")
    chosen = page.get_by_label("Gerealiseerd")
    assert chosen.is_checked()  # the newest answer is filled in
    other = page.get_by_label("Niet overgenomen")
    assert_checked_differs(page, chosen, other)
    assert_label_beside(page, chosen.get_attribute("id"))
    other.check()
    assert_checked_differs(page, other, chosen)
    axe(page)


def test_no_red_before_input_and_every_missing_field_at_once(
    app: Flask, page: Any, axe: Callable[[Any], None]
) -> None:
    load_demo(app)
    demo_login(page, Role.PILOT)
    page.goto("/knelpunten/nieuw")
    controls = page.locator("main input:visible, main textarea, main select")
    colours = controls.evaluate_all("els => els.map(el => getComputedStyle(el).borderTopColor)")
    assert colours and RED not in colours
    assert page.locator("[aria-invalid='true'], .bundler-field--invalid").count() == 0

    # Conditionally required fields say when, and never "(niet verplicht)".
    for label, when in (("Artikel", "als u een wet kiest"), ("Waarom deze urgentie?", "Hoog")):
        field = page.locator(".utrecht-form-field", has=page.get_by_label(label, exact=True))
        assert "niet verplicht" not in field.inner_text()
        assert when in field.locator(".utrecht-form-field-description").inner_text()

    # An empty submission lists everything that is missing, the first time.
    page.get_by_role("button", name="Indienen", exact=True).click()
    summary = page.locator("#fouten")
    summary.wait_for()
    listed = summary.locator("li").all_inner_texts()
    for label in ("Titel", "Het probleem", "Wet", "Gewenste wijziging", "Wie heeft er baat bij?"):
        assert any(item.startswith(label + ":") for item in listed), (label, listed)
    assert len(listed) == 5, listed
    # Only now are the fields marked, and a field labelled optional never is.
    assert page.locator("[aria-invalid='true']").count() == 5
    optional_marked = page.locator(".utrecht-form-field, fieldset").evaluate_all(
        "els => els.filter(el => el.querySelector('.utrecht-form-field__label, legend')"
        "?.textContent.includes('niet verplicht') && el.querySelector('[aria-invalid=true]'))"
        ".length"
    )
    assert optional_marked == 0
    axe(page)

    # High urgency without a reason: that field is reported too.
    page.get_by_label("Titel").fill("Een titel")
    page.get_by_label("Hoog").check()
    page.get_by_role("button", name="Indienen", exact=True).click()
    summary.wait_for()
    assert any(
        item.startswith("Waarom deze urgentie?:")
        for item in summary.locator("li").all_inner_texts()
    )


def test_inbox_ids_are_unique_and_the_bulk_ministry_has_its_label(
    app: Flask, page: Any, axe: Callable[[Any], None]
) -> None:
    load_demo(app)
    demo_login(page, Role.OFFICE)
    page.goto("/bureau/knelpunten")
    ids = page.locator("[id]").evaluate_all("els => els.map(el => el.id)")
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    bulk = page.locator(".bundler-office-bulk")
    select = bulk.get_by_label("Ministerie", exact=True)
    assert select.evaluate("el => el.tagName") == "SELECT"
    assert select.get_attribute("name") == "ministerie"
    axe(page)


def test_admin_new_user_form_says_what_an_empty_password_does(
    app: Flask, page: Any, axe: Callable[[Any], None]
) -> None:
    load_demo(app)
    demo_login(page, Role.ADMIN)
    page.goto("/beheer/gebruikers/nieuw")
    password = page.locator(".utrecht-form-field", has=page.get_by_label("Wachtwoord", exact=True))
    # Optional for a new account too: left empty, the person gets an invitation (issue 13).
    assert "uitnodiging" in password.inner_text()
    assert page.get_by_label("Wachtwoord", exact=True).get_attribute("aria-required") != "true"
    # An empty form reports every missing field at once, and not the password.
    page.get_by_role("button", name="Opslaan").click()
    listed = page.locator("#fouten li").all_inner_texts()
    assert any(item.startswith("E-mailadres:") for item in listed), listed
    assert not any(item.startswith("Wachtwoord:") for item in listed), listed
    axe(page)

    # Changing an account: the password may stay empty, and the form says so.
    page.goto("/beheer/gebruikers")
    page.get_by_role("link", name="Pieter de Vries (pilot overlijden)").click()
    text = page.locator(
        ".utrecht-form-field", has=page.get_by_label("Wachtwoord", exact=True)
    ).inner_text()
    assert "niet verplicht" in text and "leeg laten houdt het huidige" in text
    axe(page)
