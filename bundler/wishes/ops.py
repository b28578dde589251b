"""Operations on wishes for pilot teams: create, update, submit, withdraw, support, attach.

They add and flush, never commit, and raise RuleError (with the field it is about) when a
rule refuses the change. Who may see or change a wish is decided in `visibility`.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import CompoundSelect, func, inspect, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from bundler import audit, numbering, search, workflow
from bundler.attachments import MAX_PER_WISH, StoredFile
from bundler.enums import RelationKind, Role, Urgency, WishState
from bundler.models import (
    Attachment,
    FormSubmission,
    Pilot,
    Statute,
    User,
    Wish,
    WishRelation,
    WishSupport,
    utcnow,
)
from bundler.models.wishes import REFERENCE_LENGTH
from bundler.rules import RuleError, StaleEdit
from bundler.wishes.visibility import (
    can_edit,
    can_withdraw,
    is_raising_member,
    pilot_ids,
    supporting_pilot_choices,
)

REFERENCE_ATTEMPTS = 5


@dataclass
class WishData:
    """What a pilot team fills in; the view builds it from the form."""

    title: str
    problem: str = ""
    statute: Statute | None = None
    statute_unknown: bool = False
    article: str = ""
    paragraph: str = ""
    proposed_change: str = ""
    benefit_who: str = ""
    benefit_cases_per_year: int | None = None
    benefit_savings: str = ""
    urgency: Urgency = Urgency.NORMAL
    urgency_reason: str = ""
    depends_on: list[Wish] = field(default_factory=list)
    follows_from: list[Wish] = field(default_factory=list)
    # A BWB id from a pasted link that the catalogue lacks; None keeps what the wish has.
    proposed_bwb_id: str | None = None


# The free-text fields a pilot team writes (stripped before they are stored).
FREE_TEXT_FIELDS = (
    "title",
    "problem",
    "article",
    "paragraph",
    "proposed_change",
    "benefit_who",
    "benefit_savings",
    "urgency_reason",
)


def snapshot(wish: Wish) -> dict[str, Any]:
    """Describe a wish's content for the audit log."""
    values: dict[str, Any] = {name: getattr(wish, name) for name in FREE_TEXT_FIELDS}
    values.update(
        statute=wish.statute.bwb_id if wish.statute else None,
        statute_unknown=wish.statute_unknown,
        proposed_bwb_id=wish.proposed_bwb_id,
        benefit_cases_per_year=wish.benefit_cases_per_year,
        urgency=wish.urgency.value,
        relations=sorted(f"{r.kind.value}:{r.related.reference}" for r in wish.relations),
    )
    return values


def _apply(wish: Wish, data: WishData) -> None:
    for name in FREE_TEXT_FIELDS:
        setattr(wish, name, (getattr(data, name) or "").strip())
    wish.statute_unknown = data.statute_unknown
    wish.statute = None if data.statute_unknown else data.statute
    if data.proposed_bwb_id is not None:
        wish.proposed_bwb_id = data.proposed_bwb_id
    if wish.statute is not None or wish.statute_unknown:
        wish.proposed_bwb_id = ""
    if wish.statute is None and not wish.proposed_bwb_id:
        wish.article = wish.paragraph = ""
    wish.benefit_cases_per_year = data.benefit_cases_per_year
    wish.urgency = data.urgency
    wanted = [(RelationKind.DEPENDS_ON, w) for w in data.depends_on] + [
        (RelationKind.FOLLOWS_FROM, w) for w in data.follows_from
    ]
    current = {(r.kind, r.related_id): r for r in wish.relations}
    keep = {(kind, w.id) for kind, w in wanted}
    for key, relation in current.items():
        if key not in keep:
            wish.relations.remove(relation)
    for kind, other in wanted:
        if (kind, other.id) not in current:
            wish.relations.append(WishRelation(kind=kind, related=other))


