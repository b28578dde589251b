"""Demo data that tells the programme's story (DOMAIN.md), loaded once on first start."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bundler import accounts, numbering
from bundler.enums import AnswerStatus, Phase, RelationKind, Role, Urgency, WishState
from bundler.models import (
    Answer,
    ExecutingOrganisation,
    Ministry,
    Municipality,
    PhaseChange,
    Pilot,
    PilotMunicipality,
    Statute,
    User,
    Wish,
    WishRelation,
    WishSupport,
)
from bundler.packages import build


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: Role
    password: str
    pilots: tuple[str, ...] = ()
    ministry: str | None = None


PILOTS = [
    (
        "Digitale aangifte overlijden",
        "Uitvaartondernemers doen de aangifte van overlijden volledig digitaal, zonder "
        "papieren formulier en zonder bezoek aan het gemeentehuis.",
        "RvIG",
        ["GM0796", "GM0855", "GM0772", "GM0758", "GM0344"],
    ),
    (
        "Geboorteaangifte zonder loket",
        "Ouders doen de geboorteaangifte online of via het ziekenhuis.",
        "RvIG",
        ["GM0363", "GM0599", "GM0518", "GM0193", "GM0014"],
    ),
    (
        "Trouwen en partnerschap digitaal",
        "Melding voorgenomen huwelijk of partnerschap volledig online, met digitale "
        "controle van de stukken.",
        "RvIG",
        ["GM0153", "GM0202", "GM0268", "GM0307", "GM0402"],
    ),
    (
        "Parkeervergunning op kenteken",
        "Bewoners vragen een parkeervergunning aan zonder kentekenbewijs te uploaden; de "
        "gemeente controleert het kenteken bij de RDW.",
        "RDW",
        ["GM0034", "GM0984", "GM0080", "GM0200", "GM0222"],
    ),
    (
        "Bijstand in één keer goed",
        "Inwoners vragen bijstand aan met gegevens die de overheid al heeft.",
        "UWV",
        ["GM0479", "GM0503", "GM0546", "GM0637", "GM0361"],
    ),
]

ACCOUNTS = [
    DemoAccount(
        "pilot@bundler.example",
        "Pieter de Vries (pilot overlijden)",
        Role.PILOT,
        "pilot-demo-2026",
        pilots=("Digitale aangifte overlijden",),
    ),
    DemoAccount(
        "pilot2@bundler.example",
        "Fatima El Amrani (pilot geboorte)",
        Role.PILOT,
        "pilot2-demo-2026",
        pilots=("Geboorteaangifte zonder loket",),
    ),
    DemoAccount("office@bundler.example", "Olga Jansen", Role.OFFICE, "office-demo-2026"),
    DemoAccount(
        "ministerie@bundler.example",
        "Marco Visser (JenV)",
        Role.MINISTRY,
        "ministerie-demo-2026",
        ministry="JenV",
    ),
    DemoAccount("admin@bundler.example", "Anke Bakker", Role.ADMIN, "admin-demo-2026"),
]


@dataclass(frozen=True)
class DemoWish:
    key: str
    pilot: str
    title: str
    problem: str
    statute: str | None
    article: str
    paragraph: str
    proposed_change: str
    benefit_who: str
    cases: int | None
    savings: str
    urgency: Urgency
    urgency_reason: str
    state: WishState
    days_ago: int
    supporters: tuple[tuple[str, str], ...] = ()
    depends_on: str | None = None
    state_reason: str = ""


WISHES = [
    DemoWish(
        "overlijden",
        "Digitale aangifte overlijden",
        "Uitvaartondernemer kan overlijden niet digitaal aangeven",
        "De uitvaartondernemer moet voor elke aangifte van overlijden naar het gemeentehuis "
        "met een papieren verklaring. Nabestaanden wachten daardoor langer op de "
        "akte van overlijden en het verlof tot begraven of cremeren.",
        "BWBR0002656",
        "19h",
        "2",
        "Sta toe dat de aangifte van overlijden langs elektronische weg wordt gedaan door de "
        "uitvaartondernemer, met authenticatie op betrouwbaarheidsniveau substantieel.",
        "Uitvaartondernemers, nabestaanden en burgerzaken",
        150000,
        "Een loketbezoek per overlijden; ongeveer 20 minuten per aangifte bij de gemeente.",
        Urgency.HIGH,
        "Alle vijf pilotgemeenten staan klaar; zonder wetswijziging geen opschaling.",
        WishState.OFFERED,
        240,
        supporters=(
            (
                "Geboorteaangifte zonder loket",
                "Dezelfde eis van persoonlijke verschijning blokkeert de digitale "
                "geboorteaangifte.",
            ),
            (
                "Trouwen en partnerschap digitaal",
                "Ook bij de melding voorgenomen huwelijk lopen wij op de fysieke aangifte vast.",
            ),
        ),
    ),
    DemoWish(
        "geboorte",
        "Geboorteaangifte zonder loket",
        "Geboorteaangifte alleen persoonlijk aan het loket",
        "Ouders moeten binnen drie dagen na de geboorte persoonlijk aangifte doen. Voor een "
        "moeder die net is bevallen of een ouder met een kind in het ziekenhuis is dat zwaar.",
        "BWBR0002656",
        "19e",
        "",
        "Maak digitale aangifte van geboorte mogelijk, ook door het ziekenhuis of de "
        "verloskundige namens de ouders.",
        "Ouders en burgerzaken",
        165000,
        "Een loketbezoek per geboorte.",
        Urgency.NORMAL,
        "Volgt de wetswijziging voor overlijden.",
        WishState.ACCEPTED,
        120,
        depends_on="overlijden",
    ),
    DemoWish(
        "huwelijk",
        "Trouwen en partnerschap digitaal",
        "Melding voorgenomen huwelijk vraagt nog papieren stukken",
        "Aanstaande echtgenoten moeten stukken op papier aanleveren en vaak langskomen, "
        "ook als de gemeente alles al in de BRP kan zien.",
        "BWBR0002656",
        "44",
        "1",
        "Laat de melding volledig digitaal plaatsvinden en laat de ambtenaar de gegevens "
        "uit de BRP gebruiken in plaats van papieren stukken.",
        "Aanstaande echtgenoten en partners, burgerzaken",
        60000,
        "Een of twee loketbezoeken per huwelijk.",
        Urgency.NORMAL,
        "Volgt de wetswijziging voor overlijden.",
        WishState.SUBMITTED,
        60,
        depends_on="overlijden",
    ),
    DemoWish(
        "kenteken",
        "Parkeervergunning op kenteken",
        "Gemeente mag kentekenhouder niet automatisch controleren",
        "Voor een parkeervergunning moeten bewoners hun kentekenbewijs uploaden omdat de "
        "gemeente de tenaamstelling niet rechtstreeks bij de RDW mag opvragen.",
        "BWBR0006622",
        "42",
        "",
        "Geef gemeenten toegang tot de tenaamstelling in het kentekenregister voor het "
        "verlenen van parkeervergunningen.",
        "Bewoners en parkeerbeheer",
        400000,
        "Een upload en een handmatige controle per aanvraag.",
        Urgency.NORMAL,
        "Gemeenten willen dit bij de volgende vergunningsperiode.",
        WishState.ACCEPTED,
        90,
        supporters=(
            ("Bijstand in één keer goed", "Wij zien hetzelfde bij de vervoersvoorziening."),
        ),
    ),
    DemoWish(
        "bijstand",
        "Bijstand in één keer goed",
        "Inkomensgegevens moeten opnieuw worden aangeleverd",
        "Aanvragers van bijstand leveren loonstroken en bankafschriften aan die de overheid "
        "al kent, omdat de grondslag voor hergebruik ontbreekt.",
        "BWBR0015703",
        "64",
        "1",
        "Regel dat de gemeente inkomensgegevens uit de polisadministratie mag gebruiken "
        "zonder dat de aanvrager ze aanlevert.",
        "Aanvragers van bijstand en consulenten",
        90000,
        "Gemiddeld twee weken doorlooptijd.",
        Urgency.HIGH,
        "Mensen zonder inkomen wachten op hun eerste uitkering.",
        WishState.ACCEPTED,
        75,
    ),
    DemoWish(
        "jeugd",
        "Bijstand in één keer goed",
        "Jeugdhulp en bijstand kunnen gegevens niet delen",
        "Gezinnen die zowel jeugdhulp als bijstand krijgen vertellen hun verhaal twee keer.",
        "BWBR0034925",
        "7.4.0",
        "",
        "Maak gegevensdeling binnen de gemeente mogelijk met toestemming van het gezin.",
        "Gezinnen en wijkteams",
        20000,
        "Dubbele intakes.",
        Urgency.LOW,
        "Geen termijn.",
        # Shared by VWS and JenV: accepted, so it is in both ministries' packages, marked shared.
        WishState.ACCEPTED,
        240,
    ),
    DemoWish(
        "brp",
        "Geboorteaangifte zonder loket",
        "Adresonderzoek vraagt een huisbezoek",
        "Bij twijfel over een adres schrijft de wet een onderzoek voor dat in de praktijk "
        "altijd een huisbezoek wordt, ook als digitale gegevens volstaan.",
        "BWBR0033715",
        "2.22",
        "",
        "Maak duidelijk dat het adresonderzoek ook digitaal mag worden afgerond.",
        "Burgerzaken",
        30000,
        "Een huisbezoek per onderzoek.",
        Urgency.NORMAL,
        "",
        WishState.ACCEPTED,
        100,
    ),
    DemoWish(
        "verlof",
        "Digitale aangifte overlijden",
        "Verlof tot begraven alleen op papier",
        "Na de digitale aangifte moet het verlof tot begraven of cremeren nog op papier.",
        "BWBR0005009",
        "16",
        "",
        "Sta een digitaal verlof toe dat de uitvaartondernemer direct ontvangt.",
        "Uitvaartondernemers en burgerzaken",
        150000,
        "Een rit naar het gemeentehuis.",
        Urgency.NORMAL,
        "",
        WishState.CONCEPT,
        5,
    ),
    DemoWish(
        "onbekend",
        "Trouwen en partnerschap digitaal",
        "Trouwambtenaar moet fysiek aanwezig zijn",
        "Wij weten niet welke wet dit regelt, maar een huwelijk op afstand lukt niet.",
        None,
        "",
        "",
        "Onderzoek of een huwelijk met beeldverbinding mogelijk kan worden.",
        "Aanstaande echtgenoten in het buitenland",
        500,
        "Reiskosten.",
        Urgency.LOW,
        "",
        WishState.SUBMITTED,
        20,
    ),
    DemoWish(
        "afgewezen",
        "Parkeervergunning op kenteken",
        "Parkeerboete digitaal betalen",
        "Inwoners willen een parkeerboete digitaal betalen.",
        "BWBR0002320",
        "1",
        "",
        "Maak digitaal betalen mogelijk.",
        "Inwoners",
        1000,
        "Niets.",
        Urgency.LOW,
        "",
        WishState.REJECTED,
        150,
        state_reason="Dit kan al: gemeenten bieden digitaal betalen aan. Geen wetswijziging nodig.",
    ),
]


def is_loaded(session: Session) -> bool:
    """Tell whether demo data is present already."""
    return bool(session.scalar(select(func.count()).select_from(Pilot)))


def load(session: Session, *, today: dt.date | None = None) -> list[DemoAccount]:
    """Create the demo pilots, accounts, wishes and answers; return the accounts made."""
    today = today or dt.date.today()
    now = dt.datetime.combine(today, dt.time(10, 0), tzinfo=dt.UTC)
    ministries = {m.code: m for m in session.scalars(select(Ministry))}
    statutes = {s.bwb_id: s for s in session.scalars(select(Statute))}
    municipalities = {m.cbs_code: m for m in session.scalars(select(Municipality))}
    organisations = {o.code: o for o in session.scalars(select(ExecutingOrganisation))}

    pilots: dict[str, Pilot] = {}
    for name, description, organisation, codes in PILOTS:
        started = today - dt.timedelta(days=400)
        pilot = Pilot(
            name=name,
            description=description,
            phase=Phase.PILOT,
            executing_organisation=organisations[organisation],
            participations=[
                PilotMunicipality(municipality=municipalities[code], joined_on=started)
                for code in codes
            ],
            phase_changes=[PhaseChange(phase=Phase.PILOT, changed_on=started)],
        )
        session.add(pilot)
        pilots[name] = pilot
    session.flush()

    users = {}
    for account in ACCOUNTS:
        users[account.email] = accounts.create_user(
            session,
            email=account.email,
            name=account.name,
            role=account.role,
            password=account.password,
            ministry=ministries[account.ministry] if account.ministry else None,
            pilots=[pilots[name] for name in account.pilots],
        )

    office = users["office@bundler.example"]
    wishes: dict[str, Wish] = {}
    for sequence, spec in enumerate(WISHES, start=1):
        created = now - dt.timedelta(days=spec.days_ago)
        statute = statutes[spec.statute] if spec.statute else None
        wish = Wish(
            reference=numbering.wish_reference(created.year, sequence),
            title=spec.title,
            problem=spec.problem,
            statute=statute,
            statute_unknown=statute is None,
            article=spec.article,
            paragraph=spec.paragraph,
            proposed_change=spec.proposed_change,
            benefit_who=spec.benefit_who,
            benefit_cases_per_year=spec.cases,
            benefit_savings=spec.savings,
            urgency=spec.urgency,
            urgency_reason=spec.urgency_reason,
            state=spec.state,
            state_reason=spec.state_reason,
            pilot=pilots[spec.pilot],
            created_at=created,
            updated_at=created,
            submitted_at=None if spec.state is WishState.CONCEPT else created,
        )
        if statute is not None and spec.state not in (WishState.CONCEPT, WishState.SUBMITTED):
            wish.ministries = list(statute.ministries)
        for supporter, note in spec.supporters:
            wish.supports.append(
                WishSupport(pilot=pilots[supporter], note=note, created_at=created)
            )
        session.add(wish)
        wishes[spec.key] = wish
    session.flush()
    for spec in WISHES:
        if spec.depends_on:
            session.add(
                WishRelation(
                    wish=wishes[spec.key],
                    related=wishes[spec.depends_on],
                    kind=RelationKind.DEPENDS_ON,
                )
            )

    death = wishes["overlijden"]
    minister = users["ministerie@bundler.example"]
    # JenV's published package with the death-registration wish, made before the answers came.
    # VWS's package holds the shared Jeugdwet wish too.
    for code in ("JenV", "VWS"):
        build.build_demo_package(
            session, ministries[code], actor=office, at=now - dt.timedelta(days=210)
        )
    session.add_all(
        [
            Answer(
                wish=death,
                ministry=ministries["JenV"],
                status=AnswerStatus.RECEIVED,
                answered_by=minister,
                answered_at=now - dt.timedelta(days=200),
                sequence=1,
            ),
            Answer(
                wish=death,
                ministry=ministries["JenV"],
                status=AnswerStatus.REALISED,
                effective_date=dt.date(today.year if today.month >= 7 else today.year - 1, 7, 1),
                reasons="De wet is gewijzigd: per 1 juli kan de uitvaartondernemer de aangifte "
                "van overlijden volledig digitaal doen. Geboorte en huwelijk volgen.",
                answered_by=minister,
                answered_at=now - dt.timedelta(days=160),
                sequence=2,
            ),
        ]
    )
    del office
    session.flush()
    return list(ACCOUNTS)


def demo_users(session: Session) -> list[User]:
    """Return the demo accounts that exist, for printing on start."""
    emails = [a.email for a in ACCOUNTS]
    return list(session.scalars(select(User).where(User.email.in_(emails))))
