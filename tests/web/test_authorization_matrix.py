"""Every route of the app, for every role, gets exactly what it should.

The matrix below must have an entry for each (rule, method) in the URL map: a new route without an entry
fails ``test_every_route_has_an_entry``. Outcomes: ok (served, redirected somewhere other than the login, or
a validation error), login (302 to /inloggen or 401), forbidden (403), missing (404), gone (410).
"""

import pytest

from wijzer.services import accounts

ROLES = (
    "anonymous",
    "referrer",
    "provider_a",
    "provider_b",
    "auditor_x",
    "auditor_y",
    "admin",
    "region_admin_x",
    "region_admin_y",
    "provider_a_admin",
)


def expect(default: str, anonymous: str = "login", **overrides) -> dict[str, str]:
    out = {r: default for r in ROLES}
    out["anonymous"] = anonymous
    out.update(overrides)
    return out


PUBLIC = expect("ok", anonymous="ok")
LOGGED_IN = expect("ok")
PROVIDER = expect("forbidden", provider_a="ok", provider_b="ok", provider_a_admin="ok")
PROVIDER_A_OBJECT = expect("forbidden", provider_a="ok", provider_b="missing", provider_a_admin="ok")
ADMIN = expect("forbidden", admin="ok")
REGION_X = expect("forbidden", auditor_x="ok", admin="ok", region_admin_x="ok")
AUDIT = expect(
    "forbidden", auditor_x="ok", auditor_y="ok", admin="ok", region_admin_x="ok", region_admin_y="ok"
)
REGION_X_SETTINGS = expect("forbidden", admin="ok", region_admin_x="ok")
REGION_ADMINS = expect("forbidden", admin="ok", region_admin_x="ok", region_admin_y="ok")
MANAGERS = expect("forbidden", admin="ok", region_admin_x="ok", region_admin_y="ok", provider_a_admin="ok")
# An account or invitation of provider A's staff (provider A lies in JZ22): outside a manager's scope it is a 404.
STAFF_A_OBJECT = expect(
    "forbidden", admin="ok", region_admin_x="ok", region_admin_y="missing", provider_a_admin="ok"
)
STAFF_A_ROLE_CHANGE = expect(
    "forbidden",
    admin="ok",
    region_admin_x="forbidden",
    region_admin_y="missing",
    provider_a_admin="forbidden",
)
REFERRER = expect("forbidden", referrer="ok")
NOBODY_WITH_BAD_TOKEN = expect("missing", anonymous="missing")

