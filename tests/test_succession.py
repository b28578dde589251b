"""A cabinet change on the demo data: VRO ended on 2026-02-22 and BZK succeeded it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bundler import demo, refdata
from bundler.catalogue import succession
from bundler.db import session_scope
from bundler.enums import Role, WishState
from bundler.models import (
    AuditEvent,
    Ministry,
    Package,
    Pilot,
    Statute,
    StatuteResponsibility,
    User,
    Wish,
)
from bundler.packages.build import ministries_with_wishes
from bundler.statute_rules import Period
from tests.conftest import PASSWORD, csrf_token, post_form
from tests.package_helpers import build
from tests.reference_helpers import restore_reference

__all__ = ["restore_reference"]

OMGEVINGSWET = "BWBR0037885"
VRO_NAME = "Volkshuisvesting en Ruimtelijke Ordening"


def sign_in(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    response = client.post(
        "/aanmelden",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    return client


def add_wish(db: Session, pilot: Pilot, reference: str, state: WishState) -> Wish:
    statute = db.scalars(select(Statute).where(Statute.bwb_id == OMGEVINGSWET)).one()
    wish = Wish(
        reference=reference,
        title=f"Omgevingsplan {reference}",
        problem="Het probleem.",
        statute=statute,
        article="2.4",
        pilot=pilot,
        state=state,
        ministries=[ministry(db, "VRO")],
    )
    db.add(wish)
    db.commit()
    return wish


def codes(db: Session, wish: Wish) -> list[str]:
    found = db.get(Wish, wish.id)
    assert found is not None
    return [m.code for m in found.ministries]


def ministry(db: Session, code: str) -> Ministry:
    return db.scalars(select(Ministry).where(Ministry.code == code)).one()


def test_succession_moves_wishes_statutes_and_users_and_keeps_packages(
    app: Flask,
    db: Session,
    make_user: Callable[..., User],
    restore_reference: None,
) -> None:
    with session_scope(app) as session:
        demo.load(session)
    # Before the cabinet change VRO held the Omgevingswet, had wishes, a package and a user.
    omgevingswet = db.scalars(select(Statute).where(Statute.bwb_id == OMGEVINGSWET)).one()
    omgevingswet.responsibilities = [StatuteResponsibility(ministry=ministry(db, "VRO"))]
    db.commit()
    pilot = db.scalars(select(Pilot).order_by(Pilot.id)).first()
    assert pilot is not None
    offered = add_wish(db, pilot, "KN-2025-0901", WishState.ACCEPTED)
    package = build(app, "VRO", at=dt.datetime(2026, 1, 15, 10, 0, tzinfo=dt.UTC))
    assert package is not None and package.ministry_name == VRO_NAME
    still_open = add_wish(db, pilot, "KN-2025-0902", WishState.IN_TRIAGE)
    vro_user = make_user(Role.MINISTRY, ministry="VRO")
    bzk_user = make_user(Role.MINISTRY, ministry="BZK")
    jenv_user = make_user(Role.MINISTRY, ministry="JenV")
    office = make_user(Role.OFFICE)
    db.expire_all()
    assert db.get(Wish, offered.id).state is WishState.OFFERED  # type: ignore[union-attr]

    # The review lists exactly what will move; the other ended ministries hold nothing.
    plans = succession.pending(db)
    assert [(p.ministry.code, p.successor.code) for p in plans] == [("VRO", "BZK")]
    assert [w.reference for w in plans[0].wishes] == [offered.reference, still_open.reference]
    assert [u.email for u in plans[0].users] == [vro_user.email]
    office_client = sign_in(app, office)
    page = office_client.get("/wetten/kabinetswissel").get_data(as_text=True)
    for text in (offered.reference, still_open.reference, "Omgevingswet", vro_user.email):
        assert text in page
    assert "per 23-02-2026" in page
    db.rollback()

    response = post_form(
        office_client, "/wetten/kabinetswissel/VRO", {"confirm": "ja"}, page="/wetten"
    )
    assert response.status_code == 302
    db.expire_all()

    # Wishes, statute responsibility and users moved, dated at the end date.
    for wish_id in (offered.id, still_open.id):
        moved = db.get(Wish, wish_id)
        assert moved is not None and [m.code for m in moved.ministries] == ["BZK"]
    statute = db.scalars(select(Statute).where(Statute.bwb_id == OMGEVINGSWET)).one()
    assert refdata.statute_periods(statute) == [
        Period("BZK", dt.date(2026, 2, 23), None),
        Period("VRO", None, dt.date(2026, 2, 22)),
    ]
    assert db.get(User, vro_user.id).ministry.code == "BZK"  # type: ignore[union-attr]
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "ministry.succession")).one()
    assert event.after is not None and event.after["per"] == "2026-02-23"
    assert succession.pending(db) == []
    # The published package keeps its ministry; new packages go to BZK.
    kept = db.get(Package, package.package_id)
    assert kept is not None and kept.ministry.code == "VRO"
    assert kept.versions[0].ministry_name == VRO_NAME
    assert "VRO" not in [m.code for m in ministries_with_wishes(db)]
    assert "BZK" in [m.code for m in ministries_with_wishes(db)]

    # BZK's users read the predecessor's package as history, under its old name.
    bzk = sign_in(app, bzk_user)
    listing = bzk.get("/ministerie/pakketten").get_data(as_text=True)
    assert "Pakketten van voorgangers" in listing and package_number(db, package) in listing
    shown = bzk.get(f"/ministerie/pakketten/{package.package_id}").get_data(as_text=True)
    assert VRO_NAME in shown and "als geschiedenis" in shown
    assert "Antwoord vastleggen" not in shown
    pdf = bzk.get(f"/ministerie/versies/{package.id}.pdf")
    assert pdf.status_code == 200
    # The moved VRO user reads it too; another ministry does not.
    assert (
        sign_in(app, vro_user).get(f"/ministerie/pakketten/{package.package_id}").status_code == 200
    )
    other = sign_in(app, jenv_user)
    assert other.get(f"/ministerie/pakketten/{package.package_id}").status_code == 404
    assert other.get(f"/ministerie/versies/{package.id}.pdf").status_code == 404


def package_number(db: Session, version: Any) -> str:
    found = db.get(Package, version.package_id)
    assert found is not None
    return found.number


def test_apply_succession_cli_lists_then_moves(
    runner: Any,
    db: Session,
    make_user: Callable[..., User],
    restore_reference: None,
) -> None:
    user = make_user(Role.MINISTRY, ministry="KGG")
    listed = runner.invoke(args=["apply-succession"])
    assert listed.exit_code == 0, listed.output
    assert "KGG -> EZK per 2026-02-23: 0 knelpunten, 0 wetten, 1 gebruikers" in listed.output
    db.expire_all()
    assert db.get(User, user.id).ministry.code == "KGG"  # type: ignore[union-attr]
    moved = runner.invoke(args=["apply-succession", "--yes"])
    assert moved.exit_code == 0 and "verplaatst" in moved.output
    db.expire_all()
    assert db.get(User, user.id).ministry.code == "EZK"  # type: ignore[union-attr]


def test_a_split_ministry_asks_per_statute(
    app: Flask,
    db: Session,
    make_pilot: Callable[..., Pilot],
    make_user: Callable[..., User],
    restore_reference: None,
) -> None:
    pilot = make_pilot()
    # Suppose Asiel en Migratie had been split over BZK and JenV instead of merged into JenV.
    aenm, bzk, jenv = ministry(db, "AenM"), ministry(db, "BZK"), ministry(db, "JenV")
    aenm.successor = None
    aenm.split_into = [bzk, jenv]
    statutes = {}
    for bwb_id in ("BWBR0005212", "BWBR0004627"):  # Paspoortwet, Kieswet
        statute = db.scalars(select(Statute).where(Statute.bwb_id == bwb_id)).one()
        statute.responsibilities = [StatuteResponsibility(ministry=aenm)]
        statutes[bwb_id] = statute
    db.commit()
    try:
        wishes = {}
        for reference, bwb_id in (
            ("KN-2025-0911", "BWBR0005212"),
            ("KN-2025-0912", "BWBR0004627"),
            ("KN-2025-0913", None),
        ):
            wish = Wish(
                reference=reference,
                title=reference,
                statute=statutes[bwb_id] if bwb_id else None,
                pilot_id=pilot.id,
                state=WishState.ACCEPTED,
                ministries=[aenm],
            )
            db.add(wish)
            wishes[reference] = wish
        user = make_user(Role.MINISTRY, ministry="AenM")
        db.commit()
        plan = succession.pending(db)[0]
        assert plan.split and [m.code for m in plan.successors] == ["BZK", "JenV"]

        office = sign_in(app, make_user(Role.OFFICE))
        page = office.get("/wetten/kabinetswissel").get_data(as_text=True)
        assert "Opvolger voor Paspoortwet" in page and "Opvolger voor Kieswet" in page
        db.rollback()
        # Without a choice per statute nothing moves.
        refused = post_form(
            office, "/wetten/kabinetswissel/AenM", {"confirm": "ja"}, page="/wetten"
        )
        assert refused.status_code == 303
        db.expire_all()
        assert [m.code for m in db.get(Wish, wishes["KN-2025-0911"].id).ministries] == ["AenM"]  # type: ignore[union-attr]
        choice = {
            "confirm": "ja",
            f"statute-{statutes['BWBR0005212'].id}": "BZK",
            f"statute-{statutes['BWBR0004627'].id}": "JenV",
            "rest": "JenV",
        }
        assert (
            post_form(office, "/wetten/kabinetswissel/AenM", choice, page="/wetten").status_code
            == 302
        )
        db.expire_all()
        moved = {r: [m.code for m in db.get(Wish, w.id).ministries] for r, w in wishes.items()}  # type: ignore[union-attr]
        assert moved == {
            "KN-2025-0911": ["BZK"],
            "KN-2025-0912": ["JenV"],
            "KN-2025-0913": ["JenV"],
        }
        paspoortwet = db.scalars(select(Statute).where(Statute.bwb_id == "BWBR0005212")).one()
        assert [(p.code, p.valid_from) for p in refdata.statute_periods(paspoortwet)] == [
            ("AenM", None),
            ("BZK", dt.date(2026, 2, 23)),
        ]
        assert db.get(User, user.id).ministry.code == "JenV"  # type: ignore[union-attr]
    finally:
        db.rollback()
        aenm = ministry(db, "AenM")
        aenm.successor = ministry(db, "JenV")
        aenm.split_into = []
        db.commit()
