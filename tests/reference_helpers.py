"""A fixture for tests that change reference data, which other tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import delete
from sqlalchemy.orm import Session

from bundler.models import Statute, statute_ministry
from bundler.refdata import load_reference_data
from tests.conftest import _empty_tables


@pytest.fixture
def restore_reference(app: Flask, db: Session) -> Iterator[None]:
    """Put the shipped statutes and ministries back after a test that changed them."""
    yield
    # The test's session must let go first: PostgreSQL's TRUNCATE waits for its locks.
    db.rollback()
    db.close()
    _empty_tables(app)
    engine = app.extensions["bundler.engine"]
    with Session(engine) as session:
        session.execute(delete(statute_ministry))
        session.execute(delete(Statute))
        load_reference_data(session)
        session.commit()
