"""The hidden upload token and the new-wish form instance (issue 10, findings 3, 4 and 6).

ASVS 12.1 / 12.6 / 11.1.4: the `pending` token that keeps files across a form with errors is
bound to the user and to one form instance, expires after PENDING_UPLOAD_SECONDS and is used
up when its files become attachments; a file behind an attachment is only deleted by removing
the attachment (audited); posting the same new-wish form twice makes one wish.
"""

from __future__ import annotations

import io
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bundler import attachments
from bundler.enums import Role
from bundler.models import Attachment, Wish
from tests.conftest import csrf_token

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def member(make_pilot, make_user, login):
    pilot = make_pilot()
    user = make_user(Role.PILOT, pilots=[pilot])
    login(user)
    return pilot, user


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html)
    assert match, f"no hidden {name}"
    return match.group(1)


def _post(client, pilot, files=(), **fields: Any):
    data: dict[str, Any] = {
        "pilot": str(pilot.id),
        "title": "Knelpunt met bijlage",
        "urgency": "normaal",
        "action": "concept",
        "csrf_token": csrf_token(client, "/knelpunten/nieuw"),
        **fields,
    }
    data["attachments"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post("/knelpunten/nieuw", data=data, content_type="multipart/form-data")


def _kept(client, pilot, name="bewaard.pdf"):
    """Post a form with an error and a file: return its form instance, token and stored name."""
    form_id = _hidden(client.get("/knelpunten/nieuw").get_data(as_text=True), "form_id")
    html = _post(client, pilot, [(PDF, name)], title="", form_id=form_id).get_data(as_text=True)
    stored = re.search(r'name="drop_pending" value="([^"]+)"', html).group(1)
    return form_id, _hidden(html, "pending"), stored


def _count(db, model) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


def test_replaying_the_token_cannot_delete_a_submitted_file(app, client, db, member):
    pilot, _user = member
    form_id, pending, stored = _kept(client, pilot)
    saved = _post(client, pilot, title="Nu met titel", form_id=form_id, pending=pending)
    assert saved.status_code == 302
    assert db.scalars(select(Attachment.stored_name)).one() == stored
    # The same token again, asking to drop the file that is now an attachment.
    replay = _post(client, pilot, form_id=form_id, pending=pending, drop_pending=stored)
    assert replay.status_code < 500
    assert (Path(app.config["UPLOAD_FOLDER"]) / stored).read_bytes() == PDF
    # In a fresh form instance the old token is worth nothing either.
    fresh = _hidden(client.get("/knelpunten/nieuw").get_data(as_text=True), "form_id")
    again = _post(client, pilot, form_id=fresh, pending=pending, drop_pending=stored)
    assert again.status_code < 500
    assert (Path(app.config["UPLOAD_FOLDER"]) / stored).is_file()
    assert _count(db, Attachment) == 1


def test_replaying_the_token_in_a_new_wish_is_no_500_and_no_second_attachment(client, db, member):
    pilot, _user = member
    form_id, pending, _stored = _kept(client, pilot)
    assert _post(client, pilot, title="Eerste", form_id=form_id, pending=pending).status_code == 302
    fresh = _hidden(client.get("/knelpunten/nieuw").get_data(as_text=True), "form_id")
    response = _post(client, pilot, title="Tweede", form_id=fresh, pending=pending)
    assert response.status_code == 302
    assert _count(db, Attachment) == 1
    assert _count(db, Wish) == 2


def test_the_token_belongs_to_one_form_instance_and_one_user(app, client, db, member, make_user):
    pilot, user = member
    stored = attachments.store(Path(app.config["UPLOAD_FOLDER"]), PDF, "ander.pdf")
    secret = app.config["SECRET_KEY"]
    mine = attachments.sign_pending([stored], secret=secret, user_id=user.id, form_id="a" * 22)
    other = make_user(Role.PILOT)
    theirs = attachments.sign_pending([stored], secret=secret, user_id=other.id, form_id="b" * 22)
    for form_id, token in (("c" * 22, mine), ("b" * 22, theirs)):
        response = _post(client, pilot, form_id=form_id, pending=token)
        assert response.status_code == 302
    assert _count(db, Attachment) == 0


def test_the_token_expires(app, client, db, member):
    pilot, user = member
    stored = attachments.store(Path(app.config["UPLOAD_FOLDER"]), PDF, "oud.pdf")
    old = attachments.sign_pending(
        [stored],
        secret=app.config["SECRET_KEY"],
        user_id=user.id,
        form_id="d" * 22,
        issued_at=time.time() - app.config["PENDING_UPLOAD_SECONDS"] - 60,
    )
    response = _post(client, pilot, form_id="d" * 22, pending=old)
    assert response.status_code == 302
    assert _count(db, Attachment) == 0


def test_posting_the_same_new_wish_form_twice_makes_one_wish(client, db, member):
    pilot, _user = member
    form_id = _hidden(client.get("/knelpunten/nieuw").get_data(as_text=True), "form_id")
    first = _post(client, pilot, [(PDF, "een.pdf")], title="Dubbel geklikt", form_id=form_id)
    second = _post(client, pilot, [(PDF, "een.pdf")], title="Dubbel geklikt", form_id=form_id)
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    assert _count(db, Wish) == 1
    assert _count(db, Attachment) == 1


# ---- finding 4: a quota on waiting files, and cleaning in the worker -------------------------


def test_waiting_files_have_a_quota_per_account(app, client, member):
    pilot, user = member
    app.config["PENDING_UPLOAD_QUOTA_BYTES"] = 3 * len(PDF)
    files = [(PDF, f"{i}.pdf") for i in range(3)]
    kept = _post(client, pilot, files, title="").get_data(as_text=True)
    assert "klaarstaan" not in kept  # three fit
    # Another invalid form of the same account (a fresh instance): over the quota.
    response = _post(client, pilot, [(PDF, "teveel.pdf")], title="")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "teveel.pdf: u heeft al" in html and "klaarstaan" in html
    waiting = Path(app.config["UPLOAD_FOLDER"]) / "pending" / str(user.id)
    assert len(list(waiting.iterdir())) == 3


def test_the_worker_cleans_expired_waiting_files_but_never_an_attachment(app, client, db, member):
    from bundler import queue

    pilot, user = member
    _kept(client, pilot, "verlaten.pdf")
    saved = _post(client, pilot, [(PDF, "echt.pdf")], title="Met bijlage")
    assert saved.status_code == 302
    folder = Path(app.config["UPLOAD_FOLDER"])
    waiting = next((folder / "pending" / str(user.id)).iterdir())
    attached = folder / db.scalars(select(Attachment.stored_name)).one()
    old = time.time() - app.config["PENDING_UPLOAD_SECONDS"] - 3600 * 24
    for path in (waiting, attached):
        os.utime(path, (old, old))
    huey = queue.get_huey(app)
    periodic = {t.__name__: t for t in huey._registry._periodic_tasks}
    huey.execute(periodic["bundler.clean_uploads"]())  # what the worker's scheduler runs
    assert not waiting.exists()
    assert attached.read_bytes() == PDF
