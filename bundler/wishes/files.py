"""Attachments of a wish: downloading them, and removing one while the wish may be edited."""

from __future__ import annotations

from flask import abort, flash, redirect, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from bundler import attachments
from bundler.auth import login_required, role_required
from bundler.db import get_session
from bundler.enums import Role
from bundler.models import Attachment
from bundler.rules import RuleError
from bundler.security import as_download
from bundler.web import current_actor
from bundler.wishes import ops
from bundler.wishes.form import upload_folder
from bundler.wishes.pages import load_wish
from bundler.wishes.visibility import RAISER, can_edit, can_see_attachment, involvement
from forms.wish import AttachmentShareForm


@login_required
def download(wish_id: int, attachment_id: int) -> ResponseReturnValue:
    """Send an attachment to someone who may see the wish, always as a download."""
    wish = load_wish(wish_id)
    attachment = next((a for a in wish.attachments if a.id == attachment_id), None)
    if attachment is None or not can_see_attachment(current_actor(), wish, attachment):
        abort(404)  # a file not shared with supporters does not exist for them
    try:
        path = attachments.path_of(upload_folder(), attachment.stored_name)
    except RuleError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachments.download_name(attachment.original_name, attachment.content_type),
        conditional=False,
        etag=False,
        max_age=0,
    )
    return as_download(response)


@role_required(Role.PILOT)
def share_attachment(wish_id: int, attachment_id: int) -> ResponseReturnValue:
    """Share an attachment with the pilots that join the wish, or stop sharing it."""
    wish = load_wish(wish_id)
    attachment = next((a for a in wish.attachments if a.id == attachment_id), None)
    if attachment is None:
        abort(404)
    if involvement(current_actor(), wish) != RAISER:
        abort(403)
    form = AttachmentShareForm(request.form)
    if not form.validate():
        abort(400)
    db = get_session()
    ops.share_attachment(db, wish, attachment, shared=bool(form.delen.data), actor=current_actor())
    db.commit()
    if attachment.shared_with_supporters:
        message = _(
            "Bijlage %(name)s is zichtbaar voor pilots die aansluiten.",
            name=attachment.original_name,
        )
    else:
        message = _(
            "Bijlage %(name)s is niet meer zichtbaar voor pilots die aansluiten.",
            name=attachment.original_name,
        )
    flash(message, "success")
    return redirect(url_for("wishes.show", wish_id=wish.id) + "#bijlagen")


@role_required(Role.PILOT)
def remove_attachment(wish_id: int, attachment_id: int) -> ResponseReturnValue:
    """Remove an attachment while the wish may still be edited."""
    wish = load_wish(wish_id)
    attachment = get_session().get(Attachment, attachment_id)
    if attachment is None or attachment.wish_id != wish.id:
        abort(404)
    if not can_edit(current_actor(), wish):
        abort(403)
    db = get_session()
    stored_name = ops.remove_attachment(db, wish, attachment, actor=current_actor())
    db.commit()
    attachments.remove(upload_folder(), stored_name)
    flash(_("Bijlage %(name)s is verwijderd.", name=attachment.original_name), "success")
    return redirect(url_for("wishes.edit", wish_id=wish.id))
