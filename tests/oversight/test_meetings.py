"""Bimonthly meetings (双月例会): agenda, attendance per street, practice materials, decisions that
become assignments, minutes published to the streets, and open items carried over to the next
meeting by themselves, exactly once."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections, connection
from django.test import Client
from django.utils import timezone

from tests.permission_matrix import assert_matrix
from yishi.core.models import AuditRecord, Notification
from yishi.oversight import meetings, services
from yishi.oversight.meetings_models import AgendaItem, MeetingAttendance, MeetingState

pytestmark = pytest.mark.django_db
SOON = timezone.localdate() + timedelta(days=5)


@pytest.fixture
def meeting(people):
    return meetings.schedule_meeting(people["district_staff"], title="第一次双月例会",
                                     held_on=SOON, place="三楼会议室")


def _png():
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, format="PNG")
    return SimpleUploadedFile("交流.png", out.getvalue(), content_type="image/png")


def test_a_meeting_from_agenda_to_published_minutes(meeting, people, xihu):
    district = people["district_staff"]
    topic = meetings.add_item(district, meeting, title="交办事项进展")
    practice = meetings.add_item(district, meeting, title="西溪经验交流", kind="practice",
                                 presenter=xihu["xixi"])
    # The presenting street adds its materials; another street may not.
    meetings.add_materials(people["street_staff"], practice, [_png()])
    assert practice.materials.count() == 1
    meetings.record_attendance(district, meeting, xihu["xixi"], "present", "工委主任")
    meetings.record_attendance(district, meeting, xihu["beishan"], "excused")
    meetings.record_attendance(district, meeting, xihu["beishan"], "present")  # a correction
    assert MeetingAttendance.objects.filter(meeting=meeting).count() == 2
    meetings.hold(district, meeting)
    decision = meetings.decide(district, meeting, "各街道开展加装电梯摸排", item=topic,
                               assign=services.TaskInput(
                                   title="加装电梯摸排", description="摸排需求",
                                   streets=[xihu["xixi"], xihu["beishan"]], lead=xihu["xixi"],
                                   workdays=10))
    assert decision.task.assignments.count() == 2
    meetings.resolve_item(district, practice, "会议肯定")
    meetings.write_minutes(district, meeting, "会议纪要正文")
    meetings.publish(district, meeting)
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.PUBLISHED and meeting.published_at
    assert Notification.objects.filter(recipient=people["street_staff"],
                                       subject__contains="第一次双月例会").exists()
    assert AuditRecord.objects.filter(action="oversight.meeting.publish").count() == 1
    # The topic was left open: it waits for the next meeting and joins it when convened.
    assert meetings.carry_over() == 0
    second = meetings.schedule_meeting(district, title="第二次双月例会",
                                       held_on=SOON + timedelta(days=60))
    carried = second.items.get()
    assert carried.carried_from == topic and carried.title == topic.title
    assert meetings.carry_over() == 0  # idempotent: a second run adds nothing
    assert AgendaItem.objects.filter(carried_from=topic).count() == 1


@pytest.mark.parametrize("case", ["past", "practice-no-street", "publish-no-minutes",
                                  "decide-before-held", "after-published", "bad-status"])
def test_bad_input_is_refused_and_changes_nothing(case, meeting, people, xihu):
    district = people["district_staff"]
    before = AuditRecord.objects.count()
    with pytest.raises(ValidationError) as refused:
        if case == "past":
            meetings.schedule_meeting(district, title="x",
                                      held_on=timezone.localdate() - timedelta(days=1))
        elif case == "practice-no-street":
            meetings.add_item(district, meeting, title="x", kind="practice")
        elif case == "publish-no-minutes":
            meetings.hold(district, meeting)
            before = AuditRecord.objects.count()
            meetings.publish(district, meeting)
        elif case == "decide-before-held":
            meetings.decide(district, meeting, "决定")
        elif case == "after-published":
            meetings.hold(district, meeting)
            meetings.write_minutes(district, meeting, "纪要")
            meetings.publish(district, meeting)
            before = AuditRecord.objects.count()
            meetings.add_item(district, meeting, title="晚到的议题")
        else:
            meetings.record_attendance(district, meeting, xihu["xixi"], "asleep")
    assert refused.value.messages
    assert AuditRecord.objects.count() == before


def test_only_the_district_runs_meetings_and_only_the_presenter_adds_materials(
        meeting, people, xihu, beishan_staff):
    for role in ("street_staff", "deputy", "resident", "nobody"):
        with pytest.raises(PermissionDenied):
            meetings.add_item(people[role], meeting, title="x")
        with pytest.raises(PermissionDenied):
            meetings.hold(people[role], meeting)
    practice = meetings.add_item(people["district_staff"], meeting, title="交流",
                                 kind="practice", presenter=xihu["xixi"])
    with pytest.raises(PermissionDenied):
        meetings.add_materials(beishan_staff, practice, [_png()])
    assert practice.materials.count() == 0


def test_materials_rule_matrix(meeting, people, xihu):
    """Who may add materials to a street's exchange of practice, for every role, in and out of
    the presenting street."""
    items = {}

    def action(user, unit):
        street = unit.parent
        if street.pk not in items:
            items[street.pk] = meetings.add_item(people["district_staff"], meeting, title="交流",
                                                 kind="practice", presenter=street)
        return meetings.may_add_materials(user, items[street.pk])

    assert_matrix(people, xihu, action, in_scope={"district_staff", "street_staff"},
                  out_of_scope={"district_staff"})


def test_pages(meeting, people, own_login):
    meetings.add_item(people["district_staff"], meeting, title="交办事项进展")
    district = own_login(people["district_staff"])
    url = f"/oversight/meetings/{meeting.pk}/"
    assert "交办事项进展" in district.get(url).content.decode()
    assert district.post(url + "item/", {"kind": "topic", "title": ""}).status_code == 400
    assert district.post(url + "hold/").status_code == 302
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.HELD
    street = own_login(people["street_staff"])
    page = street.get(url).content.decode()
    assert "交办事项进展" in page and "Write the minutes" not in page
    assert street.post(url + "item/", {"kind": "topic", "title": "x"}).status_code == 403
    assert street.get("/oversight/meetings/").status_code == 200
    assert Client().get("/oversight/meetings/").status_code == 302  # sign in first


def test_api(meeting, people, own_login, xihu):
    district = own_login(people["district_staff"])
    base = f"/api/oversight/meetings/{meeting.pk}"
    assert district.post(base + "/items", {"title": "议题"},
                         content_type="application/json").status_code == 201
    assert district.post(base + "/attendance", {"street": xihu["xixi"].code, "status": "present"},
                         content_type="application/json").status_code == 200
    assert district.post(base + "/hold").json()["state"] == "held"
    bad = district.post(base + "/decisions", {"text": "决定", "streets": ["nowhere"]},
                        content_type="application/json")
    assert bad.status_code in (400, 422) and bad.json()["errors"][0]["field"] == "streets"
    made = district.post(base + "/decisions", {"text": "交办摸排", "streets": [xihu["xixi"].code],
                                               "workdays": 5}, content_type="application/json")
    assert made.status_code == 201 and made.json()["decisions"][0]["task"]
    street = own_login(people["street_staff"])
    detail = street.get(base).json()
    assert detail["minutes"] is None and detail["actions"] == []
    assert street.post(base + "/publish").status_code == 403


def test_api_materials(meeting, people, own_login, xihu, beishan_staff):
    """The presenting street adds its practice materials through the API (multipart `files`);
    another street, a file of the wrong type and no file at all are refused, nothing stored."""
    practice = meetings.add_item(people["district_staff"], meeting, title="垃圾分类经验交流",
                                 kind="practice", presenter=xihu["xixi"])
    url = f"/api/oversight/meetings/{meeting.pk}/items/{practice.pk}/materials"
    other = own_login(beishan_staff)
    assert other.post(url, {"files": _png()}).status_code == 403
    street = own_login(people["street_staff"])
    empty = street.post(url, {})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "files"
    script = SimpleUploadedFile("a.png", b"<script>alert(1)</script>", content_type="image/png")
    assert street.post(url, {"files": script}).status_code == 422
    assert practice.materials.count() == 0
    elsewhere = f"/api/oversight/meetings/{meeting.pk}/items/999999/materials"
    assert street.post(elsewhere, {"files": _png()}).status_code == 404
    added = street.post(url, {"files": _png()})
    assert added.status_code == 201, added.content
    item = next(i for i in added.json()["items"] if i["id"] == practice.pk)
    assert [m["name"] for m in item["materials"]] == ["交流.png"]
    assert street.get(item["materials"][0]["url"]).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_concurrent_carry_over_adds_each_item_once(people, xihu):
    district = people["district_staff"]
    first = meetings.schedule_meeting(district, title="一", held_on=SOON)
    open_item = meetings.add_item(district, first, title="未结事项")
    meetings.hold(district, first)
    meetings.write_minutes(district, first, "纪要")
    # The next meeting exists before the minutes are published; then two workers race.
    second = meetings.schedule_meeting(district, title="二", held_on=SOON + timedelta(days=60))
    from yishi.core.workflow import transition

    transition(first, "publish", district, published_at=timezone.now())
    barrier = threading.Barrier(4)
    counts = []

    def worker():
        try:
            barrier.wait()
            counts.append(meetings.carry_over())
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            counts.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(c for c in counts if isinstance(c, int)) == 1, counts
    assert AgendaItem.objects.filter(carried_from=open_item).count() == 1
    assert second.items.count() == 1
