"""The life of a wish: who may move it from which state to which, and when a reason is due.

Pure rules over plain values; no Flask, no database.
"""

from __future__ import annotations

from bundler.enums import Role, WishState

S = WishState

# (from, to) -> roles allowed to make that move.
TRANSITIONS: dict[tuple[WishState, WishState], frozenset[Role]] = {
    (S.CONCEPT, S.SUBMITTED): frozenset({Role.PILOT}),
    (S.NEEDS_INFO, S.SUBMITTED): frozenset({Role.PILOT}),
    (S.CONCEPT, S.WITHDRAWN): frozenset({Role.PILOT}),
    (S.SUBMITTED, S.WITHDRAWN): frozenset({Role.PILOT}),
    (S.NEEDS_INFO, S.WITHDRAWN): frozenset({Role.PILOT}),
    (S.IN_TRIAGE, S.WITHDRAWN): frozenset({Role.PILOT}),
    (S.SUBMITTED, S.IN_TRIAGE): frozenset({Role.OFFICE}),
    (S.SUBMITTED, S.NEEDS_INFO): frozenset({Role.OFFICE}),
    (S.SUBMITTED, S.ACCEPTED): frozenset({Role.OFFICE}),
    (S.SUBMITTED, S.REJECTED): frozenset({Role.OFFICE}),
    (S.IN_TRIAGE, S.NEEDS_INFO): frozenset({Role.OFFICE}),
    (S.IN_TRIAGE, S.ACCEPTED): frozenset({Role.OFFICE}),
    (S.IN_TRIAGE, S.REJECTED): frozenset({Role.OFFICE}),
    (S.ACCEPTED, S.IN_TRIAGE): frozenset({Role.OFFICE}),
    (S.REJECTED, S.IN_TRIAGE): frozenset({Role.OFFICE}),
    (S.ACCEPTED, S.OFFERED): frozenset({Role.OFFICE}),
}

# Moves that need a written reason (DOMAIN.md: rejected with a reason, withdrawn with a reason,
# asking for more information says what is missing).
REASON_REQUIRED = frozenset({S.REJECTED, S.WITHDRAWN, S.NEEDS_INFO})

# States in which the raising pilot may still edit the text.
EDITABLE_BY_PILOT = frozenset({S.CONCEPT, S.NEEDS_INFO})
# States the programme office works with (a concept is the pilot's own).
VISIBLE_TO_OFFICE = frozenset(set(WishState) - {S.CONCEPT})


def can_move(current: WishState, target: WishState, role: Role) -> bool:
    """Tell whether a user with this role may move a wish from current to target."""
    return role in TRANSITIONS.get((current, target), frozenset())


def targets(current: WishState, role: Role) -> list[WishState]:
    """List the states a user with this role may move a wish to, in workflow order."""
    return [to for (frm, to), roles in TRANSITIONS.items() if frm == current and role in roles]


def needs_reason(target: WishState) -> bool:
    """Tell whether moving to this state requires a reason."""
    return target in REASON_REQUIRED
