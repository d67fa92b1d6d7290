"""The hand-off over real HTTP both ways, on 127.0.0.1: the platform sends to the reference
receiver, the receiver reports back to the live server; and the races — 20 identical reports
at once, 20 workers sending one delivery at once — each have exactly one effect."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from tests.core.test_concurrency import run_together
from tests.opinions.test_handoff import connect, signed
from tests.opinions.test_loop import intake
from yishi.opinions import handoff, services
from yishi.opinions.fake_case_system import FakeCaseSystem
from yishi.opinions.handoff_models import CaseDelivery, CaseReport, DeliveryState
from yishi.opinions.models import Opinion, OpinionState, Reply

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fake():
    receiver = FakeCaseSystem("").start()
    yield receiver
    receiver.stop()


def _assign(people, xihu, category, platform):
    opinion = services.submit_opinion(people["resident"], intake(xihu, category))
    services.accept_opinion(people["street_staff"], opinion)
    services.assign_opinion(people["street_staff"], opinion, [platform])
    return Opinion.objects.get(pk=opinion.pk)


def test_round_trip_over_http(live_server, settings, people, xihu, category, platform,
                              handler, fake):
    settings.YISHI_SITE_URL = live_server.url
    fake.auto = ("accepted", "handling", "replied")
    _c, fake.secret = connect(people, handler, platform, fake.url)
    opinion = _assign(people, xihu, category, platform)
    fake.wait_for_reports(3)
    assert [(s, code, answer["result"]) for s, code, answer in fake.reports] == [
        ("accepted", 200, "unchanged"), ("handling", 200, "applied"),
        ("replied", 200, "applied")]
    opinion.refresh_from_db()
    assert opinion.state == OpinionState.REPLIED
    assert Reply.objects.get(opinion=opinion).text == fake.reply_text
    delivery = CaseDelivery.objects.get(opinion=opinion)
    assert delivery.state == DeliveryState.DELIVERED
    assert delivery.external_id.startswith("WS") and delivery.external_status == "replied"
    # A replay of the whole report, byte for byte, over HTTP: refused as a duplicate.
    status, answer = fake.report(fake.deliveries[0], "replied", "再来一次",
                                 key=CaseReport.objects.get(status="replied").idempotency_key)
    assert (status, answer["result"]) == (200, "duplicate")
    assert Reply.objects.filter(opinion=opinion).count() == 1
    services.rate_opinion(people["resident"], opinion, "satisfied")
    assert Opinion.objects.get(pk=opinion.pk).state == OpinionState.CLOSED


def test_twenty_identical_reports_have_one_effect(people, xihu, category, platform, handler,
                                                  fake):
    connection, fake.secret = connect(people, handler, platform, fake.url)
    opinion = _assign(people, xihu, category, platform)
    body, headers = signed(fake.secret, opinion=opinion.number, status="replied",
                           text="同时到达的答复")
    url = reverse("api:case_report", args=[connection.key])

    def post(_i):
        return Client().post(url, data=body, content_type="application/json",
                             headers=headers)

    answers = [value for kind, value in run_together(post, 20) if kind == "ok"]
    assert len(answers) == 20
    results = sorted(json.loads(a.content)["result"] for a in answers)
    assert results == ["applied"] + ["duplicate"] * 19
    assert Reply.objects.filter(opinion=opinion).count() == 1
    assert CaseReport.objects.count() == 1


def test_twenty_workers_send_a_delivery_once(people, xihu, category, platform, handler, fake,
                                             monkeypatch):
    connection, fake.secret = connect(people, handler, platform, fake.url)
    monkeypatch.setattr(handoff, "_enqueue", lambda pk: None)  # the workers below send it
    opinion = _assign(people, xihu, category, platform)
    delivery = CaseDelivery.objects.get(opinion=opinion)
    outcomes = run_together(lambda _i: handoff.deliver(delivery.pk), 20)
    assert sorted(str(v) for _k, v in outcomes).count(DeliveryState.DELIVERED) == 1
    assert fake.attempts == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.state == DeliveryState.DELIVERED
