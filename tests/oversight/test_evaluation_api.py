"""The evaluation in the API: configure, open, self-assess, review, publish; a street reads its
own card only; bad input comes back in the one error contract, nothing changed."""

import pytest

from yishi.oversight.models import EvaluationScheme, StreetScore

pytestmark = pytest.mark.django_db


def _post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def test_the_year_through_the_api(people, xihu, verified_login, client):
    from yishi.core.models import Attachment

    district = verified_login(people["district_staff"])
    r = _post(district, "/api/oversight/evaluation", {"year": 2026})
    assert r.status_code == 201, r.content
    r = _post(district, "/api/oversight/evaluation/2026/indicators",
              {"name": "按时答复率", "weight": "70", "method": "ratio",
               "measure": "opinions_on_time", "target": "95"})
    assert r.status_code == 201
    r = _post(district, "/api/oversight/evaluation/2026/indicators",
              {"name": "特色工作", "weight": "40", "method": "assessed"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "weight"
    r = _post(district, "/api/oversight/evaluation/2026/open")
    assert r.status_code == 422 and "70" in r.json()["detail"]
    r = _post(district, "/api/oversight/evaluation/2026/indicators",
              {"name": "特色工作", "weight": "30", "method": "assessed"})
    assessed = r.json()["indicators"][-1]["id"]
    r = _post(district, "/api/oversight/evaluation/2026/open")
    assert r.status_code == 200 and r.json()["state"] == "assessing"

    street = verified_login(people["street_staff"])
    xixi, beishan = xihu["xixi"].code, xihu["beishan"].code
    assert street.get(f"/api/oversight/evaluation/2026/cards/{beishan}").status_code == 404
    assert street.get("/api/oversight/evaluation/2026/ranking").status_code == 403
    url = f"/api/oversight/evaluation/2026/cards/{xixi}/{assessed}/self-assess"
    r = _post(street, url, {"score": "31", "note": "x"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "score"
    evidence = Attachment.objects.create(original_name="a.pdf", content_type="application/pdf",
                                         size=1, sha256="0" * 64,
                                         uploaded_by=people["street_staff"])
    r = _post(street, url, {"score": "25", "note": "品牌工作", "evidence": [evidence.pk]})
    assert r.status_code == 200, r.content
    assert _post(street, f"/api/oversight/evaluation/2026/cards/{beishan}/{assessed}"
                 "/self-assess", {"score": "25", "note": "x"}).status_code == 404

    district = verified_login(people["district_staff"])
    assert _post(district, "/api/oversight/evaluation/2026/review").status_code == 200
    r = _post(district, f"/api/oversight/evaluation/2026/cards/{xixi}/{assessed}/review",
              {"score": "20"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = _post(district, f"/api/oversight/evaluation/2026/cards/{xixi}/{assessed}/review",
              {"score": "20", "reason": "佐证不足"})
    row = next(s for s in r.json()["scores"] if s["indicator"] == assessed)
    assert (row["self_score"], row["reviewed_score"], row["score"]) == ("25.00", "20.00",
                                                                        "20.00")
    assert _post(district, "/api/oversight/evaluation/2026/publish").json()["state"] == \
        "published"
    ranking = district.get("/api/oversight/evaluation/2026/ranking").json()
    assert ranking[0]["street"] == xixi and ranking[0]["rank"] == 1
    card = district.get(f"/api/oversight/evaluation/2026/cards/{xixi}").json()
    computed = next(s for s in card["scores"] if s["records"])
    records = district.get(computed["records"]).json()
    assert len(records["counted"]) == computed["numerator"]
    assert len(records["due"]) == computed["denominator"]
    assert EvaluationScheme.objects.get().state == "published"
    assert StreetScore.objects.filter(reviewed_score__isnull=False).count() == 1
