"""Hand-off to outside case systems (issue 15, O7): connections, signed deliveries over real
HTTP to the reference receiver, retries and the claim, and the authenticated reports."""

import json
import time
import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tests.opinions.test_loop import intake
from tests.permission_matrix import assert_matrix
from yishi.core.audit import verify_chain
from yishi.core.models import Role, RoleAssignment
from yishi.core.permissions import has_perm
from yishi.opinions import handoff, services
from yishi.opinions.fake_case_system import FakeCaseSystem
from yishi.opinions.handoff_models import (
    CaseDelivery,
    CaseReport,
    CaseSystemConnection,
    DeliveryState,
    RefusedCallback,
)
from yishi.opinions.models import Opinion, OpinionState, Reply


@pytest.fixture
def fake():
    receiver = FakeCaseSystem("").start()
    yield receiver
    receiver.stop()


def connect(people, handler, platform, url, **changes):
    values = dict(handler=RoleAssignment.objects.get(user=handler, department=platform),
                  name="西溪四个平台", kind="four_platforms", endpoint_url=url)
    values.update(changes)
    return handoff.connect_case_system(people["street_staff"], platform.street, **values)


@pytest.fixture
def connected(people, handler, platform, fake):
    connection, secret = connect(people, handler, platform, fake.url)
    fake.secret = secret
    return connection, secret


def assigned(people, xihu, category, platform, capture, **changes):
    opinion = services.submit_opinion(people["resident"], intake(xihu, category, **changes))
    services.accept_opinion(people["street_staff"], opinion)
    with capture(execute=True):
        services.assign_opinion(people["street_staff"], opinion, [platform])
    opinion.refresh_from_db()
    return opinion


def signed(secret, *, opinion, status, text="", key=None, timestamp=None):
    timestamp = int(time.time()) if timestamp is None else timestamp
    key = key or str(uuid.uuid4())
    body = json.dumps({"idempotency_key": key, "timestamp": timestamp, "opinion": opinion,
                       "status": status, "text": text}, ensure_ascii=False).encode()
    return body, {"X-Yishi-Signature": handoff.sign(secret, body),
                  "X-Yishi-Timestamp": str(timestamp), "X-Yishi-Idempotency-Key": key}


def report(client, connection, body, headers):
    return client.post(reverse("api:case_report", args=[connection.key]), data=body,
                       content_type="application/json", headers=headers)


# --- connections -------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/x", "",
                                 "file:///etc/passwd", "http://"])
def test_only_http_addresses_are_accepted(people, handler, platform, url):
    with pytest.raises(handoff.HandoffError) as refused:
        connect(people, handler, platform, url)
    assert "endpoint_url" in refused.value.message_dict
    assert not CaseSystemConnection.objects.exists()


@pytest.mark.django_db
def test_the_secret_is_sealed_and_opens_again(people, handler, platform):
    connection, secret = connect(people, handler, platform, "https://cases.example.org/in")
    assert secret not in connection.sealed_secret and len(secret) >= 40
    assert handoff.secret_of(connection) == secret
    rotated = handoff.rotate_secret(people["street_staff"], connection)
    connection.refresh_from_db()
    assert rotated != secret and handoff.secret_of(connection) == rotated
    assert verify_chain()[1] is None


@pytest.mark.django_db
def test_one_active_connection_per_department(people, handler, platform):
    connect(people, handler, platform, "https://a.example.org/")
    with pytest.raises(handoff.HandoffError):
        connect(people, handler, platform, "https://b.example.org/")
    assert CaseSystemConnection.objects.count() == 1


@pytest.mark.django_db
def test_only_a_handler_of_the_street_can_be_the_account(people, handler, platform, xihu):
    beishan_handler = RoleAssignment.objects.create(
        user=people["nobody"], role=Role.DEPARTMENT_HANDLER, unit=xihu["beishan"],
        department=xihu["beishan"].departments.first())
    with pytest.raises(handoff.HandoffError) as refused:
        handoff.connect_case_system(people["street_staff"], xihu["xixi"],
                                    handler=beishan_handler, name="x", kind="other",
                                    endpoint_url="https://a.example.org/")
    assert "handler" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        connect(people | {"street_staff": people["deputy"]}, handler, platform,
                "https://a.example.org/")
    assert not CaseSystemConnection.objects.exists()


def test_connect_permission_matrix(people, xihu):
    assert_matrix(people, xihu,
                  lambda user, unit: has_perm(user, "opinions.connect_case_system", unit),
                  in_scope={"street_staff"}, out_of_scope=set())


# --- deliveries --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_assignment_sends_a_signed_delivery_without_the_number(
        people, xihu, category, platform, connected, fake, django_capture_on_commit_callbacks):
    connection, _secret = connected
    opinion = assigned(people, xihu, category, platform, django_capture_on_commit_callbacks)
    delivery = CaseDelivery.objects.get(opinion=opinion)
    assert delivery.state == DeliveryState.DELIVERED and delivery.attempts == 1
    assert fake.refused == [] and len(fake.deliveries) == 1
    body = fake.deliveries[0]
    assert body["idempotency_key"] == str(delivery.key)
    assert body["opinion"]["number"] == opinion.number
    assert body["opinion"]["resident"] == {"name": opinion.public_name, "mobile": None}
    assert people["resident"].mobile not in json.dumps(body)
    assert body["callback_url"].endswith(f"/api/case-systems/{connection.key}/reports")


