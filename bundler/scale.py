"""Generated demo data at programme scale: `bundler load-demo --scale N`.

N wishes spread over pilots, municipalities, ministries and statutes the way a programme
grows: most pilots small (a handful of municipalities), some scaled up to 30-40 and a few to
every municipality; a few busy pilots raise most wishes and a few statutes draw most of them.
Supporters, merges, answers, attachments and relations come in believable proportions
(`STATES` and the `P_*` constants below), and the office's notifications of submitted wishes,
most of them never opened. Rows go in with Core `insert` executemany in chunks,
with ids chosen here, so 100,000 wishes take a minute or two on SQLite and on PostgreSQL.
The same seed and day give the same data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bundler.enums import AnswerStatus, Phase, RelationKind, Role, Urgency, WishState
from bundler.models import (
    Answer,
    Attachment,
    ExecutingOrganisation,
    Ministry,
    Municipality,
    Notification,
    PhaseChange,
    Pilot,
    PilotMunicipality,
    Statute,
    User,
    Wish,
    WishMerge,
    WishRelation,
    WishSupport,
    pilot_member,
    statute_ministry,
    wish_ministry,
)
from bundler.notifications import kinds
from bundler.numbering import parse_wish_reference, wish_reference
from bundler.passwords import hash_password
from bundler.scale_rows import (
    CHUNK,
    Picker,
    ScaleReport,
    insert_rows,
    next_ids,
    reset_sequences,
    zipf,
)

S = WishState
# The password of every generated account (a local demo database only).
PASSWORD = "schaal-demo-2026"  # noqa: S105 - documented demo password, like bundler.demo's
EMAIL_DOMAIN = "schaal.example"
# A word in about one wish in 2,000 (a "rare word" for search benchmarks) and one in nearly all.
RARE_WORD = "lijkschouwer"
COMMON_WORD = "gemeente"

# Roughly a programme a few years in: most wishes accepted, offered or being worked on.
STATES: list[tuple[WishState, float]] = [
    (S.CONCEPT, 3),
    (S.SUBMITTED, 14),
    (S.NEEDS_INFO, 4),
    (S.IN_TRIAGE, 9),
    (S.ACCEPTED, 40),
    (S.REJECTED, 7),
    (S.MERGED, 6),
    (S.WITHDRAWN, 3),
    (S.OFFERED, 14),
]
URGENCIES = [(Urgency.LOW, 2.0), (Urgency.NORMAL, 6.0), (Urgency.HIGH, 2.0)]
ANSWERS = [
    (AnswerStatus.RECEIVED, 3.0),
    (AnswerStatus.IN_PROGRESS, 3.0),
    (AnswerStatus.IN_LEGISLATION, 2.0),
    (AnswerStatus.REALISED, 1.5),
    (AnswerStatus.DECLINED, 1.0),
]
P_UNKNOWN_STATUTE = 0.05  # the pilot does not know the statute yet
P_SUPPORTED = 0.3  # another pilot joins ("wij lopen hier ook tegenaan")
P_ANSWERED = 0.6  # per ministry, of an offered wish
P_RECEIPT_FIRST = 0.4  # a "received" answer precedes the real one
P_ATTACHMENT = 0.08
P_RELATION = 0.01
P_RARE = 0.0005
# An office notification of a submission that was opened: most of the office works from the
# inbox and leaves them unread (tens of thousands each at 100,000 wishes).
P_NOTIFICATION_READ = 0.3
PHASES = [(Phase.PILOT, 80.0), (Phase.LIMITED_SCALE_UP, 15.0), (Phase.STANDARD, 5.0)]
SUBMIT_DELAY = dt.timedelta(hours=20)
ALIVE = (S.SUBMITTED, S.IN_TRIAGE, S.ACCEPTED, S.OFFERED)
# States in which the office has set the responsible ministries (as the demo does).
WITH_MINISTRIES = frozenset(set(WishState) - {S.CONCEPT, S.SUBMITTED})

SUBJECTS = [
    "aangifte van overlijden", "geboorteaangifte", "melding voorgenomen huwelijk",
    "parkeervergunning", "bijstandsaanvraag", "verhuizing", "paspoortaanvraag",
    "omgevingsvergunning", "kwijtschelding", "jeugdhulp", "schuldhulp", "stemmen per brief",
    "digitale handtekening", "inkomensgegevens", "leerlingenvervoer", "huishoudelijke hulp",
    "evenementenvergunning", "naturalisatie", "hondenbelasting", "woningtoewijzing",
]  # fmt: skip
PROBLEMS = [
    "moet nu op papier",
    "vraagt een bezoek aan het gemeentehuis",
    "kan niet digitaal worden ondertekend",
    "vereist een kopie van een document dat de overheid al heeft",
    "mag niet uit de basisregistratie worden gehaald",
    "kost inwoners weken wachttijd",
    "vraagt een natte handtekening",
    "moet bij elke wijziging opnieuw worden aangevraagd",
]
WORDS = [
    "inwoners", "ondernemers", "professionals", "formulier", "loket", "termijn", "gegevens",
    "registratie", "digitaal", "handtekening", "aanvraag", "besluit", "bezwaar", "melding",
    "uitvoering", "dienstverlening", "verordening", "toets", "bewijsstuk", "controle",
]  # fmt: skip
FILES = [
    ("application/pdf", ".pdf", b"%PDF-1.4\n% bundler schaaldemo\n%%EOF\n", 6.0),
    ("image/png", ".png", b"\x89PNG\r\n\x1a\n bundler schaaldemo", 2.0),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx",
     b"PK\x03\x04 bundler schaaldemo", 2.0),
]  # fmt: skip


def pilot_count(wishes: int) -> int:
    """How many pilots raise this many wishes: 5 for a small demo, 150 at 100,000."""
    return max(5, min(150, round(math.sqrt(wishes) / 2)))


def _make_pilots(
    session: Session, rng: random.Random, number: int, today: dt.date, report: ScaleReport
) -> tuple[list[int], dict[int, int]]:
    """Create pilots, their municipalities, phase history and one member each.

    Return the pilot ids and, per pilot, the id of its member (who creates its wishes).
    """
    municipalities = list(
        session.scalars(
            select(Municipality.id).where(Municipality.active).order_by(Municipality.cbs_code)
        )
    )
    organisations = list(
        session.scalars(select(ExecutingOrganisation.id).order_by(ExecutingOrganisation.code))
    )
    phase = Picker(rng, PHASES)
    ids = next_ids(session, Pilot.__table__, User.__table__, PhaseChange.__table__)
    taken = set(session.scalars(select(Pilot.name)))
    pilots: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    users: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []
    member_of: dict[int, int] = {}
    password_hash = hash_password(PASSWORD)
    pattern = f"pilot-%@{EMAIL_DOMAIN}"
    first_member = 1 + (session.scalar(select(func.count()).where(User.email.like(pattern))) or 0)
    deck: list[int] = []
    for n in range(number):
        pilot_id, user_id = ids["pilot"] + n, ids["user_account"] + n
        subject = SUBJECTS[n % len(SUBJECTS)]
        name = f"{subject.capitalize()} {n // len(SUBJECTS) + 1}"
        while name in taken:
            name += "*"
        taken.add(name)
        kind = phase()
        started = today - dt.timedelta(days=rng.randrange(200, 1400))
        pilots.append(
            {
                "id": pilot_id,
                "name": name,
                "description": f"Pilot voor de {subject}: digitaal, zonder loket.",
                "phase": kind,
                "executing_organisation_id": rng.choice(organisations) if organisations else None,
            }
        )
        if kind is Phase.STANDARD:
            chosen = list(municipalities)
        else:
            size = rng.randint(30, 40) if kind is Phase.LIMITED_SCALE_UP else rng.randint(3, 6)
            chosen = []
            while len(chosen) < min(size, len(municipalities)):
                if not deck:  # deal from a shuffled deck: every municipality takes part
                    deck = rng.sample(municipalities, len(municipalities))
                candidate = deck.pop()
                if candidate not in chosen:
                    chosen.append(candidate)
        for k, municipality_id in enumerate(chosen):
            joined = started if k < 5 else started + dt.timedelta(days=rng.randrange(100, 200))
            links.append(
                {
                    "pilot_id": pilot_id,
                    "municipality_id": municipality_id,
                    "joined_on": joined,
                    "joined_in_phase": Phase.PILOT if k < 5 else kind,
                }
            )
        for step, reached in enumerate(list(Phase)[: list(Phase).index(kind) + 1]):
            changes.append(
                {
                    "id": ids["phase_change"] + len(changes),
                    "pilot_id": pilot_id,
                    "phase": reached,
                    "changed_on": started + dt.timedelta(days=150 * step),
                }
            )
        users.append(
            {
                "id": user_id,
                "email": f"pilot-{first_member + n:03d}@{EMAIL_DOMAIN}",
                "name": f"Pilotlid {first_member + n} ({name})",
                "password_hash": password_hash,
                "role": Role.PILOT,
            }
        )
        members.append({"pilot_id": pilot_id, "user_id": user_id})
        member_of[pilot_id] = user_id
    insert_rows(session, Pilot.__table__, pilots, report)
    insert_rows(session, PilotMunicipality.__table__, links, report)
    insert_rows(session, PhaseChange.__table__, changes, report)
    insert_rows(session, User.__table__, users, report)
    insert_rows(session, pilot_member, members, report)
    return [p["id"] for p in pilots], member_of


def _ministry_users(session: Session, report: ScaleReport) -> None:
    """One account per ministry that has none of ours yet (ministerie-bzk@schaal.example)."""
    first = next_ids(session, User.__table__)["user_account"]
    existing = set(session.scalars(select(User.email)))
    password_hash = hash_password(PASSWORD)
    rows: list[dict[str, Any]] = []
    for ministry_id, code in session.execute(
        select(Ministry.id, Ministry.code).order_by(Ministry.code)
    ):
        email = f"ministerie-{code.lower()}@{EMAIL_DOMAIN}"
        if email not in existing:
            rows.append(
                {
                    "id": first + len(rows),
                    "email": email,
                    "name": f"Ministerie {code}",
                    "password_hash": password_hash,
                    "role": Role.MINISTRY,
                    "ministry_id": ministry_id,
                }
            )
    insert_rows(session, User.__table__, rows, report)


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choices(WORDS, k=words)).capitalize() + "."


def _office_notifications(
    rng: random.Random, office: Sequence[int], wish: dict[str, Any]
) -> list[dict[str, Any]]:
    """What each office member was told of a wish's submission (as `notifications.derive`)."""
    submitted, reference = wish["submitted_at"], wish["reference"]
    data = {"reference": reference, "title": wish["title"], "state": S.SUBMITTED.value,
            "previous": S.CONCEPT.value}  # fmt: skip
    return [
        {
            "user_id": user_id,
            "kind": kinds.OFFICE_SUBMISSION,
            "subject": reference,
            "data": data,
            "link": f"/bureau/knelpunten/{reference}",
            "wish_id": wish["id"],
            "created_at": submitted,
            "read_at": submitted + dt.timedelta(days=1)
            if rng.random() < P_NOTIFICATION_READ else None,
            "mail_done": True,
        }
        for user_id in office
    ]  # fmt: skip