def create_wish(
    session: Session,
    *,
    pilot: Pilot,
    data: WishData,
    actor: User,
    submit: bool = False,
    files: Sequence[StoredFile] = (),
    form_id: str = "",
) -> Wish:
    """Create a wish as a concept (or submit it at once) with a fresh reference number.

    With `form_id` (a new-wish form instance) it also records that the form made this wish:
    a second post of the same form then fails with IntegrityError (its unique key) when the
    session flushes, and the view answers with the first's wish.
    """
    if pilot.id not in pilot_ids(actor):
        raise RuleError(_l("U kunt alleen knelpunten indienen voor uw eigen pilots."), "pilot")
    _check_relations(None, data)
    wish = Wish(
        # A unique placeholder until the real number is known (see assign_reference).
        reference="tmp-" + secrets.token_hex(8),
        title=data.title.strip(),
        pilot=pilot,
        created_by=actor,
        state=WishState.CONCEPT,
    )
    session.add(wish)
    _apply(wish, data)
    session.flush()
    # Nothing can refer to a wish that did not exist a moment ago: its collections are what
    # _apply gave them, so reading them (snapshot, notifications) needs no query.
    unloaded = inspect(wish).unloaded
    for name in ("supports", "relations", "answers", "attachments", "ministries"):
        if name in unloaded:
            set_committed_value(wish, name, [])
    assign_reference(session, wish, utcnow().year)
    if form_id:
        session.add(FormSubmission(form_id=form_id, user_id=actor.id, wish_id=wish.id))
    add_files(session, wish, files, actor=actor)
    audit.record(
        session,
        "wish.created",
        actor=actor,
        obj=wish,
        after=snapshot(wish),
        summary=f"{wish.reference} aangemaakt door pilot {pilot.name}",
    )
    if submit:
        submit_wish(session, wish, actor=actor)
    return wish


def wish_of_form(session: Session, form_id: str) -> int | None:
    """Return the id of the wish a new-wish form instance already made, if any."""
    return session.scalar(select(FormSubmission.wish_id).where(FormSubmission.form_id == form_id))


def _next_reference(session: Session, year: int) -> str:
    """Return the reference of the year after the highest one stored."""
    found = session.scalars(_highest_references(year))
    highest = max(found, key=lambda reference: (len(reference), reference), default=None)
    return numbering.wish_reference(
        year, numbering.next_wish_sequence([highest] if highest else [], year)
    )


@functools.lru_cache(maxsize=4)
def _highest_references(year: int) -> CompoundSelect[str]:
    """Select the year's last reference of each length (built once per year: 12 probes).

    The highest number is the last reference of the longest length (KN-2026-10000 follows
    KN-2026-9999, which sorts after it as text). Per length, the index on (length,
    reference) gives the last one at once.
    """
    prefix = f"{numbering.WISH_PREFIX}-{year}-"
    probes = [
        select(Wish.reference)
        .where(
            func.length(Wish.reference) == length,
            Wish.reference >= prefix,
            Wish.reference < prefix[:-1] + ".",
        )
        .order_by(Wish.reference.desc())
        .limit(1)
        .subquery()
        for length in range(len(prefix) + 1, REFERENCE_LENGTH + 1)
    ]
    return union_all(*(select(probe.c.reference) for probe in probes))


def clash_possible(session: Session) -> bool:
    """Tell whether another transaction can take the same reference meanwhile (not SQLite)."""
    return session.get_bind().dialect.name != "sqlite"


def assign_reference(session: Session, wish: Wish, year: int) -> str:
    """Give a flushed wish the next free reference of the year, retrying on a clash.

    The wish is flushed first under a placeholder: on SQLite that write takes the database
    lock, so nobody can take the same number before this transaction ends, and the number
    is simply set (written with the next flush); on PostgreSQL two requests can still pick
    the same number, and the unique constraint makes the later one try again.
    """
    if not clash_possible(session):
        wish.reference = _next_reference(session, year)
        return wish.reference
    for _attempt in range(REFERENCE_ATTEMPTS):
        reference = _next_reference(session, year)
        try:
            with session.begin_nested():
                wish.reference = reference
                session.flush()
        except IntegrityError as error:
            if "reference" not in str(error.orig).lower():
                raise
            continue
        return reference
    raise RuleError(_l("Er kon geen kenmerk worden toegekend. Probeer het opnieuw."), "title")


def update_wish(
    session: Session,
    wish: Wish,
    *,
    data: WishData,
    actor: User,
    version: int | None = None,
    files: Sequence[StoredFile] = (),
) -> None:
    """Change a wish's content while the pilot may edit it; a stale version raises StaleEdit."""
    if not can_edit(actor, wish):
        raise RuleError(_l("Dit knelpunt kunt u niet meer wijzigen."), "title")
    if version is not None and version != wish.version:
        raise StaleEdit(wish, version)
    _check_relations(wish, data)
    before = snapshot(wish)
    _apply(wish, data)
    add_files(session, wish, files, actor=actor)
    after = snapshot(wish)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    if changed:
        audit.record(
            session,
            "wish.updated",
            actor=actor,
            obj=wish,
            before={k: before[k] for k in changed},
            after=changed,
            summary=f"{wish.reference} gewijzigd",
        )
    session.flush()


