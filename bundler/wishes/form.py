"""The wish form: a new wish or a concept being completed, with files and similar wishes."""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms.fields.choices import SelectChoice

from bundler import attachments, bounded, lawlinks, refdata
from bundler.auth import role_required
from bundler.db import get_session
from bundler.enums import RelationKind, Role, Urgency, WishState
from bundler.models import Statute, Wish
from bundler.rules import RuleError, StaleEdit
from bundler.web import current_actor
from bundler.wishes import ops
from bundler.wishes.pages import load_wish
from bundler.wishes.visibility import can_edit, similar_for, supporting_pilot_choices
from forms.law_link import apply_law_link
from forms.wish import (
    ACTION_CHECK,
    ACTION_CONCEPT,
    ACTION_SUBMIT,
    ACTION_SUBMIT_ANYWAY,
    ACTIONS,
    SupportForm,
    WishForm,
)

FORM_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")


def upload_folder() -> Path:
    """Return the folder attachments are stored in."""
    return Path(current_app.config["UPLOAD_FOLDER"])


def _fill_choices(form: WishForm, wish: Wish | None) -> dict[str, Statute]:
    statutes = {s.bwb_id: s for s in refdata.statutes(get_session())}
    if wish is not None and wish.statute is not None:  # kept even when since retired
        statutes.setdefault(wish.statute.bwb_id, wish.statute)
    form.statute.choices = [SelectChoice("", _("Kies een wet"))] + [
        SelectChoice(
            bwb,
            f"{s.title}" + (f" ({s.short_title})" if s.short_title else "") + f" – {bwb}",
        )
        for bwb, s in statutes.items()
    ]
    pilots = [wish.pilot] if wish is not None else list(current_actor().pilots)
    form.pilot.choices = [SelectChoice(str(p.id), p.name) for p in pilots]
    if wish is not None:
        # The raising pilot never changes; whatever was posted for it is ignored.
        form.pilot.data = str(wish.pilot_id)
    return statutes


def _form_data(wish: Wish) -> dict[str, Any]:
    return {
        **{name: getattr(wish, name) for name in ops.FREE_TEXT_FIELDS},
        "pilot": str(wish.pilot_id),
        "statute": wish.statute.bwb_id if wish.statute else "",
        "statute_unknown": wish.statute_unknown,
        "law_link": (
            lawlinks.jci(lawlinks.LawReference(wish.proposed_bwb_id, article=wish.article))
            if wish.proposed_bwb_id
            else ""
        ),
        "benefit_cases_per_year": wish.benefit_cases_per_year,
        "urgency": wish.urgency.value,
        "depends_on": ", ".join(
            r.related.reference for r in wish.relations if r.kind is RelationKind.DEPENDS_ON
        ),
        "follows_from": ", ".join(
            r.related.reference for r in wish.relations if r.kind is RelationKind.FOLLOWS_FROM
        ),
        "version": str(wish.version),
    }


class _FormState:
    """What one POST of the wish form produced, besides the WTForms form itself."""

    def __init__(self) -> None:
        self.files: list[attachments.StoredFile] = []
        self.status = 400
        self.similar: list[Wish] = []
        self.stale = False
        self.ask_confirmation = False


def _receive_files(form: WishForm, wish: Wish | None, state: _FormState) -> None:
    """Keep earlier received files, store new uploads; errors go next to the file field.

    The hidden token only names files waiting in this account's pending folder for this form
    instance (and not expired): a file that became an attachment is no longer there, so a
    replayed token can neither drop it nor attach it twice.
    """
    user, folder, config = current_actor(), upload_folder(), current_app.config
    secret, max_age = str(config["SECRET_KEY"]), float(config["PENDING_UPLOAD_SECONDS"])
    kept, issued = attachments.load_pending(
        form.pending.data or "",
        secret=secret,
        user_id=user.id,
        form_id=form.form_id.data or "",
        max_age=max_age,
    )
    dropped = set(request.form.getlist("drop_pending"))
    for stored in kept:
        if not attachments.is_pending(folder, user.id, stored.stored_name):
            continue  # already an attachment, or cleaned up
        if stored.stored_name in dropped:
            attachments.drop_pending(folder, user.id, stored.stored_name)
        else:
            state.files.append(stored)
    uploads = [f for f in request.files.getlist(form.attachments.name) if f and f.filename]
    mine = attachments.pending_folder(folder, user.id)
    room = attachments.MAX_PER_WISH - len(wish.attachments if wish else []) - len(state.files)
    errors: list[str] = []
    if len(uploads) > room:
        errors.append(
            _(
                "Een knelpunt kan hoogstens %(n)s bijlagen hebben; "
                "u kunt er nog %(room)s toevoegen.",
                n=attachments.MAX_PER_WISH,
                room=max(room, 0),
            )
        )
        uploads = []
    waiting = attachments.pending_bytes(folder, user.id, max_age=max_age, now=time.time())
    quota = int(config["PENDING_UPLOAD_QUOTA_BYTES"])
    for upload in uploads:
        name = attachments.clean_name(upload.filename or "")
        try:
            data = attachments.read_capped(upload.stream)
            if waiting + len(data) > quota:
                errors.append(_quota_message(name, quota))
                continue
            state.files.append(attachments.store(mine, data, name))
            waiting += len(data)
        except attachments.TooLarge as error:
            state.status = 413
            errors.append(f"{name}: {error}")
        except RuleError as error:
            errors.append(f"{name}: {error}")
    if errors:
        form.attachments.errors = errors
    form.pending.data = attachments.sign_pending(
        state.files,
        secret=secret,
        user_id=user.id,
        form_id=form.form_id.data or "",
        issued_at=issued,
    )


