"""Joining a wish reveals only what joining needs (issue 10, finding 2; ASVS 4.1.3, 4.2.1).

The rule lives in bundler/wishes/visibility.py and docs/security.md: the join page and the
similar-wish list show reference, title, legal basis, state and the number of pilots; closed
wishes cannot be joined; a supporter sees the text and the answers but not other pilots'
notes, the timeline of events, nor attachments the raising pilot did not share; the office
can undo a support.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bundler import attachments
from bundler.db import session_scope
from bundler.enums import AnswerStatus, Role
from bundler.enums import WishState as S
from bundler.models import Attachment, AuditEvent, Wish, WishSupport
from tests.conftest import post_form
from tests.package_helpers import answer

SECRET_PROBLEM = "Geheime probleembeschrijving van pilot P"
SECRET_NOTE = "Vertrouwelijke notitie van pilot S"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _status(client, path):
    response = client.get(path)
    response.close()  # a download streams its file
    return response.status_code


def _attach(app, wish, name, *, shared=False):
    stored = attachments.store(Path(app.config["UPLOAD_FOLDER"]), PDF, name)
    with session_scope(app) as session:
        row = Attachment(
            wish_id=wish.id,
            original_name=stored.original_name,
            stored_name=stored.stored_name,
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            shared_with_supporters=shared,
        )
        session.add(row)
        session.flush()
        return row.id


@pytest.fixture
def world(app, make_pilot, make_user, make_wish):
    p, s, q = make_pilot("Pilot P"), make_pilot("Pilot S"), make_pilot("Pilot Q")
    wish = make_wish(p, state=S.OFFERED, title="Overlijdensakte digitaal", article="7")
    with session_scope(app) as session:
        session.get(Wish, wish.id).problem = SECRET_PROBLEM
        session.add(WishSupport(wish_id=wish.id, pilot_id=s.id, note=SECRET_NOTE))
    private = _attach(app, wish, "intern-memo.pdf")
    shared = _attach(app, wish, "gedeeld-schema.pdf", shared=True)
    answer(app, wish.id, "BZK", AnswerStatus.IN_PROGRESS, reasons="Wij werken eraan.")
    return {
        "wish": wish,
        "p": p,
        "q": q,
        "member_p": make_user(Role.PILOT, pilots=[p]),
        "member_q": make_user(Role.PILOT, pilots=[q]),
        "office": make_user(Role.OFFICE),
        "private": private,
        "shared": shared,
    }


def test_join_page_shows_only_what_deciding_needs(client, login, world):
    login(world["member_q"])
    html = client.get(f"/knelpunten/{world['wish'].id}/steunen").get_data(as_text=True)
    assert world["wish"].reference in html and "Overlijdensakte digitaal" in html
    assert "2 pilots lopen hier tegenaan" in html
    for secret in (SECRET_PROBLEM, SECRET_NOTE, "intern-memo.pdf", "Wij werken eraan."):
        assert secret not in html


@pytest.mark.parametrize("state", [S.REJECTED, S.WITHDRAWN, S.MERGED, S.CONCEPT])
def test_closed_wishes_cannot_be_joined_or_found(
    client, login, make_pilot, make_wish, world, state
):
    closed = make_wish(make_pilot(), state=state, title="Overlijdensakte gesloten", article="7")
    login(world["member_q"])
    assert client.get(f"/knelpunten/{closed.id}/steunen").status_code == 404
    response = post_form(
        client,
        f"/knelpunten/{closed.id}/steunen",
        {"pilot": str(world["q"].id)},
        page="/knelpunten/nieuw",
    )
    assert response.status_code == 404
    found = client.get(
        "/knelpunten/vergelijkbaar?titel=Overlijdensakte&statuut=BWBR0005416&artikel=7"
    )
    references = [w["reference"] for w in found.get_json()["wishes"]]
    assert closed.reference not in references
    assert world["wish"].reference in references


def test_similar_list_leaves_out_the_users_own_pilots_and_ranks_legal_basis_first(
    client, login, make_wish, world
):
    own = make_wish(world["q"], title="Overlijdensakte van Q", article="7")
    text_only = make_wish(world["p"], title="Overlijdensakte digitaal ook hier", article="99")
    login(world["member_q"])
    found = client.get(
        "/knelpunten/vergelijkbaar?titel=Overlijdensakte digitaal&statuut=BWBR0005416&artikel=7"
    ).get_json()["wishes"]
    references = [w["reference"] for w in found]
    assert own.reference not in references
    assert references[0] == world["wish"].reference  # same statute and article first
    assert text_only.reference in references
    assert set(found[0]) == {
        "id", "reference", "title", "statute", "article", "state", "pilotCount", "canJoin",
        "joinUrl",
    }  # fmt: skip


def test_a_supporter_sees_text_and_answers_not_notes_timeline_or_private_files(
    client, login, world
):
    login(world["member_q"])
    wish = world["wish"]
    joined = post_form(
        client, f"/knelpunten/{wish.id}/steunen", {"pilot": str(world["q"].id), "note": "Ook bij Q"}
    )
    assert joined.status_code == 302
    html = client.get(f"/knelpunten/{wish.id}").get_data(as_text=True)
    assert SECRET_PROBLEM in html
    assert "Wij werken eraan." in html  # the answer
    assert "Ook bij Q" in html  # its own note
    assert SECRET_NOTE not in html  # another pilot's note
    assert "Andere pilot sloot zich aan" not in html  # no timeline of events
    assert "gedeeld-schema.pdf" in html
    assert "intern-memo.pdf" not in html
    base = f"/knelpunten/{wish.id}/bijlagen"
    assert _status(client, f"{base}/{world['shared']}") == 200
    assert _status(client, f"{base}/{world['private']}") == 404


def test_raising_pilot_and_office_see_everything(client, login, world):
    wish = world["wish"]
    login(world["member_p"])
    html = client.get(f"/knelpunten/{wish.id}").get_data(as_text=True)
    assert SECRET_NOTE in html and "intern-memo.pdf" in html
    assert _status(client, f"/knelpunten/{wish.id}/bijlagen/{world['private']}") == 200


def test_raising_pilot_shares_an_attachment_with_supporters(app, client, login, world, db):
    wish = world["wish"]
    login(world["member_p"])
    page = f"/knelpunten/{wish.id}"
    html = client.get(page).get_data(as_text=True)
    assert "Delen met pilots die aansluiten" in html
    path = f"/knelpunten/{wish.id}/bijlagen/{world['private']}/delen"
    assert post_form(client, path, {"delen": "y"}, page=page).status_code == 302
    assert db.get(Attachment, world["private"]).shared_with_supporters
    event = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "wish.attachment_shared")
    ).one()
    assert event.after == {"file": "intern-memo.pdf", "shared": True}
    # A supporter may not change what is shared.
    supporter = app.test_client()
    from tests.conftest import PASSWORD, csrf_token

    with session_scope(app) as session:
        session.add(WishSupport(wish_id=wish.id, pilot_id=world["q"].id))
    token = csrf_token(supporter)
    supporter.post(
        "/aanmelden",
        data={"email": world["member_q"].email, "password": PASSWORD, "csrf_token": token},
    )
    assert _status(supporter, f"/knelpunten/{wish.id}/bijlagen/{world['private']}") == 200
    refused = post_form(supporter, path, {}, page=page)
    assert refused.status_code == 403


def test_office_undoes_a_support_and_it_is_audited(client, login, world, db):
    wish = world["wish"]
    support_id = db.scalars(select(WishSupport.id).where(WishSupport.wish_id == wish.id)).one()
    login(world["office"])
    page = f"/bureau/knelpunten/{wish.reference}"
    assert "Steun van Pilot S ongedaan maken" in client.get(page).get_data(as_text=True)
    response = post_form(client, f"{page}/steun/{support_id}/verwijderen", {}, page=page)
    assert response.status_code == 302
    db.expire_all()
    assert db.scalars(select(WishSupport).where(WishSupport.wish_id == wish.id)).all() == []
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "wish.support_removed")).one()
    assert event.before["pilot"] == "Pilot S"
    assert (
        post_form(client, f"{page}/steun/{support_id}/verwijderen", {}, page=page).status_code
        == 404
    )


def test_a_ministry_sees_only_its_own_answers_on_a_shared_wish(
    app, client, login, make_pilot, make_user, make_wish, db
):
    """Issue 10, finding 8: one rule for the wish page, the answer page and the API."""
    from bundler.models import Ministry

    wish = make_wish(make_pilot(), state=S.OFFERED, title="Gedeeld knelpunt")
    with session_scope(app) as session:
        row = session.get(Wish, wish.id)
        row.ministries = list(
            session.scalars(select(Ministry).where(Ministry.code.in_(["BZK", "JenV"])))
        )
    answer(app, wish.id, "JenV", AnswerStatus.IN_PROGRESS, reasons="Intern JenV-standpunt.")
    answer(app, wish.id, "BZK", AnswerStatus.IN_PROGRESS, reasons="Eigen BZK-antwoord.")
    login(make_user(Role.MINISTRY, ministry="BZK"))
    html = client.get(f"/knelpunten/{wish.id}").get_data(as_text=True)
    assert "Eigen BZK-antwoord." in html
    assert "Intern JenV-standpunt." not in html
    html = client.get(f"/ministerie/knelpunten/{wish.id}/antwoord").get_data(as_text=True)
    assert "Intern JenV-standpunt." not in html
