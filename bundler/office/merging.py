"""Merging duplicate wishes, and undoing a merge exactly (operations: add and flush, no commit).

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
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from bundler import audit
from bundler.enums import WishState
from bundler.labels import STATE_LABELS
from bundler.models import User, Wish, WishMerge, WishSupport, utcnow
from bundler.office.ops import touch
from bundler.rules import RuleError

S = WishState

# A wish may be merged away from these states ...
MERGEABLE = frozenset({S.SUBMITTED, S.NEEDS_INFO, S.IN_TRIAGE, S.ACCEPTED, S.REJECTED})
# ... into a wish that is alive.
MERGE_TARGETS = frozenset({S.SUBMITTED, S.NEEDS_INFO, S.IN_TRIAGE, S.ACCEPTED, S.OFFERED})


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
        raise RuleError(problems[0], "target")
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
    touch(source)
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
        raise RuleError(_l("Dit knelpunt is niet samengevoegd."))
    target = record.target
    if target.state is S.MERGED:
        raise RuleError(
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
    touch(source)
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
