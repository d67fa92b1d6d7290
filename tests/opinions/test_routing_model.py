"""The routing suggester inside the app: trained and stored, shown on the staff page, and the
"similar opinions" lookup residents see while typing."""

from django.urls import reverse

from tests.opinions.test_loop import intake
from yishi.opinions import routing_model, services
from yishi.opinions.models import OpinionCategory, RoutingModel


def test_training_from_handled_opinions_and_the_demo_set(people, xihu, category):
    records = routing_model.training_records()
    assert len(records) > 2000  # few handled opinions yet: the demo set is added
    assert {"title", "text", "category", "department"} <= set(records[0])


def test_staff_page_shows_suggestions(client, people, xihu, verified_login):
    RoutingModel.objects.create(blob=routing_model.demo_model_blob(), records=1)
    parking = OpinionCategory.objects.create(code="parking", name="停车管理")
    opinion = services.submit_opinion(people["resident"], intake(
        xihu, parking, title="小区门口车辆乱停", text="晚上小区门口停满了车，消防车进不来，停车位太少。"))
    result = routing_model.suggest(opinion)
    assert result["categories"][0][0] == "停车管理"
    assert [s for _label, s in result["categories"]] == sorted(
        [s for _label, s in result["categories"]], reverse=True)
    verified_login(people["street_staff"])
    html = client.get(reverse("opinions:manage", args=[opinion.number])).content.decode()
    assert "停车管理 (" in html


def test_no_model_means_no_suggestions(people, xihu, category):
    opinion = services.submit_opinion(people["resident"], intake(xihu, category))
    assert routing_model.suggest(opinion) == {"categories": [], "departments": []}


def test_similar_open_opinions_while_typing(client, people, xihu, category):
    lift = services.submit_opinion(people["resident"], intake(
        xihu, category, title="莫干山路79号加装电梯", text="老楼没有电梯，老人上下楼很困难，希望加装电梯。"))
    services.accept_opinion(people["street_staff"], lift)
    hits = client.get("/api/opinions-similar", {"title": "79号楼加装电梯",
                                                "text": "老人上下楼困难，希望加装电梯"}).json()
    assert hits and hits[0]["number"] == lift.number
    assert client.get("/api/opinions-similar", {"title": "垃圾分类点太臭"}).json() == []
    assert client.get("/api/opinions-similar", {"title": "x" * 101}).status_code == 422


def test_new_opinions_join_the_index_and_closed_ones_leave(client, people, xihu, category):
    first = services.submit_opinion(people["resident"], intake(
        xihu, category, title="垃圾分类点异味大", text="垃圾分类点夏天很臭，希望增加清运。"))
    services.accept_opinion(people["street_staff"], first)
    assert [o for o, _s in routing_model.similar_open_opinions("垃圾分类点很臭", "")] == [first]
    built = routing_model._cache["index"]
    second = services.submit_opinion(people["resident"], intake(
        xihu, category, title="小区门口电动车乱停", text="电动车堵住了消防通道。"))
    services.accept_opinion(people["street_staff"], second)
    hits = [o for o, _s in routing_model.similar_open_opinions("电动车乱停堵消防通道", "")]
    assert second in hits and routing_model._cache["index"] is built  # added, not rebuilt
    from yishi.opinions.models import Opinion, OpinionState

    Opinion.objects.filter(pk=second.pk).update(state=OpinionState.CLOSED)
    assert second not in [o for o, _s in routing_model.similar_open_opinions("电动车乱停", "")]