@pytest.mark.django_db
def test_a_connection_allowed_the_number_receives_it(
        people, xihu, category, platform, handler, fake, django_capture_on_commit_callbacks):
    _connection, fake.secret = connect(people, handler, platform, fake.url,
                                       may_receive_mobile=True)
    opinion = assigned(people, xihu, category, platform, django_capture_on_commit_callbacks)
    assert fake.deliveries[0]["opinion"]["resident"] == {
        "name": opinion.contact_name, "mobile": opinion.contact_mobile}


@pytest.mark.django_db
def test_unconnected_departments_send_nothing(people, xihu, category, connected, fake,
                                              django_capture_on_commit_callbacks):
    other = xihu["xixi"].departments.exclude(case_systems__isnull=False).first()
    assigned(people, xihu, category, other, django_capture_on_commit_callbacks)
    assert not CaseDelivery.objects.exists() and fake.attempts == 0


@pytest.mark.django_db
def test_retries_with_backoff_then_fails_and_can_be_sent_again(
        people, xihu, category, platform, connected, fake, monkeypatch,
        django_capture_on_commit_callbacks):
    monkeypatch.setattr(handoff, "MAX_ATTEMPTS", 3)
    fake.fail_first = 3
    opinion = assigned(people, xihu, category, platform, django_capture_on_commit_callbacks)
    delivery = CaseDelivery.objects.get(opinion=opinion)
    assert delivery.state == DeliveryState.PENDING and delivery.last_error == "HTTP 503"
    first_wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=50) < first_wait <= timedelta(minutes=1)
    assert handoff.run_deliveries() == (0, 0)  # not due yet: nothing sent
    assert fake.attempts == 1
    handoff.run_deliveries(now=delivery.next_attempt_at + timedelta(seconds=1))
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.state == DeliveryState.PENDING
    assert delivery.next_attempt_at - timezone.now() > timedelta(minutes=1, seconds=50)
    handoff.run_deliveries(now=delivery.next_attempt_at + timedelta(seconds=1))
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED and fake.attempts == 3
    assert people["street_staff"].notifications.filter(subject__contains=opinion.number,
                                                       url__contains="manage").exists()
    handoff.run_deliveries(now=timezone.now() + timedelta(days=1))
    assert fake.attempts == 3  # failed stays failed until staff send it again
    with pytest.raises(PermissionDenied):
        handoff.resend_delivery(people["department_handler"], delivery)
    with django_capture_on_commit_callbacks(execute=True):
        handoff.resend_delivery(people["street_staff"], delivery)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED and len(fake.deliveries) == 1


@pytest.mark.django_db
def test_a_redirect_is_not_followed(people, xihu, category, platform, handler, fake,
                                    django_capture_on_commit_callbacks):
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self):
            self.send_response(307)
            self.send_header("Location", fake.url)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.handle_request, daemon=True).start()
    _c, fake.secret = connect(people, handler, platform,
                              f"http://127.0.0.1:{server.server_address[1]}/in")
    opinion = assigned(people, xihu, category, platform, django_capture_on_commit_callbacks)
    server.server_close()
    delivery = CaseDelivery.objects.get(opinion=opinion)
    assert delivery.state == DeliveryState.PENDING and delivery.last_error == "HTTP 307"
    assert fake.attempts == 0


# --- reports (callbacks) -----------------------------------------------------------------------

@pytest.fixture
def delivered(people, xihu, category, platform, connected, django_capture_on_commit_callbacks):
    opinion = assigned(people, xihu, category, platform, django_capture_on_commit_callbacks)
    return opinion, connected[0], connected[1]


def _unchanged(opinion, state):
    opinion.refresh_from_db()
    assert opinion.state == state
    assert not Reply.objects.filter(opinion=opinion).exists()


@pytest.mark.django_db
def test_reports_drive_the_same_services(client, delivered, handler, people):
    opinion, connection, secret = delivered
    answer = report(client, connection, *signed(secret, opinion=opinion.number,
                                                status="accepted"))
    assert answer.status_code == 200 and answer.json()["result"] == "unchanged"
    answer = report(client, connection, *signed(secret, opinion=opinion.number,
                                                status="handling"))
    assert answer.json() | {"state_label": ""} == {"result": "applied", "opinion":
                                                   opinion.number, "state": "handling",
                                                   "state_label": ""}
    answer = report(client, connection, *signed(secret, opinion=opinion.number,
                                                status="replied", text="已清理楼道。"))
    assert answer.json()["state"] == OpinionState.REPLIED
    reply = Reply.objects.get(opinion=opinion)
    assert reply.author == handler and reply.text == "已清理楼道。"
    # Out of order: "handling" after the reply changes nothing and is not an error.
    late = report(client, connection, *signed(secret, opinion=opinion.number,
                                               status="handling"))
    assert late.status_code == 200 and late.json()["result"] == "unchanged"
    assert CaseReport.objects.filter(delivery__opinion=opinion).count() == 4
    services.rate_opinion(people["resident"], opinion, "satisfied")
    closed = report(client, connection, *signed(secret, opinion=opinion.number,
                                                status="closed"))
    assert closed.json()["result"] == "unchanged" and closed.json()["state"] == "closed"


