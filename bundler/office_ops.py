"""What the programme office does to wishes: triage, state changes, text edits, merges, bulk.

Operations take a session, change objects, add and flush, and never commit; every change is
recorded in the audit log, one event per wish. They raise OfficeError with a Dutch message
(and the form field it belongs to) when the change is not allowed, before changing anything.

Merging wish A into wish B (decisions, so an undo can be exact):
- A's pilot gets a support on B whose note is A's text (title, problem, proposed change),
  with `merged_from_id = A.id`. If A's pilot already supports B, A's text is appended to
  that support's note (the old note is kept on the merge record); if A's pilot raised B,
  nothing is added: B already speaks for that pilot.
- A's own supporters move to B, so the package lists every pilot behind the obstacle;
  a supporter that already stands behind B (raised or supports it) stays on A.
- A becomes `samengevoegd` with `merged_into_id = B.id`; its state and reason are kept on the
  merge record (`WishMerge`), which also lists the supports that moved.
- Undo works like a stack: a merge into a wish that has since been merged itself can only be
  undone after that later merge. Undo restores A's state, reason and supports, removes the
  support it added on B (or restores the note) and moves the supporters back.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from bundler import audit, workflow
from bundler.enums import Role, Urgency, WishState
from bundler.labels import STATE_LABELS
from bundler.models import Ministry, Statute, User, Wish, WishMerge, WishSupport, utcnow

S = WishState

# States in which the office may change a wish's legal basis, ministries and text.
WORKABLE = frozenset({S.SUBMITTED, S.NEEDS_INFO, S.IN_TRIAGE, S.ACCEPTED})
# A wish may be merged away from these states ...
MERGEABLE = frozenset({S.SUBMITTED, S.NEEDS_INFO, S.IN_TRIAGE, S.ACCEPTED, S.REJECTED})
# ... into a wish that is alive.
MERGE_TARGETS = frozenset({S.SUBMITTED, S.NEEDS_INFO, S.IN_TRIAGE, S.ACCEPTED, S.OFFERED})

TEXT_FIELDS = (
    "title",
    "problem",
    "proposed_change",
    "benefit_who",
    "benefit_cases_per_year",
    "benefit_savings",
    "urgency",
    "urgency_reason",
)


class OfficeError(Exception):
    """A change the office may not make; `field` names the form field it is about."""

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message  # a lazy string: translated when shown, not when raised
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class StaleWish(OfficeError):
    """The wish changed since the form was loaded (its version moved on)."""

    def __init__(self, wish: Wish, expected: int) -> None:
        super().__init__(_l("Iemand anders heeft dit knelpunt intussen gewijzigd."))
        self.wish = wish
        self.expected = expected


def _plain(value: Any) -> Any:
    """Make a value fit for the audit log's JSON."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Statute):
        return value.bwb_id
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def legal_snapshot(wish: Wish) -> dict[str, Any]:
    """Return the legal basis and responsible ministries of a wish, as audit values."""
    return {
        "statute": wish.statute.bwb_id if wish.statute else None,
        "article": wish.article,
        "paragraph": wish.paragraph,
        "ministries": [m.code for m in wish.ministries],
    }


def _diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    changed = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


def _touch(wish: Wish) -> None:
    # A change of the ministries alone is no UPDATE of the wish row; this makes it one, so
    # the version moves on and a form loaded before the change is seen as stale.
    wish.updated_at = utcnow()


def check_version(wish: Wish, expected: int | None) -> None:
    """Refuse a change made on a form loaded from an older version of the wish."""
    if expected is not None and expected != wish.version:
        raise StaleWish(wish, expected)


def _check_workable(wish: Wish) -> None:
    if wish.state not in WORKABLE:
        raise OfficeError(
            _l(
                "Een knelpunt met de status %(state)s kan niet worden gewijzigd.",
                state=STATE_LABELS[wish.state],
            )
        )


def default_ministries(statute: Statute | None) -> list[Ministry]:
    """Return the ministries responsible for a statute (several for a shared statute)."""
    return list(statute.ministries) if statute is not None else []


