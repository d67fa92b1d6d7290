from tests.opinions.test_loop import intake
from yishi.opinions import services


def test_submit_board_and_rate_through_the_api(client, people, xihu, category):
    assert client.post("/api/opinions", {}, content_type="application/json").status_code == 401
    client.force_login(people["resident"])
    bad = client.post("/api/opinions", {"title": "x", "text": "", "category": "parking",
                                        "community": xihu["xixi_community"].code},
                      content_type="application/json")
    assert bad.status_code == 422
    unknown = client.post("/api/opinions", {"title": "x", "text": "y", "category": "nope",
                                            "community": xihu["xixi_community"].code},
                          content_type="application/json")
    assert unknown.status_code == 422
    created = client.post("/api/opinions", {"title": "路灯", "text": "坏了", "category": "parking",
                                            "community": xihu["xixi_community"].code,
                                            "is_public": True}, content_type="application/json")
    assert created.status_code == 201
    number = created.json()["number"]
    assert created.json()["timeline"][0]["action"] == "submit"
    early = client.post(f"/api/opinions/{number}/rating", {"rating": "satisfied"},
                        content_type="application/json")
    assert early.status_code == 422
    client.logout()
    from yishi.opinions.models import Opinion

    services.accept_opinion(people["street_staff"], Opinion.objects.get(number=number))
    board = client.get("/api/opinions").json()
    assert board[0]["number"] == number and people["resident"].mobile not in str(board)


def test_board_csv_has_no_personal_data(client, people, xihu, category):
    from yishi.opinions.models import Opinion

    opinion = services.submit_opinion(people["resident"], intake(xihu, category))
    services.accept_opinion(people["street_staff"], Opinion.objects.get(pk=opinion.pk))
    text = client.get("/opinions/export.csv").content.decode("utf-8-sig")
    assert opinion.number in text
    assert people["resident"].mobile not in text and people["resident"].name not in text