@pytest.mark.django_db
def test_a_replayed_key_changes_nothing_twice(client, delivered):
    opinion, connection, secret = delivered
    body, headers = signed(secret, opinion=opinion.number, status="replied", text="已处理。")
    assert report(client, connection, body, headers).json()["result"] == "applied"
    again = report(client, connection, body, headers)
    assert again.status_code == 200 and again.json()["result"] == "duplicate"
    assert Reply.objects.filter(opinion=opinion).count() == 1
    assert CaseReport.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("tamper", ["signature", "other_secret", "stale", "header_time",
                                    "header_key", "unknown_connection"])
def test_unauthentic_reports_are_refused_and_logged(client, delivered, tamper):
    opinion, connection, secret = delivered
    stamp = int(time.time()) - (1000 if tamper == "stale" else 0)
    body, headers = signed("wrong-secret" if tamper == "other_secret" else secret,
                           opinion=opinion.number, status="replied", text="伪造的答复",
                           timestamp=stamp)
    if tamper == "signature":
        body = body.replace("伪造".encode(), "篡改".encode())
    if tamper == "header_time":
        headers["X-Yishi-Timestamp"] = str(stamp + 1)
    if tamper == "header_key":
        headers["X-Yishi-Idempotency-Key"] = "another"
    if tamper == "unknown_connection":
        connection = CaseSystemConnection(key=uuid.uuid4())
    answer = report(client, connection, body, headers)
    assert answer.status_code == 401 and answer.json()["detail"]
    assert RefusedCallback.objects.count() == 1
    _unchanged(opinion, OpinionState.ASSIGNED)
    assert not CaseReport.objects.exists()


@pytest.mark.django_db
def test_an_unknown_opinion_is_404(client, delivered, people, xihu, category):
    opinion, connection, secret = delivered
    other = services.submit_opinion(people["resident"], intake(xihu, category))
    for number in ("202699999999", other.number):  # not sent through this connection either
        answer = report(client, connection, *signed(secret, opinion=number, status="accepted"))
        assert answer.status_code == 404
    assert not CaseReport.objects.exists()


@pytest.mark.django_db
def test_a_report_the_loop_does_not_allow_is_409_with_the_reason(client, delivered, people):
    opinion, connection, secret = delivered
    services.reply_to_opinion(people["street_staff"], opinion, "街道已答复。")
    services.rate_opinion(people["resident"], opinion, "satisfied")
    answer = report(client, connection, *signed(secret, opinion=opinion.number,
                                                status="replied", text="迟到的答复"))
    assert answer.status_code == 409
    assert "“" in answer.json()["detail"] or "closed" in answer.json()["detail"].lower()
    assert Reply.objects.filter(opinion=opinion).count() == 1
    assert not CaseReport.objects.exists() and RefusedCallback.objects.count() == 1


@pytest.mark.django_db
def test_bad_bodies_name_the_field(client, delivered):
    opinion, connection, secret = delivered
    body, headers = signed(secret, opinion=opinion.number, status="finished")
    answer = report(client, connection, body, headers)
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "status"
    body, headers = signed(secret, opinion=opinion.number, status="replied", text="  ")
    answer = report(client, connection, body, headers)
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "text"
    _unchanged(opinion, OpinionState.ASSIGNED)


@pytest.mark.django_db
def test_a_switched_off_connection_is_refused(client, delivered, people):
    opinion, connection, secret = delivered
    handoff.set_connection_active(people["street_staff"], connection, False)
    answer = report(client, connection, *signed(secret, opinion=opinion.number,
                                                status="handling"))
    assert answer.status_code == 401
    _unchanged(opinion, OpinionState.ASSIGNED)


def test_openapi_documents_the_callback_and_the_webhook(client):
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/case-systems/{connection}/reports"]["post"]
    assert "401" in operation["responses"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["properties"][
        "status"]["enum"] == ["accepted", "handling", "replied", "closed"]
    assert "opinion" in schema["components"]["schemas"]["WebhookDelivery"]["properties"]
    assert "caseDelivery" in schema["webhooks"]


@pytest.mark.django_db
def test_a_delivery_row_is_written_with_the_assignment_or_not_at_all(
        people, xihu, category, platform, connected, fake):
    opinion = services.submit_opinion(people["resident"], intake(xihu, category))
    services.accept_opinion(people["street_staff"], opinion)
    with pytest.raises(services.OpinionError):
        services.assign_opinion(people["street_staff"], opinion, [platform],
                                deadline=timezone.now() - timedelta(days=1))
    assert not CaseDelivery.objects.exists()
    assert Opinion.objects.get(pk=opinion.pk).state == OpinionState.ACCEPTED