def _quota_message(name: str, quota: int) -> str:
    return str(
        _(
            "%(name)s: u heeft al %(mb)s MB aan bestanden klaarstaan die nog niet bij een knelpunt "
            "horen. Sla eerst een knelpunt op (ook als concept) of haal bestanden weg, en kies dit "
            "bestand dan opnieuw.",
            name=name,
            mb=quota // (1024 * 1024),
        )
    )


def _wish_data(form: WishForm, statutes: dict[str, Statute]) -> ops.WishData | None:
    """Turn a validated form into WishData, resolving the referenced wishes; None on errors."""
    db, user = get_session(), current_actor()
    related: dict[str, list[Wish]] = {}
    for name in ("depends_on", "follows_from"):
        field = getattr(form, name)
        try:
            related[name] = ops.resolve_references(db, user, ops.parse_references(field.data or ""))
        except RuleError as error:
            field.errors = [*field.errors, str(error)]
    if form.errors:
        return None
    return _content(form, statutes, related["depends_on"], related["follows_from"])


def _content(
    form: WishForm,
    statutes: dict[str, Statute],
    depends_on: list[Wish],
    follows_from: list[Wish],
) -> ops.WishData:
    """Read the form's content as WishData; a field with an error reads as empty."""
    try:
        urgency = Urgency(form.urgency.data)
    except ValueError:
        urgency = Urgency.NORMAL
    return ops.WishData(
        title=form.title.data or "",
        problem=form.problem.data or "",
        statute=statutes.get(form.statute.data or ""),
        statute_unknown=bool(form.statute_unknown.data),
        article=form.article.data or "",
        paragraph=form.paragraph.data or "",
        proposed_change=form.proposed_change.data or "",
        benefit_who=form.benefit_who.data or "",
        benefit_cases_per_year=form.benefit_cases_per_year.data,
        benefit_savings=form.benefit_savings.data or "",
        urgency=urgency,
        urgency_reason=form.urgency_reason.data or "",
        depends_on=depends_on,
        follows_from=follows_from,
    )


def _posted_form() -> WishForm:
    # Only the attachments field takes files: a file posted under a text field's name must
    # not reach a text field.
    files = MultiDict(
        [(k, f) for k, f in request.files.items(multi=True) if k == WishForm.attachments.name]
    )
    return WishForm(CombinedMultiDict((files, request.form)))


def _new_form_id() -> str:
    return secrets.token_urlsafe(24)


def _already_made(form_id: str) -> ResponseReturnValue | None:
    """Lead a repeated post of a new-wish form to the wish it already made."""
    wish_id = ops.wish_of_form(get_session(), form_id)
    if wish_id is None:
        return None
    flash(_("Dit formulier was al verstuurd; hier is het knelpunt dat het opleverde."), "info")
    return redirect(url_for("wishes.show", wish_id=wish_id))


def _handle_form(wish: Wish | None) -> ResponseReturnValue:
    """Show the wish form, or save it: concept, check for similar wishes, or submit."""
    if request.method != "POST":
        form = WishForm(data=_form_data(wish) if wish else None)
        form.form_id.data = _new_form_id()
        _fill_choices(form, wish)
        return _render_form(form, wish, _FormState(), status=200)
    form = _posted_form()
    if not FORM_ID.fullmatch(form.form_id.data or ""):
        form.form_id.data = _new_form_id()
    elif wish is None and (done := _already_made(form.form_id.data or "")) is not None:
        return done  # a double click or a resend: one wish
    statutes = _fill_choices(form, wish)
    proposed = apply_law_link(form, statutes)
    state = _FormState()
    action = request.form.get("action", ACTION_CONCEPT)
    action = action if action in ACTIONS else ACTION_CONCEPT
    valid = form.validate()
    submitting = action in (ACTION_SUBMIT, ACTION_SUBMIT_ANYWAY)
    # Files are received even when other fields have errors, so nobody has to pick them again.
    _receive_files(form, wish, state)
    if not valid or form.attachments.errors:
        if submitting:  # say at once everything a submission still lacks, not only the title
            _complete(form, _content(form, statutes, [], []))
        return _render_form(form, wish, state, status=state.status)
    data = _wish_data(form, statutes)
    if data is not None and proposed is not None:
        data.proposed_bwb_id = proposed
    if data is None or (submitting and not _complete(form, data)):
        return _render_form(form, wish, state, status=400)
    first_submission = wish is None or wish.state is WishState.CONCEPT
    if action == ACTION_CHECK or (action == ACTION_SUBMIT and first_submission):
        state.similar = similar_for(
            get_session(),
            current_actor(),
            title=data.title,
            statute_id=data.statute.id if data.statute else None,
            article=data.article,
            exclude_wish_id=wish.id if wish else None,
        )
        if action == ACTION_CHECK or state.similar:
            state.ask_confirmation = action == ACTION_SUBMIT
            return _render_form(form, wish, state, status=200)
    return _save(form, wish, data, state, submitting=submitting)