def _write_files(folder: Path, rows: list[dict[str, Any]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    contents = {ext: data for _, ext, data, _ in FILES}
    for row in rows:
        name = row["stored_name"]
        (folder / name).write_bytes(contents[name[name.index(".") :]])


def load_scale(
    session: Session,
    wishes: int,
    *,
    seed: int = 2026,
    today: dt.date | None = None,
    upload_folder: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> ScaleReport:
    """Generate `wishes` wishes with pilots, supporters, merges, answers and attachments.

    Needs the reference data (ministries, statutes, municipalities). Adds to what is there:
    references continue each year's numbering. Attachment files are written to
    `upload_folder` when given (rows only otherwise). Flushes, never commits.
    """
    rng = random.Random(seed)
    today = today or dt.date.today()
    report = ScaleReport()
    pilot_ids, member_of = _make_pilots(session, rng, pilot_count(wishes), today, report)
    _ministry_users(session, report)
    office = list(session.scalars(select(User.id).where(User.role == Role.OFFICE, User.active)))
    # A stream of its own: the wishes of a seed stay what they were before notifications.
    opened = random.Random(f"{seed}-notifications")
    statutes = list(session.execute(select(Statute.id, Statute.short_title, Statute.title)))
    statute_ministries: dict[int, list[int]] = {}
    for statute_id, ministry_id in session.execute(
        select(statute_ministry.c.statute_id, statute_ministry.c.ministry_id).order_by(
            statute_ministry.c.ministry_id
        )
    ):
        statute_ministries.setdefault(statute_id, []).append(ministry_id)
    pick_statute = zipf(rng, statutes, 0.8)
    pick_pilot = zipf(rng, pilot_ids, 0.9)
    pick_state, pick_urgency = Picker(rng, STATES), Picker(rng, URGENCIES)
    pick_answer, pick_file = Picker(rng, ANSWERS), Picker(rng, [(f, f[3]) for f in FILES])
    municipality_names = list(
        session.scalars(select(Municipality.name).order_by(Municipality.name))
    )

    tables = [t.__table__ for t in (Wish, WishSupport, Answer, Attachment, WishMerge)]
    ids = next_ids(session, *tables)
    sequences: dict[int, int] = {}
    for reference in session.scalars(select(Wish.reference)):
        parsed = parse_wish_reference(reference)
        if parsed:
            sequences[parsed[0]] = max(sequences.get(parsed[0], 0), parsed[1])
    end = dt.datetime.combine(today, dt.time(17, 0), tzinfo=dt.UTC)
    span = int(dt.timedelta(days=3 * 365).total_seconds())
    # Creation times first, in order: ids and references then grow with time, as in real use.
    created_times = sorted(end - dt.timedelta(seconds=rng.randrange(span)) for _ in range(wishes))
    supporters: dict[int, set[int]] = {}
    alive_by_statute: dict[int | None, list[int]] = {}
    next_support, next_answer, next_file, next_merge = (
        ids["wish_support"], ids["answer"], ids["attachment"], ids["wish_merge"]
    )  # fmt: skip
    for offset in range(0, wishes, CHUNK):
        rows: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        supports: list[dict[str, Any]] = []
        answers: list[dict[str, Any]] = []
        files: list[dict[str, Any]] = []
        merges: list[dict[str, Any]] = []
        relations: list[dict[str, Any]] = []
        notifications: list[dict[str, Any]] = []
        for i in range(offset, min(offset + CHUNK, wishes)):
            wish_id, created = ids["wish"] + i, created_times[i]
            sequences[created.year] = sequences.get(created.year, 0) + 1
            state, pilot_id = pick_state(), pick_pilot()
            statute = pick_statute() if rng.random() >= P_UNKNOWN_STATUTE else None
            subject, problem = rng.choice(SUBJECTS), rng.choice(PROBLEMS)
            place = rng.choice(municipality_names)
            article = str(rng.choice([rng.randint(1, 30), rng.randint(1, 160)])) if statute else ""
            if statute and rng.random() < 0.15:
                article += rng.choice("abcdefgh")
            law = (statute[1] or statute[2]) if statute else "een nog onbekende regeling"
            rare = f" De {RARE_WORD} moet erbij komen." if rng.random() < P_RARE else ""
            updated = min(end, created + dt.timedelta(days=rng.randrange(90)))
            rows.append(
                {
                    "id": wish_id,
                    "reference": wish_reference(created.year, sequences[created.year]),
                    "title": f"De {subject} {problem}"[:200],
                    "problem": (
                        f"In de {COMMON_WORD} {place} {problem} bij de {subject}; "
                        f"{law} schrijft dat voor. " + _sentence(rng, rng.randint(15, 45)) + rare
                    ),
                    "statute_id": statute[0] if statute else None,
                    "statute_unknown": statute is None,
                    "article": article,
                    "paragraph": str(rng.randint(1, 5)) if statute and rng.random() < 0.4 else "",
                    "proposed_change": f"Sta toe dat de {subject} digitaal kan. "
                    + _sentence(rng, rng.randint(8, 25)),
                    "benefit_who": rng.choice(["Inwoners", "Ondernemers", "Inwoners en gemeenten"]),
                    "benefit_cases_per_year": int(rng.lognormvariate(7, 1.5)),
                    "benefit_savings": _sentence(rng, 10),
                    "urgency": (urgency := pick_urgency()),
                    "urgency_reason": "Termijn loopt af." if urgency is Urgency.HIGH else "",
                    "state": state,
                    "state_reason": {
                        S.REJECTED: "Geen wetswijziging nodig: dit kan al.",
                        S.NEEDS_INFO: "Welk artikel bedoelt u precies?",
                        S.WITHDRAWN: "Opgelost binnen de gemeente.",
                    }.get(state, ""),
                    "pilot_id": pilot_id,
                    "created_by_id": member_of[pilot_id],
                    "merged_into_id": None,
                    "created_at": created,
                    "updated_at": updated,
                    "submitted_at": None if state is S.CONCEPT else created + SUBMIT_DELAY,
                    "version": 1,
                }
            )  # fmt: skip
            statute_id = statute[0] if statute else None
            if state is not S.CONCEPT:
                notifications += _office_notifications(opened, office, rows[-1])
            ministries = statute_ministries.get(statute_id, []) if statute_id else []
            if state in WITH_MINISTRIES:
                links += [{"wish_id": wish_id, "ministry_id": m} for m in ministries]
            backers = supporters.setdefault(wish_id, {pilot_id})
            if state is S.MERGED:
                candidates = alive_by_statute.get(statute_id) or alive_by_statute.get(None)
                if not candidates:
                    rows[-1]["state"] = state = S.IN_TRIAGE
                else:
                    target = rng.choice(candidates[-200:])
                    rows[-1]["merged_into_id"] = target
                    support_id = None
                    if pilot_id not in supporters[target]:
                        support_id, next_support = next_support, next_support + 1
                        supporters[target].add(pilot_id)
                        supports.append(
                            {
                                "id": support_id,
                                "wish_id": target,
                                "pilot_id": pilot_id,
                                "note": f"Samengevoegd: de {subject} {problem}.",
                                "merged_from_id": wish_id,
                                "created_by_id": None,
                                "created_at": updated,
                            }
                        )
                    merges.append(
                        {
                            "id": next_merge,
                            "source_id": wish_id,
                            "target_id": target,
                            "previous_state": rng.choice([S.SUBMITTED, S.IN_TRIAGE]),
                            "previous_state_reason": "",
                            "support_id": support_id,
                            "previous_note": None,
                            "moved_support_ids": [],
                            "merged_at": updated,
                        }
                    )
                    next_merge += 1
            elif state is not S.CONCEPT and rng.random() < P_SUPPORTED:
                for _ in range(min(len(pilot_ids) - 1, 1 + int(rng.expovariate(0.8)))):
                    other = pick_pilot()
                    if other in backers:
                        continue
                    backers.add(other)
                    supports.append(
                        {
                            "id": next_support,
                            "wish_id": wish_id,
                            "pilot_id": other,
                            "note": "Wij lopen hier ook tegenaan. " + _sentence(rng, 8),
                            "merged_from_id": None,
                            "created_by_id": member_of[other],
                            "created_at": created + dt.timedelta(days=rng.randrange(1, 60)),
                        }
                    )
                    next_support += 1
            if state in ALIVE:
                alive_by_statute.setdefault(statute_id, []).append(wish_id)
                if statute_id is not None:
                    alive_by_statute.setdefault(None, []).append(wish_id)
            if state is S.OFFERED:
                for ministry_id in ministries:
                    if rng.random() >= P_ANSWERED:
                        continue
                    status = pick_answer()
                    answered = updated + dt.timedelta(days=rng.randrange(5, 120))
                    history = [AnswerStatus.RECEIVED] if (
                        status is not AnswerStatus.RECEIVED and rng.random() < P_RECEIPT_FIRST
                    ) else []  # fmt: skip
                    reasons = _sentence(rng, 12)
                    for k, kind in enumerate([*history, status], start=1 - len(history)):
                        answers.append(
                            {
                                "id": next_answer,
                                "wish_id": wish_id,
                                "ministry_id": ministry_id,
                                "sequence": k + len(history),  # per wish and ministry
                                "status": kind,
                                "link": "",
                                "effective_date": (answered + dt.timedelta(days=180)).date()
                                if kind is AnswerStatus.REALISED else None,
                                "reasons": "" if kind is AnswerStatus.RECEIVED else reasons,
                                "answered_at": answered - dt.timedelta(days=10 * (1 - k)),
                            }
                        )  # fmt: skip
                        next_answer += 1
            if state is not S.CONCEPT and rng.random() < P_ATTACHMENT:
                for k in range(rng.choice([1, 1, 1, 2])):
                    content_type, ext, data, _ = pick_file()
                    files.append(
                        {
                            "id": next_file,
                            "wish_id": wish_id,
                            "original_name": f"toelichting-{k + 1}{ext}",
                            "stored_name": f"{rng.getrandbits(128):032x}{ext}",
                            "content_type": content_type,
                            "size": len(data),
                            "sha256": hashlib.sha256(data).hexdigest(),
                            "uploaded_by_id": member_of[pilot_id],
                            "uploaded_at": created,
                        }
                    )
                    next_file += 1
            if statute_id is not None and rng.random() < P_RELATION:
                earlier = [w for w in alive_by_statute.get(statute_id, [])[-50:] if w != wish_id]
                if earlier:
                    relations.append(
                        {
                            "wish_id": wish_id,
                            "related_id": rng.choice(earlier),
                            "kind": rng.choice(list(RelationKind)),
                        }
                    )
        # Parents before children: wishes, then the rows that point at them.
        for table, batch in [
            (Wish.__table__, rows), (wish_ministry, links), (WishSupport.__table__, supports),
            (WishMerge.__table__, merges), (Answer.__table__, answers),
            (Attachment.__table__, files), (WishRelation.__table__, relations),
            (Notification.__table__, notifications),
        ]:  # fmt: skip
            insert_rows(session, table, batch, report)
        if upload_folder is not None and files:
            _write_files(upload_folder, files)
        if progress is not None:
            progress(min(offset + CHUNK, wishes))
    reset_sequences(session, [*tables, Pilot.__table__, User.__table__, PhaseChange.__table__])
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE"))
    return report
