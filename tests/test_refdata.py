"""Reference data: parsing without an app, loading twice equals once, the import command."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from bundler import refdata
from bundler.models import ExecutingOrganisation, Ministry, Municipality, Statute

TABLES = (Ministry, Statute, Municipality, ExecutingOrganisation)


def test_ministry_rows_parse_successor_and_validity():
    rows = refdata.ministry_rows(
        refdata.read_csv((refdata.DATA / "ministeries_tooi.csv").read_text())
    )
    by_code = {r["code"]: r for r in rows}
    assert by_code["AenM"]["successor"] == "mnre1058"
    assert by_code["AenM"]["valid_until"] == dt.date(2026, 2, 22)
    assert by_code["DEF"]["tooi_code"] == "mnre1018"
    assert by_code["BZK"]["successor"] is None


def test_municipality_rows_reject_bad_codes():
    values, errors = refdata.municipality_rows(
        [{"code": "GM0363", "name": "Amsterdam"}, {"code": "XX1", "name": "Nergens"}]
    )
    assert [v["cbs_code"] for v in values] == ["GM0363"]
    assert values[0]["tooi_id"] == "gm0363"
    assert errors == ["regel 3: ongeldige CBS-code of naam ('XX1')"]


def test_reference_data_present(db):
    current = [m for m in db.scalars(select(Ministry)) if m.is_current(dt.date(2026, 11, 29))]
    assert len(current) == 12
    assert {m.code for m in current} == {
        "AZ",
        "BZ",
        "BZK",
        "DEF",
        "EZK",
        "FIN",
        "IenW",
        "JenV",
        "LVVN",
        "OCW",
        "SZW",
        "VWS",
    }
    ended = {
        m.code
        for m in db.scalars(select(Ministry).where(Ministry.valid_until == dt.date(2026, 2, 22)))
    }
    assert ended == {"AenM", "VRO", "KGG"}
    assert db.scalar(select(func.count()).select_from(Municipality)) == 342
    hertogenbosch = db.scalar(select(Municipality).where(Municipality.cbs_code == "GM0796"))
    assert hertogenbosch.name == "'s-Hertogenbosch"
    assert hertogenbosch.tooi_uri == "https://identifier.overheid.nl/tooi/id/gemeente/gm0796"
    jeugdwet = db.scalar(select(Statute).where(Statute.bwb_id == "BWBR0034925"))
    assert [m.code for m in jeugdwet.ministries] == ["JenV", "VWS"]
    bw1 = db.scalar(select(Statute).where(Statute.bwb_id == "BWBR0002656"))
    assert bw1.title == "Burgerlijk Wetboek Boek 1"
    vro = db.scalar(select(Ministry).where(Ministry.code == "VRO"))
    assert vro.successor.code == "BZK"
    assert db.scalar(select(func.count()).select_from(ExecutingOrganisation)) == 11


def _dump(db):
    rows = {}
    for model in TABLES:
        rows[model.__name__] = sorted(
            tuple(sorted((k, repr(v)) for k, v in vars(obj).items() if not k.startswith("_")))
            for obj in db.scalars(select(model))
        )
    rows["statute_ministry"] = sorted(
        (s.bwb_id, m.code) for s in db.scalars(select(Statute)) for m in s.ministries
    )
    return rows


def test_loading_twice_equals_once(db):
    before = _dump(db)
    reports = refdata.load_reference_data(db)
    db.flush()
    db.expire_all()
    assert all(r.inserted == 0 and r.updated == 0 for r in reports.values())
    assert _dump(db) == before


def test_import_municipalities_refreshes_and_deactivates(runner, db, tmp_path):
    source = (refdata.DATA / "gemeenten.csv").read_text().splitlines()
    header, rows = source[0], source[1:]
    kept = [r for r in rows if not r.startswith("GM0014,")]
    kept = [r.replace("GM0034,Almere,", "GM0034,Almere Stad,") for r in kept]
    new = "GM9999,Nieuwgemeente,Utrecht,9999,gm9999,Nieuwgemeente,Nieuwgemeente"
    path = tmp_path / "gemeenten-2027.csv"
    path.write_text("\n".join([header, *kept, new]) + "\n")
    try:
        result = runner.invoke(args=["import-municipalities", str(path)])
        assert result.exit_code == 0, result.output
        assert "1 nieuw, 1 bijgewerkt, 340 ongewijzigd, 1 niet meer actief" in result.output
        db.expire_all()
        groningen = db.scalar(select(Municipality).where(Municipality.cbs_code == "GM0014"))
        assert groningen.active is False
    finally:
        # Put the shipped list back for the other tests.
        db.execute(Municipality.__table__.delete().where(Municipality.cbs_code == "GM9999"))
        refdata.load_municipalities(
            db, (refdata.DATA / "gemeenten.csv").read_text(), deactivate_missing=False
        )
        db.commit()


def test_import_refuses_a_broken_file(runner, tmp_path):
    path = tmp_path / "kapot.csv"
    path.write_text("code,name\nGM12,Kapot\n")
    result = runner.invoke(args=["import-municipalities", str(path)])
    assert result.exit_code != 0
    assert "ongeldige CBS-code" in result.output
