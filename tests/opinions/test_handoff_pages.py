"""The staff pages of the hand-off: street staff connect their own street's departments only
(another street's connection reads as missing and nothing changes); the opinion's staff page
shows what was sent and offers "send again" for a failed delivery."""

import pytest
from django.urls import reverse

from tests.core.test_concurrency import run_together
from tests.opinions.test_handoff import assigned, connect
from yishi.core.models import Role, RoleAssignment, User
from yishi.opinions import handoff
from yishi.opinions.handoff_models import CaseDelivery, CaseSystemConnection, DeliveryState


def _form(handler, platform, **changes):
    ra = RoleAssignment.objects.get(user=handler, department=platform)
    return {"name": "西溪四个平台", "kind": "four_platforms", "handler": ra.pk,
            "endpoint_url": "https://cases.example.org/in", **changes}


@pytest.mark.django_db
def test_street_staff_connect_and_see_the_secret_once(client, people, handler, platform,
                                                      verified_login):
    verified_login(people["street_staff"])
    url = reverse("opinions:case_systems")
    answer = client.post(url, _form(handler, platform))
    assert answer.status_code == 200
    connection = CaseSystemConnection.objects.get()
    secret = handoff.secret_of(connection)
    assert secret in answer.content.decode() and str(connection.key) in answer.content.decode()
    again = client.get(url).content.decode()
    assert secret not in again and "西溪四个平台" in again


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["javascript:alert(1)", "ftp://x.example.org/"])
def test_a_bad_address_is_named_and_nothing_created(client, people, handler, platform,
                                                    verified_login, bad):
    verified_login(people["street_staff"])
    answer = client.post(reverse("opinions:case_systems"),
                         _form(handler, platform, endpoint_url=bad))
    assert answer.status_code == 400
    assert "http://" in answer.content.decode()
    assert not CaseSystemConnection.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["resident", "department_handler", "deputy", "district_staff"])
def test_other_roles_are_refused(client, people, role, verified_login):
    verified_login(people[role])
    assert client.get(reverse("opinions:case_systems")).status_code == 403


@pytest.mark.django_db
def test_another_streets_staff_cannot_touch_a_connection(client, people, handler, platform,
                                                         xihu, verified_login):
    connection, secret = connect(people, handler, platform, "https://cases.example.org/in")
    beishan_staff = User.objects.create_user("13900000001", name="北山干部")
    RoleAssignment.objects.create(user=beishan_staff, role=Role.STREET_STAFF,
                                  unit=xihu["beishan"])
    verified_login(beishan_staff)
    assert "西溪四个平台" not in client.get(reverse("opinions:case_systems")).content.decode()
    for action in ("rotate", "off"):
        answer = client.post(reverse("opinions:case_system_action",
                                     args=[connection.key, action]))
        assert answer.status_code == 404
    # Nor can their form name another street's handler.
    answer = client.post(reverse("opinions:case_systems"), _form(handler, platform,
                                                                 name="借用"))
    assert answer.status_code == 400
    connection.refresh_from_db()
    assert connection.active and handoff.secret_of(connection) == secret
    assert CaseSystemConnection.objects.count() == 1


@pytest.mark.django_db
def test_switching_off_and_on(client, people, handler, platform, verified_login):
    connection, _secret = connect(people, handler, platform, "https://cases.example.org/in")
    verified_login(people["street_staff"])
    client.post(reverse("opinions:case_system_action", args=[connection.key, "off"]))
    connection.refresh_from_db()
    assert not connection.active
    client.post(reverse("opinions:case_system_action", args=[connection.key, "on"]))
    connection.refresh_from_db()
    assert connection.active


@pytest.mark.django_db
def test_the_opinion_page_shows_the_delivery_and_offers_send_again(
        client, people, xihu, category, platform, handler, verified_login, monkeypatch,
        django_capture_on_commit_callbacks):
    connect(people, handler, platform, "http://127.0.0.1:9/closed")  # nothing listens there
    monkeypatch.setattr(handoff, "MAX_ATTEMPTS", 1)
    opinion = assigned(people, xihu, category, platform, django_capture_on_commit_callbacks)
    delivery = CaseDelivery.objects.get(opinion=opinion)
    assert delivery.state == DeliveryState.FAILED
    verified_login(people["street_staff"])
    page = client.get(reverse("opinions:manage", args=[opinion.number])).content.decode()
    resend_url = reverse("opinions:case_delivery_resend", args=[opinion.number, delivery.pk])
    assert str(DeliveryState.FAILED.label) in page and resend_url in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(resend_url)
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.state == DeliveryState.FAILED  # tried again


@pytest.mark.django_db(transaction=True)
def test_twenty_identical_connects_make_one_connection(people, handler, platform):
    outcomes = run_together(lambda _i: connect(people, handler, platform,
                                               "https://cases.example.org/in"), 20)
    assert sum(1 for kind, _v in outcomes if kind == "ok") == 1
    assert all(isinstance(v, handoff.HandoffError) for kind, v in outcomes if kind == "error")
    assert CaseSystemConnection.objects.count() == 1