def set_legal_basis(
    session: Session,
    wish: Wish,
    *,
    statute: Statute | None,
    article: str,
    paragraph: str = "",
    ministries: Sequence[Ministry] = (),
    expected_version: int | None = None,
) -> bool:
    """Confirm or set statute, article, paragraph and responsible ministries.

    Without an explicit choice the statute's ministries become responsible. Return whether
    anything changed.
    """
    check_version(wish, expected_version)
    _check_workable(wish)
    chosen = list(ministries) or default_ministries(statute)
    before = legal_snapshot(wish)
    after: dict[str, Any] = {
        "statute": statute.bwb_id if statute else None,
        "article": article.strip(),
        "paragraph": paragraph.strip(),
        "ministries": sorted(m.code for m in chosen),
    }
    old, new = _diff(before, after)
    if not new:
        return False
    wish.statute = statute
    wish.statute_unknown = statute is None
    wish.article = after["article"]
    wish.paragraph = after["paragraph"]
    wish.ministries = sorted(chosen, key=lambda m: m.code)
    _touch(wish)
    session.flush()
    audit.record(session, "wish.triage", obj=wish, before=old, after=new, summary=wish.reference)
    return True


def set_ministries(
    session: Session, wish: Wish, ministries: Sequence[Ministry], *, summary: str = ""
) -> bool:
    """Make these ministries (and only these) responsible for a wish."""
    _check_workable(wish)
    if not ministries:
        raise OfficeError(_l("Kies een ministerie."), "ministry")
    before = {"ministries": [m.code for m in wish.ministries]}
    after = {"ministries": sorted(m.code for m in ministries)}
    if before == after:
        return False
    wish.ministries = sorted(ministries, key=lambda m: m.code)
    _touch(wish)
    session.flush()
    audit.record(
        session,
        "wish.ministries",
        obj=wish,
        before=before,
        after=after,
        summary=summary or wish.reference,
    )
    return True


def edit_text(
    session: Session,
    wish: Wish,
    values: dict[str, Any],
    *,
    expected_version: int | None = None,
) -> bool:
    """Change the text fields of a wish; refuse when the form was loaded from an old version."""
    check_version(wish, expected_version)
    _check_workable(wish)
    unknown = set(values) - set(TEXT_FIELDS)
    if unknown:
        raise ValueError(f"not text fields: {sorted(unknown)}")
    if "title" in values and not str(values["title"] or "").strip():
        raise OfficeError(_l("Vul de titel in."), "title")
    if "urgency" in values:
        values = {**values, "urgency": Urgency(values["urgency"])}
    before = {k: _plain(getattr(wish, k)) for k in values}
    after = {k: _plain(v) for k, v in values.items()}
    old, new = _diff(before, after)
    if not new:
        return False
    for key in new:
        setattr(wish, key, values[key])
    session.flush()
    audit.record(session, "wish.text", obj=wish, before=old, after=new, summary=wish.reference)
    return True


def change_state(
    session: Session,
    wish: Wish,
    target: WishState,
    reason: str = "",
    *,
    role: Role = Role.OFFICE,
    expected_version: int | None = None,
    summary: str = "",
) -> None:
    """Move a wish to another state under the workflow rules, with a reason where one is due.

    Accepting a wish without responsible ministries makes the statute's ministries
    responsible; without a statute the office has to choose a ministry first.
    """
    check_version(wish, expected_version)
    reason = reason.strip()
    if target is S.MERGED:
        raise OfficeError(_l("Gebruik 'samenvoegen' om een knelpunt samen te voegen."), "state")
    if not workflow.can_move(wish.state, target, role):
        raise OfficeError(
            _l(
                "Een knelpunt met de status %(current)s kan niet naar %(target)s.",
                current=STATE_LABELS[wish.state],
                target=STATE_LABELS[target],
            ),
            "state",
        )
    if workflow.needs_reason(target) and not reason:
        raise OfficeError(_l("Geef een reden op."), "reason")
    before: dict[str, Any] = {"state": wish.state.value, "state_reason": wish.state_reason}
    after: dict[str, Any] = {"state": target.value, "state_reason": reason}
    if target is S.ACCEPTED and not wish.ministries:
        chosen = default_ministries(wish.statute)
        if not chosen:
            raise OfficeError(
                _l("Kies eerst een verantwoordelijk ministerie: de wet is nog niet bekend."),
                "state",
            )
        wish.ministries = chosen
        before["ministries"], after["ministries"] = [], [m.code for m in chosen]
    wish.state = target
    wish.state_reason = reason
    _touch(wish)
    session.flush()
    audit.record(
        session,
        "wish.state",
        obj=wish,
        before=before,
        after=after,
        summary=summary or wish.reference,
    )


# -- bulk -------------------------------------------------------------------------------------


