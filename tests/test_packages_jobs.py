"""Builds as background jobs: queue, progress, child-process bounds, failures shown, CLI."""

from __future__ import annotations

import json

import pytest
from huey import MemoryHuey, PostgresHuey, RedisHuey, SqliteHuey
from sqlalchemy import func, select

from bundler import queue
from bundler.enums import Role, WishState
from bundler.models import BuildJob, BuildStep, Package, PackageVersion, StoredFile, Wish
from bundler.packages import jobs
from tests.conftest import post_form
from tests.package_helpers import make_story


@pytest.fixture
def office(make_user, login):
    user = make_user(Role.OFFICE)
    login(user)
    return user


def _count(db, model):
    return db.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("sqlite:////srv/bundler/jobs.sqlite", SqliteHuey),
        ("redis://127.0.0.1:6379/15", RedisHuey),
        ("postgresql+psycopg://postgres@127.0.0.1:5432/x", PostgresHuey),
        ("memory://", MemoryHuey),
    ],
)
def test_the_queue_follows_huey_url(url, kind):
    chosen, options = queue.queue_settings(url)
    assert chosen is kind
    if kind is PostgresHuey:
        assert options["dsn"] == "postgresql://postgres@127.0.0.1:5432/x"
    if kind is SqliteHuey:
        assert options["filename"] == "/srv/bundler/jobs.sqlite"


def test_the_embedded_default_queue_is_a_sqlite_file(tmp_path):
    huey = queue.make_huey(f"sqlite:///{tmp_path / 'jobs.sqlite'}")
    assert isinstance(huey, SqliteHuey)
    assert (tmp_path / "jobs.sqlite").exists()


def test_an_unknown_queue_url_is_refused():
    with pytest.raises(ValueError, match="HUEY_URL"):
        queue.queue_settings("ftp://example.org/queue")


def test_building_one_ministry_shows_progress_until_published(
    app, client, db, office, make_pilot, make_wish
):
    story = make_story(make_pilot, make_wish, app)
    response = post_form(client, "/bureau/pakketten/JenV/bouwen", {}, page="/bureau/pakketten")
    assert response.status_code == 302
    progress = response.headers["Location"]
    page = client.get(progress).get_data(as_text=True)
    assert "In de wachtrij" in page
    assert "<progress" in page and 'value="0"' in page
    assert "Vernieuw deze pagina" in page  # works without JavaScript

    assert queue.run_pending(app) == 1

    status = client.get(progress + "/status").get_json()
    assert status["finished"] is True, status
    assert status["done"] == status["total"] == 1
    assert status["steps"][0]["status"] == "published"
    page = client.get(progress).get_data(as_text=True)
    assert "Nieuwe versie gepubliceerd" in page
    assert "Vernieuw deze pagina" not in page
    db.expire_all()
    assert db.get(Wish, story.death.id).state is WishState.OFFERED
    assert db.scalar(select(PackageVersion)).created_by_id == office.id


def test_build_all_runs_one_step_per_ministry_with_wishes(
    app, client, db, office, make_pilot, make_wish
):
    make_story(make_pilot, make_wish, app)
    response = post_form(client, "/bureau/pakketten/bouwen", {}, page="/bureau/pakketten")
    job = db.scalar(select(BuildJob))
    assert response.headers["Location"].endswith(f"/taken/{job.id}")
    assert job.kind == "all"
    assert sorted(job.ministry_codes) == ["BZK", "JenV"]
    assert job.total == 2

    assert queue.run_pending(app) == 2

    db.expire_all()
    job = db.get(BuildJob, job.id)
    assert (job.status, job.done) == ("done", 2)
    assert {s.status for s in job.steps} == {"published"}
    assert _count(db, PackageVersion) == 2

    # Again without changes: both steps report "unchanged", no new versions.
    post_form(client, "/bureau/pakketten/bouwen", {}, page="/bureau/pakketten")
    queue.run_pending(app)
    latest = db.scalar(select(BuildJob).order_by(BuildJob.id.desc()))
    assert {s.status for s in latest.steps} == {"unchanged"}
    assert _count(db, PackageVersion) == 2


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("PDF_TIMEOUT_SECONDS", 0.05, "langer dan"),
        ("PDF_MEMORY_MB", 64, "geheugen"),
    ],
)
def test_a_render_over_its_bounds_fails_visibly_and_publishes_nothing(
    app, client, db, office, make_pilot, make_wish, setting, value, message
):
    story = make_story(make_pilot, make_wish, app)
    app.config[setting] = value
    response = post_form(client, "/bureau/pakketten/JenV/bouwen", {}, page="/bureau/pakketten")
    queue.run_pending(app)

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Mislukt" in page
    assert message in page
    assert "Niet alle pakketten zijn gebouwd" in page
    db.expire_all()
    step = db.scalar(select(BuildStep))
    assert step.status == "failed" and message in step.error
    assert db.scalar(select(BuildJob)).status == "failed"
    assert _count(db, Package) == 0
    assert _count(db, StoredFile) == 0
    assert db.get(Wish, story.death.id).state is WishState.ACCEPTED
    overview = client.get("/bureau/pakketten/JenV").get_data(as_text=True)
    assert message in overview  # the office sees the error on the ministry page too


