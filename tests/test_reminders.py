"""Reminders: the office's list after 6 weeks, one summary per ministry user after 10 weeks,
versions not downloaded flagged once; `bundler send-reminders` on the demo data."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bundler import demo
from bundler.db import session_scope
from bundler.enums import AnswerStatus, Role, WishState
from bundler.models import DownloadReceipt, Notification, OutboxMail, User, Wish
from bundler.notifications import kinds, reminders
from tests.package_helpers import answer, build, make_story

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def story(app, make_pilot, make_wish):
    story = make_story(make_pilot, make_wish, app)
    build(app, "JenV", at=NOW - dt.timedelta(weeks=11))
    build(app, "BZK", at=NOW - dt.timedelta(weeks=7))
    return story


def test_the_office_list_holds_offered_wishes_without_their_ministrys_answer(app, db, story):
    answer(app, story.birth.id, "JenV", AnswerStatus.RECEIVED)
    listed = reminders.overdue(db, weeks=6)
    assert [(o.wish.reference, o.ministry.code) for o in listed] == [
        (story.death.reference, "JenV"),
        (story.bzk.reference, "BZK"),
    ]
    assert [o.wish.reference for o in reminders.overdue(db, weeks=10)] == [story.death.reference]
    assert reminders.overdue(db, weeks=12) == []


def test_each_ministry_user_gets_one_summary_a_week(app, db, make_user, story):
    first = make_user(Role.MINISTRY, ministry="JenV", email="a@jenv.example")
    second = make_user(Role.MINISTRY, ministry="JenV", email="b@jenv.example")
    bzk = make_user(Role.MINISTRY, ministry="BZK", email="a@bzk.example")
    with session_scope(app) as session:
        sent = reminders.remind_ministries(session, weeks=10)
    assert sent.reminded == {
        first.email: [story.death.reference, story.birth.reference],
        second.email: [story.death.reference, story.birth.reference],
    }
    (note,) = db.scalars(select(Notification).where(Notification.user_id == first.id))
    assert note.kind == kinds.UNANSWERED_REMINDER
    assert note.data["wishes"] == [story.death.reference, story.birth.reference]
    assert db.scalar(select(Notification).where(Notification.user_id == bzk.id)) is None
    with session_scope(app) as session:  # the same week again: nothing new
        assert reminders.remind_ministries(session, weeks=10).reminded == {}
    with session_scope(app) as session:
        later = NOW + dt.timedelta(weeks=1)
        assert set(reminders.remind_ministries(session, weeks=10, now=later).reminded) == {
            first.email,
            second.email,
        }


def test_a_version_not_downloaded_is_flagged_to_the_office_once(app, db, make_user, story):
    office = make_user(Role.OFFICE)
    jenv = make_user(Role.MINISTRY, ministry="JenV")
    with session_scope(app) as session:
        version = reminders.not_downloaded(session, days=7)[0]
        session.add(DownloadReceipt(version_id=version.id, user_id=jenv.id, kind="pdf"))
    with session_scope(app) as session:
        sent = reminders.flag_not_downloaded(session, days=7)
        assert len(sent.flagged) == 1 and sent.flagged[0].startswith("BZK-")
        assert reminders.flag_not_downloaded(session, days=7).flagged == []
    (flag,) = db.scalars(select(Notification).where(Notification.user_id == office.id))
    assert flag.kind == kinds.NOT_DOWNLOADED


def test_the_office_sees_the_reminder_list(client, login, make_user, story):
    login(make_user(Role.OFFICE))
    page = client.get("/bureau/herinneringen").get_data(as_text=True)
    assert story.death.reference in page and story.bzk.reference in page
    assert "versie 1, gepubliceerd op" in page


def test_send_reminders_on_the_demo_data(app, db, runner):
    with session_scope(app) as session:
        demo.load(session)
    with session_scope(app) as session:
        jenv_users = session.scalars(
            select(User.email).where(User.role == Role.MINISTRY, User.ministry.has(code="JenV"))
        ).all()
        offered = session.scalars(select(Wish).where(Wish.state == WishState.OFFERED)).all()
        # The demo's answered death-registration wish is not reminded; the other offered are.
        expected = [
            w.reference
            for w in sorted(offered, key=lambda w: w.reference)
            if not any(a.ministry.code == "JenV" for a in w.answers)
        ]
        death = next(w.reference for w in offered if w.answers)
    assert expected and death not in expected

    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    reminded = [line for line in lines if line.startswith("reminded ")]
    assert reminded == [f"reminded {email}: {', '.join(expected)}" for email in jenv_users]
    assert "not downloaded: JenV-" in result.output  # nobody fetched the demo's package
    # One summary mail per ministry user (no MAIL_SERVER in tests: kept as logged).
    mails = db.scalars(select(OutboxMail).where(OutboxMail.kind == kinds.UNANSWERED_REMINDER))
    assert sorted(m.to_address for m in mails) == sorted(jenv_users)
    # Run again the same week: nothing new.
    again = runner.invoke(args=["send-reminders"])
    assert "reminded" not in again.output
