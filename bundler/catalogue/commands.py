"""CLI commands of the statute catalogue: CSV export and import."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from bundler.catalogue import ops, succession
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


@click.command("apply-succession")
@click.option("--yes", is_flag=True, help="Move everything now, without the review page.")
@with_appcontext
def apply_succession(yes: bool) -> None:
    """List (or, with --yes, move) what ended ministries still hold, to their successors."""
    with session_scope(current_app) as session:
        plans = succession.pending(session)
        if not plans:
            click.echo("geen opgeheven ministeries met iets te verplaatsen")
            return
        for plan in plans:
            targets = "/".join(m.code for m in plan.successors)
            click.echo(
                f"{plan.ministry.code} -> {targets} per {plan.start.isoformat()}: "
                f"{len(plan.wishes)} knelpunten, {len(plan.responsibilities)} wetten, "
                f"{len(plan.users)} gebruikers"
            )
            if plan.split:
                click.echo("  gesplitst: kies per wet een opvolger op /wetten/kabinetswissel")
            elif yes:
                succession.apply(session, plan, actor=None)
        if not yes:
            click.echo("Controleer en bevestig op /wetten/kabinetswissel, of herhaal met --yes.")
            return
    click.echo("verplaatst")
