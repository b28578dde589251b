"""What the programme office does to wishes: triage, state changes, text edits, bulk actions.

Operations take a session, change objects, add and flush, and never commit; every change is
recorded in the audit log, one event per wish. They raise RuleError with a translatable
message (and the form field it belongs to) when the change is not allowed, before changing
anything, and StaleEdit when the form was loaded from an older version of the wish.
Merging lives in `bundler.office.merging`.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from bundler import audit, workflow
from bundler.enums import Role, Urgency, WishState
from bundler.labels import STATE_LABELS
from bundler.models import Ministry, Statute, Wish, utcnow
from bundler.rules import RuleError, StaleEdit

S = WishState

# States in which the office may change a wish's legal basis, ministries and text.
WORKABLE = frozenset({S.SUBMITTED, S.NEEDS_INFO, S.IN_TRIAGE, S.ACCEPTED})

# The fields of the office's text form (the legal basis has a form of its own).
TEXT_FORM_FIELDS = (
    "title",
    "problem",
    "proposed_change",
    "benefit_who",
    "benefit_cases_per_year",
    "benefit_savings",
    "urgency",
    "urgency_reason",
)


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
        "proposed_bwb_id": wish.proposed_bwb_id,
    }


def _diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    changed = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


def touch(wish: Wish) -> None:
    # A change of the ministries alone is no UPDATE of the wish row; this makes it one, so
    # the version moves on and a form loaded before the change is seen as stale.
    wish.updated_at = utcnow()


def check_version(wish: Wish, expected: int | None) -> None:
    """Refuse a change made on a form loaded from an older version of the wish."""
    if expected is not None and expected != wish.version:
        raise StaleEdit(wish, expected)


def _check_workable(wish: Wish) -> None:
    if wish.state not in WORKABLE:
        raise RuleError(
            _l(
                "Een knelpunt met de status %(state)s kan niet worden gewijzigd.",
                state=STATE_LABELS[wish.state],
            )
        )


def default_ministries(statute: Statute | None) -> list[Ministry]:
    """Return the ministries responsible for a statute (several for a shared statute)."""
    return statute.ministries_on(dt.date.today()) if statute is not None else []


def set_legal_basis(
    session: Session,
    wish: Wish,
    *,
    statute: Statute | None,
    article: str,
    paragraph: str = "",
    ministries: Sequence[Ministry] = (),
    expected_version: int | None = None,
    proposed_bwb_id: str | None = None,
) -> bool:
    """Confirm or set statute, article, paragraph and responsible ministries.

    Without an explicit choice the statute's ministries become responsible. A proposed BWB id
    (from a pasted link, not yet in the catalogue) stays until a statute is set; None keeps
    the wish's. Return whether anything changed.
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
        "proposed_bwb_id": "" if statute else (proposed_bwb_id or wish.proposed_bwb_id),
    }
    if proposed_bwb_id == "":
        after["proposed_bwb_id"] = ""
    old, new = _diff(before, after)
    if not new:
        return False
    wish.statute = statute
    wish.proposed_bwb_id = after["proposed_bwb_id"]
    wish.statute_unknown = statute is None and not wish.proposed_bwb_id
    wish.article = after["article"]
    wish.paragraph = after["paragraph"]
    wish.ministries = sorted(chosen, key=lambda m: m.code)
    touch(wish)
    session.flush()
    audit.record(session, "wish.triage", obj=wish, before=old, after=new, summary=wish.reference)
    return True


def set_ministries(
    session: Session, wish: Wish, ministries: Sequence[Ministry], *, summary: str = ""
) -> bool:
    """Make these ministries (and only these) responsible for a wish."""
    _check_workable(wish)
    if not ministries:
        raise RuleError(_l("Kies een ministerie."), "ministry")
    before = {"ministries": [m.code for m in wish.ministries]}
    after = {"ministries": sorted(m.code for m in ministries)}
    if before == after:
        return False
    wish.ministries = sorted(ministries, key=lambda m: m.code)
    touch(wish)
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
    unknown = set(values) - set(TEXT_FORM_FIELDS)
    if unknown:
        raise ValueError(f"not text fields: {sorted(unknown)}")
    if "title" in values and not str(values["title"] or "").strip():
        raise RuleError(_l("Vul de titel in."), "title")
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
        raise RuleError(_l("Gebruik 'samenvoegen' om een knelpunt samen te voegen."), "state")
    if not workflow.can_move(wish.state, target, role):
        raise RuleError(
            _l(
                "Een knelpunt met de status %(current)s kan niet naar %(target)s.",
                current=STATE_LABELS[wish.state],
                target=STATE_LABELS[target],
            ),
            "state",
        )
    if workflow.needs_reason(target) and not reason:
        raise RuleError(_l("Geef een reden op."), "reason")
    before: dict[str, Any] = {"state": wish.state.value, "state_reason": wish.state_reason}
    after: dict[str, Any] = {"state": target.value, "state_reason": reason}
    if target is S.ACCEPTED and not wish.ministries:
        chosen = default_ministries(wish.statute)
        if not chosen:
            raise RuleError(
                _l("Kies eerst een verantwoordelijk ministerie: de wet is nog niet bekend."),
                "state",
            )
        wish.ministries = chosen
        before["ministries"], after["ministries"] = [], [m.code for m in chosen]
    wish.state = target
    wish.state_reason = reason
    touch(wish)
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
        raise RuleError(_l("Kies een ministerie."), "ministry")
    if action is BulkAction.REQUEST_INFO and not reason.strip():
        raise RuleError(_l("Geef op welke aanvulling nodig is."), "reason")
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
        except RuleError as error:
            result.skipped.append((wish, error.message))
        else:
            result.done.append(wish)
    return result
