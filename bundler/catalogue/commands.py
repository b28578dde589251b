"""CLI commands of the statute catalogue: CSV export and import."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from bundler.catalogue import ops
from bundler.db import session_scope


@click.command("export-statutes")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export_statutes(path: Path) -> None:
    """Write the statute catalogue to a CSV in the format of bundler/data/statuten.csv."""
    with session_scope(current_app) as session:
        path.write_text(ops.export_csv(session), encoding="utf-8")
    click.echo(f"wetten geschreven naar {path}")


@click.command("import-statutes")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_statutes(path: Path) -> None:
    """Add and update regulations from a CSV in the format of bundler/data/statuten.csv."""
    with session_scope(current_app) as session:
        report = ops.import_csv(session, path.read_text(encoding="utf-8-sig"), actor=None)
        if report.errors:
            session.rollback()
            raise click.ClickException("\n".join(report.errors))
    click.echo(
        f"wetten: {report.inserted} toegevoegd, {report.updated} bijgewerkt, "
        f"{report.unchanged} ongewijzigd"
    )
