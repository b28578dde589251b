"""Backup and restore: back up, destroy, restore, compare a full export; SQLite and PostgreSQL.

The database under test is the one the suite runs on (SQLite by default, PostgreSQL with
TEST_DATABASE_URL), but in a database of its own, so destroying it harms no other test.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bundler import backup, create_app, demo
from bundler.accounts import create_user
from bundler.db import make_engine, session_scope
from bundler.enums import Role
from bundler.models import Attachment, Base, User, Wish
from bundler.refdata import load_reference_data


def _admin_engine(url: str):
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


@pytest.fixture
def own_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database of this test's own, of the suite's kind, with schema and reference data."""
    if database_url.startswith("postgresql"):
        if shutil.which("pg_dump") is None:
            if os.environ.get("REQUIRE_POSTGRES"):
                pytest.fail("pg_dump is required (REQUIRE_POSTGRES) but missing")
            pytest.skip("pg_dump/pg_restore niet geïnstalleerd (postgresql-client)")
        name = f"{make_url(database_url).database}_backup"
        url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
        admin = _admin_engine(database_url)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    else:
        url = f"sqlite:///{tmp_path / 'own.sqlite'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        load_reference_data(session)
        session.commit()
    engine.dispose()
    yield url
    if url.startswith("postgresql"):
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def bapp(app_config: dict[str, Any], own_database: str) -> Iterator[Flask]:
    app = create_app({**app_config, "DATABASE_URL": own_database})
    yield app
    app.extensions["bundler.engine"].dispose()