class BulkAction(enum.StrEnum):
    ACCEPT = "accepteren"
    ASSIGN_MINISTRY = "ministerie"
    REQUEST_INFO = "aanvulling"


@dataclass
class BulkResult:
    """Which wishes a bulk action changed, and which it skipped and why."""

    done: list[Wish] = field(default_factory=list)
    skipped: list[tuple[Wish, Any]] = field(default_factory=list)  # (wish, lazy reason)


def bulk(
    session: Session,
    wishes: Iterable[Wish],
    action: BulkAction,
    *,
    ministry: Ministry | None = None,
    reason: str = "",
) -> BulkResult:
    """Apply one action to many wishes; each change is audited on its own wish.

    A wish the action does not fit (wrong state, no ministry) is skipped with the reason;
    the others go ahead.
    """
    if action is BulkAction.ASSIGN_MINISTRY and ministry is None:
        raise OfficeError(_l("Kies een ministerie."), "ministry")
    if action is BulkAction.REQUEST_INFO and not reason.strip():
        raise OfficeError(_l("Geef op welke aanvulling nodig is."), "reason")
    result = BulkResult()
    for wish in wishes:
        try:
            if action is BulkAction.ACCEPT:
                change_state(session, wish, S.ACCEPTED, reason, summary="bulk")
            elif action is BulkAction.REQUEST_INFO:
                change_state(session, wish, S.NEEDS_INFO, reason, summary="bulk")
            else:
                assert ministry is not None
                set_ministries(session, wish, [ministry], summary="bulk")
        except OfficeError as error:
            result.skipped.append((wish, error.message))
        else:
            result.done.append(wish)
    return result


# -- merging ----------------------------------------------------------------------------------


def merge_note(wish: Wish) -> str:
    """Return the text of a merged wish as it is kept in its pilot's support note."""
    # Stored data, so always in Dutch whatever the interface language.
    parts = [f"{wish.reference}: {wish.title}", wish.problem.strip()]
    if wish.proposed_change.strip():
        parts.append("Voorgestelde wijziging: " + wish.proposed_change.strip())
    return "\n\n".join(p for p in parts if p)


def merge_problems(source: Wish, target: Wish) -> list[Any]:
    """List why A cannot be merged into B (empty when it can), as lazy strings."""
    problems: list[Any] = []
    if source.id == target.id:
        problems.append(_l("Een knelpunt kan niet met zichzelf worden samengevoegd."))
        return problems
    if source.state not in MERGEABLE:
        problems.append(
            _l(
                "Knelpunt %(ref)s heeft de status %(state)s en kan niet worden samengevoegd.",
                ref=source.reference,
                state=STATE_LABELS[source.state],
            )
        )
    if target.state not in MERGE_TARGETS:
        problems.append(
            _l(
                "Knelpunt %(ref)s heeft de status %(state)s: kies een knelpunt dat nog loopt.",
                ref=target.reference,
                state=STATE_LABELS[target.state],
            )
        )
    return problems


def active_merge(session: Session, wish: Wish) -> WishMerge | None:
    """Return the merge that made this wish `samengevoegd`, if it is still in force."""
    return session.scalar(
        select(WishMerge)
        .where(WishMerge.source_id == wish.id, WishMerge.undone_at.is_(None))
        .order_by(WishMerge.id.desc())
        .limit(1)
    )


class SupportChange(enum.StrEnum):
    ADD = "add"  # A's pilot gets a new support on B
    EXTEND = "extend"  # A's pilot supports B already: A's text is added to its note
    NONE = "none"  # A's pilot raised B: B already speaks for it


@dataclass
class MergePlan:
    """What merging A into B will do; the confirmation page shows it, `merge` carries it out."""

    support: SupportChange
    moved: list[WishSupport]  # A's supporters that move to B
    staying: list[WishSupport]  # A's supporters already behind B: they stay on A


def merge_plan(source: Wish, target: Wish) -> MergePlan:
    """Work out what merging A into B changes, without changing anything."""
    behind_target = {target.pilot_id} | {s.pilot_id for s in target.supports}
    if source.pilot_id == target.pilot_id:
        support = SupportChange.NONE
    elif source.pilot_id in behind_target:
        support = SupportChange.EXTEND
    else:
        support = SupportChange.ADD
    behind_target.add(source.pilot_id)
    moved: list[WishSupport] = []
    staying: list[WishSupport] = []
    for s in source.supports:
        (staying if s.pilot_id in behind_target else moved).append(s)
        behind_target.add(s.pilot_id)
    return MergePlan(support, moved, staying)


