"""Back up and restore the database and the stored files (attachments, packages) in one archive.

The archive is a tar.gz with `manifest.json` (created at, app version, database kind and a
SHA-256 per file), `database/` (an SQLite online-backup copy, or a `pg_dump` custom-format
dump) and `files/uploads/` and `files/storage/`. The instance's secret key is deliberately
not in it: keep `instance/secret_key` apart. Without it a restored instance still works, but
TOTP secrets (encrypted with a key derived from it) cannot be read and those accounts sign in
with a recovery code, or an administrator runs `bundler reset-mfa`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.engine import URL, make_url

from bundler.db import get_engine
from bundler.models import Base

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/bundler.sqlite"
POSTGRES_MEMBER = "database/bundler.pgdump"
FOLDERS = {"uploads": "UPLOAD_FOLDER", "storage": "STORAGE_FOLDER"}
# Loaded by `bundler init-db` on every instance: their rows do not make a database "in use".
REFERENCE_TABLES = frozenset(
    {"ministry", "statute", "statute_ministry", "municipality", "executing_organisation"}
)
COMMAND_TIMEOUT = 3600


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why, in Dutch."""


@dataclass(frozen=True)
class Manifest:
    """What an archive holds and the checksum of every file in it."""

    created_at: str
    app_version: str
    database: str
    files: dict[str, str]

    def to_json(self) -> str:
        """Serialise the manifest."""
        return json.dumps(
            {
                "format": FORMAT,
                "created_at": self.created_at,
                "app_version": self.app_version,
                "database": self.database,
                "files": self.files,
            },
            indent=2,
            sort_keys=True,
        )


def _app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("bundler")
    except PackageNotFoundError:  # pragma: no cover - running from a plain checkout
        return "unknown"