def _value(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return "bytes:" + hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def full_export(app: Flask) -> dict[str, Any]:
    """Every table's rows (sorted) and the SHA-256 of every stored file."""
    engine = app.extensions["bundler.engine"]
    tables: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = connection.execute(select(table)).all()
            tables[table.name] = sorted(repr(tuple(_value(v) for v in row)) for row in rows)
    files = {}
    for key in ("UPLOAD_FOLDER", "STORAGE_FOLDER"):
        root = Path(app.config[key])
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            files[f"{key}/{path.relative_to(root)}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return {"tables": tables, "files": files}


def _fill(app: Flask) -> None:
    """The demo story, an attachment with its file, a package-like stored file, odd text."""
    with session_scope(app) as session:
        demo.load(session)
        wish = session.scalars(select(Wish).order_by(Wish.id)).first()
        data = os.urandom(50_000)
        stored = "0123456789abcdef0123456789abcdef.pdf"
        uploads = Path(app.config["UPLOAD_FOLDER"])
        uploads.mkdir(parents=True, exist_ok=True)
        (uploads / stored).write_bytes(data)
        session.add(
            Attachment(
                wish=wish,
                original_name="Onderbouwing ‘overlijden’ — versie 2.pdf",
                stored_name=stored,
                content_type="application/pdf",
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
            )
        )
        wish.problem += "\nMet een regel in het Fries: Ús mem & ‘aanhalingstekens’ ✓ 🙂"
    storage = Path(app.config["STORAGE_FOLDER"]) / "pakketten" / "2026"
    storage.mkdir(parents=True, exist_ok=True)
    (storage / "BZK-2026-1.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(20_000))
    (Path(app.config["STORAGE_FOLDER"]) / "leeg").mkdir()


def _destroy(app: Flask) -> None:
    engine = app.extensions["bundler.engine"]
    engine.dispose()
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{url.database}{suffix}").unlink(missing_ok=True)
    else:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    for key in ("UPLOAD_FOLDER", "STORAGE_FOLDER"):
        shutil.rmtree(app.config[key])


def test_backup_destroy_restore_gives_back_everything(bapp, tmp_path):
    _fill(bapp)
    before = full_export(bapp)
    assert before["tables"]["wish"] and before["tables"]["user_account"]
    assert len(before["files"]) == 2
    archive = tmp_path / "backups" / "b.tar.gz"
    runner = bapp.test_cli_runner()

    result = runner.invoke(args=["backup", "--out", str(archive)])
    assert result.exit_code == 0, result.output
    assert "secret_key" in result.output
    assert archive.stat().st_mode & 0o777 == 0o600
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["database"] == make_url(bapp.config["DATABASE_URL"]).get_backend_name()
    assert manifest["app_version"]
    assert dt.datetime.fromisoformat(manifest["created_at"]).tzinfo is not None
    assert len(manifest["files"]) == 3  # the database plus two stored files
    assert all(len(digest) == 64 for digest in manifest["files"].values())

    refused = runner.invoke(args=["restore", str(archive)])
    assert refused.exit_code != 0
    assert "niet leeg" in refused.output and "--force" in refused.output

    _destroy(bapp)
    result = runner.invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    after = full_export(bapp)
    assert after == before
    assert (Path(bapp.config["STORAGE_FOLDER"]) / "leeg").is_dir()

    # The restored database takes new rows (PostgreSQL: sequences came back too).
    with session_scope(bapp) as session:
        user = create_user(
            session, email="nieuw@example.org", name="Nieuw", role=Role.PILOT, password="x" * 12
        )
        assert user.id > max(session.scalars(select(User.id).where(User.id != user.id)))


def test_forced_restore_overwrites_later_changes(bapp, tmp_path):
    _fill(bapp)
    before = full_export(bapp)
    archive = tmp_path / "b.tar.gz"
    backup.create_backup(bapp, archive)
    with session_scope(bapp) as session:
        session.scalars(select(Wish)).first().title = "Later gewijzigd"
    (Path(bapp.config["UPLOAD_FOLDER"]) / "later.pdf").write_bytes(b"%PDF later")
    assert full_export(bapp) != before
    result = bapp.test_cli_runner().invoke(args=["restore", "--force", str(archive)])
    assert result.exit_code == 0, result.output
    assert full_export(bapp) == before


def _repack(archive: Path, out: Path, change) -> None:
    with tarfile.open(archive) as source, tarfile.open(out, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read() if member.isfile() else None
            member, data = change(member, data)
            if member is not None:
                target.addfile(member, io.BytesIO(data) if data is not None else None)


def _tampered(member, data):
    if member.name.startswith("files/uploads/") and member.isfile():
        data = b"X" + data[1:]
    return member, data


def _extra(member, data):
    if member.name == "manifest.json":
        return member, data
    if member.name.startswith("files/uploads/") and member.isfile():
        member.name = "files/uploads/extra.pdf"
    return member, data


def _escaping(member, data):
    if member.name.startswith("files/uploads/") and member.isfile():
        member.name = "../../buiten.pdf"
    return member, data


def _symlink(member, data):
    if member.name.startswith("files/uploads/") and member.isfile():
        link = tarfile.TarInfo(member.name)
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        return link, None
    return member, data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_tampered, "Controlegetal klopt niet"),
        (_extra, "klopt niet met het manifest"),
        (_escaping, "beschadigd"),
        (_symlink, "ongeldig onderdeel"),
    ],
)
def test_restore_refuses_a_corrupt_archive_and_changes_nothing(bapp, tmp_path, change, message):
    _fill(bapp)
    archive = tmp_path / "b.tar.gz"
    backup.create_backup(bapp, archive)
    bad = tmp_path / "bad.tar.gz"
    _repack(archive, bad, change)
    before = full_export(bapp)
    result = bapp.test_cli_runner().invoke(args=["restore", "--force", str(bad)])
    assert result.exit_code != 0
    assert message in result.output, result.output
    assert full_export(bapp) == before
    assert not (tmp_path.parent / "buiten.pdf").exists()


def test_restore_refuses_a_truncated_archive(bapp, tmp_path):
    _fill(bapp)
    archive = tmp_path / "b.tar.gz"
    backup.create_backup(bapp, archive)
    raw = archive.read_bytes()
    archive.write_bytes(raw[: len(raw) // 2])
    result = bapp.test_cli_runner().invoke(args=["restore", "--force", str(archive)])
    assert result.exit_code != 0
    assert "beschadigd" in result.output


def test_restore_refuses_an_archive_of_the_other_database_kind(bapp, tmp_path):
    archive = tmp_path / "b.tar.gz"
    backup.create_backup(bapp, archive)
    unpacked = tmp_path / "x"
    unpacked.mkdir()
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    manifest = json.loads((unpacked / "manifest.json").read_text())
    manifest["database"] = "postgresql" if manifest["database"] == "sqlite" else "sqlite"
    (unpacked / "manifest.json").write_text(json.dumps(manifest))
    other = tmp_path / "other.tar.gz"
    with tarfile.open(other, "w:gz") as tar:
        for path in sorted(unpacked.rglob("*")):
            tar.add(path, arcname=path.relative_to(unpacked).as_posix(), recursive=False)
    result = bapp.test_cli_runner().invoke(args=["restore", "--force", str(other)])
    assert result.exit_code != 0
    assert "database" in result.output


def test_backup_of_a_running_sqlite_app_is_consistent(bapp, tmp_path):
    """The online backup API copies a consistent state even with a write transaction open."""
    if not bapp.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("SQLite only: PostgreSQL's pg_dump takes a snapshot by itself")
    _fill(bapp)
    before = full_export(bapp)
    engine = bapp.extensions["bundler.engine"]
    with engine.connect() as connection:
        connection.execute(text("UPDATE wish SET title = 'half geschreven'"))  # not committed
        archive = tmp_path / "b.tar.gz"
        backup.create_backup(bapp, archive)
        connection.rollback()
    _destroy(bapp)
    backup.restore_backup(bapp, archive)
    assert full_export(bapp) == before