def _check_relations(wish: Wish | None, data: WishData) -> None:
    for name, related in (("depends_on", data.depends_on), ("follows_from", data.follows_from)):
        if wish is not None and any(r.id == wish.id for r in related):
            raise RuleError(_l("Een knelpunt kan niet naar zichzelf verwijzen."), name)
    both = {w.id for w in data.depends_on} & {w.id for w in data.follows_from}
    if both:
        raise RuleError(
            _l("Noem een knelpunt bij 'hangt af van' of bij 'volgt uit', niet bij allebei."),
            "follows_from",
        )


def parse_references(raw: str) -> list[str]:
    """Split a list of wish references (KN-2026-0042, ...) in order, without doubles or junk."""
    found: list[str] = []
    for word in re.split(r"[\s,;]+", (raw or "").upper()):
        if numbering.parse_wish_reference(word) and word not in found:
            found.append(word)
    return found


def resolve_references(session: Session, user: User, references: Iterable[str]) -> list[Wish]:
    """Find the wishes a user may refer to (seen by the office, or the user's own); else raise."""
    references = list(references)
    if not references:
        return []
    rows = {
        w.reference: w for w in session.scalars(select(Wish).where(Wish.reference.in_(references)))
    }
    result = []
    for reference in references:
        wish = rows.get(reference)
        if wish is None or not (
            wish.state in search.SIMILAR_STATES or is_raising_member(user, wish)
        ):
            # Same answer for "does not exist" and "not yours": no existence leaks.
            raise RuleError(_l("Knelpunt %(ref)s is niet gevonden.", ref=reference))
        result.append(wish)
    return result


def incomplete(data: WishData) -> dict[str, Any]:
    """Return, per field, what a wish still lacks before it can be submitted (concepts may)."""
    missing: dict[str, Any] = {}  # field -> lazy message
    if not data.title.strip():
        missing["title"] = _l("Vul een titel in.")
    if not data.problem.strip():
        missing["problem"] = _l(
            "Beschrijf het probleem zoals inwoners of professionals het ervaren."
        )
    if not data.statute_unknown:
        if data.statute is None and not data.proposed_bwb_id:
            missing["statute"] = _l(
                "Kies de wet, of vink aan dat u niet weet om welke wet het gaat."
            )
        elif not data.article.strip():
            missing["article"] = _l("Vul het artikel in.")
    if not data.proposed_change.strip():
        missing["proposed_change"] = _l("Beschrijf wat er in de regel zou moeten veranderen.")
    if not data.benefit_who.strip():
        missing["benefit_who"] = _l("Vul in wie er baat bij heeft.")
    if data.urgency is Urgency.HIGH and not data.urgency_reason.strip():
        missing["urgency_reason"] = _l("Geef aan waarom het knelpunt urgent is.")
    return missing


def data_of(wish: Wish) -> WishData:
    """Return a wish's current content as WishData."""
    return WishData(
        **{name: getattr(wish, name) for name in FREE_TEXT_FIELDS},
        statute=wish.statute,
        statute_unknown=wish.statute_unknown,
        proposed_bwb_id=wish.proposed_bwb_id,
        benefit_cases_per_year=wish.benefit_cases_per_year,
        urgency=wish.urgency,
        depends_on=[r.related for r in wish.relations if r.kind is RelationKind.DEPENDS_ON],
        follows_from=[r.related for r in wish.relations if r.kind is RelationKind.FOLLOWS_FROM],
    )


def submit_wish(session: Session, wish: Wish, *, actor: User) -> None:
    """Send a concept (or a completed wish that needed more information) to the office."""
    if not is_raising_member(actor, wish) or not workflow.can_move(
        wish.state, WishState.SUBMITTED, Role.PILOT
    ):
        raise RuleError(_l("Dit knelpunt kunt u nu niet indienen."), "title")
    missing = incomplete(data_of(wish))
    if missing:
        name, message = next(iter(missing.items()))
        raise RuleError(message, name)
    before = wish.state
    wish.state = WishState.SUBMITTED
    wish.state_reason = ""
    if wish.submitted_at is None:
        wish.submitted_at = utcnow()
    audit.record(
        session,
        "wish.state",
        actor=actor,
        obj=wish,
        before={"state": before.value},
        after={"state": wish.state.value},
        summary=f"{wish.reference} ingediend",
    )
    session.flush()