def sha256_file(path: Path) -> str:
    """Return the SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files_under(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


def database_kind(url: str) -> str:
    """Return 'sqlite' or 'postgresql' for a database URL."""
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"Databasesoort {backend} wordt niet ondersteund.")
    return backend


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("Een SQLite-database in het geheugen kan niet worden geback-upt.")
    return Path(database)


def _libpq_env(url: URL) -> dict[str, str]:
    """Pass the connection through libpq's variables: no password on a command line."""
    env = dict(os.environ)
    values = {
        "PGHOST": url.host or url.query.get("host"),
        "PGPORT": str(url.port) if url.port else url.query.get("port"),
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    for key, value in values.items():
        if value:
            env[key] = str(value)
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is niet geïnstalleerd (Debian: postgresql-client).")
    result = subprocess.run(  # noqa: S603 - fixed programs, arguments are not from users
        command, env=env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{command[0]} is mislukt: {result.stderr.strip()[-2000:]}")


def _dump_database(url: str, target: Path) -> str:
    kind = database_kind(url)
    if kind == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        copy = sqlite3.connect(target / Path(SQLITE_MEMBER).name)
        try:
            source.backup(copy)  # the online backup API: consistent while the app writes
        finally:
            copy.close()
            source.close()
        return SQLITE_MEMBER
    _run(
        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file",
         str(target / Path(POSTGRES_MEMBER).name)],
        _libpq_env(make_url(url)),
    )  # fmt: skip
    return POSTGRES_MEMBER


def create_backup(app: Flask, out: Path) -> Manifest:
    """Write the database and both file folders to `out` (tar.gz), atomically, mode 0600."""
    url = app.config["DATABASE_URL"]
    with tempfile.TemporaryDirectory(prefix="bundler-backup-") as tmp:
        staging = Path(tmp)
        (staging / "database").mkdir()
        _dump_database(url, staging / "database")
        for name, key in FOLDERS.items():
            source = Path(app.config[key])
            target = staging / "files" / name
            if source.is_dir():
                shutil.copytree(source, target, symlinks=False)
            else:
                target.mkdir(parents=True)
        files = {
            path.relative_to(staging).as_posix(): sha256_file(path)
            for path in _files_under(staging)
        }
        manifest = Manifest(
            created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            app_version=_app_version(),
            database=database_kind(url),
            files=files,
        )
        (staging / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle, tarfile.open(fileobj=handle, mode="w:gz") as archive:
            archive.add(staging / MANIFEST, arcname=MANIFEST)
            for relative in sorted(files):
                archive.add(staging / relative, arcname=relative, recursive=False)
            folders = [staging / "files", *sorted((staging / "files").rglob("*"))]
            for folder in (p for p in folders if p.is_dir()):  # empty folders come back too
                archive.add(folder, arcname=folder.relative_to(staging).as_posix(), recursive=False)
        os.replace(partial, out)
    return manifest


def read_archive(archive: Path, into: Path) -> Manifest:
    """Unpack an archive into a folder and check it against its manifest; raise if corrupt."""
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            members = tar.getmembers()
            for member in members:
                if not (member.isfile() or member.isdir()):
                    raise BackupError(f"Het archief bevat een ongeldig onderdeel: {member.name}")
            tar.extractall(into, members=members, filter="data")
    except BackupError:
        raise
    except (tarfile.TarError, OSError, EOFError, ValueError) as error:
        raise BackupError(f"Het archief is beschadigd of onleesbaar: {error}") from error
    try:
        raw = json.loads((into / MANIFEST).read_text(encoding="utf-8"))
        manifest = Manifest(
            created_at=str(raw["created_at"]),
            app_version=str(raw["app_version"]),
            database=str(raw["database"]),
            files={str(k): str(v) for k, v in dict(raw["files"]).items()},
        )
        if raw.get("format") != FORMAT:
            raise BackupError(f"Onbekend archiefformaat: {raw.get('format')}")
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BackupError(f"Het archief heeft geen geldig manifest: {error}") from error
    present = {path.relative_to(into).as_posix() for path in _files_under(into)} - {MANIFEST}
    if present != set(manifest.files):
        raise BackupError("Het archief klopt niet met het manifest: bestanden ontbreken of teveel.")
    for relative, expected in manifest.files.items():
        if sha256_file(into / relative) != expected:
            raise BackupError(f"Controlegetal klopt niet voor {relative}: archief is beschadigd.")
    return manifest


def in_use(app: Flask, engine: Engine) -> list[str]:
    """Name what a restore would overwrite: tables with rows (beyond reference data), files."""
    found = []
    existing = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name in REFERENCE_TABLES or table.name not in existing:
                continue
            if connection.execute(select(text("1")).select_from(table).limit(1)).first():
                found.append(f"tabel {table.name}")
    for key in FOLDERS.values():
        folder = Path(app.config[key])
        if folder.is_dir() and next(_files_under(folder), None) is not None:
            found.append(f"map {folder}")
    return found


def _restore_database(url: str, manifest: Manifest, source: Path, engine: Engine) -> None:
    engine.dispose()  # no pooled connection may hold the old database open
    if manifest.database == "sqlite":
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        backup = sqlite3.connect(source / SQLITE_MEMBER)
        live = sqlite3.connect(target)
        try:
            backup.backup(live)  # replaces every page of the live file, in one step
        finally:
            live.close()
            backup.close()
        return
    env = _libpq_env(make_url(url))
    _run(
        ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
         "--single-transaction", "--exit-on-error", "--dbname", env["PGDATABASE"],
         str(source / POSTGRES_MEMBER)],
        env,
    )  # fmt: skip


def _restore_folder(unpacked: Path, live: Path) -> None:
    """Swap a folder for its restored copy: the old one is removed only after the move."""
    live.parent.mkdir(parents=True, exist_ok=True)
    staged = live.with_name(f".{live.name}.restoring")
    old = live.with_name(f".{live.name}.replaced")
    for leftover in (staged, old):
        if leftover.exists():
            shutil.rmtree(leftover)
    shutil.copytree(unpacked, staged)
    if live.exists():
        os.replace(live, old)
    os.replace(staged, live)
    if old.exists():
        shutil.rmtree(old)


def restore_backup(app: Flask, archive: Path, *, force: bool = False) -> Manifest:
    """Check an archive, then put its database and files in place of this instance's."""
    url = app.config["DATABASE_URL"]
    engine: Engine = app.extensions["bundler.engine"]
    with tempfile.TemporaryDirectory(prefix="bundler-restore-") as tmp:
        unpacked = Path(tmp)
        manifest = read_archive(archive, unpacked)
        kind = database_kind(url)
        if manifest.database != kind:
            raise BackupError(
                f"Het archief bevat een {manifest.database}-database; deze installatie "
                f"gebruikt {kind}."
            )
        if not force:
            busy = in_use(app, engine)
            if busy:
                raise BackupError(
                    "De database of de bestandsmappen zijn niet leeg ("
                    + ", ".join(busy[:5])
                    + "). Gebruik --force om ze te overschrijven."
                )
        _restore_database(url, manifest, unpacked, engine)
        for name, key in FOLDERS.items():
            _restore_folder(unpacked / "files" / name, Path(app.config[key]))
    return manifest


def _describe(manifest: Manifest) -> dict[str, Any]:
    return {
        "gemaakt": manifest.created_at,
        "versie": manifest.app_version,
        "database": manifest.database,
        "bestanden": len(manifest.files),
    }


@click.command("backup")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Archive to write (default: instance/backups/bundler-<time>.tar.gz).",
)
@with_appcontext
def backup_command(out: Path | None) -> None:
    """Back up the database and the stored files into one checked tar.gz archive."""
    if out is None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        out = Path(current_app.instance_path) / "backups" / f"bundler-{stamp}.tar.gz"
    try:
        manifest = create_backup(current_app, out)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    details = _describe(manifest)
    click.echo(f"Back-up geschreven naar {out} ({details['bestanden']} bestanden).")
    click.echo("Bewaar instance/secret_key apart: die zit niet in de back-up.")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite a database and folders that are in use.")
@with_appcontext
def restore_command(archive: Path, force: bool) -> None:
    """Restore the database and the stored files from a backup archive."""
    get_engine()  # the app's engine exists: the restore disposes its connections first
    try:
        manifest = restore_backup(current_app, archive, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    details = _describe(manifest)
    click.echo(
        f"Hersteld: {details['database']}-database en {details['bestanden']} bestanden "
        f"uit een back-up van {details['gemaakt']} (versie {details['versie']})."
    )
