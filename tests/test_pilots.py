"""The pilot registry: the office creates and edits pilots, moves phases, keeps history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bundler import pilot_ops
from bundler.enums import Phase, Role, WishState
from bundler.models import (
    ExecutingOrganisation,
    Municipality,
    PhaseChange,
    Pilot,
    PilotMunicipality,
    User,
    Wish,
)
from bundler.rules import RuleError
from tests.conftest import post_form


def codes(db: Session, offset: int, count: int) -> list[str]:
    return list(
        db.scalars(
            select(Municipality.cbs_code)
            .order_by(Municipality.cbs_code)
            .offset(offset)
            .limit(count)
        )
    )


def pilot_named(db: Session, name: str) -> Pilot:
    db.expire_all()
    return db.scalars(select(Pilot).where(Pilot.name == name)).one()


@pytest.fixture
def office(make_user: Callable[..., User], login: Callable[..., Any]) -> User:
    user = make_user(Role.OFFICE)
    login(user)
    return user


def test_office_creates_a_pilot(
    client: FlaskClient, db: Session, office: User, make_user: Callable[..., User]
) -> None:
    member = make_user(Role.PILOT)
    html = client.get("/pilots/nieuw").get_data(as_text=True)
    assert html.count('type="checkbox" name="municipalities"') == 342
    assert "<summary>Noord-Brabant" in html
    chosen = codes(db, 0, 5)
    response = post_form(
        client,
        "/pilots/nieuw",
        {
            "name": "Digitale aangifte overlijden",
            "description": "Uitvaartondernemers doen aangifte.",
            "executing_organisation": "RvIG",
            "municipalities": chosen,
            "members": [str(member.id)],
        },
    )
    assert response.status_code == 302
    pilot = pilot_named(db, "Digitale aangifte overlijden")
    assert response.headers["Location"].endswith(f"/pilots/{pilot.id}")
    assert pilot.phase is Phase.PILOT
    assert pilot.executing_organisation is not None
    assert pilot.executing_organisation.code == "RvIG"
    assert sorted(m.cbs_code for m in pilot.municipalities) == chosen
    assert {p.joined_in_phase for p in pilot.participations} == {Phase.PILOT}
    assert [u.id for u in pilot.members] == [member.id]
    assert [(c.phase, c.changed_on) for c in pilot.phase_changes] == [
        (Phase.PILOT, dt.date.today())
    ]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": "bestaande pilot"}, "name"),
        ({"description": "x" * 5001}, "description"),
        ({"municipalities": ["GM9999"]}, "municipalities"),
        ({"executing_organisation": "CIA"}, "executing_organisation"),
        ({"members": ["999999"]}, "members"),
    ],
)
def test_pilot_form_validation(
    client: FlaskClient,
    db: Session,
    office: User,
    make_pilot: Callable[..., Pilot],
    fields: dict[str, Any],
    field: str,
) -> None:
    make_pilot("Bestaande pilot")
    data = {"name": "Nieuwe pilot", "municipalities": codes(db, 0, 5), **fields}
    response = post_form(client, "/pilots/nieuw", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'href="#{field}"' in html
    assert db.scalar(select(Pilot.id).where(Pilot.name == "Nieuwe pilot")) is None


def test_only_pilot_members_can_be_members(
    client: FlaskClient, db: Session, office: User, make_user: Callable[..., User]
) -> None:
    ministry_user = make_user(Role.MINISTRY)
    html = client.get("/pilots/nieuw").get_data(as_text=True)
    assert ministry_user.email not in html
    response = post_form(
        client, "/pilots/nieuw", {"name": "Pilot", "members": [str(ministry_user.id)]}
    )
    assert response.status_code == 400


def test_edit_keeps_leaving_municipalities_as_history(
    client: FlaskClient, db: Session, office: User, make_pilot: Callable[..., Pilot]
) -> None:
    first = codes(db, 100, 5)
    pilot = make_pilot("Parkeren", municipalities=first)
    page = f"/pilots/{pilot.id}/bewerken"
    html = client.get(page).get_data(as_text=True)
    assert html.count("checked") >= 5
    wanted = [*first[1:], codes(db, 200, 1)[0]]
    response = post_form(client, page, {"name": "Parkeren", "municipalities": wanted})
    assert response.status_code == 302
    pilot = pilot_named(db, "Parkeren")
    assert sorted(m.cbs_code for m in pilot.municipalities) == sorted(wanted)
    left = [p for p in pilot.participations if p.left_on is not None]
    assert [p.municipality.cbs_code for p in left] == [first[0]]
    assert left[0].left_on == dt.date.today()
    html = client.get(f"/pilots/{pilot.id}").get_data(as_text=True)
    assert "Eerder deelnemende gemeenten" in html


def test_scale_up_records_the_date_and_keeps_the_first_five(
    client: FlaskClient, db: Session, office: User, make_pilot: Callable[..., Pilot]
) -> None:
    first = codes(db, 0, 5)
    pilot = make_pilot("Overlijden", municipalities=first)
    show = f"/pilots/{pilot.id}"
    response = post_form(
        client,
        f"{show}/fase",
        {"phase": "beperkte_opschaling", "changed_on": "2026-03-01"},
        page=show,
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{show}/bewerken")
    pilot = pilot_named(db, "Overlijden")
    assert pilot.phase is Phase.LIMITED_SCALE_UP
    assert [(c.phase, c.changed_on) for c in pilot.phase_changes] == [
        (Phase.LIMITED_SCALE_UP, dt.date(2026, 3, 1))
    ]
    scaled = [*first, *codes(db, 5, 30)]
    response = post_form(
        client, f"{show}/bewerken", {"name": "Overlijden", "municipalities": scaled}
    )
    assert response.status_code == 302
    pilot = pilot_named(db, "Overlijden")
    assert len(pilot.municipalities) == 35
    by_phase = {
        phase: sorted(
            p.municipality.cbs_code for p in pilot.participations if p.joined_in_phase is phase
        )
        for phase in Phase
    }
    assert by_phase[Phase.PILOT] == first
    assert len(by_phase[Phase.LIMITED_SCALE_UP]) == 30
    html = client.get(show).get_data(as_text=True)
    assert "Doet mee sinds de fase Pilot (5)" in html
    assert "Doet mee sinds de fase Beperkte opschaling (30)" in html
    assert "heeft 35 gemeenten" not in html  # 35 fits 30 to 40


def test_phase_form_errors(
    client: FlaskClient, db: Session, office: User, make_pilot: Callable[..., Pilot]
) -> None:
    pilot = make_pilot()
    show = f"/pilots/{pilot.id}"
    for data in (
        {"phase": "pilot", "changed_on": "2026-03-01"},  # already in that phase
        {"phase": "standaard", "changed_on": "1 maart"},
        {"phase": "standaard", "changed_on": "2099-01-01"},
    ):
        response = post_form(client, f"{show}/fase", data, page=show)
        assert response.status_code == 400, data
        assert "Fase wijzigen" in response.get_data(as_text=True)
    assert db.scalar(select(PhaseChange.id)) is None


def test_warning_when_count_does_not_fit_the_phase(
    client: FlaskClient, db: Session, office: User, make_pilot: Callable[..., Pilot]
) -> None:
    pilot = make_pilot(municipalities=codes(db, 0, 3))
    html = client.get(f"/pilots/{pilot.id}").get_data(as_text=True)
    assert "Deze pilot heeft 3 gemeenten; in de fase Pilot zijn dat er 5." in html


@pytest.mark.parametrize("role", [Role.PILOT, Role.MINISTRY, Role.ADMIN])
def test_only_the_office_manages_pilots(
    client: FlaskClient,
    make_user: Callable[..., User],
    make_pilot: Callable[..., Pilot],
    login: Callable[..., Any],
    role: Role,
) -> None:
    pilot = make_pilot()
    login(make_user(role, pilots=[pilot] if role is Role.PILOT else None))
    assert client.get("/pilots/nieuw").status_code == 403
    assert client.get(f"/pilots/{pilot.id}/bewerken").status_code == 403
    response = post_form(client, f"/pilots/{pilot.id}/fase", {"phase": "standaard"}, page="/")
    assert response.status_code == 403


def test_pilot_member_sees_own_pilot_only(
    client: FlaskClient,
    make_user: Callable[..., User],
    make_pilot: Callable[..., Pilot],
    make_wish: Callable[..., Wish],
    login: Callable[..., Any],
) -> None:
    own, other = make_pilot("Eigen pilot"), make_pilot("Andere pilot")
    member = make_user(Role.PILOT, pilots=[own])
    make_wish(own, title="Ons knelpunt")
    make_wish(own, state=WishState.CONCEPT, title="Ons concept")
    login(member)
    html = client.get(f"/pilots/{own.id}").get_data(as_text=True)
    assert "Ons knelpunt" in html
    assert "Ons concept" in html
    assert member.name in html
    assert member.email not in html  # members' e-mail addresses are for the office
    assert client.get(f"/pilots/{other.id}").status_code == 404
    listing = client.get("/pilots").get_data(as_text=True)
    assert "Eigen pilot" in listing
    assert "Andere pilot" not in listing


def test_office_pilot_page_hides_concepts(
    client: FlaskClient,
    office: User,
    make_pilot: Callable[..., Pilot],
    make_wish: Callable[..., Wish],
) -> None:
    pilot = make_pilot()
    make_wish(pilot, title="Ingediend knelpunt")
    make_wish(pilot, state=WishState.CONCEPT, title="Geheim concept")
    html = client.get(f"/pilots/{pilot.id}").get_data(as_text=True)
    assert "Ingediend knelpunt" in html
    assert "Geheim concept" not in html
    assert "Fase wijzigen" in html


def test_ministry_sees_pilots_behind_its_offered_wishes(
    client: FlaskClient,
    make_user: Callable[..., User],
    make_pilot: Callable[..., Pilot],
    make_wish: Callable[..., Wish],
    login: Callable[..., Any],
) -> None:
    offered, quiet = make_pilot(), make_pilot()
    make_wish(offered, state=WishState.OFFERED, statute="BWBR0005416")  # BZK
    make_wish(quiet, state=WishState.ACCEPTED, statute="BWBR0005416")
    login(make_user(Role.MINISTRY, ministry="BZK"))
    assert client.get(f"/pilots/{offered.id}").status_code == 200
    assert client.get(f"/pilots/{quiet.id}").status_code == 404


def test_set_municipalities_rejoin_and_ops_errors(
    db: Session, make_pilot: Callable[..., Pilot], make_user: Callable[..., User]
) -> None:
    pilot = db.get(Pilot, make_pilot().id)
    assert pilot is not None
    current = pilot.municipalities
    pilot_ops.set_municipalities(pilot, current[1:], on=dt.date(2026, 1, 1))
    pilot_ops.set_municipalities(pilot, current, on=dt.date(2026, 2, 1))
    back = next(p for p in pilot.participations if p.municipality_id == current[0].id)
    assert (back.left_on, back.joined_on) == (None, dt.date(2026, 2, 1))
    office = db.get(User, make_user(Role.OFFICE).id)
    with pytest.raises(RuleError):
        pilot_ops.update_pilot(
            db,
            pilot,
            name=pilot.name,
            description="",
            executing_organisation=None,
            municipalities=current,
            members=[office],
        )
    with pytest.raises(RuleError):
        pilot_ops.move_phase(db, pilot, phase=pilot.phase, on=dt.date.today())
    assert pilot_ops.next_phase(Phase.PILOT) is Phase.LIMITED_SCALE_UP
    assert pilot_ops.next_phase(Phase.STANDARD) is None


def test_create_pilot_operation_audits(db: Session) -> None:
    from bundler.models import AuditEvent

    rvig = db.scalar(select(ExecutingOrganisation).where(ExecutingOrganisation.code == "RvIG"))
    municipalities = list(db.scalars(select(Municipality).limit(5)))
    pilot = pilot_ops.create_pilot(
        db,
        name=" Nieuw ",
        description="",
        executing_organisation=rvig,
        municipalities=municipalities,
        members=[],
    )
    assert pilot.name == "Nieuw"
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "pilot.created")).one()
    assert event.after is not None
    assert len(event.after["municipalities"]) == 5
    assert db.scalar(select(PilotMunicipality.pilot_id).limit(1)) == pilot.id