MATRIX = {
    ("/", "GET"): ("/", PUBLIC),
    ("/aanbod/<int:offering_id>", "GET"): ("/aanbod/{oa}", PUBLIC),
    ("/aanbod/<int:offering_id>/geen-plek", "POST"): ("/aanbod/{oa}/geen-plek", REFERRER),
    ("/account", "GET"): ("/account", LOGGED_IN),
    ("/account/sleutels", "POST"): ("/account/sleutels", LOGGED_IN),
    ("/account/sleutels/<int:token_id>/intrekken", "POST"): (
        "/account/sleutels/{admin_spare_token}/intrekken",
        expect("missing", admin="ok"),
    ),
    ("/account/wachtwoord", "POST"): ("/account/wachtwoord", LOGGED_IN),
    ("/api/v1/capacity", "POST"): (
        "/api/v1/capacity",
        expect("forbidden", provider_a="ok", admin="ok", provider_a_admin="ok"),
    ),
    ("/api/v1/health", "GET"): ("/api/v1/health", PUBLIC),
    ("/api/v1/offerings/<int:offering_id>", "GET"): ("/api/v1/offerings/{oa}", PUBLIC),
    ("/api/v1/openapi.json", "GET"): ("/api/v1/openapi.json", PUBLIC),
    ("/api/v1/regions/<code>/audit", "GET"): ("/api/v1/regions/JZ22/audit", REGION_X),
    ("/api/v1/regions/<code>/trends", "GET"): ("/api/v1/regions/JZ22/trends", REGION_X),
    ("/api/v1/search", "GET"): ("/api/v1/search?postcode=3511", PUBLIC),
    ("/beheer/taken/", "GET"): ("/beheer/taken/", ADMIN),
    ("/beheer/vocabulaires/", "GET"): ("/beheer/vocabulaires/", ADMIN),
    ("/beheer/vocabulaires/", "POST"): ("/beheer/vocabulaires/", ADMIN),
    ("/healthz", "GET"): ("/healthz", PUBLIC),
    ("/readyz", "GET"): ("/readyz", PUBLIC),
    ("/hsds/", "GET"): ("/hsds/", PUBLIC),
    ("/hsds/services", "GET"): ("/hsds/services", PUBLIC),
    ("/hsds/openapi.json", "GET"): ("/hsds/openapi.json", PUBLIC),
    ("/hsds/services/<service_id>", "GET"): ("/hsds/services/{service_id}", PUBLIC),
    ("/hsds/organizations", "GET"): ("/hsds/organizations", PUBLIC),
    ("/hsds/organizations/<organization_id>", "GET"): ("/hsds/organizations/{organization_id}", PUBLIC),
    ("/hsds/service_at_locations", "GET"): ("/hsds/service_at_locations", PUBLIC),
    ("/hsds/service_at_locations/<sal_id>", "GET"): ("/hsds/service_at_locations/{sal_id}", PUBLIC),
    ("/hsds/taxonomies", "GET"): ("/hsds/taxonomies", PUBLIC),
    ("/hsds/taxonomies/<taxonomy_id>", "GET"): ("/hsds/taxonomies/{taxonomy_id}", PUBLIC),
    ("/hsds/taxonomy_terms", "GET"): ("/hsds/taxonomy_terms", PUBLIC),
    ("/hsds/taxonomy_terms/<term_id>", "GET"): ("/hsds/taxonomy_terms/{term_id}", PUBLIC),
    ("/inloggen", "GET"): ("/inloggen", PUBLIC),
    ("/inloggen", "POST"): ("/inloggen", PUBLIC),
    ("/lijst", "GET"): ("/lijst", PUBLIC),
    ("/lijst/<int:offering_id>", "POST"): ("/lijst/{oa}", PUBLIC),
    ("/lijst/<int:offering_id>/verwijderen", "POST"): ("/lijst/{oa}/verwijderen", PUBLIC),
    ("/lijst/delen", "GET"): ("/lijst/delen?ids={oa}", PUBLIC),
    ("/portaal/", "GET"): ("/portaal/", PROVIDER),
    ("/portaal/", "POST"): ("/portaal/", PROVIDER),
    ("/portaal/aanbod", "GET"): ("/portaal/aanbod", PROVIDER),
    ("/portaal/aanbod/<int:offering_id>", "GET"): ("/portaal/aanbod/{oa}", PROVIDER_A_OBJECT),
    ("/portaal/aanbod/<int:offering_id>", "POST"): ("/portaal/aanbod/{oa}", PROVIDER_A_OBJECT),
    ("/portaal/aanbod/<int:offering_id>/actief", "POST"): (
        "/portaal/aanbod/{oa_toggle}/actief",
        PROVIDER_A_OBJECT,
    ),
    ("/portaal/aanbod/<int:offering_id>/historie", "GET"): (
        "/portaal/aanbod/{oa}/historie",
        PROVIDER_A_OBJECT,
    ),
    ("/portaal/aanbod/<int:offering_id>/voorbeeld", "GET"): (
        "/portaal/aanbod/{oa}/voorbeeld",
        PROVIDER_A_OBJECT,
    ),
    ("/portaal/aanbod/nieuw", "GET"): ("/portaal/aanbod/nieuw", PROVIDER),
    ("/portaal/aanbod/nieuw", "POST"): ("/portaal/aanbod/nieuw", PROVIDER),
    ("/portaal/geen-plek/gezien", "POST"): ("/portaal/geen-plek/gezien", PROVIDER),
    ("/portaal/beheer", "GET"): ("/portaal/beheer", ADMIN),
    ("/portaal/beheer/aanbieders/<int:provider_id>", "GET"): ("/portaal/beheer/aanbieders/{pa}", ADMIN),
    ("/portaal/beheer/aanbieders/<int:provider_id>", "POST"): ("/portaal/beheer/aanbieders/{pa}", ADMIN),
    ("/portaal/beheer/aanbieders/<int:provider_id>/bewerken", "GET"): (
        "/portaal/beheer/aanbieders/{pa}/bewerken",
        ADMIN,
    ),
    ("/portaal/beheer/aanbieders/<int:provider_id>/bewerken", "POST"): (
        "/portaal/beheer/aanbieders/{pa}/bewerken",
        ADMIN,
    ),
    ("/portaal/beheer/aanbieders/nieuw", "GET"): ("/portaal/beheer/aanbieders/nieuw", ADMIN),
    ("/portaal/beheer/aanbieders/nieuw", "POST"): ("/portaal/beheer/aanbieders/nieuw", ADMIN),
    ("/portaal/beheer/gebruikers", "GET"): ("/portaal/beheer/gebruikers", ADMIN),
    ("/portaal/bevestigen/<token>", "GET"): ("/portaal/bevestigen/{confirm_token}", PUBLIC),
    ("/portaal/bevestigen/<token>", "POST"): ("/portaal/bevestigen/ongeldig", NOBODY_WITH_BAD_TOKEN),
    ("/portaal/locaties", "GET"): ("/portaal/locaties", PROVIDER),
    ("/portaal/locaties/<int:location_id>", "GET"): ("/portaal/locaties/{la}", PROVIDER_A_OBJECT),
    ("/portaal/locaties/<int:location_id>", "POST"): ("/portaal/locaties/{la}", PROVIDER_A_OBJECT),
    ("/portaal/locaties/nieuw", "GET"): ("/portaal/locaties/nieuw", PROVIDER),
    ("/portaal/locaties/nieuw", "POST"): ("/portaal/locaties/nieuw", PROVIDER),
    ("/portaal/profiel", "GET"): ("/portaal/profiel", PROVIDER),
    ("/portaal/profiel", "POST"): ("/portaal/profiel", PROVIDER),
    ("/portaal/upload", "GET"): ("/portaal/upload", PROVIDER),
    ("/portaal/upload", "POST"): ("/portaal/upload", PROVIDER),
    ("/regio/", "GET"): ("/regio/", AUDIT),
    ("/regio/<code>", "GET"): ("/regio/JZ22", REGION_X),
    ("/regio/<code>/export/<table>.<fmt>", "GET"): ("/regio/JZ22/export/naleving.xlsx", REGION_X),
    ("/regio/<code>/naleving", "GET"): ("/regio/JZ22/naleving", REGION_X),
    ("/regio/<code>/rapport", "GET"): ("/regio/JZ22/rapport", REGION_X),
    ("/regio/<code>/rapport.xlsx", "GET"): ("/regio/JZ22/rapport.xlsx", REGION_X),
    ("/regio/landelijk", "GET"): ("/regio/landelijk", AUDIT),
    ("/regio/landelijk/export.<fmt>", "GET"): ("/regio/landelijk/export.csv", AUDIT),
    ("/static/<path:filename>", "GET"): ("/static/css/app.css", PUBLIC),
    ("/uitloggen", "POST"): ("/uitloggen", PUBLIC),
    ("/uitleg", "GET"): ("/uitleg", PUBLIC),
    ("/toegankelijkheid", "GET"): ("/toegankelijkheid", PUBLIC),
    ("/meldingen", "POST"): ("/meldingen", REFERRER),
    ("/meldingen/<int:alert_id>/pauzeren", "POST"): (
        "/meldingen/{alert_pause}/pauzeren",
        expect("missing", referrer="ok"),
    ),
    ("/meldingen/<int:alert_id>/verwijderen", "POST"): (
        "/meldingen/{alert_delete}/verwijderen",
        expect("missing", referrer="ok"),
    ),
    ("/meldingen/afmelden/<token>", "GET"): ("/meldingen/afmelden/{alert_stop_token}", PUBLIC),
    ("/meldingen/afmelden/<token>", "POST"): ("/meldingen/afmelden/{alert_stop_token}", PUBLIC),
    ("/meldingen/verlengen/<token>", "GET"): ("/meldingen/verlengen/{alert_extend_token}", PUBLIC),
    ("/meldingen/verlengen/<token>", "POST"): ("/meldingen/verlengen/{alert_extend_token}", PUBLIC),
    ("/api/v1/alerts", "GET"): ("/api/v1/alerts", REFERRER),
    ("/api/v1/alerts", "POST"): ("/api/v1/alerts", REFERRER),
    ("/api/v1/alerts/<int:alert_id>", "DELETE"): ("/api/v1/alerts/{alert_api}", REFERRER),
    ("/regio/<code>/instellingen", "GET"): ("/regio/JZ22/instellingen", REGION_X_SETTINGS),
    ("/regio/<code>/instellingen", "POST"): ("/regio/JZ22/instellingen", REGION_X_SETTINGS),
    ("/beheer/gebruikers", "GET"): ("/beheer/gebruikers", MANAGERS),
    ("/beheer/gebruikers/uitnodigen", "GET"): ("/beheer/gebruikers/uitnodigen", MANAGERS),
    ("/beheer/gebruikers/uitnodigen", "POST"): ("/beheer/gebruikers/uitnodigen", MANAGERS),
    ("/beheer/gebruikers/<int:user_id>", "GET"): ("/beheer/gebruikers/{spare_staff_a}", STAFF_A_OBJECT),
    ("/beheer/gebruikers/<int:user_id>", "POST"): ("/beheer/gebruikers/{spare_staff_a}", STAFF_A_ROLE_CHANGE),
    ("/beheer/gebruikers/<int:user_id>/blokkeren", "POST"): (
        "/beheer/gebruikers/{spare_staff_a}/blokkeren",
        STAFF_A_OBJECT,
    ),
    ("/beheer/gebruikers/<int:user_id>/deblokkeren", "POST"): (
        "/beheer/gebruikers/{spare_staff_a}/deblokkeren",
        STAFF_A_OBJECT,
    ),
    ("/beheer/uitnodigingen/<int:invitation_id>/opnieuw", "POST"): (
        "/beheer/uitnodigingen/{invitation_a}/opnieuw",
        STAFF_A_OBJECT,
    ),
    ("/beheer/uitnodigingen/<int:invitation_id>/intrekken", "POST"): (
        "/beheer/uitnodigingen/{invitation_a}/intrekken",
        STAFF_A_OBJECT,
    ),
    ("/beheer/auditlog", "GET"): ("/beheer/auditlog", REGION_ADMINS),
    ("/beheer/auditlog.csv", "GET"): ("/beheer/auditlog.csv", REGION_ADMINS),
    ("/registreren", "GET"): ("/registreren", PUBLIC),
    ("/registreren", "POST"): ("/registreren", PUBLIC),
    ("/portaal/beheer/importeren", "GET"): ("/portaal/beheer/importeren", REGION_ADMINS),
    ("/portaal/beheer/importeren", "POST"): ("/portaal/beheer/importeren", REGION_ADMINS),
    ("/portaal/beheer/importeren/toepassen", "POST"): ("/portaal/beheer/importeren/toepassen", REGION_ADMINS),
    ("/portaal/capaciteit.xlsx", "GET"): ("/portaal/capaciteit.xlsx", PROVIDER),
    ("/wachtwoord-vergeten", "GET"): ("/wachtwoord-vergeten", PUBLIC),
    ("/wachtwoord-vergeten", "POST"): ("/wachtwoord-vergeten", PUBLIC),
    ("/wachtwoord-herstellen/<token>", "GET"): ("/wachtwoord-herstellen/ongeldig", NOBODY_WITH_BAD_TOKEN),
    ("/wachtwoord-herstellen/<token>", "POST"): ("/wachtwoord-herstellen/ongeldig", NOBODY_WITH_BAD_TOKEN),
    ("/uitnodiging/<token>", "GET"): ("/uitnodiging/ongeldig", NOBODY_WITH_BAD_TOKEN),
    ("/uitnodiging/<token>", "POST"): ("/uitnodiging/ongeldig", NOBODY_WITH_BAD_TOKEN),
    # plaatsingsverzoek (the referrer owns request {rq}; its item {pia} is addressed to provider A)
    ("/verzoeken", "GET"): ("/verzoeken", REFERRER),
    ("/verzoeken/nieuw", "GET"): ("/verzoeken/nieuw?aanbod={oa}", REFERRER),
    ("/verzoeken/nieuw", "POST"): ("/verzoeken/nieuw", REFERRER),
    ("/verzoeken/<int:request_id>", "GET"): ("/verzoeken/{rq}", REFERRER),
    ("/verzoeken/<int:request_id>/bevestigen", "POST"): ("/verzoeken/{rq}/bevestigen", REFERRER),
    ("/verzoeken/<int:request_id>/vrijgeven", "POST"): ("/verzoeken/{rq}/vrijgeven", REFERRER),
    ("/verzoeken/<int:request_id>/intrekken", "POST"): ("/verzoeken/{rq_spare}/intrekken", REFERRER),
    ("/portaal/verzoeken", "GET"): ("/portaal/verzoeken", PROVIDER),
    ("/portaal/verzoeken/<int:item_id>", "GET"): ("/portaal/verzoeken/{pia}", PROVIDER_A_OBJECT),
    ("/portaal/verzoeken/<int:item_id>", "POST"): ("/portaal/verzoeken/{pia}", PROVIDER_A_OBJECT),
    ("/regio/<code>/plaatsingsverzoeken", "GET"): ("/regio/JZ22/plaatsingsverzoeken", REGION_X),
    ("/regio/<code>/plaatsingsverzoeken/export/<table>.<fmt>", "GET"): (
        "/regio/JZ22/plaatsingsverzoeken/export/aanbieders.csv",
        REGION_X,
    ),
    ("/api/v1/requests", "POST"): ("/api/v1/requests", REFERRER),
    ("/api/v1/requests", "GET"): (
        "/api/v1/requests?status=open",
        expect("forbidden", referrer="ok", provider_a="ok", provider_b="ok", provider_a_admin="ok"),
    ),
    ("/api/v1/requests/<int:request_id>", "GET"): (
        "/api/v1/requests/{rq}",
        expect("forbidden", referrer="ok", provider_a="ok", provider_b="missing", provider_a_admin="ok"),
    ),
    ("/api/v1/requests/<int:request_id>/confirm", "POST"): ("/api/v1/requests/{rq}/confirm", REFERRER),
    ("/api/v1/requests/<int:request_id>/release", "POST"): ("/api/v1/requests/{rq}/release", REFERRER),
    ("/api/v1/request-items/<int:item_id>/answer", "POST"): (
        "/api/v1/request-items/{pia}/answer",
        PROVIDER_A_OBJECT,
    ),
}


def routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.rule, method


def test_every_route_has_an_entry(app):
    missing = sorted(set(routes(app)) - set(MATRIX))
    stale = sorted(set(MATRIX) - set(routes(app)))
    assert not missing, f"routes without an entry in the authorization matrix: {missing}"
    assert not stale, f"matrix entries for routes that no longer exist: {stale}"


@pytest.fixture
def world(app, session, make_provider, make_location, make_offering, make_user, report):
    from sqlmodel import select

    from wijzer import hsds_ids
    from wijzer.hsds_ids import uid
    from wijzer.models import PlacementItem, Reminder

    pa, pb = make_provider(name="A", kvk="11111111"), make_provider(name="B", kvk="22222222")
    la, lb = make_location(pa, postcode="3511"), make_location(pb, postcode="1012")
    oa = make_offering(pa, la, ref="OA")
    oa_toggle = make_offering(pa, la, ref="OA-T")
    ob = make_offering(pb, lb, ref="OB")
    for off in (oa, ob):
        report(off, free_places=1, intake_status="open")
    users = {
        "referrer": make_user("referrer"),
        "provider_a": make_user("provider", provider=pa),
        "provider_b": make_user("provider", provider=pb),
        "auditor_x": make_user("auditor", region_code="JZ22"),
        "auditor_y": make_user("auditor", region_code="JZ13"),
        "admin": make_user("admin"),
        "region_admin_x": make_user("region_admin", region_code="JZ22"),
        "region_admin_y": make_user("region_admin", region_code="JZ13"),
        "provider_a_admin": accounts.create_user(
            session,
            email="beheer@a.nl",
            password="Correct-Paard-Nietje-42",
            role="provider",
            provider_id=pa.id,
            provider_admin=True,
        ),
    }
    spare_staff_a = make_user("provider", provider=pa)
    invitation_a, _ = accounts.create_invitation(
        session, email="nieuw@a.nl", role="provider", provider_id=pa.id
    )
    tokens = {role: accounts.create_api_token(session, user, "matrix")[1] for role, user in users.items()}
    spare, _ = accounts.create_api_token(session, users["admin"], "spare")
    reminder = Reminder(provider_id=pa.id, kind="aging", window="w")
    session.add(reminder)
    from wijzer.services import alerts

    alert_ids = {
        name: alerts.create_alert(session, users["referrer"], {"care_type": "logeeropvang"})
        for name in ("alert_pause", "alert_delete", "alert_link", "alert_api")
    }
    session.commit()
    from datetime import timedelta

    from wijzer.schemas_placement import RequestInput
    from wijzer.services import placement
    from wijzer.timeutil import today_local

    def placement_request():
        data = RequestInput(
            offering_ids=[oa.id],
            age=8,
            care_type="logeeropvang",
            gemeente_code="GM0344",
            start_from=today_local(),
            start_to=today_local() + timedelta(days=9),
            reference="M-1",
        )
        return placement.create_request(session, users["referrer"], data)

    with app.app_context():
        rq, rq_spare = placement_request(), placement_request()
    session.commit()
    pia = session.exec(select(PlacementItem.id).where(PlacementItem.request_id == rq.id)).one()
    return {
        "users": users,
        "tokens": tokens,
        "ids": {
            **{name: a.id for name, a in alert_ids.items()},
            "alert_stop_token": alerts.make_token(
                {"SECRET_KEY": "test-secret"}, alert_ids["alert_link"], "stop"
            ),
            "alert_extend_token": alerts.make_token(
                {"SECRET_KEY": "test-secret"}, alert_ids["alert_link"], "extend"
            ),
            "oa": oa.id,
            "oa_toggle": oa_toggle.id,
            "la": la.id,
            "pa": pa.id,
            "admin_spare_token": spare.id,
            "spare_staff_a": spare_staff_a.id,
            "invitation_a": invitation_a.id,
            "service_id": uid("offering", "11111111", "OA"),
            "reminder": reminder,
            "organization_id": hsds_ids.provider_id("11111111"),
            "sal_id": hsds_ids.service_at_location_id("11111111", "OA", la.name),
            "taxonomy_id": uid("taxonomy", "wijzer:doelgroep"),
            "term_id": uid("term", "wijzer:doelgroep", "ggz"),
            "rq": rq.id,
            "rq_spare": rq_spare.id,
            "pia": pia,
        },
    }


