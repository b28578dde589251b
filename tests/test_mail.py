"""Mail through a real SMTP server on loopback: per event, language, preferences, digests,
visibility, and exactly one mail however the sending job fails or is retried."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import select, update

from bundler import queue
from bundler.db import session_scope
from bundler.enums import AnswerStatus, Role, WishState
from bundler.models import Notification, OutboxMail, User, pilot_member
from bundler.notifications import jobs, kinds, outbox
from bundler.notifications.mail import unsubscribe_token
from bundler.notifications.ops import save_preferences
from tests.mail_helpers import html_of, mail_config, running_smtp, text_of
from tests.package_helpers import answer, build, make_story


@pytest.fixture
def smtp():
    with running_smtp() as inbox:
        yield inbox


@pytest.fixture
def app_config(app_config, smtp):
    return {**app_config, **mail_config(smtp)}


@pytest.fixture
def story(app, make_pilot, make_wish):
    story = make_story(make_pilot, make_wish, app)
    build(app, "JenV")
    queue.run_pending(app)  # the offer's own mails, before each test starts counting
    return story


def _prefer(app, user, language=None, **choices):
    with session_scope(app) as session:
        save_preferences(session, session.get(User, user.id), choices, language=language)


def test_an_answer_mails_the_raising_pilot_in_dutch_and_english(app, smtp, make_user, story):
    dutch = make_user(Role.PILOT, pilots=[story.raising], email="nl@example.org")
    english = make_user(Role.PILOT, pilots=[story.raising], email="en@example.org")
    _prefer(app, english, language="en")
    smtp.messages.clear()

    answer(app, story.death.id, "JenV", AnswerStatus.REALISED)
    queue.run_pending(app)

    (nl,) = smtp.to(dutch.email)
    ref = story.death.reference
    assert nl["Subject"].startswith(ref)
    assert "Antwoord van een ministerie" in nl["Subject"]
    assert f"JenV heeft op {ref} geantwoord: Gerealiseerd." in text_of(nl)
    assert f"https://bundler.test/knelpunten/{story.death.id}" in text_of(nl)
    html = html_of(nl)
    assert 'lang="nl"' in html and "<img" not in html and "http://" not in html
    assert nl["Message-ID"].endswith("@bundler.test>")
    unsubscribe = nl["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://bundler.test/meldingen/afmelden/")
    assert nl["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    (en,) = smtp.to(english.email)
    assert f"JenV answered {ref}: Realised." in text_of(en)
    assert "Dear" in text_of(en) and 'lang="en"' in html_of(en)


def test_each_event_mails_whom_it_concerns(app, smtp, make_user, make_pilot, make_wish):
    pilot, other = make_pilot("Eigen"), make_pilot("Ander")
    member = make_user(Role.PILOT, pilots=[pilot], email="member@example.org")
    joiner = make_user(Role.PILOT, pilots=[other], email="joiner@example.org")
    jenv = make_user(Role.MINISTRY, ministry="JenV", email="jenv@example.org")
    bzk = make_user(Role.MINISTRY, ministry="BZK", email="bzk@example.org")
    wish = make_wish(pilot, state=WishState.ACCEPTED, statute="BWBR0002656", article="19h")

    version = build(app, "JenV")
    queue.run_pending(app)
    (package_mail,) = smtp.to(jenv.email)
    assert package_mail["Subject"].startswith(version.package.number)
    assert "versie 1 staat voor u klaar" in text_of(package_mail)
    (offered,) = smtp.to(member.email)
    assert offered["Subject"].startswith(wish.reference)
    assert "Aangeboden" in text_of(offered)
    assert smtp.to(bzk.email) == [] and smtp.to(joiner.email) == []


def test_preferences_never_and_digests_are_respected(app, smtp, make_user, story):
    never = make_user(Role.PILOT, pilots=[story.raising], email="never@example.org")
    daily = make_user(Role.PILOT, pilots=[story.raising], email="daily@example.org")
    weekly = make_user(Role.PILOT, pilots=[story.raising], email="weekly@example.org")
    _prefer(app, never, wish_answered=kinds.NEVER)
    _prefer(app, daily, wish_answered=kinds.DAILY)
    _prefer(app, weekly, wish_answered=kinds.WEEKLY)
    smtp.messages.clear()

    answer(app, story.death.id, "JenV", AnswerStatus.RECEIVED)
    answer(app, story.death.id, "JenV", AnswerStatus.IN_PROGRESS)
    queue.run_pending(app)
    assert smtp.messages == []  # none of them wants these at once

    assert jobs.send_digests(app, kinds.DAILY) == 1
    (digest,) = smtp.to(daily.email)
    assert digest["Subject"] == f"Dagelijks overzicht: {story.death.reference}"
    body = text_of(digest)
    assert "geantwoord: Ontvangen." in body and "geantwoord: In behandeling." in body
    assert smtp.to(weekly.email) == [] and smtp.to(never.email) == []

    assert jobs.send_digests(app, kinds.DAILY) == 0  # nothing twice
    assert jobs.send_digests(app, kinds.WEEKLY) == 1
    (weekly_digest,) = smtp.to(weekly.email)
    assert weekly_digest["Subject"].startswith("Wekelijks overzicht")
    assert smtp.to(never.email) == []


def test_nobody_is_mailed_about_a_wish_they_may_no_longer_see(app, smtp, db, make_user, story):
    stays = make_user(Role.PILOT, pilots=[story.raising], email="stays@example.org")
    leaves = make_user(Role.PILOT, pilots=[story.raising], email="leaves@example.org")
    _prefer(app, leaves, wish_answered=kinds.DAILY)
    _prefer(app, stays, wish_answered=kinds.DAILY)
    answer(app, story.death.id, "JenV", AnswerStatus.REALISED)
    # Before the digest goes out, the member leaves the pilot: the wish is no longer theirs.
    with session_scope(app) as session:
        session.execute(pilot_member.delete().where(pilot_member.c.user_id == leaves.id))
    smtp.messages.clear()
    jobs.send_digests(app, kinds.DAILY)
    assert len(smtp.to(stays.email)) == 1
    assert smtp.to(leaves.email) == []


def test_a_refused_mail_is_retried_with_backoff_and_arrives_once(app, smtp, db, make_user, story):
    member = make_user(Role.PILOT, pilots=[story.raising], email="retry@example.org")
    smtp.messages.clear()
    smtp.refuse = 1
    answer(app, story.death.id, "JenV", AnswerStatus.REALISED)
    queue.run_pending(app)
    assert smtp.to(member.email) == []
    mail = db.scalar(select(OutboxMail).where(OutboxMail.to_address == member.email))
    assert mail.status == "pending" and mail.attempts == 1 and "451" in mail.last_error
    assert mail.next_attempt_at > dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)

    jobs.deliver(app)  # a retry before the wait is over sends nothing
    assert smtp.to(member.email) == []
    with session_scope(app) as session:
        session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == mail.id)
            .values(next_attempt_at=dt.datetime.now(dt.UTC))
        )
    jobs.deliver(app)
    jobs.deliver(app)
    (received,) = smtp.to(member.email)
    assert received["Message-ID"] == mail.message_id
    db.expire_all()
    assert db.get(OutboxMail, mail.id).status == "sent"


class Crash(BaseException):
    """The worker dies (not an error the job could handle)."""


def test_a_crash_between_sending_and_recording_never_sends_twice(
    app, smtp, db, make_user, story, monkeypatch
):
    member = make_user(Role.PILOT, pilots=[story.raising], email="crash@example.org")
    smtp.messages.clear()
    answer(app, story.death.id, "JenV", AnswerStatus.REALISED)

    def crash(_mail_id):
        raise Crash

    monkeypatch.setattr(outbox, "after_send", crash)
    with pytest.raises(Crash):
        queue.run_pending(app)
    assert len(smtp.to(member.email)) == 1  # the server has it; the record does not say so

    # The job is retried (huey retries, the minutely sweep, a second worker): no second mail.
    monkeypatch.setattr(outbox, "after_send", lambda _mail_id: None)
    jobs.deliver(app)
    jobs.deliver(app)
    assert len(smtp.to(member.email)) == 1
    mail = db.scalar(select(OutboxMail).where(OutboxMail.to_address == member.email))
    assert mail.status == "sending" and mail.attempts == 1
    # After the lease the administrator sees it as unknown (and may send it again).
    assert mail.claimed_at > outbox.unknown_after(app)
    app.config["MAIL_TIMEOUT_SECONDS"] = -100
    assert mail.claimed_at < outbox.unknown_after(app)


def test_no_mail_server_writes_to_the_log_and_the_outbox_page(
    app, client, db, login, make_user, story, caplog
):
    app.config["MAIL_SERVER"] = ""
    member = make_user(Role.PILOT, pilots=[story.raising], email="logged@example.org")
    admin = make_user(Role.ADMIN)
    with caplog.at_level(logging.INFO, logger="bundler.notifications.outbox"):
        answer(app, story.death.id, "JenV", AnswerStatus.REALISED)
        queue.run_pending(app)
    assert any("logged@example.org" in r.getMessage() for r in caplog.records)
    mail = db.scalar(select(OutboxMail).where(OutboxMail.to_address == member.email))
    assert mail.status == "logged"
    login(admin)
    page = client.get("/beheer/uitgaande-mail").get_data(as_text=True)
    assert "Er is geen mailserver ingesteld" in page and mail.subject in page
    shown = client.get(f"/beheer/uitgaande-mail/{mail.id}").get_data(as_text=True)
    assert "geantwoord: Gerealiseerd" in shown


def test_one_click_unsubscribe_turns_that_mail_off(app, client, db, smtp, make_user, story):
    member = make_user(Role.PILOT, pilots=[story.raising], email="unsub@example.org")
    token = unsubscribe_token(app, member.id, [kinds.WISH_ANSWERED])
    assert client.get(f"/meldingen/afmelden/{token}").status_code == 200
    assert client.post(f"/meldingen/afmelden/{token}").status_code == 200  # RFC 8058: no login
    forged = token[:-2] + ("yy" if token.endswith("xx") else "xx")
    assert client.post(f"/meldingen/afmelden/{forged}").status_code == 404
    smtp.messages.clear()
    answer(app, story.death.id, "JenV", AnswerStatus.REALISED)
    queue.run_pending(app)
    assert smtp.to(member.email) == []
    # Still in the app.
    assert db.scalar(select(Notification).where(Notification.user_id == member.id))