def withdraw_wish(session: Session, wish: Wish, *, reason: str, actor: User) -> None:
    """Withdraw a wish on behalf of its pilot, with a reason."""
    reason = reason.strip()
    if not can_withdraw(actor, wish):
        raise RuleError(_l("Dit knelpunt kunt u niet meer intrekken."), "reason")
    if not reason:
        raise RuleError(_l("Geef aan waarom u het knelpunt intrekt."), "reason")
    before = wish.state
    wish.state = WishState.WITHDRAWN
    wish.state_reason = reason
    audit.record(
        session,
        "wish.state",
        actor=actor,
        obj=wish,
        before={"state": before.value},
        after={"state": wish.state.value, "reason": reason},
        summary=f"{wish.reference} ingetrokken",
    )
    session.flush()


def support_wish(
    session: Session, wish: Wish, *, pilot: Pilot, note: str, actor: User
) -> WishSupport:
    """Join a wish as a supporting pilot ("wij lopen hier ook tegenaan") with a context note."""
    if pilot not in supporting_pilot_choices(actor, wish):
        raise RuleError(_l("Deze pilot kan zich niet bij dit knelpunt aansluiten."), "pilot")
    support = WishSupport(wish=wish, pilot=pilot, note=note.strip(), created_by=actor)
    session.add(support)
    session.flush()
    audit.record(
        session,
        "wish.supported",
        actor=actor,
        obj=wish,
        after={"pilot": pilot.name, "note": support.note},
        summary=f"Pilot {pilot.name} loopt hier ook tegenaan",
    )
    return support


def add_files(
    session: Session, wish: Wish, files: Sequence[StoredFile], *, actor: User
) -> list[Attachment]:
    """Tie stored files to a wish, at most MAX_PER_WISH in all."""
    if not files:
        return []
    if len(wish.attachments) + len(files) > MAX_PER_WISH:
        raise RuleError(
            _l("Een knelpunt kan hoogstens %(n)s bijlagen hebben.", n=MAX_PER_WISH), "attachments"
        )
    added = []
    for stored in files:
        attachment = Attachment(
            original_name=stored.original_name,
            stored_name=stored.stored_name,
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            uploaded_by=actor,
        )
        wish.attachments.append(attachment)
        added.append(attachment)
    session.flush()
    for attachment in added:
        audit.record(
            session,
            "wish.attachment_added",
            actor=actor,
            obj=wish,
            after={"file": attachment.original_name, "sha256": attachment.sha256},
            summary=f"Bijlage {attachment.original_name} toegevoegd",
        )
    return added


def share_attachment(
    session: Session, wish: Wish, attachment: Attachment, *, shared: bool, actor: User
) -> None:
    """Share an attachment with the pilots that join the wish (or stop sharing it); audited."""
    if attachment.wish_id != wish.id or not is_raising_member(actor, wish):
        raise RuleError(_l("Deze bijlage kunt u niet delen."), "attachments")
    if attachment.shared_with_supporters == shared:
        return
    attachment.shared_with_supporters = shared
    audit.record(
        session,
        "wish.attachment_shared",
        actor=actor,
        obj=wish,
        before={"file": attachment.original_name, "shared": not shared},
        after={"file": attachment.original_name, "shared": shared},
        summary=f"Bijlage {attachment.original_name} "
        + ("gedeeld met pilots die aansluiten" if shared else "niet meer gedeeld"),
    )
    session.flush()


def remove_support(session: Session, support: WishSupport, *, actor: User) -> None:
    """Undo a pilot's support of a wish (the programme office); audited."""
    if actor.role is not Role.OFFICE:
        raise RuleError(_l("Alleen het programmabureau kan steun ongedaan maken."), "pilot")
    wish, pilot = support.wish, support.pilot
    wish.supports.remove(support)
    audit.record(
        session,
        "wish.support_removed",
        actor=actor,
        obj=wish,
        before={"pilot": pilot.name, "note": support.note},
        summary=f"Steun van pilot {pilot.name} ongedaan gemaakt",
    )
    session.flush()


def remove_attachment(session: Session, wish: Wish, attachment: Attachment, *, actor: User) -> str:
    """Remove an attachment while the wish may be edited; return its stored name to delete."""
    if not can_edit(actor, wish) or attachment.wish_id != wish.id:
        raise RuleError(_l("Deze bijlage kunt u niet verwijderen."), "attachments")
    wish.attachments.remove(attachment)
    audit.record(
        session,
        "wish.attachment_removed",
        actor=actor,
        obj=wish,
        before={"file": attachment.original_name, "sha256": attachment.sha256},
        summary=f"Bijlage {attachment.original_name} verwijderd",
    )
    session.flush()
    return attachment.stored_name