def outcome(response) -> str:
    status = response.status_code
    assert status < 500, f"{status} from {response.request.method} {response.request.path}"
    if status == 401 or (status in (301, 302, 303) and "/inloggen" in response.headers.get("Location", "")):
        return "login"
    return {403: "forbidden", 404: "missing", 410: "gone"}.get(status, "ok")


def test_matrix(app, world):
    from wijzer.services.reminders import make_confirm_token

    ids = dict(world["ids"])
    ids["confirm_token"] = make_confirm_token(app.config, ids.pop("reminder"))
    clients = {"anonymous": app.test_client()}
    for role, user in world["users"].items():
        client = app.test_client()
        assert (
            client.post(
                "/inloggen", data={"email": user.email, "password": "Correct-Paard-Nietje-42"}
            ).status_code
            == 302
        )
        clients[role] = client
    capacity_body = {
        "records": [{"kvk": "11111111", "offering_ref": "OA", "free_places": 2, "intake_status": "open"}]
    }
    failures = []
    for (rule, method), (template, expected) in sorted(MATRIX.items()):
        url = template.format(**ids)
        for role in ROLES:
            headers = {}
            if url.startswith("/api/") and role != "anonymous":
                headers["Authorization"] = f"Bearer {world['tokens'][role]}"
                client = app.test_client()  # the API on its token alone
            else:
                client = clients[role]
            kwargs = {"json": capacity_body} if rule == "/api/v1/capacity" else {}
            if rule == "/uitloggen":
                client = app.test_client()  # do not end the role's session
            got = outcome(client.open(url, method=method, headers=headers, **kwargs))
            if got != expected[role]:
                failures.append(f"{method} {url} as {role}: got {got}, expected {expected[role]}")
    assert not failures, "\n".join(failures)
