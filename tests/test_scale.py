"""`bundler load-demo --scale N`: proportions, invariants and determinism at a small N."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, url_for
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bundler import demo, scale
from bundler.db import make_engine
from bundler.enums import Role, WishState
from bundler.models import (
    Answer,
    Attachment,
    Base,
    Notification,
    Pilot,
    PilotMunicipality,
    User,
    Wish,
    WishMerge,
    WishRelation,
    WishSupport,
    wish_ministry,
)
from bundler.notifications import kinds
from bundler.notifications.text import describe
from bundler.passwords import check_password
from bundler.refdata import load_reference_data

N = 1_500
TODAY = dt.date(2026, 5, 1)


@pytest.fixture
def generated(app: Flask, db: Session) -> tuple[Session, scale.ScaleReport]:
    report = scale.load_scale(db, N, seed=7, today=TODAY)
    db.flush()
    return db, report


def test_counts_and_proportions(generated: tuple[Session, scale.ScaleReport]) -> None:
    db, report = generated
    assert db.scalar(select(func.count()).select_from(Wish)) == N == report.counts["wish"]
    states = Counter(db.scalars(select(Wish.state)))
    total = sum(w for _, w in scale.STATES)
    for state, weight in scale.STATES:
        expected = N * weight / total
        # Merges fall back to "in behandeling" only while nothing is alive to merge into.
        assert abs(states[state] - expected) < 4 * expected**0.5 + 10, state
    supported = db.scalar(select(func.count(func.distinct(WishSupport.wish_id))))
    assert 0.2 * N < supported < 0.45 * N
    attached = db.scalar(select(func.count(func.distinct(Attachment.wish_id))))
    assert 0.04 * N < attached < 0.12 * N
    assert db.scalar(select(func.count()).select_from(Answer)) > 0.5 * states[WishState.OFFERED]
    assert db.scalar(select(func.count()).select_from(WishRelation)) > 0
    assert db.scalar(select(func.count()).select_from(Pilot)) == scale.pilot_count(N)
    # Busy pilots and popular statutes: the busiest pilot raises several times its share.
    per_pilot = Counter(db.scalars(select(Wish.pilot_id)))
    assert max(per_pilot.values()) > 3 * N / len(per_pilot)
    unknown = db.scalar(select(func.count()).select_from(Wish).where(Wish.statute_id.is_(None)))
    assert 0.01 * N < unknown < 0.1 * N
    with_text = db.scalar(
        select(func.count()).select_from(Wish).where(Wish.problem.contains(scale.COMMON_WORD))
    )
    assert with_text == N


def test_invariants(generated: tuple[Session, scale.ScaleReport]) -> None:
    db, _ = generated
    wishes = {w.id: w for w in db.scalars(select(Wish))}
    ministries: dict[int, set[int]] = {}
    for wish_id, ministry_id in db.execute(select(wish_ministry)):
        ministries.setdefault(wish_id, set()).add(ministry_id)
    for wish in wishes.values():
        assert (wish.submitted_at is None) == (wish.state is WishState.CONCEPT)
        assert wish.created_at <= wish.updated_at
        if wish.state in (WishState.CONCEPT, WishState.SUBMITTED) or wish.statute_id is None:
            assert wish.id not in ministries
        assert wish.statute_unknown == (wish.statute_id is None)
        if wish.state is WishState.MERGED:
            target = wishes[wish.merged_into_id or 0]
            assert target.state in scale.ALIVE and target.id < wish.id
        else:
            assert wish.merged_into_id is None
    # References follow the creation order within a year.
    ordered = sorted(wishes.values(), key=lambda w: w.id)
    by_year = [w.reference for w in ordered if w.reference.startswith("KN-2025-")]
    assert by_year == sorted(by_year) and len(by_year) > 100
    merges = list(db.scalars(select(WishMerge)))
    assert {m.source_id for m in merges} == {
        w.id for w in wishes.values() if w.state is WishState.MERGED
    }
    for merge in merges:
        assert wishes[merge.source_id].merged_into_id == merge.target_id
        if merge.support_id is not None:
            support = db.get(WishSupport, merge.support_id)
            assert support is not None and support.merged_from_id == merge.source_id
            assert support.pilot_id == wishes[merge.source_id].pilot_id
    for support in db.scalars(select(WishSupport)):
        assert support.pilot_id != wishes[support.wish_id].pilot_id
    for answer in db.scalars(select(Answer)):
        wish = wishes[answer.wish_id]
        assert wish.state is WishState.OFFERED
        assert answer.ministry_id in ministries[wish.id]
    for relation in db.scalars(select(WishRelation)):
        assert relation.wish_id != relation.related_id
    # Every pilot has municipalities and a member who can sign in.
    for pilot in db.scalars(select(Pilot)):
        assert len(pilot.participations) >= 3
        assert [u.role for u in pilot.members] == [Role.PILOT]
    member = db.scalars(select(User).where(User.email == f"pilot-001@{scale.EMAIL_DOMAIN}")).one()
    assert check_password(member.password_hash, scale.PASSWORD)
    assert db.scalar(select(func.count()).select_from(PilotMunicipality)) > 3 * scale.pilot_count(N)


def _fingerprint(path: Path, seed: int) -> list[tuple[Any, ...]]:
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        load_reference_data(session)
        scale.load_scale(session, 300, seed=seed, today=TODAY)
        rows = [
            tuple(row)
            for row in session.execute(
                select(
                    Wish.reference, Wish.title, Wish.state, Wish.pilot_id, Wish.statute_id
                ).order_by(Wish.id)
            )
        ]
        rows += [
            tuple(r) for r in session.execute(select(WishSupport.wish_id, WishSupport.pilot_id))
        ]
    engine.dispose()
    return rows


def test_same_seed_same_data(tmp_path: Path) -> None:
    first = _fingerprint(tmp_path / "a.sqlite", seed=11)
    assert first == _fingerprint(tmp_path / "b.sqlite", seed=11)
    assert first != _fingerprint(tmp_path / "c.sqlite", seed=12)


def test_cli_adds_to_the_story_and_pages_open(
    app: Flask, runner: FlaskCliRunner, client: Any, db: Session
) -> None:
    result = runner.invoke(args=["load-demo", "--scale", "200", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "200 knelpunten gegenereerd" in result.output
    assert "office@bundler.example" in result.output  # the story came first
    # Again: more wishes, references continue instead of colliding.
    result = runner.invoke(args=["load-demo", "--scale", "100", "--seed", "4"])
    assert result.exit_code == 0, result.output
    assert db.scalar(select(func.count()).select_from(Wish)) == 300 + len(demo.WISHES)
    stored = [a.stored_name for a in db.scalars(select(Attachment))]
    assert stored and all((Path(app.config["UPLOAD_FOLDER"]) / n).is_file() for n in stored)

    token = client.get("/aanmelden").get_data(as_text=True)
    token = token.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    signed_in = client.post(
        "/aanmelden",
        data={
            "email": "office@bundler.example",
            "password": "office-demo-2026",
            "csrf_token": token,
        },
    )
    assert signed_in.status_code == 302
    for path in ("/bureau/knelpunten", "/bureau/overzicht", "/bureau/knelpunten?zoek=gemeente"):
        assert client.get(path).status_code == 200, path


def test_the_office_was_told_of_every_submission(app: Flask, db: Session, make_user: Any) -> None:
    office = make_user(Role.OFFICE)
    scale.load_scale(db, 400, seed=8, today=TODAY)
    db.flush()
    submitted = {w.id: w for w in db.scalars(select(Wish).where(Wish.state != WishState.CONCEPT))}
    told = list(db.scalars(select(Notification).where(Notification.user_id == office.id)))
    assert sorted(n.wish_id for n in told) == sorted(submitted)
    unread = sum(n.read_at is None for n in told)
    assert 0.55 * len(told) < unread < 0.85 * len(told)  # most never opened
    for notification in told[:20]:
        wish = submitted[notification.wish_id or 0]
        assert notification.kind == kinds.OFFICE_SUBMISSION
        # The page `notifications.derive` links to (the generator writes the path itself).
        with app.test_request_context():
            assert notification.link == url_for("office.triage", reference=wish.reference)
        assert notification.created_at == wish.submitted_at
        assert wish.reference in describe(notification.kind, notification.data)