def merge(session: Session, source: Wish, target: Wish, *, actor: User | None = None) -> WishMerge:
    """Merge wish A (source) into wish B (target); see the module docstring for the rules."""
    problems = merge_problems(source, target)
    if problems:
        raise OfficeError(problems[0], "target")
    plan = merge_plan(source, target)
    record = WishMerge(
        source_id=source.id,
        target_id=target.id,
        previous_state=source.state,
        previous_state_reason=source.state_reason,
        merged_by_id=actor.id if actor else None,
        moved_support_ids=[],
    )
    note = merge_note(source)
    if plan.support is SupportChange.EXTEND:
        existing = next(s for s in target.supports if s.pilot_id == source.pilot_id)
        record.support = existing
        record.previous_note = existing.note
        existing.note = f"{existing.note.strip()}\n\n{note}".strip()
    elif plan.support is SupportChange.ADD:
        support = WishSupport(
            pilot_id=source.pilot_id,
            note=note,
            merged_from_id=source.id,
            created_by_id=actor.id if actor else None,
        )
        target.supports.append(support)
        record.support = support
    for support in plan.moved:
        target.supports.append(support)  # moves the row: its wish_id becomes B's
    moved = plan.moved
    before = {
        "state": source.state.value,
        "state_reason": source.state_reason,
        "merged_into": None,
    }
    source.state = S.MERGED
    source.state_reason = ""
    source.merged_into = target
    _touch(source)
    session.add(record)
    session.flush()
    record.moved_support_ids = [s.id for s in moved]
    session.flush()
    audit.record(
        session,
        "wish.merge",
        obj=source,
        before=before,
        after={
            "state": S.MERGED.value,
            "state_reason": "",
            "merged_into": target.reference,
            "moved_supports": [s.pilot.name for s in moved],
        },
        summary=f"{source.reference} → {target.reference}",
    )
    audit.record(
        session,
        "wish.merge_target",
        obj=target,
        before={"merged_from": None},
        after={
            "merged_from": source.reference,
            "support": plan.support.value,
            "pilot": source.pilot.name,
            "supports_moved": [s.pilot.name for s in moved],
        },
        summary=f"{source.reference} → {target.reference}",
    )
    return record


def unmerge(session: Session, source: Wish, *, actor: User | None = None) -> WishMerge:
    """Undo the merge of wish A, restoring its state, reason and supporters exactly."""
    record = active_merge(session, source) if source.state is S.MERGED else None
    if record is None:
        raise OfficeError(_l("Dit knelpunt is niet samengevoegd."))
    target = record.target
    if target.state is S.MERGED:
        raise OfficeError(
            _l(
                "Knelpunt %(ref)s is zelf ook samengevoegd: maak dat eerst ongedaan.",
                ref=target.reference,
            )
        )
    support = record.support
    if support is not None:
        if record.previous_note is not None:
            support.note = record.previous_note
        else:
            support.wish.supports.remove(support)  # delete-orphan removes the row
            record.support = None
    moved = [s for s in target.supports if s.id in set(record.moved_support_ids)]
    for s in moved:
        source.supports.append(s)
    source.supports.sort(key=lambda s: (s.created_at, s.id))
    source.state = record.previous_state
    source.state_reason = record.previous_state_reason
    source.merged_into = None
    _touch(source)
    record.undone_at = utcnow()
    record.undone_by_id = actor.id if actor else None
    session.flush()
    audit.record(
        session,
        "wish.unmerge",
        obj=source,
        before={"state": S.MERGED.value, "merged_into": target.reference},
        after={
            "state": source.state.value,
            "state_reason": source.state_reason,
            "merged_into": None,
            "supports_back": [s.pilot.name for s in moved],
        },
        summary=f"{source.reference} ↚ {target.reference}",
    )
    audit.record(
        session,
        "wish.unmerge_target",
        obj=target,
        before={"merged_from": source.reference},
        after={"merged_from": None},
        summary=f"{source.reference} ↚ {target.reference}",
    )
    return record


def merged_into_this(session: Session, wish: Wish) -> list[Wish]:
    """Return the wishes merged into this one (still merged), by reference."""
    return list(
        session.scalars(
            select(Wish)
            .where(Wish.merged_into_id == wish.id, Wish.state == S.MERGED)
            .order_by(Wish.reference)
        )
    )