def test_a_crashing_build_step_is_recorded_as_failed(
    app, client, db, office, make_pilot, make_wish, monkeypatch
):
    make_story(make_pilot, make_wish, app)

    def crash(*args, **kwargs):
        raise RuntimeError("kapot halverwege")

    monkeypatch.setattr(jobs.build, "publish", crash)
    post_form(client, "/bureau/pakketten/JenV/bouwen", {}, page="/bureau/pakketten")
    queue.run_pending(app)
    db.expire_all()
    step = db.scalar(select(BuildStep))
    assert step.status == "failed"
    assert "RuntimeError: kapot halverwege" in step.error
    assert _count(db, PackageVersion) == 0


def test_a_step_is_run_once_even_if_queued_twice(app, db, office, make_pilot, make_wish):
    make_story(make_pilot, make_wish, app)
    with app.app_context():
        job = jobs.create_job(db, [], kind="one", actor=None)
        db.commit()
    assert job.status == "done"  # nothing to build is done at once

    from bundler.models import Ministry

    with app.app_context():
        ministry = db.scalar(select(Ministry).where(Ministry.code == "JenV"))
        job = jobs.create_job(db, [ministry], kind="one", actor=None)
        db.commit()
        step_id = job.steps[0].id
    jobs.run_step(app, step_id)
    jobs.run_step(app, step_id)
    db.expire_all()
    assert db.get(BuildJob, job.id).done == 1
    assert _count(db, PackageVersion) == 1


def test_stale_rendering_steps_are_failed(app, db):
    import datetime as dt

    from bundler.models import utcnow

    job = BuildJob(kind="one", ministry_codes=["JenV"], total=1, status="running")
    job.steps.append(
        BuildStep(
            ministry_code="JenV",
            status="rendering",
            started_at=utcnow() - dt.timedelta(hours=2),
        )
    )
    db.add(job)
    db.commit()
    assert jobs.expire_stale_steps(db, older_than_seconds=600) == 1
    db.commit()
    assert job.status == "failed"
    assert "onderbroken" in job.steps[0].error


def test_cli_builds_with_a_progress_bar_and_writes_files(
    app, runner, db, make_pilot, make_wish, tmp_path
):
    story = make_story(make_pilot, make_wish, app)
    result = runner.invoke(args=["build-packages", "--all", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Pakketten bouwen" in result.output
    written = sorted(p.name for p in tmp_path.iterdir())
    year = written[0].split("-")[1]
    assert written == [
        f"BZK-{year}-01-v1.json",
        f"BZK-{year}-01-v1.pdf",
        f"JenV-{year}-01-v1.json",
        f"JenV-{year}-01-v1.pdf",
    ]
    twin = json.loads((tmp_path / f"JenV-{year}-01-v1.json").read_text())
    assert story.death.reference in {w["reference"] for w in twin["wishes"]}
    assert (tmp_path / f"JenV-{year}-01-v1.pdf").read_bytes().startswith(b"%PDF-")

    again = runner.invoke(args=["build-packages", "--ministry", "JenV"])
    assert again.exit_code == 0
    assert "ongewijzigd" in again.output


@pytest.mark.parametrize(
    "args",
    [["build-packages"], ["build-packages", "--all", "--ministry", "JenV"]],
)
def test_cli_needs_exactly_one_choice(runner, args):
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert "--ministry CODE of --all" in result.output


def test_cli_refuses_an_unknown_ministry(runner):
    result = runner.invoke(args=["build-packages", "--ministry", "XYZ"])
    assert result.exit_code != 0
    assert "Onbekend ministerie" in result.output


def test_two_builds_of_the_same_content_publish_one_version(
    app, client, db, office, make_pilot, make_wish
):
    make_story(make_pilot, make_wish, app)
    page = "/bureau/pakketten"
    post_form(client, "/bureau/pakketten/JenV/bouwen", {}, page=page)
    post_form(client, "/bureau/pakketten/JenV/bouwen", {}, page=page)  # a double click
    assert queue.run_pending(app) == 2
    db.expire_all()
    assert _count(db, PackageVersion) == 1
    assert sorted(s.status for s in db.scalars(select(BuildStep))) == ["published", "unchanged"]
