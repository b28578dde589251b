"""Building and publishing packages: versions, what changed, snapshots, failures leave nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

import pypdf
import pytest
from sqlalchemy import func, select

from bundler import storage
from bundler.enums import AnswerStatus, WishState
from bundler.models import (
    AuditEvent,
    Ministry,
    Package,
    PackageEntry,
    PackageVersion,
    StoredFile,
    Wish,
)
from bundler.packages import build as build_ops
from bundler.packages import follow_up
from bundler.packages.content import included_wishes
from bundler.pdf import RenderError
from tests.package_helpers import JEUGDWET, answer, build, make_story


def _count(db, model):
    return db.scalar(select(func.count()).select_from(model))


def test_build_publishes_a_version_and_offers_the_accepted_wishes(
    app, db, make_pilot, make_wish, make_user
):
    story = make_story(make_pilot, make_wish, app)
    office = make_user("office")
    version = build(app, "JenV", actor_id=office.id)

    assert version is not None
    assert version.number == 1
    assert version.package.number == f"JenV-{dt.date.today().year}-01"
    assert version.wish_count == 2
    assert version.ministry_name == "Justitie en Veiligheid"
    assert version.ministry_tooi.endswith("/mnre1058")
    db.expire_all()
    assert db.get(Wish, story.death.id).state is WishState.OFFERED
    assert db.get(Wish, story.birth.id).state is WishState.OFFERED
    assert db.get(Wish, story.bzk.id).state is WishState.ACCEPTED  # another ministry's wish

    stored = db.get(PackageVersion, version.id)
    pdf = storage.get(db, stored.storage_key)
    assert pdf.startswith(b"%PDF-")
    assert hashlib.sha256(pdf).hexdigest() == stored.sha256
    twin = json.loads(storage.get(db, stored.json_storage_key))
    assert [w["reference"] for w in twin["wishes"]] == sorted(
        [story.birth.reference, story.death.reference],
        key=lambda r: {story.birth.reference: 0, story.death.reference: 1}[r],
    )
    assert twin["package"]["ministry"]["name"] == "Justitie en Veiligheid"
    entries = db.scalars(select(PackageEntry).order_by(PackageEntry.position)).all()
    assert [e.wish_id for e in entries] == [story.birth.id, story.death.id]  # 19e before 19h
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "wish.state")).all()
    assert {e.object_id for e in events} == {str(story.death.id), str(story.birth.id)}
    assert all(e.actor_id == office.id for e in events)
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "package.published"))


def test_building_twice_without_changes_gives_one_version(app, db, make_pilot, make_wish):
    make_story(make_pilot, make_wish, app)
    first = build(app, "JenV")
    again = build(app, "JenV")
    assert first is not None
    assert again is None
    assert _count(db, PackageVersion) == 1
    assert _count(db, Package) == 1


def test_a_new_version_lists_what_is_new_changed_and_removed(app, db, make_pilot, make_wish):
    story = make_story(make_pilot, make_wish, app)
    build(app, "JenV")
    answer(app, story.death.id, "JenV", AnswerStatus.REALISED, effective_date=dt.date(2026, 7, 1))
    answer(app, story.birth.id, "JenV", AnswerStatus.IN_PROGRESS)
    extra = make_wish(story.raising, state=WishState.ACCEPTED, statute="BWBR0002656", article="20")

    second = build(app, "JenV")

    assert second is not None
    assert second.number == 2
    assert second.changes == {
        "new": [[extra.reference, extra.title]],
        "changed": [[story.birth.reference, story.birth.title]],
        "removed": [[story.death.reference, story.death.title]],
    }
    twin = json.loads(storage.get(db, db.get(PackageVersion, second.id).json_storage_key))
    birth = next(w for w in twin["wishes"] if w["reference"] == story.birth.reference)
    assert birth["previousAnswer"]["status"] == "in_behandeling"
    assert {w["reference"] for w in twin["wishes"]} == {story.birth.reference, extra.reference}
    assert twin["changes"]["removed"] == [[story.death.reference, story.death.title]]


@pytest.mark.parametrize(
    ("status", "included"),
    [
        (None, True),
        (AnswerStatus.RECEIVED, True),
        (AnswerStatus.IN_PROGRESS, True),
        (AnswerStatus.IN_LEGISLATION, True),
        (AnswerStatus.REALISED, False),
        (AnswerStatus.DECLINED, False),
    ],
)
def test_offered_wishes_stay_while_the_answer_is_open(
    app, db, make_pilot, make_wish, status, included
):
    pilot = make_pilot()
    wish = make_wish(pilot, state=WishState.OFFERED, statute="BWBR0002656")
    if status is not None:
        answer(
            app,
            wish.id,
            "JenV",
            status,
            effective_date=dt.date(2026, 7, 1),
            link="https://zoek.officielebekendmakingen.nl/kst-1",
            reasons="Omdat.",
        )
    with app.app_context():
        ministry = db.scalar(select(Ministry).where(Ministry.code == "JenV"))
        ids = [w.id for w in included_wishes(db, ministry)]
    assert (wish.id in ids) is included


def test_an_answer_by_another_ministry_does_not_close_a_shared_wish(app, db, make_pilot, make_wish):
    wish = make_wish(make_pilot(), state=WishState.OFFERED, statute=JEUGDWET)
    answer(app, wish.id, "VWS", AnswerStatus.DECLINED, reasons="Niet bij ons.")
    with app.app_context():
        jenv = db.scalar(select(Ministry).where(Ministry.code == "JenV"))
        vws = db.scalar(select(Ministry).where(Ministry.code == "VWS"))
        assert [w.id for w in included_wishes(db, jenv)] == [wish.id]
        assert included_wishes(db, vws) == []


def test_a_shared_wish_is_in_each_ministrys_package(app, db, make_pilot, make_wish):
    wish = make_wish(make_pilot(), state=WishState.ACCEPTED, statute=JEUGDWET)
    jenv, vws = build(app, "JenV"), build(app, "VWS")
    assert jenv is not None and vws is not None
    for version in (jenv, vws):
        twin = json.loads(storage.get(db, db.get(PackageVersion, version.id).json_storage_key))
        assert [w["reference"] for w in twin["wishes"]] == [wish.reference]
        assert twin["wishes"][0]["shared"] is True


def test_the_version_keeps_the_ministry_as_it_was(app, db, make_pilot, make_wish):
    make_story(make_pilot, make_wish, app)
    first = build(app, "JenV")
    ministry = db.scalar(select(Ministry).where(Ministry.code == "JenV"))
    old_name = ministry.name
    ministry.name = "Justitie, Veiligheid en Migratie"
    db.commit()
    try:
        second = build(app, "JenV")
        assert db.get(PackageVersion, first.id).ministry_name == old_name
        assert second is not None and second.ministry_name == "Justitie, Veiligheid en Migratie"
        assert not second.changes["new"] and not second.changes["removed"]
    finally:
        ministry.name = old_name  # reference data is kept between tests
        db.commit()


def test_a_changed_cover_letter_makes_a_new_version(app, db, make_pilot, make_wish):
    make_story(make_pilot, make_wish, app)
    build(app, "JenV")
    package = db.scalar(select(Package))
    package.cover_letter = "Geachte minister,\n\nHierbij het pakket."
    db.commit()
    second = build(app, "JenV")
    assert second is not None and second.number == 2
    assert db.get(PackageVersion, second.id).snapshot["coverLetter"].startswith("Geachte")


def test_a_closed_package_makes_the_next_build_start_a_new_number(app, db, make_pilot, make_wish):
    story = make_story(make_pilot, make_wish, app)
    first = build(app, "JenV")
    with app.app_context():
        package = db.get(Package, first.package_id)
        build_ops.close_package(db, package, actor=None)
        db.commit()
    make_wish(story.raising, state=WishState.ACCEPTED, statute="BWBR0002656", article="1")
    second = build(app, "JenV")
    year = dt.date.today().year
    assert second.package.number == f"JenV-{year}-02"
    assert second.number == 1


def _nothing_published(db, *wishes):
    db.expire_all()
    assert _count(db, Package) == 0
    assert _count(db, PackageVersion) == 0
    assert _count(db, StoredFile) == 0
    for wish in wishes:
        assert db.get(Wish, wish.id).state is WishState.ACCEPTED


def test_a_failing_render_leaves_nothing_published(app, db, make_pilot, make_wish):
    story = make_story(make_pilot, make_wish, app)

    def crash(html, attachments, created):
        raise RenderError("boom")

    with pytest.raises(RenderError):
        build(app, "JenV", renderer=crash)
    _nothing_published(db, story.death, story.birth)


def test_a_crash_halfway_through_publishing_leaves_nothing(
    app, db, make_pilot, make_wish, monkeypatch
):
    story = make_story(make_pilot, make_wish, app)
    real = build_ops.audit.record
    calls = []

    def record(session, action, **kwargs):
        calls.append(action)
        if action == "wish.state" and len(calls) == 2:
            raise RuntimeError("crash after the files were stored and one wish moved")
        return real(session, action, **kwargs)

    monkeypatch.setattr(build_ops.audit, "record", record)
    with pytest.raises(RuntimeError):
        build(app, "JenV")
    _nothing_published(db, story.death, story.birth)


def test_publish_refuses_when_wishes_changed_during_the_render(app, db, make_pilot, make_wish):
    story = make_story(make_pilot, make_wish, app)

    def render_while_someone_edits(html, attachments, created):
        with app.app_context():
            from bundler.db import session_scope

            with session_scope(app) as other:
                other.get(Wish, story.death.id).title = "Intussen gewijzigd"
        return build_ops.render_in_process(html, attachments, created)

    with pytest.raises(build_ops.BuildConflict):
        build(app, "JenV", renderer=render_while_someone_edits)
    assert _count(db, PackageVersion) == 0


def test_ministries_with_wishes_and_readiness(app, db, make_pilot, make_wish):
    story = make_story(make_pilot, make_wish, app)
    make_wish(story.raising, state=WishState.SUBMITTED, statute="BWBR0006622")  # not yet
    build(app, "JenV")
    answer(app, story.death.id, "JenV", AnswerStatus.REALISED, effective_date=dt.date(2026, 7, 1))
    with app.app_context():
        codes = [m.code for m in build_ops.ministries_with_wishes(db)]
        ready = follow_up.readiness(db)
        by_code = {db.get(Ministry, k).code: v for k, v in ready.items()}
    assert codes == ["BZK", "JenV"]
    assert by_code["BZK"] == follow_up.Readiness(accepted=1, open_offered=0)
    assert by_code["JenV"] == follow_up.Readiness(accepted=0, open_offered=1)


def test_follow_up_rows_time_to_answer(app, db, make_pilot, make_wish):
    story = make_story(make_pilot, make_wish, app)
    version = build(app, "JenV", at=dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC))
    assert version is not None
    answer(app, story.death.id, "JenV", AnswerStatus.RECEIVED)
    with app.app_context():
        rows = {r.reference: r for r in follow_up.offered_rows(db)}
    assert set(rows) == {story.death.reference, story.birth.reference}
    death = rows[story.death.reference]
    assert death.offered_at == dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)
    assert death.latest_status == "ontvangen"
    assert death.days_to_answer() is not None and death.days_to_answer() > 0
    assert not rows[story.birth.reference].answered


def test_the_demo_has_a_published_jenv_package_with_the_death_wish(app, db):
    from bundler import demo
    from bundler.db import session_scope

    with app.app_context(), session_scope(app) as session:
        demo.load(session)
    version = db.scalar(select(PackageVersion))
    assert version.package.ministry.code == "JenV"
    assert version.ministry_name == "Justitie en Veiligheid"
    death = db.scalar(select(Wish).where(Wish.article == "19h"))
    assert death.state is WishState.OFFERED
    assert death.id in {e.wish_id for e in version.entries}
    assert len(death.supports) == 2
    latest = max(death.answers, key=lambda a: a.answered_at)
    assert latest.status is AnswerStatus.REALISED
    assert (latest.effective_date.month, latest.effective_date.day) == (7, 1)
    assert version.created_at < min(a.answered_at for a in death.answers)
    pdf = storage.get(db, version.storage_key)
    assert pdf.startswith(b"%PDF-") and version.page_count > 3
    # The Jeugdwet wish is shared by VWS and JenV: offered in both packages, marked shared.
    youth = db.scalar(select(Wish).where(Wish.statute.has(bwb_id="BWBR0034925")))
    assert youth.state is WishState.OFFERED and youth.is_shared
    holders = db.scalars(
        select(PackageVersion).where(PackageVersion.entries.any(wish_id=youth.id))
    ).all()
    assert sorted(v.package.ministry.code for v in holders) == ["JenV", "VWS"]
    for holder in holders:
        reader = pypdf.PdfReader(io.BytesIO(storage.get(db, holder.storage_key)))
        text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
        assert "Gedeeld knelpunt" in text and youth.reference in text
