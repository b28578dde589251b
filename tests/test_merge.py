"""Merging duplicate wishes and undoing it: the pilot's voice moves, the undo is exact."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bundler.enums import Role, WishState
from bundler.grouping import group_wishes
from bundler.models import AuditEvent, Wish, WishMerge, WishSupport
from bundler.office import merging
from bundler.office.rows import overview_items
from bundler.rules import RuleError
from tests.conftest import post_form

S = WishState
IGNORED = {"version", "updated_at"}


def snapshot(db, wish_id):
    """Everything about a wish and its supports that an exact undo must restore."""
    db.expire_all()
    wish = db.get(Wish, wish_id)
    columns = {c.key: getattr(wish, c.key) for c in Wish.__table__.columns if c.key not in IGNORED}
    supports = sorted(
        (s.id, s.pilot_id, s.note, s.merged_from_id, s.created_at) for s in wish.supports
    )
    return columns, supports, [m.code for m in wish.ministries]


def support(db, wish, pilot, note=""):
    row = WishSupport(wish_id=wish.id, pilot_id=pilot.id, note=note)
    db.add(row)
    db.flush()
    return row


@pytest.fixture(autouse=True)
def request_context(app):
    """Operations raise errors with lazily translated messages; reading them needs a request."""
    with app.test_request_context():
        yield


@pytest.fixture
def pilots(make_pilot):
    return [make_pilot(f"Pilot {name}") for name in "ABCDE"]


def load(db, *wishes):
    db.expire_all()
    return [db.get(Wish, w.id) for w in wishes]


def test_merge_makes_the_pilot_a_supporter_with_its_text(db, make_wish, pilots):
    a = make_wish(
        pilots[0], title="Overlijden digitaal", proposed_change="Schrap de papieren akte."
    )
    b = make_wish(pilots[1], title="Aangifte overlijden")
    a, b = load(db, a, b)
    record = merging.merge(db, a, b)
    db.commit()
    a, b = load(db, a, b)
    assert a.state is S.MERGED
    assert a.merged_into_id == b.id
    [new] = b.supports
    assert new.pilot_id == pilots[0].id
    assert new.merged_from_id == a.id
    assert a.reference in new.note
    assert "Overlijden digitaal" in new.note
    assert a.problem in new.note
    assert "Schrap de papieren akte." in new.note
    assert record.previous_state is S.SUBMITTED
    assert record.support_id == new.id


def test_merge_then_unmerge_restores_both_wishes_exactly(db, make_wish, pilots):
    a = make_wish(pilots[0], state=S.REJECTED, state_reason="Dubbel ingediend")
    b = make_wish(pilots[1], state=S.ACCEPTED)
    a_db, b_db = load(db, a, b)
    support(db, a_db, pilots[2], "C loopt hier ook tegenaan")  # moves to B
    support(db, a_db, pilots[3], "D ook")  # D already supports B: stays on A
    support(db, b_db, pilots[3], "D steunt B")
    support(db, a_db, pilots[1], "B's own pilot")  # raised B: stays on A
    db.commit()
    before_a, before_b = snapshot(db, a.id), snapshot(db, b.id)

    a_db, b_db = load(db, a, b)
    merging.merge(db, a_db, b_db)
    db.commit()
    a_db, b_db = load(db, a, b)
    assert {s.pilot.name for s in b_db.supports} == {"Pilot A", "Pilot C", "Pilot D"}
    assert {s.pilot.name for s in a_db.supports} == {"Pilot B", "Pilot D"}
    moved = next(s for s in b_db.supports if s.pilot.name == "Pilot C")
    assert moved.note == "C loopt hier ook tegenaan"

    merging.unmerge(db, a_db)
    db.commit()
    assert snapshot(db, a.id) == before_a
    assert snapshot(db, b.id) == before_b
    record = db.scalar(select(WishMerge))
    assert record.undone_at is not None


def test_pilot_already_supporting_the_target_gets_the_text_in_its_note(db, make_wish, pilots):
    a = make_wish(pilots[0], title="Zelfde probleem")
    b = make_wish(pilots[1])
    b_db = db.get(Wish, b.id)
    support(db, b_db, pilots[0], "Wij ook")
    db.commit()
    before_b = snapshot(db, b.id)
    a_db, b_db = load(db, a, b)
    record = merging.merge(db, a_db, b_db)
    db.commit()
    a_db, b_db = load(db, a, b)
    [only] = b_db.supports
    assert only.note.startswith("Wij ook\n\n")
    assert "Zelfde probleem" in only.note
    assert record.previous_note == "Wij ook"
    merging.unmerge(db, a_db)
    db.commit()
    assert snapshot(db, b.id) == before_b


def test_same_pilot_twice_adds_no_support(db, make_wish, pilots):
    a, b = make_wish(pilots[0]), make_wish(pilots[0])
    a_db, b_db = load(db, a, b)
    record = merging.merge(db, a_db, b_db)
    db.commit()
    assert record.support_id is None
    assert load(db, b)[0].supports == []
    merging.unmerge(db, load(db, a)[0])
    db.commit()
    assert load(db, a)[0].state is S.SUBMITTED


@pytest.mark.parametrize(
    ("source_state", "target_state"),
    [
        (S.SUBMITTED, S.REJECTED),
        (S.SUBMITTED, S.WITHDRAWN),
        (S.SUBMITTED, S.MERGED),
        (S.WITHDRAWN, S.SUBMITTED),
        (S.OFFERED, S.SUBMITTED),
    ],
)
def test_merge_refuses_closed_wishes(db, make_wish, pilots, source_state, target_state):
    a = make_wish(pilots[0], state=source_state)
    b = make_wish(pilots[1], state=target_state)
    a_db, b_db = load(db, a, b)
    with pytest.raises(RuleError):
        merging.merge(db, a_db, b_db)


def test_a_wish_cannot_be_merged_with_itself(db, make_wish, pilots):
    [a] = load(db, make_wish(pilots[0]))
    with pytest.raises(RuleError):
        merging.merge(db, a, a)


def test_undo_works_like_a_stack(db, make_wish, pilots):
    a, b, c = make_wish(pilots[0]), make_wish(pilots[1]), make_wish(pilots[2])
    a_db, b_db = load(db, a, b)
    merging.merge(db, a_db, b_db)
    db.commit()
    b_db, c_db = load(db, b, c)
    merging.merge(db, b_db, c_db)  # B's supporter A moves on to C
    db.commit()
    assert {s.pilot.name for s in load(db, c)[0].supports} == {"Pilot A", "Pilot B"}
    with pytest.raises(RuleError, match="eerst"):
        merging.unmerge(db, load(db, a)[0])
    db.rollback()
    merging.unmerge(db, load(db, b)[0])
    db.commit()
    merging.unmerge(db, load(db, a)[0])
    db.commit()
    a_db, b_db, c_db = load(db, a, b, c)
    assert (a_db.state, b_db.state) == (S.SUBMITTED, S.SUBMITTED)
    assert b_db.supports == [] and c_db.supports == []


def test_unmerge_of_a_wish_that_is_not_merged_is_refused(db, make_wish, pilots):
    [a] = load(db, make_wish(pilots[0]))
    with pytest.raises(RuleError):
        merging.unmerge(db, a)


def test_merge_and_unmerge_are_audited_on_both_wishes(db, make_wish, pilots):
    a, b = make_wish(pilots[0]), make_wish(pilots[1])
    merging.merge(db, *load(db, a, b))
    db.commit()
    merging.unmerge(db, load(db, a)[0])
    db.commit()
    events = {(e.action, e.object_id) for e in db.scalars(select(AuditEvent))}
    assert events >= {
        ("wish.merge", str(a.id)),
        ("wish.merge_target", str(b.id)),
        ("wish.unmerge", str(a.id)),
        ("wish.unmerge_target", str(b.id)),
    }
    merge_event = db.scalar(select(AuditEvent).where(AuditEvent.action == "wish.merge"))
    assert merge_event.before["state"] == "ingediend"
    assert merge_event.after == {
        "state": "samengevoegd",
        "state_reason": "",
        "merged_into": b.reference,
        "moved_supports": [],
    }


def test_overview_lists_the_merged_wish_once_with_both_pilots(db, make_wish, pilots):
    a = make_wish(pilots[0], state=S.ACCEPTED, statute="BWBR0002656", article="19h")
    b = make_wish(pilots[1], state=S.ACCEPTED, statute="BWBR0002656", article="19h")
    merging.merge(db, *load(db, a, b))
    db.commit()
    [jenv] = group_wishes(overview_items(db))
    assert jenv.code == "JenV"
    [item] = jenv.wishes
    assert item.id == b.id
    assert [p.name for p in item.pilots] == ["Pilot B", "Pilot A"]
    assert jenv.counts.pilots == 2
    assert jenv.counts.municipalities == 10


# -- through the pages ------------------------------------------------------------------------


@pytest.fixture
def office(make_user, login):
    user = make_user(Role.OFFICE)
    login(user)
    return user


def test_merge_pages_confirm_then_merge_and_undo(client, office, make_wish, pilots, db):
    a = make_wish(pilots[0], title="Dubbel")
    b = make_wish(pilots[1], title="Origineel")
    page = client.get(f"/bureau/knelpunten/{a.reference}/samenvoegen?doel={b.reference}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Wat er gebeurt" in html
    assert "Pilot A gaat" in html
    response = post_form(
        client,
        f"/bureau/knelpunten/{a.reference}/samenvoegen",
        {"doel": b.reference},
        page=f"/bureau/knelpunten/{a.reference}",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/bureau/knelpunten/{b.reference}")
    a_db, _ = load(db, a, b)
    assert a_db.state is S.MERGED

    merged = client.get(f"/bureau/knelpunten/{a.reference}").get_data(as_text=True)
    assert f'href="/bureau/knelpunten/{b.reference}"' in merged
    assert "Samenvoegen ongedaan maken" in merged
    assert "Tekst opslaan" not in merged  # read-only
    refused = post_form(
        client,
        f"/bureau/knelpunten/{a.reference}/tekst",
        {"version": a_db.version, "title": "Toch wijzigen", "urgency": "normaal"},
        page=f"/bureau/knelpunten/{a.reference}",
    )
    assert refused.status_code == 400
    assert load(db, a)[0].title == "Dubbel"

    undone = post_form(
        client,
        f"/bureau/knelpunten/{a.reference}/ontkoppelen",
        {},
        page=f"/bureau/knelpunten/{a.reference}",
    )
    assert undone.status_code == 302
    a_db, b_db = load(db, a, b)
    assert a_db.state is S.SUBMITTED
    assert b_db.supports == []


@pytest.mark.parametrize("target", ["KN-2099-9999", "onzin", ""])
def test_merge_page_with_an_unknown_target_shows_an_error(
    client, office, make_wish, pilots, target
):
    a = make_wish(pilots[0])
    response = client.get(f"/bureau/knelpunten/{a.reference}/samenvoegen?doel={target}")
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_merge_page_explains_why_a_closed_target_cannot_be_used(client, office, make_wish, pilots):
    a, b = make_wish(pilots[0]), make_wish(pilots[1], state=S.WITHDRAWN)
    response = client.get(f"/bureau/knelpunten/{a.reference}/samenvoegen?doel={b.reference}")
    assert response.status_code == 400
    assert "nog loopt" in response.get_data(as_text=True)
