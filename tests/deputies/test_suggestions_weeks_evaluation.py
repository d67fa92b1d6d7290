"""Deputies' suggestions through the opinions loop with the statutory time limits; editing and
evidence of duties; activity weeks; the evaluation tables and the annual report; the API."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.core.test_attachments import real_pdf
from yishi.deputies import services
from yishi.deputies.models import ActivityState, DutyActivity, PointsRule, ReceptionSession
from yishi.deputies.queries import scorecards, station_cards
from yishi.opinions import services as opinions
from yishi.opinions.models import Opinion, OpinionChannel, OpinionState


def test_a_suggestion_runs_through_the_loop_with_statutory_limits(people, deputy, category,
                                                                  platform, handler, xihu):
    suggestion = services.submit_suggestion(
        people["deputy"], title="加快老旧小区加装电梯", text="建议简化审批流程",
        category=category, community=xihu["xixi_community"])
    assert suggestion.channel == OpinionChannel.SUGGESTION and suggestion.author == people["deputy"]
    assert suggestion.recorded_by is None
    activity = deputy.activities.get(kind="suggestion")
    assert activity.automatic and activity.state == ActivityState.SUBMITTED  # the street confirms
    opinions.accept_opinion(people["street_staff"], suggestion)
    opinions.assign_opinion(people["street_staff"], suggestion, [platform])
    suggestion.refresh_from_db()
    days = (suggestion.reply_deadline - timezone.now()).days
    assert 88 <= days <= 92                       # three months, not fifteen working days
    with pytest.raises(ValidationError):          # past six months in all
        opinions.request_extension(handler, suggestion, 70, "需要跨部门协调")
    opinions.request_extension(handler, suggestion, 40, "需要跨部门协调")
    opinions.reply_to_opinion(handler, suggestion, "已列入明年计划")
    with pytest.raises(PermissionDenied):         # only the deputy rates
        opinions.rate_opinion(people["resident"], suggestion, "unsatisfied")
    opinions.rate_opinion(people["deputy"], suggestion, "unsatisfied", "太慢")
    suggestion.refresh_from_db()
    assert suggestion.state == OpinionState.HANDLING
    days = (suggestion.reply_deadline - timezone.now()).days
    assert 27 <= days <= 31                       # a second answer within one month


def test_only_deputies_submit_suggestions(people, category, xihu):
    with pytest.raises(PermissionDenied):
        services.submit_suggestion(people["resident"], title="t", text="x", category=category,
                                   community=xihu["xixi_community"])


def _activity(people, deputy):
    return services.register_activity(people["deputy"], deputy, kind="inspection",
                                      date=timezone.localdate(), description="调研")


def test_edit_own_activity_until_confirmed(people, deputy):
    activity = _activity(people, deputy)
    services.decide_activity(people["street_staff"], activity, confirm=False, reason="缺照片")
    services.edit_activity(people["deputy"], activity, kind="inspection",
                           date=activity.date, description="调研（补充照片）")
    activity.refresh_from_db()
    assert activity.state == ActivityState.SUBMITTED and activity.return_reason == ""
    services.decide_activity(people["street_staff"], activity, confirm=True)
    with pytest.raises(ValidationError):
        services.edit_activity(people["deputy"], activity, kind="training",
                               date=activity.date, description="改")


def test_a_deputy_cannot_edit_anothers_record(people, deputy):
    from yishi.deputies.models import DeputyProfile

    activity = _activity(people, deputy)
    DeputyProfile.objects.create(user=people["council_member"])
    with pytest.raises(PermissionDenied):
        services.edit_activity(people["council_member"], activity, kind="training",
                               date=activity.date, description="改")
    activity.refresh_from_db()
    assert activity.description == "调研"


def test_evidence_of_the_wrong_type_is_refused_and_nothing_saved(people, deputy):
    bad = SimpleUploadedFile("run.exe", b"MZ\x90\x00binary", content_type="application/pdf")
    with pytest.raises(ValidationError) as caught:
        services.register_activity(people["deputy"], deputy, kind="inspection",
                                   date=timezone.localdate(), description="调研", evidence=[bad])
    assert "run.exe" in caught.value.message_dict["evidence"][0]
    assert not DutyActivity.objects.exists()
    pdf = SimpleUploadedFile("sign-in.pdf", real_pdf(), content_type="text/plain")
    activity = services.register_activity(people["deputy"], deputy, kind="inspection",
                                          date=timezone.localdate(), description="调研",
                                          evidence=[pdf])
    assert activity.evidence.get().content_type == "application/pdf"


def test_activity_week_declared_by_the_district_with_station_events(people, deputy, station,
                                                                     xihu):
    today = timezone.localdate()
    start = today - timedelta(days=3)
    with pytest.raises(PermissionDenied):
        services.declare_week(people["street_staff"], xihu["district"], theme="活动周",
                              starts_on=start, ends_on=start + timedelta(days=6))
    week = services.declare_week(people["district_staff"], xihu["district"], theme="代表活动周",
                                 starts_on=start, ends_on=start + timedelta(days=6))
    with pytest.raises(ValidationError):          # outside the week
        services.publish_event(people["street_staff"], week, station, title="接待",
                               date=start - timedelta(days=1), place="联络站")
    event = services.publish_event(people["street_staff"], week, station, title="集中接待",
                                   date=start, place="联络站")
    with pytest.raises(ValidationError):          # registered on another day
        services.register_activity(people["deputy"], deputy, kind="activity_week", date=today,
                                   description="x", event=event)
    joined = services.register_activity(people["deputy"], deputy, kind="activity_week",
                                        date=start, description="集中接待", event=event)
    assert event.participations.get() == joined


def test_scorecards_rank_and_show_shortfalls(people, deputy, station, xihu):
    from yishi.deputies.models import DeputyProfile

    year = timezone.localdate().year
    station.min_receptions = 2
    station.save()
    other = DeputyProfile.objects.create(user=people["council_member"])
    other.stations.add(station)
    PointsRule.objects.create(kind="inspection", points=Decimal(3), valid_from=date(2020, 1, 1))
    PointsRule.objects.create(kind="absence", points=Decimal(-1), valid_from=date(2020, 1, 1))
    day = date(year, 1, 10)
    DutyActivity.objects.create(deputy=deputy, kind="inspection", date=day, description="a",
                                state=ActivityState.CONFIRMED)
    DutyActivity.objects.create(deputy=deputy, kind="inspection", date=day, description="b",
                                state=ActivityState.CONFIRMED)
    DutyActivity.objects.create(deputy=other, kind="absence", date=day, description="c",
                                state=ActivityState.CONFIRMED)
    DutyActivity.objects.create(deputy=other, kind="inspection", date=day, description="d",
                                state=ActivityState.SUBMITTED)   # not confirmed: no points
    held = ReceptionSession.objects.create(
        station=station, state="held", starts_at=timezone.make_aware(
            timezone.datetime(year, 1, 15, 9)), ends_at=timezone.make_aware(
            timezone.datetime(year, 1, 15, 11)))
    held.deputies.add(deputy)
    cards = scorecards(year, xihu["xixi"])
    assert [(c.deputy, c.points, c.rank_in_street, c.duty_days, c.receptions_held, c.shortfall)
            for c in cards] == [(deputy, Decimal(6), 1, 1, 1, 1),
                                (other, Decimal(-1), 2, 1, 0, 2)]
    rows = station_cards(year, xihu["xixi"], cards)
    assert (rows[0].station, rows[0].sessions_held, rows[0].points, rows[0].shortfalls) == (
        station, 1, Decimal(5), 2)


def test_evaluation_page_and_downloads_for_staff_only(client, people, deputy, xihu,
                                                      verified_login, category):
    from openpyxl import load_workbook

    url = reverse("deputies:evaluation")
    client.force_login(people["resident"])
    assert client.get(url).status_code == 403
    verified_login(people["street_staff"])
    page = client.get(url, {"unit": xihu["xixi"].code})
    assert page.status_code == 200 and people["deputy"].name in page.content.decode()
    csv = client.get(url, {"unit": xihu["xixi"].code, "format": "csv"})
    assert people["deputy"].name in csv.content.decode("utf-8-sig")
    book = load_workbook(io.BytesIO(client.get(url, {"unit": xihu["xixi"].code,
                                                     "format": "xlsx-stations"}).content))
    assert book.active.max_row == 2     # header + 西溪's station
    suggestion = services.submit_suggestion(
        people["deputy"], title="加快老旧小区加装电梯", text="建议简化审批流程",
        category=category, community=xihu["xixi_community"])
    Opinion.objects.filter(pk=suggestion.pk).update(rating="not_rated")
    report = client.get(reverse("deputies:annual_report",
                                args=[deputy.pk, timezone.localdate().year]))
    assert report.status_code == 200
    # What became of the deputy's suggestions, in words: not the rating's code.
    assert "未评价 1" in report.content.decode() and "not_rated" not in report.content.decode()
    client.force_login(people["council_member"])
    assert client.get(reverse("deputies:annual_report", args=[deputy.pk, 2026])).status_code == 403


def test_api_for_residents_deputies_and_staff(client, people, deputy, station, category, xihu,
                                              verified_login):
    start = timezone.now() + timedelta(days=5)
    verified_login(people["street_staff"])
    made = client.post(f"/api/deputies/stations/{station.code}/sessions", {
        "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat(),
        "mode": "online", "deputies": [deputy.pk], "slots": 1}, content_type="application/json")
    assert made.status_code == 201, made.content
    session_id = made.json()["id"]
    past = client.post(f"/api/deputies/stations/{station.code}/sessions", {
        "starts_at": (start - timedelta(days=10)).isoformat(), "ends_at": start.isoformat(),
        "deputies": [deputy.pk]}, content_type="application/json")
    assert past.status_code == 422
    assert client.get("/api/deputies/evaluation", {"unit": xihu["xixi"].code}).status_code == 200
    listed = client.get(f"/api/deputies/stations/{station.code}/sessions").json()
    assert [(s["id"], s["free"]) for s in listed] == [(session_id, 1)]
    client.force_login(people["resident"])
    booked = client.post(f"/api/deputies/sessions/{session_id}/bookings", {"topic": "停车"},
                         content_type="application/json")
    assert booked.status_code == 201 and booked.json()["position"] == 1
    client.force_login(people["council_member"])
    full = client.post(f"/api/deputies/sessions/{session_id}/bookings", {},
                       content_type="application/json")
    assert full.status_code == 422
    assert client.get("/api/deputies/evaluation", {"unit": xihu["xixi"].code}).status_code == 403
    assert client.get("/api/deputies/me/score").status_code == 403     # not a deputy
    client.force_login(people["deputy"])
    future = client.post("/api/deputies/me/activities", {
        "kind": "inspection", "date": (timezone.localdate() + timedelta(days=1)).isoformat(),
        "description": "x"}, content_type="application/json")
    assert future.status_code == 422
    assert client.post("/api/deputies/me/activities", {
        "kind": "inspection", "date": timezone.localdate().isoformat(),
        "description": "调研"}, content_type="application/json").status_code == 201
    sent = client.post("/api/deputies/me/suggestions", {
        "title": "增设公交站", "text": "建议", "category": category.code,
        "community": xihu["xixi_community"].code}, content_type="application/json")
    assert sent.status_code == 201
    assert client.get("/api/deputies/me/suggestions").json()[0]["state"] == "submitted"
    score = client.get("/api/deputies/me/score").json()
    assert score["name"] == people["deputy"].name and score["suggestions"] == 1
    assert client.get("/api/deputies/weeks").status_code == 200


def test_workspace_pages_render_for_their_roles(client, people, deputy, station, xihu,
                                                verified_login):
    client.force_login(people["deputy"])
    for name in ("my_schedule", "my_duties", "my_suggestions"):
        assert client.get(reverse(f"deputies:{name}")).status_code == 200, name
    assert client.get(reverse("deputies:schedule")).status_code == 403
    verified_login(people["street_staff"])
    for name in ("schedule", "confirm_queue", "evaluation", "manage_weeks"):
        assert client.get(reverse(f"deputies:{name}")).status_code == 200, name
    assert client.get(reverse("deputies:my_duties")).status_code == 403
    for name in ("stations", "weeks"):
        assert client.get(reverse(f"deputies:{name}")).status_code == 200


def test_schedule_form_keeps_what_was_typed_on_error(client, people, deputy, station,
                                                     verified_login):
    verified_login(people["street_staff"])
    response = client.post(reverse("deputies:schedule") + f"?station={station.code}", {
        "form": "series", "series-recurrence": "monthly", "series-month_day": "15",
        "series-first_date": str(timezone.localdate() + timedelta(days=10)),
        "series-last_date": str(timezone.localdate() + timedelta(days=100)),
        "series-start_time": "09:00", "series-end_time": "11:00", "series-mode": "in_person",
        "series-deputies": [deputy.pk], "series-slots": "6"})
    assert response.status_code == 400
    assert 'value="15"' in response.content.decode()
    assert not ReceptionSession.objects.exists()
