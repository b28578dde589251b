"""In-app notifications: who hears of what (the pages' visibility rule), the count, the list."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select, text

from bundler.db import session_scope
from bundler.enums import AnswerStatus, Role, WishState
from bundler.models import Notification, User, Wish, utcnow
from bundler.notifications import kinds
from bundler.notifications import ops as notification_ops
from bundler.notifications.text import describe
from bundler.wishes import ops
from tests.conftest import csrf_token, post_form
from tests.package_helpers import answer, build, make_story


@pytest.fixture
def story(app, make_pilot, make_wish):
    story = make_story(make_pilot, make_wish, app)
    build(app, "JenV")
    return story


def _of(db, user, kind=None):
    query = select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.scalars(query.order_by(Notification.id)))


def test_an_answer_reaches_the_raising_and_supporting_pilots_and_the_office_only(
    app, db, make_user, make_pilot, story
):
    raiser = make_user(Role.PILOT, pilots=[story.raising])
    supporter = make_user(Role.PILOT, pilots=[story.supporters[0]])
    stranger = make_user(Role.PILOT, pilots=[make_pilot("Elders")])
    office = make_user(Role.OFFICE)
    jenv, bzk = make_user(Role.MINISTRY, ministry="JenV"), make_user(Role.MINISTRY, ministry="BZK")

    answer(app, story.death.id, "JenV", AnswerStatus.REALISED)

    (mine,) = _of(db, raiser, kinds.WISH_ANSWERED)
    assert mine.subject == story.death.reference
    assert mine.link == f"/knelpunten/{story.death.id}"
    assert mine.data["status"] == "gerealiseerd" and mine.data["ministry"] == "JenV"
    assert len(_of(db, supporter, kinds.WISH_ANSWERED)) == 1
    assert _of(db, stranger) == []
    assert [n.kind for n in _of(db, office)] == [kinds.OFFICE_ANSWER]
    assert _of(db, office)[0].link == f"/bureau/knelpunten/{story.death.reference}"
    assert _of(db, jenv, kinds.WISH_ANSWERED) == [] and _of(db, bzk) == []


def test_a_new_package_version_reaches_its_ministry_only(app, db, make_user, make_pilot, make_wish):
    jenv, bzk = make_user(Role.MINISTRY, ministry="JenV"), make_user(Role.MINISTRY, ministry="BZK")
    pilot = make_pilot()
    member = make_user(Role.PILOT, pilots=[pilot])
    make_wish(pilot, state=WishState.ACCEPTED, statute="BWBR0002656", article="19h")
    version = build(app, "JenV")
    assert version is not None

    (received,) = _of(db, jenv, kinds.PACKAGE_VERSION)
    assert received.subject == version.package.number
    assert received.data["version"] == 1
    assert _of(db, bzk) == []
    # Offering the wish is a state change the raising pilot hears of.
    (offered,) = _of(db, member, kinds.WISH_STATE)
    assert offered.data["state"] == WishState.OFFERED.value


def test_nobody_hears_of_their_own_action(app, db, make_user, make_pilot, make_wish):
    pilot = make_pilot()
    author, colleague = make_user(Role.PILOT, pilots=[pilot]), make_user(Role.PILOT, pilots=[pilot])
    office = make_user(Role.OFFICE)
    concept = make_wish(
        pilot,
        state=WishState.CONCEPT,
        statute="BWBR0002656",
        proposed_change="Digitaal toestaan.",
        benefit_who="Inwoners",
    )
    # Nothing is said about a concept: nobody but its pilot may see it.
    assert db.scalar(select(Notification)) is None
    with session_scope(app) as session:
        ops.submit_wish(session, session.get(Wish, concept.id), actor=session.get(User, author.id))
    assert _of(db, author) == []
    assert [n.kind for n in _of(db, colleague)] == [kinds.WISH_STATE]
    assert [n.kind for n in _of(db, office)] == [kinds.OFFICE_SUBMISSION]


def test_joining_a_wish_tells_the_raising_pilot_and_the_office(
    client, db, login, make_user, make_pilot, make_wish
):
    raising, joining = make_pilot("Raiser"), make_pilot("Joiner")
    raiser = make_user(Role.PILOT, pilots=[raising])
    joiner = make_user(Role.PILOT, pilots=[joining])
    office = make_user(Role.OFFICE)
    wish = make_wish(raising, state=WishState.SUBMITTED)
    login(joiner)
    response = post_form(
        client,
        f"/knelpunten/{wish.id}/steunen",
        {"pilot": str(joining.id), "note": "Wij ook."},
    )
    assert response.status_code == 302
    (told,) = _of(db, raiser)
    assert told.kind == kinds.WISH_SUPPORTED and told.data["pilot"] == "Joiner"
    assert [n.kind for n in _of(db, office)] == [kinds.OFFICE_JOIN]
    assert _of(db, joiner) == []


def test_count_list_open_and_mark_read(app, client, db, login, make_user, story):
    raiser = make_user(Role.PILOT, pilots=[story.raising])
    answer(app, story.death.id, "JenV", AnswerStatus.RECEIVED)
    answer(app, story.death.id, "JenV", AnswerStatus.REALISED)
    login(raiser)
    home = client.get("/").get_data(as_text=True)
    assert 'data-unread="2"' in home
    page = client.get("/meldingen").get_data(as_text=True)
    assert "2 ongelezen meldingen" in page
    assert f"JenV heeft op {story.death.reference} geantwoord: Gerealiseerd." in page
    first, second = _of(db, raiser)

    opened = client.get(f"/meldingen/{second.id}")
    assert opened.status_code == 302
    assert opened.headers["Location"] == f"/knelpunten/{story.death.id}"
    assert 'data-unread="1"' in client.get("/").get_data(as_text=True)

    token = csrf_token(client, "/meldingen")
    assert (
        client.post(f"/meldingen/{first.id}/gelezen", data={"csrf_token": token}).status_code == 302
    )
    assert 'data-unread="0"' in client.get("/").get_data(as_text=True)


def test_the_count_stops_above_what_the_header_shows(app, client, db, login, make_user):
    """Someone who works from the inbox may leave thousands unread: every page counts them,
    so the count stops at 100 and the header says 99+."""
    office = make_user(Role.OFFICE)
    db.add_all(
        Notification(user_id=office.id, kind=kinds.OFFICE_SUBMISSION, subject=f"KN-{n}", data={})
        for n in range(150)
    )
    db.commit()
    assert notification_ops.unread_count(db, office.id) == notification_ops.UNREAD_SHOWN + 1
    login(office)
    home = client.get("/").get_data(as_text=True)
    assert 'data-unread="100"' in home
    assert '<span class="bundler-visually-hidden">: </span>99+<span' in home
    assert "Meer dan 99 ongelezen meldingen" in client.get("/meldingen").get_data(as_text=True)
    token = csrf_token(client, "/meldingen")
    client.post("/meldingen/gelezen", data={"csrf_token": token})
    assert 'data-unread="0"' in client.get("/").get_data(as_text=True)


def test_unread_ones_come_from_their_own_index(db, make_user):
    """The shape the index is for: someone who read thousands and left a few unread."""
    user = make_user(Role.OFFICE)
    read_at = utcnow()
    db.execute(
        insert(Notification),
        [
            {
                "user_id": user.id,
                "kind": kinds.OFFICE_SUBMISSION,
                "subject": f"KN-{n}",
                "data": {},
                "read_at": read_at if n >= 3 else None,
            }
            for n in range(3_000)
        ],
    )
    db.commit()
    compiled = notification_ops.unread_query(user.id).compile(
        db.get_bind(), compile_kwargs={"literal_binds": True}
    )
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("ANALYZE notification"))  # as autovacuum would have by now
        plan = " ".join(db.scalars(text(f"EXPLAIN {compiled}")))
    else:
        plan = " ".join(row[-1] for row in db.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    assert "ix_notification_unread" in plan, plan
    assert notification_ops.unread_count(db, user.id) == 3


def test_mark_all_read_touches_only_ones_own(app, client, db, login, make_user, story):
    raiser = make_user(Role.PILOT, pilots=[story.raising])
    supporter = make_user(Role.PILOT, pilots=[story.supporters[0]])
    answer(app, story.death.id, "JenV", AnswerStatus.RECEIVED)
    login(raiser)
    response = post_form(client, "/meldingen/gelezen", {}, page="/meldingen")
    assert response.status_code == 302
    db.expire_all()
    assert all(n.read_at is not None for n in _of(db, raiser))
    assert all(n.read_at is None for n in _of(db, supporter))
    (theirs,) = _of(db, supporter)
    assert client.get(f"/meldingen/{theirs.id}").status_code == 404


def test_describe_speaks_the_language_of_the_moment(app):
    from flask_babel import force_locale

    data = {"reference": "KN-2026-0001", "ministry": "JenV", "status": "gerealiseerd"}
    with app.test_request_context():
        with force_locale("nl"):
            assert describe(kinds.WISH_ANSWERED, data) == (
                "JenV heeft op KN-2026-0001 geantwoord: Gerealiseerd."
            )
        with force_locale("en"):
            assert "KN-2026-0001" in describe(kinds.WISH_ANSWERED, data)
            assert "geantwoord" not in describe(kinds.WISH_ANSWERED, data)


def test_a_merge_tells_the_merged_wishs_pilot(app, db, make_user, make_pilot, make_wish):
    from bundler.office import merging

    mine, theirs = make_pilot("Samengevoegd"), make_pilot("Doel")
    member = make_user(Role.PILOT, pilots=[mine])
    target_member = make_user(Role.PILOT, pilots=[theirs])
    office = make_user(Role.OFFICE)
    source = make_wish(mine, state=WishState.SUBMITTED)
    target = make_wish(theirs, state=WishState.SUBMITTED)
    with session_scope(app) as session:
        merging.merge(
            session,
            session.get(Wish, source.id),
            session.get(Wish, target.id),
            actor=session.get(User, office.id),
        )
    (told,) = _of(db, member, kinds.WISH_MERGED)
    assert told.subject == source.reference and told.data["merged_into"] == target.reference
    assert _of(db, office) == []  # the office did it
    assert _of(db, target_member, kinds.WISH_MERGED) == []


def test_a_waiting_delivery_job_serves_later_commits_too(app, db, make_user, story):
    from bundler import queue
    from bundler.notifications import jobs

    huey = queue.get_huey(app)
    queue.run_pending(app)
    office = make_user(Role.OFFICE)
    answer(app, story.death.id, "JenV", AnswerStatus.RECEIVED)
    answer(app, story.death.id, "JenV", AnswerStatus.IN_PROGRESS)
    # Both commits made notifications; the first queued the job, which has not started yet.
    assert [t.name for t in huey.pending()] == ["bundler.notifications.deliver"]
    assert len(_of(db, office, kinds.OFFICE_ANSWER)) == 2
    assert queue.run_pending(app) == 1
    jobs.schedule(app)  # once the job has been taken, the next commit queues a new one
    assert huey.pending_count() == 1