def _complete(form: WishForm, data: ops.WishData) -> bool:
    """Put what a submission still lacks next to its fields; tell whether nothing does."""
    for name, message in ops.incomplete(data).items():
        field = getattr(form, name)
        if not field.errors:  # one message per field: a rule's own error already says it
            field.errors = [str(message)]
    return not form.errors


def _save(
    form: WishForm, wish: Wish | None, data: ops.WishData, state: _FormState, *, submitting: bool
) -> ResponseReturnValue:
    """Create or update the wish (and submit it), commit, and go to its page."""
    user, db = current_actor(), get_session()
    new = wish is None
    try:
        if wish is None:
            pilot = next(p for p in user.pilots if str(p.id) == form.pilot.data)
            # The form's id is stored with the wish: the same form posted twice at the same
            # moment fails below with IntegrityError, and the second post gets the first's wish.
            wish = ops.create_wish(
                db,
                pilot=pilot,
                data=data,
                actor=user,
                submit=submitting,
                files=state.files,
                form_id=form.form_id.data or "",
            )
        else:
            version = bounded.parse_int(form.version.data)
            if version is None:
                # No (readable) version: the staleness check cannot be made, so never skip it.
                raise StaleEdit(wish, -1)
            ops.update_wish(db, wish, data=data, actor=user, version=version, files=state.files)
            if submitting:
                ops.submit_wish(db, wish, actor=user)
        # A colleague may have saved the same version a moment ago: the UPDATE then finds
        # no row of this version (StaleDataError), which is the same conflict.
        db.flush()
    except (StaleEdit, StaleDataError):
        db.rollback()
        state.stale = True
        return _render_form(form, wish, state, status=409)
    except IntegrityError:
        # The same new-wish form, posted at the same moment: the first one made the wish.
        db.rollback()
        if not new or (done := _already_made(form.form_id.data or "")) is None:
            raise
        return done
    except RuleError as error:
        db.rollback()
        form.add_rule_error(error)
        return _render_form(form, wish, state, status=400)
    # The files leave the account's pending folder: no replayed token can name them again.
    attachments.adopt(upload_folder(), user.id, state.files)
    db.commit()
    if submitting:
        message = _("Knelpunt %(ref)s is ingediend bij het programmabureau.", ref=wish.reference)
    else:
        message = _("Knelpunt %(ref)s is opgeslagen als concept.", ref=wish.reference)
    flash(message, "success")
    return redirect(url_for("wishes.show", wish_id=wish.id))


def _render_form(
    form: WishForm, wish: Wish | None, state: _FormState, *, status: int
) -> ResponseReturnValue:
    user = current_actor()
    support_forms = []
    for other in state.similar:
        choices = supporting_pilot_choices(user, other)
        support = SupportForm(formdata=None, data={"note": form.problem.data or ""})
        support.pilot.choices = [SelectChoice(str(p.id), p.name) for p in choices]
        support_forms.append((other, support if choices else None))
    return render_template(
        "wishes/form.html",
        form=form,
        wish=wish,
        kept_files=state.files,
        similar=support_forms,
        checked=request.method == "POST" and not form.errors and not state.stale,
        ask_confirmation=state.ask_confirmation,
        stale=state.stale,
        max_files=attachments.MAX_PER_WISH,
    ), status


@role_required(Role.PILOT)
def new() -> ResponseReturnValue:
    """Record a new wish for one of the user's pilots."""
    if not current_actor().pilots:
        flash(
            _("U bent nog geen lid van een pilot. Vraag het programmabureau om u toe te voegen."),
            "warning",
        )
        return redirect(url_for("main.index"))
    return _handle_form(None)


@role_required(Role.PILOT)
def edit(wish_id: int) -> ResponseReturnValue:
    """Change a wish while it is a concept or needs more information."""
    wish = load_wish(wish_id)
    if not can_edit(current_actor(), wish):
        abort(403)
    return _handle_form(wish)
