"""The `bundler` command: database, reference data, demo data, accounts and serving."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from alembic import command as alembic_command
from alembic.config import Config
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from bundler import create_app, demo, queue, refdata, storage
from bundler import scale as scale_data
from bundler.accounts import create_user
from bundler.backup import backup_command, restore_command
from bundler.catalogue import succession
from bundler.db import get_engine, session_scope
from bundler.enums import Role
from bundler.models import Ministry, PackageVersion, Pilot
from bundler.packages import build, jobs
from bundler.rules import RuleError
from forms.auth import PASSWORD_MIN

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(app: Flask) -> Config:
    """Return the Alembic configuration for this app's database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", app.config["DATABASE_URL"].replace("%", "%%"))
    return config


def upgrade_database(app: Flask, revision: str = "head") -> None:
    """Bring the schema to a revision with Alembic."""
    with get_engine().begin() as connection:
        config = alembic_config(app)
        config.attributes["connection"] = connection
        alembic_command.upgrade(config, revision)


def init_app(app: Flask) -> None:
    """Register the commands on the app's CLI group."""
    for command in (
        init_db,
        load_demo_command,
        demo_accounts,
        create_user_command,
        import_municipalities,
        make_migration,
        serve,
        backup_command,
        restore_command,
        build_packages_command,
        clean_uploads,
    ):
        app.cli.add_command(command)


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the schema and load the reference data (safe to run again)."""
    upgrade_database(current_app)
    with session_scope(current_app) as session:
        reports = refdata.load_reference_data(session)
        plans = succession.pending(session)
    for name, report in reports.items():
        click.echo(
            f"{name}: {report.inserted} nieuw, {report.updated} bijgewerkt, "
            f"{report.unchanged} ongewijzigd"
        )
    for plan in plans:
        # A cabinet change moves nothing by itself: the office reviews it first.
        click.echo(
            f"kabinetswissel: {plan.ministry.code} opgeheven, opvolger "
            f"{'/'.join(m.code for m in plan.successors)}; "
            "controleer op /wetten/kabinetswissel of met `bundler apply-succession`"
        )


@click.command("load-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when demo data is present.")
@click.option(
    "--scale",
    type=click.IntRange(min=1),
    default=None,
    help="Also generate this many wishes (with pilots, supporters, merges, answers, attachments).",
)
@click.option("--seed", type=int, default=2026, show_default=True, help="Seed for --scale.")
@with_appcontext
def load_demo_command(if_empty: bool, scale: int | None, seed: int) -> None:
    """Load the demo story: five pilots, wishes for five ministries, one account per role.

    With --scale N, N generated wishes are added (to the story, loaded first when absent).
    """
    accounts: list[demo.DemoAccount] = []
    with session_scope(current_app) as session:
        if not demo.is_loaded(session):
            accounts = demo.load(session)
        elif scale is None:
            if if_empty:
                click.echo("Demodata is al geladen.")
                return
            raise click.ClickException("Er staan al pilots in de database; demo niet geladen.")
    if accounts:
        _print_accounts(accounts)
    if scale is not None:
        _load_scale(scale, seed)


def _load_scale(wishes: int, seed: int) -> None:
    began = time.perf_counter()
    with session_scope(current_app) as session:
        report = scale_data.load_scale(
            session,
            wishes,
            seed=seed,
            upload_folder=Path(current_app.config["UPLOAD_FOLDER"]),
            progress=lambda done: click.echo(
                f"  {done:>7,} knelpunten ({time.perf_counter() - began:.0f} s)", err=True
            ),
        )
    click.echo(
        f"{wishes:,} knelpunten gegenereerd in {time.perf_counter() - began:.0f} s: "
        + ", ".join(f"{table} {number:,}" for table, number in sorted(report.counts.items()))
    )
    click.echo(
        f"Accounts: pilot-001@{scale_data.EMAIL_DOMAIN} … en ministerie-<code>@"
        f"{scale_data.EMAIL_DOMAIN}, wachtwoord {scale_data.PASSWORD}"
    )


def _print_accounts(accounts: list[demo.DemoAccount]) -> None:
    click.echo(
        "Demo-accounts (alleen voor deze lokale demo; wachtwoord zoals bij de eerste start):"
    )
    for account in accounts:
        click.echo(f"  {account.role.value:9} {account.email:30} {account.password}")


@click.command("demo-accounts")
@with_appcontext
def demo_accounts() -> None:
    """Print the demo accounts that exist in this database."""
    with session_scope(current_app) as session:
        present = {u.email for u in demo.demo_users(session)}
    _print_accounts([a for a in demo.ACCOUNTS if a.email in present])


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option(
    "--worker/--no-worker",
    default=True,
    show_default=True,
    help="Run package builds in this process (an embedded huey consumer thread).",
)
@with_appcontext
def serve(host: str, port: int, worker: bool) -> None:
    """Serve the app for a single machine with waitress (gunicorn behind a proxy for more)."""
    import waitress  # a production WSGI server, threaded, in this one process

    click.echo(f"bundler draait op http://{host}:{port}/ (stoppen met Ctrl+C)")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    consumer = None
    if worker:
        jobs.recover_interrupted(app)
        consumer = queue.start_embedded_consumer(app)
    try:
        waitress.serve(app, host=host, port=port, threads=8, ident="bundler")
    finally:
        if consumer is not None:
            consumer.stop()


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", default="", help="Display name (defaults to the e-mail address).")
@click.option("--pilot", "pilot_names", multiple=True, help="Pilot name (repeatable).")
@click.option("--ministry", "ministry_code", default=None, help="Ministry code, e.g. BZK.")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from stdin.")
@with_appcontext
def create_user_command(
    email: str,
    role: str,
    name: str,
    pilot_names: tuple[str, ...],
    ministry_code: str | None,
    password_stdin: bool,
) -> None:
    """Create an account; the password is read from standard input, never from arguments."""
    password = sys.stdin.readline().rstrip("\n")
    if len(password) < PASSWORD_MIN:
        raise click.ClickException(f"Het wachtwoord moet minstens {PASSWORD_MIN} tekens hebben.")
    with session_scope(current_app) as session:
        ministry = None
        if ministry_code:
            ministry = session.scalar(select(Ministry).where(Ministry.code == ministry_code))
            if ministry is None or not ministry.is_current():
                raise click.ClickException(f"Onbekend of opgeheven ministerie: {ministry_code}")
        pilots = []
        for pilot_name in pilot_names:
            pilot = session.scalar(select(Pilot).where(Pilot.name == pilot_name))
            if pilot is None:
                raise click.ClickException(f"Onbekende pilot: {pilot_name}")
            pilots.append(pilot)
        try:
            user = create_user(
                session,
                email=email,
                name=name,
                role=Role(role),
                password=password,
                ministry=ministry,
                pilots=pilots,
            )
        except RuleError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Account aangemaakt: {user.email} ({user.role.value})")


@click.command("import-municipalities")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_municipalities(path: Path) -> None:
    """Refresh municipalities from a CSV in the format of bundler/data/gemeenten.csv."""
    with session_scope(current_app) as session:
        report = refdata.load_municipalities(
            session, path.read_text(encoding="utf-8-sig"), deactivate_missing=True
        )
        if report.errors:
            raise click.ClickException("\n".join(report.errors))
    click.echo(
        f"gemeenten: {report.inserted} nieuw, {report.updated} bijgewerkt, "
        f"{report.unchanged} ongewijzigd, {report.deactivated} niet meer actief"
    )


@click.command("make-migration")
@click.argument("message")
@with_appcontext
def make_migration(message: str) -> None:
    """Write a new Alembic revision from the difference between models and database."""
    upgrade_database(current_app)
    with get_engine().begin() as connection:
        config = alembic_config(current_app)
        config.attributes["connection"] = connection
        number = len(list((MIGRATIONS / "versions").glob("*.py"))) + 1
        alembic_command.revision(config, message=message, autogenerate=True, rev_id=f"{number:04d}")


@click.command("build-packages")
@click.option("--ministry", "code", default=None, help="Code of one ministry, e.g. BZK.")
@click.option("--all", "all_", is_flag=True, help="Every ministry with wishes.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write each new PDF and its JSON twin to.",
)
@with_appcontext
def build_packages_command(code: str | None, all_: bool, out: Path | None) -> None:
    """Build (and publish) packages now, with a progress bar; optionally write them to a folder."""
    if bool(code) == all_:
        raise click.UsageError("Geef --ministry CODE of --all.")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with session_scope(app) as session:
        if code:
            ministry = session.scalar(select(Ministry).where(Ministry.code == code))
            if ministry is None:
                raise click.ClickException(f"Onbekend ministerie: {code}")
            codes = [ministry.code]
        else:
            codes = [m.code for m in build.ministries_with_wishes(session)]
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    outcomes = []
    with click.progressbar(codes, label="Pakketten bouwen", item_show_func=lambda c: c) as bar:
        for ministry_code in bar:
            try:
                version_id = jobs.build_one(app, ministry_code, None)
            except Exception as error:
                outcomes.append(f"{ministry_code}: mislukt: {error}")
                continue
            if version_id is None:
                outcomes.append(f"{ministry_code}: ongewijzigd, geen nieuwe versie")
                continue
            with session_scope(app) as session:
                version = session.get(PackageVersion, version_id)
                assert version is not None
                line = (
                    f"{ministry_code}: {version.package.number} versie {version.number}, "
                    f"{version.wish_count} knelpunten, {version.page_count} pagina's"
                )
                if out is not None:
                    stem = out / f"{version.package.number}-v{version.number}"
                    _write(stem.with_suffix(".pdf"), storage.get(session, version.storage_key))
                    _write(
                        stem.with_suffix(".json"), storage.get(session, version.json_storage_key)
                    )
                    line += f" -> {stem}.pdf"
                outcomes.append(line)
    for line in outcomes:
        click.echo(line)
    if any(": mislukt:" in line for line in outcomes):
        raise SystemExit(1)


def _write(path: Path, data: bytes) -> None:
    # Write next to the target and rename, so a reader never sees half a file.
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    temporary.replace(path)


@click.command("clean-uploads")
@click.option("--hours", default=24, show_default=True, help="Keep files younger than this.")
@with_appcontext
def clean_uploads(hours: int) -> None:
    """Delete uploaded files that no attachment refers to (forms left half-way).

    The worker does the same every 15 minutes (bundler.wishes.uploads)."""
    from bundler.wishes.uploads import clean_uploads as clean

    count = clean(current_app._get_current_object(), orphan_hours=hours)  # type: ignore[attr-defined]
    click.echo(f"{count} verweesde bestanden verwijderd.")


def main() -> None:
    """Run the `bundler` command."""
    FlaskGroup(create_app=lambda: create_app(), help="Knelpunten bundelen per ministerie.")()
