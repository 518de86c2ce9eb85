"""Issue 16 item 9: vocabularies are data an admin can extend (a new target group such as eetstoornis)."""

import pytest
from sqlmodel import func, select

from wijzer import domain
from wijzer.models import AuditLog, VocabularyTerm
from wijzer.schemas import OfferingInput, validate
from wijzer.services import vocabulary


@pytest.fixture(autouse=True)
def restore_domain():
    """Adding a term changes the process-wide wijzer.domain dicts; give the next test the built-in ones."""
    yield
    vocabulary.apply(vocabulary.BUILT_IN)


def test_seed_is_idempotent_and_matches_the_domain(session):
    added = vocabulary.seed(session)
    session.commit()
    assert added == sum(len(t) for t in vocabulary.BUILT_IN.values()) > 0
    assert vocabulary.seed(session) == 0
    assert vocabulary.load(session)["doelgroep"] == domain.TAGS


def test_setup_seeds_the_vocabularies(scratch_database_url):
    from wijzer import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": scratch_database_url, "SECRET_KEY": "t"})
    out = app.test_cli_runner().invoke(args=["setup"])
    assert (
        out.exit_code == 0
        and f"vocabulary_term: {sum(len(t) for t in vocabulary.BUILT_IN.values())} nieuw" in out.output
    )
    again = app.test_cli_runner().invoke(args=["setup"])
    assert "vocabulary_term: 0 nieuw" in again.output
    app.extensions["wijzer_db"]["engine"].dispose()


def test_admin_adds_a_target_group_that_validation_search_and_hsds_accept(
    client, session, login, make_user, make_provider, make_location, make_offering
):
    assert "eetstoornis" not in domain.TAGS
    assert validate(OfferingInput, {"offering_ref": "X", "care_type": "respijtzorg", "tags": "eetstoornis"})[
        1
    ]
    assert client.get("/api/v1/search?tags=eetstoornis").status_code == 400
    login(make_user("admin"))
    page = client.get("/beheer/vocabulaires/")
    assert page.status_code == 200 and "Autismespectrumstoornis (ASS)" in page.get_data(as_text=True)
    added = client.post(
        "/beheer/vocabulaires/",
        data={"vocabulary": "doelgroep", "code": " Eetstoornis ", "label": "Eetstoornis"},
        follow_redirects=True,
    )
    assert added.status_code == 200 and "is toegevoegd aan Doelgroepen" in added.get_data(as_text=True)
    assert domain.TAGS["eetstoornis"] == "Eetstoornis"
    assert session.exec(select(AuditLog).where(AuditLog.action == "vocabulary.add")).one()
    # validation (portal, importers, API) accepts the new term
    data, errors = validate(
        OfferingInput, {"offering_ref": "X", "care_type": "respijtzorg", "tags": "eetstoornis"}
    )
    assert errors == {} and data.tags == ["eetstoornis"]
    p = make_provider(kvk="12345678")
    make_offering(p, make_location(p, postcode="3511AB"), ref="ES", tags=["eetstoornis"])
    found = client.get("/api/v1/search?tags=eetstoornis").get_json()
    assert found["total"] == 1
    # the portal's offering form offers it
    from providers.forms import OfferingForm

    with client.application.test_request_context():
        assert ("eetstoornis", "Eetstoornis") in OfferingForm().tags.choices
    # and it is a term of the HSDS taxonomy wijzer:doelgroep, carried by the service
    terms = client.get("/hsds/taxonomy_terms?per_page=200").get_json()["contents"]
    term = next(t for t in terms if t["code"] == "eetstoornis")
    assert term["taxonomy"] == "wijzer:doelgroep" and term["name"] == "Eetstoornis"
    assert client.get(f"/hsds/taxonomy_terms/{term['id']}").get_json() == term
    services = client.get(f"/hsds/services?taxonomy_term_id={term['id']}").get_json()
    assert services["total_items"] == 1
    assert term["id"] in {a["taxonomy_term_id"] for a in services["contents"][0]["attributes"]}


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"vocabulary": "doelgroep", "code": "x", "label": "Iets"}, "2 tot 30 kleine letters"),
        ({"vocabulary": "doelgroep", "code": "eet stoornis", "label": "Iets"}, "2 tot 30 kleine letters"),
        ({"vocabulary": "doelgroep", "code": "a|b", "label": "Iets"}, "2 tot 30 kleine letters"),
        ({"vocabulary": "doelgroep", "code": "ggz", "label": "Dubbel"}, "bestaat al"),
        ({"vocabulary": "doelgroep", "code": "nieuw", "label": ""}, "omschrijving van 2 tot 120"),
        ({"vocabulary": "onzin", "code": "nieuw", "label": "Nieuw"}, "Onbekende lijst"),
    ],
)
def test_bad_terms_get_a_dutch_message_and_store_nothing(client, session, login, make_user, form, message):
    login(make_user("admin"))
    response = client.post("/beheer/vocabulaires/", data=form)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert session.exec(select(func.count()).select_from(VocabularyTerm)).one() == 0
    assert vocabulary.BUILT_IN["doelgroep"] == domain.TAGS


def test_only_admins_manage_vocabularies(client, login, make_user):
    assert client.get("/beheer/vocabulaires/").status_code == 302
    login(make_user("referrer"))
    assert (
        client.post(
            "/beheer/vocabulaires/",
            data={"vocabulary": "doelgroep", "code": "eetstoornis", "label": "Eetstoornis"},
        ).status_code
        == 403
    )
    assert "eetstoornis" not in domain.TAGS


def test_cli_add_and_list(runner, session):
    out = runner.invoke(args=["vocabulary", "add", "vorm", "online", "Online (beeldbellen)"])
    assert out.exit_code == 0, out.output
    assert domain.MODALITIES["online"] == "Online (beeldbellen)"
    listing = runner.invoke(args=["vocabulary", "list"])
    assert "online" in listing.output and "(toegevoegd)" in listing.output
    bad = runner.invoke(args=["vocabulary", "add", "vorm", "online", "Nog eens"])
    assert bad.exit_code == 1 and "bestaat al" in bad.output


def test_other_processes_pick_up_a_new_term(app, client, session):
    vocabulary.add_term(session, "zorgsoort", "gezinshuis", "Gezinshuis")
    session.commit()
    assert (
        "gezinshuis" not in domain.CARE_TYPES
    )  # this process has not refreshed yet (another worker added it)
    app.config["VOCABULARY_REFRESH_SECONDS"] = 0
    assert client.get("/api/v1/search?care_type=gezinshuis").status_code == 200
    assert domain.CARE_TYPES["gezinshuis"] == "Gezinshuis"


def test_refresh_is_throttled(app, client, session):
    client.get("/healthz")  # first request of this app: loaded
    vocabulary.add_term(session, "financiering", "subsidie", "Subsidie")
    session.commit()
    client.get("/healthz")
    assert "subsidie" not in domain.FUNDING  # within VOCABULARY_REFRESH_SECONDS (default 60)


def test_a_full_list_refuses_a_term_that_would_not_fit_an_offering(session):
    """Every selection of codes must fit the packed column (financiering: 40 characters)."""
    vocabulary.add_term(
        session, "financiering", "persoonsgebonden_budget_a", "Variant A"
    )  # |zin|pgb|…| = 35 chars
    with pytest.raises(vocabulary.VocabularyError, match="lijst is vol"):
        vocabulary.add_term(session, "financiering", "extra", "Extra")
    session.rollback()
