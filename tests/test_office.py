"""The programme office's pages: inbox, bulk actions, triage, stale edits, overview, audit log."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import event, select

from bundler.enums import Role, Urgency, WishState
from bundler.models import AuditEvent, Ministry, Wish, WishSupport
from tests.conftest import csrf_token, post_form

S = WishState


@pytest.fixture
def office(make_user, login):
    user = make_user(Role.OFFICE)
    login(user)
    return user


def refs(html: str) -> list[str]:
    """The wish references in the inbox table, in order."""
    return re.findall(r'<th scope="row"[^>]*><a [^>]*>(KN-\d{4}-\d{4})</a>', html)


def get(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return response.get_data(as_text=True)


def fresh(db, wish):
    db.expire_all()
    return db.get(Wish, wish.id)


# -- permissions ------------------------------------------------------------------------------


def office_routes(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("office.")]


def fill(rule, reference):
    values = {"reference": reference, "fmt": "csv", "support_id": 1}
    return rule.build({k: values[k] for k in rule.arguments})[1]


@pytest.mark.parametrize("role", [Role.PILOT, Role.MINISTRY, Role.ADMIN])
def test_every_office_route_is_refused_to_other_roles(
    app, client, login, make_user, make_pilot, make_wish, role
):
    pilot = make_pilot()
    wish = make_wish(pilot)
    login(make_user(role, pilots=[pilot] if role is Role.PILOT else None))
    token = csrf_token(client, "/")
    routes = office_routes(app)
    assert len(routes) >= 11
    for rule in routes:
        path = fill(rule, wish.reference)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, data={"csrf_token": token})
            assert response.status_code == 403, (method, path, response.status_code)


def test_anonymous_visitors_are_sent_to_the_login_page(app, client, make_pilot, make_wish):
    wish = make_wish(make_pilot())
    for rule in office_routes(app):
        if "GET" in rule.methods:
            response = client.get(fill(rule, wish.reference))
            assert response.status_code == 302
            assert "/aanmelden" in response.headers["Location"]


def test_concept_and_unknown_wishes_are_not_found(client, office, make_pilot, make_wish):
    concept = make_wish(make_pilot(), state=S.CONCEPT)
    get(client, f"/bureau/knelpunten/{concept.reference}", 404)
    get(client, "/bureau/knelpunten/KN-2099-0001", 404)
    get(client, f"/bureau/knelpunten/{concept.reference}/logboek", 404)


def test_office_navigation(client, office):
    html = get(client, "/bureau/knelpunten")
    for text, path in [("Inbox", "/bureau/knelpunten"), ("Overzicht", "/bureau/overzicht")]:
        assert f'href="{path}"' in html and text in html
    assert 'href="/bureau/logboek"' in html
    assert 'href="/bureau/knelpunten" aria-current="page"' in html


# -- inbox ------------------------------------------------------------------------------------


def test_inbox_lists_every_wish_but_concepts_with_counts(client, office, make_pilot, make_wish):
    pilot = make_pilot()
    concept = make_wish(pilot, state=S.CONCEPT)
    shown = [make_wish(pilot, state=s) for s in (S.SUBMITTED, S.SUBMITTED, S.ACCEPTED)]
    html = get(client, "/bureau/knelpunten")
    assert sorted(refs(html)) == sorted(w.reference for w in shown)
    assert concept.reference not in html
    assert "Alle (3)" in html
    assert "Ingediend (2)" in html
    assert "Geaccepteerd (1)" in html


def test_inbox_filters(client, office, db, make_pilot, make_wish):
    p1 = make_pilot("Overlijden", municipalities=["GM0796", "GM0855"])
    p2 = make_pilot("Parkeren", municipalities=["GM0363"])
    now = dt.datetime(2026, 3, 15, 12, tzinfo=dt.UTC)
    a = make_wish(p1, state=S.ACCEPTED, statute="BWBR0002656", article="19h", submitted_at=now)
    b = make_wish(p2, statute="BWBR0034925", article="2", urgency=Urgency.HIGH)
    c = make_wish(p2, statute=None, article="", submitted_at=now - dt.timedelta(days=60))
    db.add(WishSupport(wish_id=b.id, pilot_id=p1.id, note="ook"))
    db.commit()

    def listed(query):
        return sorted(refs(get(client, "/bureau/knelpunten?" + query)))

    assert listed("status=geaccepteerd") == [a.reference]
    assert listed("status=geaccepteerd&status=ingediend") == sorted(
        [a.reference, b.reference, c.reference]
    )
    assert listed("ministerie=JenV") == sorted([a.reference, b.reference])  # Jeugdwet is shared
    assert listed("ministerie=VWS") == [b.reference]
    assert listed("ministerie=-") == [c.reference]
    assert listed("wet=BWBR0002656&artikel=19h") == [a.reference]
    assert listed("wet=-") == [c.reference]
    assert listed("artikel=-") == [c.reference]
    assert listed(f"pilot={p1.id}") == sorted([a.reference, b.reference])  # raised or supports
    assert listed("gemeente=GM0363") == sorted([b.reference, c.reference])
    assert listed("gemeente=GM0796") == sorted([a.reference, b.reference])
    assert listed("urgentie=hoog") == [b.reference]
    assert listed("van=2026-03-01&tot=2026-03-31") == [a.reference]
    assert listed("tot=2026-02-01") == [c.reference]


def test_inbox_full_text_search_and_reference(client, office, make_pilot, make_wish):
    pilot = make_pilot()
    death = make_wish(pilot, title="Aangifte van overlijden digitaal")
    birth = make_wish(pilot, title="Geboorteaangifte online", proposed_change="Ouders")
    assert refs(get(client, "/bureau/knelpunten?zoek=overlijden")) == [death.reference]
    assert refs(get(client, "/bureau/knelpunten?zoek=ouders")) == [birth.reference]
    assert refs(get(client, f"/bureau/knelpunten?zoek={birth.reference.lower()}")) == [
        birth.reference
    ]
    assert refs(get(client, "/bureau/knelpunten?zoek=%22%29%20OR%20*")) == []


def test_inbox_sorts_and_pages(client, office, make_pilot, make_wish):
    pilot = make_pilot()
    wishes = [make_wish(pilot, title=f"Titel {chr(90 - i)}") for i in range(30)]
    page1 = get(client, "/bureau/knelpunten?sorteer=kenmerk&richting=op")
    assert refs(page1) == [w.reference for w in wishes[:25]]
    assert "Knelpunt 1 tot en met 25 van 30." in page1
    assert 'aria-label="Paginering van de inbox"' in page1
    page2 = get(client, "/bureau/knelpunten?sorteer=kenmerk&richting=op&pagina=2")
    assert refs(page2) == [w.reference for w in wishes[25:]]
    beyond = get(client, "/bureau/knelpunten?sorteer=kenmerk&richting=op&pagina=99")
    assert refs(beyond) == refs(page2)
    by_title = refs(get(client, "/bureau/knelpunten?sorteer=titel&richting=op&per=50"))
    assert by_title == [w.reference for w in reversed(wishes)]
    assert 'aria-sort="ascending"' in get(client, "/bureau/knelpunten?sorteer=titel&richting=op")


def test_inbox_filter_errors_are_shown(client, office):
    html = get(client, "/bureau/knelpunten?van=2026-13-45&tot=2026-01-01", 400)
    assert 'id="fouten"' in html
    assert 'aria-invalid="true"' in html
    assert 'value="2026-13-45"' in html


# -- bulk actions -----------------------------------------------------------------------------


def bulk(client, wishes, query="", **data):
    return post_form(
        client,
        "/bureau/bulkactie" + query,
        {"knelpunt": [str(w.id) for w in wishes], **data},
        page="/bureau/knelpunten",
    )


def test_bulk_accept_is_audited_per_wish_and_skips_what_does_not_fit(
    client, office, db, make_pilot, make_wish
):
    pilot = make_pilot()
    ok = [make_wish(pilot), make_wish(pilot, state=S.IN_TRIAGE)]
    unknown_law = make_wish(pilot, statute=None)
    rejected = make_wish(pilot, state=S.REJECTED)
    for w in ok:
        db.get(Wish, w.id).ministries = []  # the statute's ministries become responsible
    db.commit()
    response = bulk(client, [*ok, unknown_law, rejected], "?status=ingediend", actie="accepteren")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/bureau/knelpunten?status=ingediend")
    for w in ok:
        assert fresh(db, w).state is S.ACCEPTED
        assert [m.code for m in fresh(db, w).ministries] == ["BZK"]
    assert fresh(db, unknown_law).state is S.SUBMITTED
    assert fresh(db, rejected).state is S.REJECTED
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "wish.state")).all()
    assert sorted(e.object_id for e in events) == sorted(str(w.id) for w in ok)
    assert all(e.actor_id == office.id and e.summary == "bulk" for e in events)
    html = get(client, "/bureau/knelpunten")
    assert "2 knelpunten bijgewerkt." in html
    assert f"{unknown_law.reference} overgeslagen" in html
    assert f"{rejected.reference} overgeslagen" in html


def test_bulk_request_for_information_needs_a_reason_and_keeps_the_selection(
    client, office, db, make_pilot, make_wish
):
    pilot = make_pilot()
    wishes = [make_wish(pilot), make_wish(pilot)]
    response = bulk(client, wishes, actie="aanvulling", reden="  ")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Geef op welke aanvulling nodig is." in html
    assert all(f'value="{w.id}" id="knelpunt-{w.id}" checked' in html for w in wishes)
    response = bulk(client, wishes, actie="aanvulling", reden="Welk artikel precies?")
    assert response.status_code == 302
    for w in wishes:
        wish = fresh(db, w)
        assert (wish.state, wish.state_reason) == (S.NEEDS_INFO, "Welk artikel precies?")
    assert len(db.scalars(select(AuditEvent).where(AuditEvent.action == "wish.state")).all()) == 2


def test_bulk_assign_ministry(client, office, db, make_pilot, make_wish):
    pilot = make_pilot()
    wishes = [make_wish(pilot, statute=None), make_wish(pilot)]
    assert bulk(client, wishes, actie="ministerie").status_code == 400
    assert bulk(client, wishes, actie="ministerie", ministerie="JenV").status_code == 302
    for w in wishes:
        assert [m.code for m in fresh(db, w).ministries] == ["JenV"]
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "wish.ministries")).all()
    assert sorted(e.object_id for e in events) == sorted(str(w.id) for w in wishes)


def test_bulk_without_selection_or_action_is_refused(client, office, make_pilot, make_wish):
    wish = make_wish(make_pilot())
    assert bulk(client, [], actie="accepteren").status_code == 400
    assert bulk(client, [wish], actie="").status_code == 400


# -- triage -----------------------------------------------------------------------------------


def triage_post(client, wish, part, data):
    path = f"/bureau/knelpunten/{wish.reference}"
    return post_form(client, f"{path}/{part}", data, page=path)


def test_legal_basis_defaults_to_the_statutes_ministries_and_marks_shared(
    client, office, db, make_pilot, make_wish
):
    wish = make_wish(make_pilot(), statute=None)
    response = triage_post(
        client, wish, "grondslag", {"version": 1, "statute": "BWBR0034925", "article": "2.1"}
    )
    assert response.status_code == 302
    saved = fresh(db, wish)
    assert saved.statute.bwb_id == "BWBR0034925"
    assert [m.code for m in saved.ministries] == ["JenV", "VWS"]
    assert saved.is_shared and not saved.statute_unknown
    html = get(client, f"/bureau/knelpunten/{wish.reference}")
    assert "gedeeld" in html
    event_ = db.scalar(select(AuditEvent).where(AuditEvent.action == "wish.triage"))
    assert event_.before["statute"] is None
    assert event_.after["ministries"] == ["JenV", "VWS"]


def test_legal_basis_with_chosen_ministry(client, office, db, make_pilot, make_wish):
    wish = make_wish(make_pilot())
    triage_post(
        client,
        wish,
        "grondslag",
        {"version": 1, "statute": "BWBR0005416", "article": "1", "ministries": ["FIN"]},
    )
    assert [m.code for m in fresh(db, wish).ministries] == ["FIN"]


def test_legal_basis_errors_keep_the_input(client, office, db, make_pilot, make_wish):
    wish = make_wish(make_pilot())
    response = triage_post(
        client, wish, "grondslag", {"version": 1, "statute": "BWBR0005416", "article": "art. 1!"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="art. 1!"' in html
    assert "Schrijf het artikel" in html
    assert fresh(db, wish).article == "1"


def test_state_change_needs_a_reason_where_the_workflow_asks(
    client, office, db, make_pilot, make_wish
):
    wish = make_wish(make_pilot())
    response = triage_post(client, wish, "status", {"version": 1, "state": "afgewezen"})
    assert response.status_code == 400
    assert "Geef een reden op." in response.get_data(as_text=True)
    response = triage_post(
        client, wish, "status", {"version": 1, "state": "afgewezen", "reason": "Geen wet nodig"}
    )
    assert response.status_code == 302
    saved = fresh(db, wish)
    assert (saved.state, saved.state_reason) == (S.REJECTED, "Geen wet nodig")
    ev = db.scalar(select(AuditEvent).where(AuditEvent.action == "wish.state"))
    assert ev.before == {"state": "ingediend", "state_reason": ""}
    assert ev.after == {"state": "afgewezen", "state_reason": "Geen wet nodig"}


def test_state_change_outside_the_workflow_is_refused(client, office, db, make_pilot, make_wish):
    wish = make_wish(make_pilot(), state=S.REJECTED)
    response = triage_post(client, wish, "status", {"version": 1, "state": "geaccepteerd"})
    assert response.status_code == 400
    assert fresh(db, wish).state is S.REJECTED


def test_accepting_without_a_statute_asks_for_a_ministry(client, office, db, make_pilot, make_wish):
    wish = make_wish(make_pilot(), statute=None)
    response = triage_post(client, wish, "status", {"version": 1, "state": "geaccepteerd"})
    assert response.status_code == 400
    assert "Kies eerst een verantwoordelijk ministerie" in response.get_data(as_text=True)


def test_text_edit_is_saved_and_audited(client, office, db, make_pilot, make_wish):
    wish = make_wish(make_pilot(), title="Oud")
    data = {"version": 1, "title": "Nieuw", "problem": "Nieuw probleem", "urgency": "hoog"}
    assert triage_post(client, wish, "tekst", data).status_code == 302
    saved = fresh(db, wish)
    assert (saved.title, saved.problem, saved.urgency) == ("Nieuw", "Nieuw probleem", Urgency.HIGH)
    ev = db.scalar(select(AuditEvent).where(AuditEvent.action == "wish.text"))
    assert ev.before["title"] == "Oud" and ev.after["title"] == "Nieuw"
    assert ev.after["urgency"] == "hoog"


def test_stale_text_edit_answers_409_and_keeps_the_officers_text(
    client, office, db, make_pilot, make_wish
):
    wish = make_wish(make_pilot(), title="Origineel")
    # Someone else saves first: the version moves on to 2.
    theirs = {"version": 1, "title": "Hun titel", "problem": "Hun probleem", "urgency": "normaal"}
    assert triage_post(client, wish, "tekst", theirs).status_code == 302
    mine = {
        "version": 1,
        "title": "Mijn titel",
        "problem": "Mijn zorgvuldig getypte tekst",
        "urgency": "hoog",
    }
    response = triage_post(client, wish, "tekst", mine)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Hun titel" in html and "Hun probleem" in html  # their version
    assert 'value="Mijn titel"' in html  # my text, still in the form
    assert re.search(r">\s*Mijn zorgvuldig getypte tekst</textarea>", html)
    assert 'id="text-version" name="version" type="hidden" value="2"' in html
    assert fresh(db, wish).title == "Hun titel"
    # Saving again from the conflict page (now on version 2) goes through.
    assert triage_post(client, wish, "tekst", {**mine, "version": 2}).status_code == 302
    assert fresh(db, wish).title == "Mijn titel"


def test_stale_legal_basis_and_state_answer_409(client, office, db, make_pilot, make_wish):
    wish = make_wish(make_pilot())
    data = {"version": 1, "statute": "BWBR0005416", "article": "2", "ministries": ["BZK"]}
    assert triage_post(client, wish, "grondslag", data).status_code == 302
    stale = triage_post(client, wish, "grondslag", {**data, "article": "3"})
    assert stale.status_code == 409
    assert 'value="3"' in stale.get_data(as_text=True)
    assert fresh(db, wish).article == "2"
    state = triage_post(client, wish, "status", {"version": 1, "state": "afgewezen", "reason": "x"})
    assert state.status_code == 409
    assert fresh(db, wish).state is S.SUBMITTED


def test_ministry_change_alone_moves_the_version_on(client, office, db, make_pilot, make_wish):
    wish = make_wish(make_pilot())
    data = {"version": 1, "statute": "BWBR0005416", "article": "1", "ministries": ["FIN"]}
    assert triage_post(client, wish, "grondslag", data).status_code == 302
    assert fresh(db, wish).version == 2


def test_missing_version_is_a_bad_request(client, office, make_pilot, make_wish):
    wish = make_wish(make_pilot())
    assert triage_post(client, wish, "tekst", {"title": "x", "urgency": "laag"}).status_code == 400


# -- overview ---------------------------------------------------------------------------------


def test_overview_tree_with_counts_and_shared_wishes(client, office, db, make_pilot, make_wish):
    p1, p2 = make_pilot("Jeugd"), make_pilot("Zorg")
    shared = make_wish(p1, state=S.ACCEPTED, statute="BWBR0034925", article="2.1")
    make_wish(p2, state=S.ACCEPTED, statute="BWBR0002656", article="19h")
    make_wish(p2, state=S.SUBMITTED, statute="BWBR0002656", article="19h")  # not accepted
    loose = make_wish(p2, state=S.ACCEPTED, statute=None)
    db.get(Wish, loose.id).ministries = []
    db.commit()
    html = get(client, "/bureau/overzicht")
    assert html.count(f">{shared.reference}<") == 2  # under JenV and under VWS
    assert 'id="ministerie-JenV"' in html and 'id="ministerie-VWS"' in html
    assert "Justitie en Veiligheid (JenV)" in html
    assert "Jeugdwet (BWBR0034925)" in html and "Artikel 19h" in html
    assert "gedeeld met VWS" in html and "gedeeld met JenV" in html
    assert "2 knelpunten · 2 pilots · 10 gemeenten" in html  # JenV: Jeugdwet + BW Boek 1
    assert "1 geaccepteerd knelpunt heeft nog geen ministerie" in html
    assert 'href="/bureau/knelpunten?status=geaccepteerd&amp;ministerie=-"' in html


def test_overview_links_to_packages_only_when_that_page_exists(
    client, office, make_pilot, make_wish
):
    make_wish(make_pilot(), state=S.ACCEPTED)
    html = get(client, "/bureau/overzicht")
    exists = "packages.ministry_packages" in client.application.view_functions
    assert ("Pakketten van BZK" in html) == exists


def test_overview_limits_wishes_per_article_and_links_to_the_inbox(
    client, office, make_pilot, make_wish
):
    pilot = make_pilot()
    wishes = [make_wish(pilot, state=S.ACCEPTED, article="7") for _ in range(7)]
    html = get(client, "/bureau/overzicht")
    assert sum(w.reference in html for w in wishes) == 5
    assert "Alle 7 knelpunten bij dit artikel in de inbox" in html
    link = re.search(r'href="(/bureau/knelpunten\?[^"]*artikel=7[^"]*)"', html).group(1)
    assert len(refs(get(client, link.replace("&amp;", "&")))) == 7


# -- audit log --------------------------------------------------------------------------------


STATE_EVENT = '<td class="utrecht-table__cell">wish.state'


def test_audit_log_overall_filtered_and_per_wish(client, office, db, make_pilot, make_wish):
    pilot = make_pilot()
    a, b = make_wish(pilot), make_wish(pilot)
    for wish in (a, b):
        triage_post(client, wish, "status", {"version": 1, "state": "in_behandeling"})
    html = get(client, "/bureau/logboek")
    assert html.count(STATE_EVENT) == 2
    assert office.email in html
    assert "ingediend" in html and "in_behandeling" in html
    only_a = get(client, f"/bureau/logboek?object={a.reference}")
    assert a.reference in only_a and f">{b.reference}<" not in only_a
    assert "auth.login" in get(client, "/bureau/logboek?action=auth.login")
    assert STATE_EVENT not in get(client, "/bureau/logboek?action=auth.login")
    assert STATE_EVENT not in get(client, "/bureau/logboek?actor=iemand-anders")
    assert STATE_EVENT not in get(client, "/bureau/logboek?tot=2000-01-01")
    get(client, "/bureau/logboek?van=gisteren", 400)
    per_wish = get(client, f"/bureau/knelpunten/{a.reference}/logboek")
    assert per_wish.count(STATE_EVENT) == 1
    assert f"Logboek van {a.reference}" in per_wish


def test_exports_are_logged(client, office, db, make_pilot, make_wish):
    make_wish(make_pilot())
    client.get("/bureau/export.csv?status=ingediend")
    ev = db.scalar(select(AuditEvent).where(AuditEvent.action == "wish.export"))
    assert ev.after == {"format": "csv", "filter": {"status": ["ingediend"]}, "count": 1}


# -- number of queries ------------------------------------------------------------------------


@pytest.fixture
def count_queries(app):
    def counting(client, path):
        statements = []
        engine = app.extensions["bundler.engine"]

        def record(conn, cursor, statement, *args):
            statements.append(statement)

        client.get(path)  # warm up: the first request of a session loads a few things once
        event.listen(engine, "before_cursor_execute", record)
        try:
            response = client.get(path)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert response.status_code == 200, response.get_data(as_text=True)[:2000]
        return len(statements)

    return counting


def fill_wishes(db, make_pilot, make_wish, number):
    codes = [["GM0014", "GM0034"], ["GM0363"], ["GM0796", "GM0855"]]
    pilots = [make_pilot(municipalities=c) for c in codes]
    for i in range(number):
        wish = make_wish(
            pilots[i % 3],
            state=S.ACCEPTED,
            statute=["BWBR0034925", "BWBR0005416", "BWBR0002656"][i % 3],
            article=str(i % 4 + 1),
        )
        db.add(WishSupport(wish_id=wish.id, pilot_id=pilots[(i + 1) % 3].id, note="ook"))
    db.commit()


@pytest.mark.parametrize(
    "path",
    [
        "/bureau/knelpunten?per=100",
        "/bureau/knelpunten?zoek=knelpunt&ministerie=JenV&gemeente=GM0014&per=100",
        "/bureau/overzicht",
        "/bureau/export.json",
        "/bureau/logboek",
    ],
)
def test_number_of_queries_does_not_grow_with_the_wishes(
    client, office, db, make_pilot, make_wish, count_queries, path
):
    fill_wishes(db, make_pilot, make_wish, 5)
    few = count_queries(client, path)
    fill_wishes(db, make_pilot, make_wish, 45)
    assert db.scalar(select(Ministry).where(Ministry.code == "JenV")) is not None
    many = count_queries(client, path)
    assert many == few, (few, many)
    assert many <= 20


def test_office_home_links_into_the_inbox(client, office, make_pilot, make_wish):
    pilot = make_pilot()
    make_wish(pilot)
    make_wish(pilot)
    html = get(client, "/")
    assert "Nieuwe knelpunten beoordelen</a> (2)" in html
    assert (
        'href="/bureau/knelpunten?status=ingediend&amp;sorteer=ingediend&amp;richting=op"' in html
    )


def test_big_overview_stops_at_the_articles(client, office, make_pilot, make_wish, monkeypatch):
    from bundler.office import overview as office_views

    monkeypatch.setattr(office_views, "OVERVIEW_FULL_TREE_LIMIT", 3)
    pilot = make_pilot()
    wishes = [make_wish(pilot, state=S.ACCEPTED, article=str(i % 2 + 1)) for i in range(4)]
    html = get(client, "/bureau/overzicht")
    assert not any(f">{w.reference}<" in html for w in wishes)
    assert "Er zijn meer dan 3 geaccepteerde knelpunten" in html
    assert html.count("knelpunten bij dit artikel in de inbox") == 2


def test_huge_numbers_are_input_errors_not_crashes(client, office, db, make_pilot, make_wish):
    wish = make_wish(make_pilot())
    huge = "9" * 40
    assert bulk(client, [], actie="accepteren", knelpunt=[huge]).status_code == 400
    text = {"version": huge, "title": "x", "urgency": "laag", "benefit_cases_per_year": huge}
    assert triage_post(client, wish, "tekst", text).status_code == 400
    assert client.get(f"/bureau/knelpunten?pilot={huge}").status_code == 400  # unknown pilot
    assert client.get(f"/bureau/logboek?pagina={huge}").status_code == 200


def test_offering_is_left_to_publishing_a_package(client, office, db, make_pilot, make_wish):
    wish = make_wish(make_pilot(), state=S.ACCEPTED)
    html = get(client, f"/bureau/knelpunten/{wish.reference}")
    assert 'value="in_behandeling"' in html and 'value="aangeboden"' not in html
    response = triage_post(client, wish, "status", {"version": 1, "state": "aangeboden"})
    assert response.status_code == 400
    assert fresh(db, wish).state is S.ACCEPTED
