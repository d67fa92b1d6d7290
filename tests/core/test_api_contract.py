"""The API's one error contract (docs/api.md), its bounded numbers and its schema's names.

Every refusal, whichever layer makes it, is `{"detail", "errors": [{"field", "message"}]}` in
the user's language; out-of-range numbers are a 422 naming the parameter, never a 500."""

import pytest
from django.utils import translation
from ninja import Schema

from yishi.opinions.models import Opinion

pytestmark = pytest.mark.django_db


def _contract(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"}, body
    assert isinstance(body["detail"], str) and body["detail"]
    for error in body["errors"]:
        assert set(error) == {"field", "message"} and error["message"]
    return body


@pytest.mark.parametrize("url, field", [
    ("/api/opinions?offset=-1", "offset"),
    ("/api/opinions?offset=100000000000000000000", "offset"),
    ("/api/opinions?limit=0", "limit"),
    ("/api/opinions?limit=100000000000000000000", "limit"),
    ("/api/projects/projects?offset=1e20", "offset"),
    ("/api/projects/projects?offset=-5", "offset"),
    ("/api/projects/projects?limit=501", "limit"),
    ("/api/projects/projects/99999999999999999999", "pk"),
    ("/api/projects/projects/9223372036854775808", "pk"),
    ("/api/projects/cycles?year=99999999999999999999", "year"),
    ("/api/councils/meetings/0", "meeting_id"),
    ("/api/councils/round-tables/-1", "table_id"),
    ("/api/deputies/deputies/100000000000000000000", "deputy_id"),
])
def test_out_of_range_numbers_are_422_naming_the_parameter(client, url, field):
    body = _contract(client.get(url), 422)
    assert [e["field"] for e in body["errors"]] == [field]


def test_pages_survive_a_year_past_any_integer_column(client, db):
    assert client.get("/projects/?year=99999999999999999999").status_code == 200
    assert client.get("/projects/list/?year=99999999999999999999").status_code == 200


def test_session_scheduling_with_an_id_past_bigint_is_422(client, people, xihu, verified_login):
    from yishi.deputies.models import LiaisonStation

    station = LiaisonStation.objects.create(code="xx-1", kind="street", name="站",
                                            unit=xihu["xixi"])
    verified_login(people["street_staff"])
    response = client.post(f"/api/deputies/stations/{station.code}/sessions", {
        "starts_at": "2030-01-01T09:00:00+08:00", "ends_at": "2030-01-01T11:00:00+08:00",
        "deputies": [2**70], "slots": 2**70}, content_type="application/json")
    body = _contract(response, 422)
    assert {e["field"] for e in body["errors"]} == {"deputies.0", "slots"}
    assert not station.sessions.exists()


def test_money_out_of_the_column_is_422(client, people, xihu, verified_login):
    verified_login(people["street_staff"])
    response = client.post("/api/voting/ballots", {
        "unit": xihu["xixi"].code, "title": "t", "method": "budget",
        "options": [{"key": "a", "title": "A", "cost": "1e30"}],
        "budget": "-1"}, content_type="application/json")
    body = _contract(response, 422)
    assert {e["field"] for e in body["errors"]} == {"options.0.cost", "budget"}


def test_missing_and_malformed_input_share_the_contract(client, people):
    client.force_login(people["resident"])
    missing = _contract(client.post("/api/opinions", {}, content_type="application/json"), 422)
    assert {"title", "text", "category", "community"} <= {e["field"] for e in missing["errors"]}
    _contract(client.post("/api/opinions", "{not json", content_type="application/json"), 400)


def test_service_refusal_names_the_field_in_the_users_language(client, people, xihu):
    from yishi.opinions.models import OpinionCategory

    OpinionCategory.objects.create(code="roads", name="道路")
    client.force_login(people["resident"])
    body = {"title": "路灯", "text": "坏了", "category": "nope",
            "community": xihu["xixi_community"].code}
    client.cookies["django_language"] = "en"
    english = _contract(client.post("/api/opinions", body, content_type="application/json"),
                        422)
    assert english["errors"] == [{"field": "category", "message": "Unknown category."}]
    client.cookies["django_language"] = "zh-hans"
    chinese = _contract(client.post("/api/opinions", body, content_type="application/json"),
                        422)
    assert chinese["errors"][0]["field"] == "category"
    assert chinese["errors"][0]["message"] != "Unknown category."
    with translation.override("zh-hans"):
        assert chinese["errors"][0]["message"] == translation.gettext("Unknown category.")
    assert not Opinion.objects.exists()


def test_401_403_404_share_the_contract(client, people):
    _contract(client.get("/api/me"), 401)
    _contract(client.get("/api/opinions/NOPE"), 404)
    _contract(client.get("/api/councils/councils/NOPE/members"), 404)
    client.force_login(people["resident"])
    # a resident is not a deputy: the service's PermissionDenied becomes 403
    _contract(client.get("/api/deputies/me/activities"), 403)
    _contract(client.get("/api/deputies/evaluation?unit=330106"), 403)
    _contract(client.get("/api/deputies/evaluation?unit=NOPE"), 404)


def test_schema_component_names_are_unique():
    """ninja names a component after its class, and a second class of the same name silently
    replaces the first in the schema (two `EventOut`s made /api/deputies/weeks wrong)."""
    import yishi.api  # noqa: F401 - every router's schemas are defined on import

    def walk(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    by_name = {}
    for cls in walk(Schema):
        if cls.__module__.startswith("yishi."):
            by_name.setdefault(cls.__name__, set()).add(f"{cls.__module__}.{cls.__qualname__}")
    clashes = {name: where for name, where in by_name.items() if len(where) > 1}
    assert not clashes


def test_schema_documents_one_error_body(client, db):
    schema = client.get("/api/openapi.json").json()
    error = schema["components"]["schemas"]["ErrorOut"]
    assert set(error["properties"]) == {"detail", "errors"}
    weeks = schema["paths"]["/api/deputies/weeks"]["get"]["responses"]["200"]
    item = weeks["content"]["application/json"]["schema"]["items"]["$ref"].rsplit("/", 1)[1]
    event = schema["components"]["schemas"][item]["properties"]["events"]["items"]["$ref"]
    assert "station" in schema["components"]["schemas"][event.rsplit("/", 1)[1]]["properties"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation["responses"]["422"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorOut"}, (method, path)


def test_nul_characters_are_422_before_any_query(client, people):
    """PostgreSQL refuses NUL in text with a ValueError (a 500) unless the API refuses first."""
    client.force_login(people["resident"])
    body = _contract(client.post("/api/opinions", '{"title": "a\\u0000b", "text": "x"}',
                                 content_type="application/json"), 422)
    assert body["errors"][0]["field"] == "title"
    assert _contract(client.get("/api/opinions?street=%00"), 422)["errors"][0]["field"] == "street"
    assert _contract(client.get("/api/opinions/%00"), 422)["errors"][0]["field"] == "number"
    # a backslash followed by u0000 is ordinary text
    text = _contract(client.post("/api/opinions", '{"title": "a\\\\u0000b"}',
                                 content_type="application/json"), 422)
    assert "title" not in {e["field"] for e in text["errors"]}
    assert not Opinion.objects.exists()
