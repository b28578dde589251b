"""Wish operations: visibility, numbering, create/update/submit/withdraw/support, timeline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from bundler import numbering
from bundler.enums import AnswerStatus, RelationKind, Role, Urgency, WishState
from bundler.models import (
    Answer,
    AuditEvent,
    Ministry,
    Pilot,
    Statute,
    User,
    Wish,
    WishSupport,
    utcnow,
)
from bundler.rules import RuleError, StaleEdit
from bundler.wishes import ops, visibility
from bundler.wishes.timeline import timeline


def load_user(db: Session, user: User) -> User:
    found = db.get(User, user.id)
    assert found is not None
    return found


def load_wish(db: Session, wish: Wish) -> Wish:
    found = db.get(Wish, wish.id)
    assert found is not None
    return found


def statute(db: Session, bwb_id: str = "BWBR0002656") -> Statute:
    found = db.scalar(select(Statute).where(Statute.bwb_id == bwb_id))
    assert found is not None
    return found


def complete(db: Session, **values: Any) -> ops.WishData:
    data = ops.WishData(
        title="Digitale aangifte van overlijden",
        problem="Nabestaanden moeten naar het gemeentehuis.",
        statute=statute(db),
        article="19h",
        paragraph="2",
        proposed_change="Laat de uitvaartondernemer digitaal aangifte doen.",
        benefit_who="Nabestaanden en uitvaartondernemers",
        benefit_cases_per_year=170_000,
        benefit_savings="Een bezoek aan het gemeentehuis per overlijden.",
    )
    for key, value in values.items():
        setattr(data, key, value)
    return data


# -- visibility --------------------------------------------------------------------------------

ALL_STATES = list(WishState)


@pytest.mark.parametrize("state", ALL_STATES)
def test_visibility_rule_per_role_and_state(
    db: Session,
    make_pilot: Callable[..., Pilot],
    make_user: Callable[..., User],
    make_wish: Callable[..., Wish],
    state: WishState,
) -> None:
    raiser, supporter, stranger = make_pilot(), make_pilot(), make_pilot()
    wish = make_wish(raiser, state=state, statute="BWBR0002656")  # JenV
    db.add(WishSupport(wish_id=wish.id, pilot_id=supporter.id, note="ook"))
    db.commit()
    users = {
        "raiser": make_user(Role.PILOT, pilots=[raiser]),
        "supporter": make_user(Role.PILOT, pilots=[supporter]),
        "stranger": make_user(Role.PILOT, pilots=[stranger]),
        "nobody": make_user(Role.PILOT),
        "office": make_user(Role.OFFICE),
        "jenv": make_user(Role.MINISTRY, ministry="JenV"),
        "bzk": make_user(Role.MINISTRY, ministry="BZK"),
        "admin": make_user(Role.ADMIN),
    }
    expected = {
        "raiser": True,
        "supporter": state is not WishState.CONCEPT,
        "stranger": False,
        "nobody": False,
        "office": state is not WishState.CONCEPT,
        "jenv": state is WishState.OFFERED,
        "bzk": False,
        "admin": False,
    }
    for name, user in users.items():
        user = load_user(db, user)
        row = load_wish(db, wish)
        by_query = db.scalar(
            select(Wish.id).where(Wish.id == wish.id, visibility.visible_wishes_filter(user))
        )
        assert visibility.can_view(user, row) is expected[name], name
        assert (by_query is not None) is expected[name], name


def test_edit_and_withdraw_rights(
    db: Session,
    make_pilot: Callable[..., Pilot],
    make_user: Callable[..., User],
    make_wish: Callable[..., Wish],
) -> None:
    pilot, other = make_pilot(), make_pilot()
    member = load_user(db, make_user(Role.PILOT, pilots=[pilot]))
    outsider = load_user(db, make_user(Role.PILOT, pilots=[other]))
    office = load_user(db, make_user(Role.OFFICE))
    for state in WishState:
        wish = load_wish(db, make_wish(pilot, state=state))
        assert visibility.can_edit(member, wish) is (
            state in (WishState.CONCEPT, WishState.NEEDS_INFO)
        )
        assert visibility.can_withdraw(member, wish) is (
            state
            in (WishState.CONCEPT, WishState.SUBMITTED, WishState.NEEDS_INFO, WishState.IN_TRIAGE)
        )
        assert not visibility.can_edit(outsider, wish)
        assert not visibility.can_edit(office, wish)
        assert not visibility.can_withdraw(office, wish)


# -- numbering ---------------------------------------------------------------------------------


def test_create_assigns_the_next_reference_of_the_year(
    db: Session, make_pilot: Callable[..., Pilot], make_user: Callable[..., User]
) -> None:
    pilot = make_pilot()
    user = load_user(db, make_user(Role.PILOT, pilots=[pilot]))
    pilot = user.pilots[0]
    first = ops.create_wish(db, pilot=pilot, data=complete(db), actor=user)
    second = ops.create_wish(db, pilot=pilot, data=complete(db, title="Twee"), actor=user)
    year = utcnow().year
    assert first.reference == numbering.wish_reference(year, 1)
    assert second.reference == numbering.wish_reference(year, 2)
    assert first.state is WishState.CONCEPT
    assert first.submitted_at is None


def test_next_reference_follows_the_highest_number_of_the_year(
    db: Session,
    make_pilot: Callable[..., Pilot],
    make_user: Callable[..., User],
    make_wish: Callable[..., Wish],
) -> None:
    pilot = make_pilot()
    year = utcnow().year
    # Five digits sort before four as text ("10000" < "9999"); other years do not count.
    references = [f"KN-{year}-9999", f"KN-{year}-10000", f"KN-{year}-0042", f"KN-{year + 1}-20000"]
    ids = [make_wish(pilot).id for _ in references]
    for wish_id, reference in zip(ids, references, strict=True):
        db.execute(update(Wish).where(Wish.id == wish_id).values(reference=reference))
    db.commit()
    user = load_user(db, make_user(Role.PILOT, pilots=[pilot]))
    wish = ops.create_wish(db, pilot=user.pilots[0], data=complete(db), actor=user)
    assert wish.reference == numbering.wish_reference(year, 10001)


def test_a_new_wish_reads_none_of_its_own_collections(
    db: Session, make_pilot: Callable[..., Pilot], make_user: Callable[..., User]
) -> None:
    pilot = make_pilot()
    user = load_user(db, make_user(Role.PILOT, pilots=[pilot]))
    data = complete(db)
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        wish = ops.create_wish(db, pilot=user.pilots[0], data=data, actor=user, submit=True)
        db.commit()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert wish.state is WishState.SUBMITTED
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    for table in ("wish_relation", "wish_support", "attachment", "answer", "wish_ministry"):
        assert not [s for s in reads if f"FROM {table}" in s], table


def test_reference_clash_is_retried(
    db: Session,
    make_pilot: Callable[..., Pilot],
    make_user: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pilot = make_pilot()
    user = load_user(db, make_user(Role.PILOT, pilots=[pilot]))
    pilot = user.pilots[0]
    existing = ops.create_wish(db, pilot=pilot, data=complete(db), actor=user)
    db.commit()
    # Simulate a request that read the references before `existing` was committed (only
    # PostgreSQL lets that happen; SQLite's write lock makes the first read the right one).
    monkeypatch.setattr(ops, "clash_possible", lambda session: True)
    answers = iter([1, 1, 2])
    monkeypatch.setattr(numbering, "next_wish_sequence", lambda taken, year: next(answers))
    wish = ops.create_wish(db, pilot=pilot, data=complete(db, title="Later"), actor=user)
    db.commit()
    assert existing.reference.endswith("-0001")
    assert wish.reference.endswith("-0002")
    db.expire_all()
    assert db.scalar(select(Wish.reference).where(Wish.id == wish.id)) == wish.reference


def test_reference_gives_up_after_repeated_clashes(
    db: Session,
    make_pilot: Callable[..., Pilot],
    make_user: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pilot = make_pilot()
    user = load_user(db, make_user(Role.PILOT, pilots=[pilot]))
    pilot = user.pilots[0]
    ops.create_wish(db, pilot=pilot, data=complete(db), actor=user)
    monkeypatch.setattr(ops, "clash_possible", lambda session: True)
    monkeypatch.setattr(numbering, "next_wish_sequence", lambda taken, year: 1)
    with pytest.raises(RuleError):
        ops.create_wish(db, pilot=pilot, data=complete(db, title="Later"), actor=user)


def test_create_refuses_a_pilot_that_is_not_the_users(
    db: Session, make_pilot: Callable[..., Pilot], make_user: Callable[..., User]
) -> None:
    own, other = make_pilot(), make_pilot()
    user = load_user(db, make_user(Role.PILOT, pilots=[own]))
    foreign = db.get(Pilot, other.id)
    assert foreign is not None
    with pytest.raises(RuleError) as caught:
        ops.create_wish(db, pilot=foreign, data=complete(db), actor=user)
    assert caught.value.field == "pilot"


# -- life of a wish ----------------------------------------------------------------------------


def test_create_and_submit_sets_state_time_and_audit(
    db: Session, make_pilot: Callable[..., Pilot], make_user: Callable[..., User]
) -> None:
    pilot = make_pilot()
    user = load_user(db, make_user(Role.PILOT, pilots=[pilot]))
    wish = ops.create_wish(db, pilot=user.pilots[0], data=complete(db), actor=user, submit=True)
    assert wish.state is WishState.SUBMITTED
    assert wish.submitted_at is not None
    actions = db.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "wish", AuditEvent.object_id == str(wish.id))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["wish.created", "wish.state"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": "  "}, "title"),
        ({"problem": ""}, "problem"),
        ({"statute": None}, "statute"),
        ({"article": ""}, "article"),
        ({"proposed_change": ""}, "proposed_change"),
        ({"benefit_who": ""}, "benefit_who"),
        ({"urgency": Urgency.HIGH, "urgency_reason": ""}, "urgency_reason"),
    ],
)
def test_incomplete_names_what_is_missing(db: Session, change: dict[str, Any], field: str) -> None:
    assert ops.incomplete(complete(db)) == {}
    assert list(ops.incomplete(complete(db, **change))) == [field]


def test_unknown_statute_needs_no_article(db: Session) -> None:
    data = complete(db, statute=None, statute_unknown=True, article="")
    assert ops.incomplete(data) == {}


def test_submit_refuses_an_incomplete_concept(
    db: Session, make_pilot: Callable[..., Pilot], make_user: Callable[..., User]
) -> None:
    pilot = make_pilot()
    user = load_user(db, make_user(Role.PILOT, pilots=[pilot]))
    wish = ops.create_wish(
        db, pilot=user.pilots[0], data=ops.WishData(title="Alleen een titel"), actor=user
    )
    with pytest.raises(RuleError) as caught:
        ops.submit_wish(db, wish, actor=user)
    assert caught.value.field == "problem"
    assert wish.state is WishState.CONCEPT


def test_unknown_statute_clears_article(
    db: Session, make_pilot: Callable[..., Pilot], make_user: Callable[..., User]
) -> None:
    pilot = make_pilot()
    user = load_user(db, make_user(Role.PILOT, pilots=[pilot]))
    data = complete(db, statute=statute(db), statute_unknown=True)
    wish = ops.create_wish(db, pilot=user.pilots[0], data=data, actor=user)
    assert wish.statute is None
    assert wish.statute_unknown
    assert (wish.article, wish.paragraph) == ("", "")


def test_update_records_only_what_changed_and_checks_version(
    db: Session, make_pilot: Callable[..., Pilot], make_user: Callable[..., User]
) -> None:
    pilot = make_pilot()
    user = load_user(db, make_user(Role.PILOT, pilots=[pilot]))
    wish = ops.create_wish(db, pilot=user.pilots[0], data=complete(db), actor=user)
    db.commit()
    version = wish.version
    ops.update_wish(db, wish, data=complete(db, title="Nieuwe titel"), actor=user, version=version)
    db.commit()
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "wish.updated")).one()
    assert event.after == {"title": "Nieuwe titel"}
    assert event.before == {"title": "Digitale aangifte van overlijden"}
    with pytest.raises(StaleEdit):
        ops.update_wish(db, wish, data=complete(db), actor=user, version=version)


def test_update_is_refused_once_submitted(
    db: Session, make_pilot: Callable[..., Pilot], make_user: Callable[..., User]
) -> None:
    pilot = make_pilot()
    user = load_user(db, make_user(Role.PILOT, pilots=[pilot]))
    wish = ops.create_wish(db, pilot=user.pilots[0], data=complete(db), actor=user, submit=True)
    with pytest.raises(RuleError):
        ops.update_wish(db, wish, data=complete(db, title="Te laat"), actor=user)


def test_resubmission_keeps_first_submission_time(
    db: Session, make_pilot: Callable[..., Pilot], make_user: Callable[..., User]
) -> None:
    pilot = make_pilot()
    user = load_user(db, make_user(Role.PILOT, pilots=[pilot]))
    wish = ops.create_wish(db, pilot=user.pilots[0], data=complete(db), actor=user, submit=True)
    first = wish.submitted_at
    wish.state = WishState.NEEDS_INFO
    wish.state_reason = "Welk lid?"
    ops.submit_wish(db, wish, actor=user)
    assert wish.state is WishState.SUBMITTED
    assert wish.state_reason == ""
    assert wish.submitted_at == first


def test_withdraw_needs_reason_and_is_recorded(
    db: Session, make_pilot: Callable[..., Pilot], make_user: Callable[..., User]
) -> None:
    pilot = make_pilot()
    user = load_user(db, make_user(Role.PILOT, pilots=[pilot]))
    wish = ops.create_wish(db, pilot=user.pilots[0], data=complete(db), actor=user, submit=True)
    with pytest.raises(RuleError):
        ops.withdraw_wish(db, wish, reason="  ", actor=user)
    ops.withdraw_wish(db, wish, reason="Opgelost via een AMvB", actor=user)
    assert wish.state is WishState.WITHDRAWN
    assert wish.state_reason == "Opgelost via een AMvB"
    with pytest.raises(RuleError):
        ops.withdraw_wish(db, wish, reason="nog eens", actor=user)


def test_support_rules(
    db: Session,
    make_pilot: Callable[..., Pilot],
    make_user: Callable[..., User],
    make_wish: Callable[..., Wish],
) -> None:
    raiser, joiner = make_pilot(), make_pilot()
    wish = make_wish(raiser)
    concept = make_wish(raiser, state=WishState.CONCEPT)
    user = load_user(db, make_user(Role.PILOT, pilots=[raiser, joiner]))
    row = load_wish(db, wish)
    own, other = (p for p in sorted(user.pilots, key=lambda p: p.id))
    assert visibility.supporting_pilot_choices(user, row) == [other]
    with pytest.raises(RuleError):
        ops.support_wish(db, row, pilot=own, note="", actor=user)
    support = ops.support_wish(db, row, pilot=other, note=" Ook bij ons ", actor=user)
    assert support.note == "Ook bij ons"
    assert visibility.supporting_pilot_choices(user, row) == []
    with pytest.raises(RuleError):
        ops.support_wish(db, row, pilot=other, note="", actor=user)
    with pytest.raises(RuleError):
        ops.support_wish(db, load_wish(db, concept), pilot=other, note="", actor=user)


# -- relations ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "found"),
    [
        ("", []),
        ("KN-2026-0001", ["KN-2026-0001"]),
        ("kn-2026-0001, KN-2026-0002;KN-2026-0001", ["KN-2026-0001", "KN-2026-0002"]),
        ("zomaar tekst KN-2026-0003", ["KN-2026-0003"]),
    ],
)
def test_parse_references(raw: str, found: list[str]) -> None:
    assert ops.parse_references(raw) == found


def test_relations_resolve_only_wishes_the_user_may_refer_to(
    db: Session,
    make_pilot: Callable[..., Pilot],
    make_user: Callable[..., User],
    make_wish: Callable[..., Wish],
) -> None:
    own, other = make_pilot(), make_pilot()
    user = load_user(db, make_user(Role.PILOT, pilots=[own]))
    death = make_wish(other, title="Overlijden")
    foreign_concept = make_wish(other, state=WishState.CONCEPT)
    own_concept = make_wish(own, state=WishState.CONCEPT)
    assert [
        w.id for w in ops.resolve_references(db, user, [death.reference, own_concept.reference])
    ] == [death.id, own_concept.id]
    for missing in (foreign_concept.reference, "KN-1999-0001"):
        with pytest.raises(RuleError) as caught:
            ops.resolve_references(db, user, [missing])
        # The same words whether it does not exist or is someone else's concept.
        assert str(caught.value) == f"Knelpunt {missing} is niet gevonden."


def test_relations_are_stored_changed_and_checked(
    db: Session,
    make_pilot: Callable[..., Pilot],
    make_user: Callable[..., User],
    make_wish: Callable[..., Wish],
) -> None:
    pilot = make_pilot()
    user = load_user(db, make_user(Role.PILOT, pilots=[pilot]))
    death, birth = load_wish(db, make_wish(pilot)), load_wish(db, make_wish(pilot))
    wish = ops.create_wish(
        db, pilot=user.pilots[0], data=complete(db, follows_from=[death]), actor=user
    )
    assert [(r.kind, r.related_id) for r in wish.relations] == [
        (RelationKind.FOLLOWS_FROM, death.id)
    ]
    ops.update_wish(db, wish, data=complete(db, depends_on=[birth]), actor=user)
    assert [(r.kind, r.related_id) for r in wish.relations] == [(RelationKind.DEPENDS_ON, birth.id)]
    with pytest.raises(RuleError):
        ops.update_wish(db, wish, data=complete(db, depends_on=[wish]), actor=user)
    with pytest.raises(RuleError):
        ops.update_wish(
            db, wish, data=complete(db, depends_on=[death], follows_from=[death]), actor=user
        )


# -- timeline ----------------------------------------------------------------------------------


def test_timeline_merges_events_and_answers_in_time_order(
    db: Session, make_pilot: Callable[..., Pilot], make_user: Callable[..., User]
) -> None:
    pilot = make_pilot()
    user = load_user(db, make_user(Role.PILOT, pilots=[pilot]))
    wish = ops.create_wish(db, pilot=user.pilots[0], data=complete(db), actor=user, submit=True)
    jenv = db.scalar(select(Ministry).where(Ministry.code == "JenV"))
    assert jenv is not None
    db.add(
        Answer(
            wish=wish,
            ministry=jenv,
            status=AnswerStatus.REALISED,
            effective_date=dt.date(2026, 7, 1),
            answered_at=utcnow() + dt.timedelta(seconds=5),
        )
    )
    db.flush()
    ops.withdraw_wish(db, wish, reason="Niet meer nodig", actor=user)
    entries = timeline(db, wish)
    # The withdrawal happened before the (future-dated) answer.
    assert [e.action for e in entries] == ["wish.created", "wish.state", "wish.state", "answer"]
    assert entries[-1].answer is not None
    assert entries[-1].actor == jenv.name
    assert entries[0].actor == user.name
