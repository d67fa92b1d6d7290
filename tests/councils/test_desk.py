"""The sign-in desk: search by name, desk number or mobile digits (server-side), a sign-in that
keeps the search and the place, an audited undo, the live count as JSON; and the district's
meeting in every street from proper controls with a per-street preview."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone

from tests.core.test_concurrency import run_together
from yishi.core.models import AuditRecord, Role, RoleAssignment
from yishi.councils import meetings, votes
from yishi.councils.models import Attendance, ItemKind, Meeting, MeetingBatch

from .conftest import member_input, start_today

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(meeting, members, people, verified_login):
    staff = people["street_staff"]
    meetings.convene_meeting(staff, meeting)
    start_today(staff, meeting)
    return verified_login(staff), f"/councils/manage/meetings/{meeting.pk}/desk/"


def _shown(page: str, members) -> set[str]:
    return {m.user.name for m in members if f'data-name="{m.user.name}"' in page}


def test_search_by_name_number_or_mobile(desk, members):
    client, url = desk
    assert _shown(client.get(url).content.decode(), members) == {m.user.name for m in members}
    assert _shown(client.get(url, {"q": "成员3"}).content.decode(), members) == {"成员3"}
    assert _shown(client.get(url, {"q": "2"}).content.decode(), members) == {"成员2"}  # desk no.
    assert _shown(client.get(url, {"q": "0004"}).content.decode(), members) == {"成员4"}
    assert _shown(client.get(url, {"q": "<script>"}).content.decode(), members) == set()
    assert "&lt;script&gt;" in client.get(url, {"q": "<script>"}).content.decode()


def test_sign_in_keeps_the_search_and_the_place(desk, meeting, members):
    client, url = desk
    response = client.post(url, {"member": members[2].pk, "q": "成员3", "action": "sign_in"})
    assert response.status_code == 302
    assert response["Location"] == f"{url}?q={quote('成员3')}#member-{members[2].pk}"
    assert Attendance.objects.get(meeting=meeting, member=members[2]).signed_in_at is not None


def test_undo_a_sign_in_within_the_meeting(desk, meeting, members, people):
    client, url = desk
    client.post(url, {"member": members[0].pk, "action": "sign_in"})
    client.post(url, {"member": members[0].pk, "action": "undo"})
    row = Attendance.objects.get(meeting=meeting, member=members[0])
    assert row.signed_in_at is None and row.mode == ""
    record = AuditRecord.objects.get(action="councils.undo_sign_in")
    assert record.actor_id == people["street_staff"].pk
    assert meetings.quorum(meeting)["present"] == 0
    # A member who has voted keeps the sign-in the vote was cast with.
    staff = people["street_staff"]
    for m in members[:3]:
        meetings.sign_in(staff, meeting, m)
    item = votes.open_vote(staff, meeting.items.get(kind=ItemKind.MAJOR_MATTER))
    votes.cast_member_vote(members[0].user, item, "yes")
    client.post(url, {"member": members[0].pk, "action": "undo"})
    assert Attendance.objects.get(meeting=meeting, member=members[0]).signed_in_at is not None
    # One who has not voted may be undone, and leaves the open vote's presence too.
    client.post(url, {"member": members[1].pk, "action": "undo"})
    item.ballot.refresh_from_db()
    assert item.ballot.present_count == 2


def test_undo_is_refused_after_the_meeting_and_elsewhere(desk, meeting, members, people, xihu,
                                                         verified_login):
    client, url = desk
    client.post(url, {"member": members[0].pk, "action": "sign_in"})
    other = people["nobody"]
    RoleAssignment.objects.create(user=other, role=Role.STREET_STAFF, unit=xihu["beishan"])
    assert verified_login(other).post(url, {"member": members[0].pk, "action": "undo"}
                                      ).status_code == 403
    client = verified_login(people["street_staff"])
    meetings.close_meeting(people["street_staff"], meeting)
    client.post(url, {"member": members[0].pk, "action": "undo"})
    assert Attendance.objects.get(meeting=meeting, member=members[0]).signed_in_at is not None
    assert client.post(url, {"member": 999999, "action": "undo"}).status_code == 404


def test_live_count(desk, meeting, members):
    client, url = desk
    for m in members[:3]:
        client.post(url, {"member": m.pk, "action": "sign_in"})
    data = client.get(f"{url}count.json").json()
    assert (data["present"], data["entitled"], data["needed"], data["met"]) == (3, 5, 3, True)
    assert "3" in data["text"]


@pytest.mark.django_db(transaction=True)
def test_twenty_desks_undoing_at_once_undo_once(meeting, members, people):
    staff = people["street_staff"]
    meetings.convene_meeting(staff, meeting)
    start_today(staff, meeting)
    meetings.sign_in(staff, meeting, members[0])
    outcomes = run_together(lambda i: meetings.undo_sign_in(staff, meeting, members[0]),
                            count=20)
    assert sum(1 for kind, done in outcomes if kind == "ok" and done) == 1
    assert AuditRecord.objects.filter(action="councils.undo_sign_in").count() == 1


# --- the district's meeting in every street -------------------------------------------------

@pytest.fixture
def two_councils(people, xihu):
    from yishi.councils import roster

    staff = people["district_staff"]
    for n, street in enumerate((xihu["xixi"], xihu["beishan"])):
        council = roster.create_council(staff, street)
        for m in range(2):
            roster.add_member(staff, council.current_term(),
                              member_input(100 * n + m, street.children.first()))


def _batch_post(**overrides):
    when = timezone.localtime(timezone.now() + timedelta(days=9))
    data = {"title": "第三次居民议事会议", "starts_at": f"{when:%Y-%m-%dT%H:%M}",
            "place": "办事处议事厅", "street_in_place": "on",
            "agenda-TOTAL_FORMS": "4", "agenda-INITIAL_FORMS": "0",
            "agenda-MIN_NUM_FORMS": "0", "agenda-MAX_NUM_FORMS": "20",
            "agenda-0-kind": "budget_review", "agenda-0-title": "预算执行情况审查",
            "agenda-1-kind": "motion", "agenda-1-title": "电动车停放议案"}
    data.update(overrides)
    return data


def test_district_meeting_from_controls_with_a_preview(verified_login, two_councils, people):
    client = verified_login(people["district_staff"])
    page = client.get("/councils/manage/district/new/").content.decode()
    assert '<select name="agenda-0-kind"' in page and "{street}" not in page
    preview = client.post("/councils/manage/district/new/", _batch_post(preview="1"))
    body = preview.content.decode()
    assert preview.status_code == 200 and MeetingBatch.objects.count() == 0
    assert "西溪街道办事处议事厅" in body and "北山街道办事处议事厅" in body
    done = client.post("/councils/manage/district/new/", _batch_post(street_in_title="on"))
    assert done.status_code == 302
    titles = set(Meeting.objects.values_list("title", flat=True))
    assert titles == {"西溪街道第三次居民议事会议", "北山街道第三次居民议事会议"}
    assert all(m.items.count() == 2 for m in Meeting.objects.all())


def test_district_form_errors_beside_the_field(verified_login, two_councils, people):
    client = verified_login(people["district_staff"])
    response = client.post("/councils/manage/district/new/",
                           _batch_post(**{"agenda-1-kind": "", "agenda-2-kind": "nonsense",
                                          "agenda-2-title": "x"}))
    body = response.content.decode()
    assert response.status_code == 400 and MeetingBatch.objects.count() == 0
    assert 'id="id_agenda-1-kind_error"' in body and 'id="id_agenda-2-kind_error"' in body
    assert "电动车停放议案" in body  # nothing typed is lost
    empty = client.post("/councils/manage/district/new/", _batch_post(**{
        "agenda-0-kind": "", "agenda-0-title": "", "agenda-1-kind": "", "agenda-1-title": ""}))
    assert empty.status_code == 400 and MeetingBatch.objects.count() == 0
