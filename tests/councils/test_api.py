"""The JSON API: public reads (masked rosters), staff convening and sign-in, member votes, calls;
bad input answered with 4xx naming the field, nothing changed."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from yishi.councils import roster
from yishi.councils.models import AgendaItem, Call, ItemState, Meeting

pytestmark = pytest.mark.django_db


def _post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def test_meeting_through_the_api(verified_login, client, council, members, people, xihu):
    roster.publish_roster(people["street_staff"], council.current_term())
    roster_rows = client.get(f"/api/councils/councils/{xihu['xixi'].code}/members").json()
    assert len(roster_rows) == 5 and roster_rows[0]["mobile"].startswith("137****")
    staff = verified_login(people["street_staff"])
    past = (timezone.now() - timedelta(days=1)).isoformat()
    bad = _post(staff, "/api/councils/meetings", {"street": xihu["xixi"].code, "title": "t",
                                                  "starts_at": past, "place": "p"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "starts_at"
    assert Meeting.objects.count() == 0
    future = (timezone.now() + timedelta(days=3)).isoformat()
    created = _post(staff, "/api/councils/meetings", {
        "street": xihu["xixi"].code, "title": "第四次会议", "starts_at": future, "place": "会议室"})
    assert created.status_code == 201
    meeting_id = created.json()["id"]
    item = _post(staff, f"/api/councils/meetings/{meeting_id}/items",
                 {"kind": "motion", "title": "关于增设公交站的动议"})
    assert item.status_code == 201
    item_id = item.json()["id"]
    assert _post(staff, f"/api/councils/meetings/{meeting_id}/convene").json()["state"] == "convened"
    # Three days early: refused, the day is named; on its day it starts.
    early = _post(staff, f"/api/councils/meetings/{meeting_id}/start")
    day = timezone.localtime(Meeting.objects.get(pk=meeting_id).starts_at).date().isoformat()
    assert early.status_code == 422 and day in early.json()["detail"]
    Meeting.objects.filter(pk=meeting_id).update(starts_at=timezone.now())
    assert _post(staff, f"/api/councils/meetings/{meeting_id}/start").status_code == 200
    assert _post(staff, f"/api/councils/items/{item_id}/open-vote").status_code == 422
    for m in members[:3]:
        answer = _post(staff, f"/api/councils/meetings/{meeting_id}/sign-ins",
                       {"member_id": m.pk})
        assert answer.json()["signed_in"] is True
    again = _post(staff, f"/api/councils/meetings/{meeting_id}/sign-ins", {"member_id": members[0].pk})
    assert again.json() == {"signed_in": False, "quorum": {
        "present": 3, "entitled": 5, "needed": 3, "fraction": "1/2", "met": True}}
    assert _post(staff, f"/api/councils/items/{item_id}/open-vote").status_code == 200
    client.force_login(members[0].user)
    assert _post(client, f"/api/councils/items/{item_id}/votes", {"answer": "yes"}).status_code == 201
    assert _post(client, f"/api/councils/items/{item_id}/votes", {"answer": "yes"}).status_code == 422
    staff = verified_login(people["street_staff"])
    # 1 of 3 present has voted: closing needs the confirmation, and a typed result is ignored.
    refused = _post(staff, f"/api/councils/items/{item_id}/close-vote", {"resolution": "通过"})
    assert refused.status_code == 422 and {"1", "3"} <= set(refused.json()["detail"])
    assert AgendaItem.objects.get(pk=item_id).state == ItemState.VOTING
    closed = _post(staff, f"/api/councils/items/{item_id}/close-vote", {"confirmed": True})
    assert closed.json()["votes_yes"] == 1 and closed.json()["passed"] is False
    assert closed.json()["closed_early"] is True and closed.json()["votes_cast"] == 1
    member = Client()
    member.force_login(members[0].user)
    detail = member.get(f"/api/councils/meetings/{meeting_id}").json()
    assert detail["items"][0]["motion"] == "关于增设公交站的动议"
    assert detail["actions"] == []  # a member: no step of the meeting is theirs
    staff_detail = staff.get(f"/api/councils/meetings/{meeting_id}").json()
    assert [a["name"] for a in staff_detail["actions"]] == ["close_meeting"]
    assert staff_detail["actions"][0]["confirm"]


def test_calls_through_the_api(client, council, people, xihu):
    client.force_login(people["resident"])
    bad = _post(client, "/api/councils/calls", {"community": xihu["xixi_community"].code,
                                                "description": ""})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "description"
    made = _post(client, "/api/councils/calls", {"community": xihu["xixi_community"].code,
                                                 "description": "健身器材损坏"})
    assert made.status_code == 201
    client.force_login(people["council_member"])
    supported = _post(client, f"/api/councils/calls/{made.json()['id']}/supports")
    assert supported.json()["supports"] == 2
    assert client.get("/api/councils/calls").json()[0]["supports"] == 2
    assert Call.objects.count() == 1
    assert client.get("/api/councils/councils").json()[0]["street"] == xihu["xixi"].code


def test_item_detail_lists_the_steps_allowed_now(verified_login, client, meeting, members,
                                                 people, xihu):
    from yishi.core.models import Role, RoleAssignment
    from yishi.councils import meetings

    from .conftest import start_today

    staff = people["street_staff"]
    item = meeting.items.get(kind="major_matter")
    assert client.get(f"/api/councils/items/{item.pk}").status_code == 404  # a draft: not public
    meetings.convene_meeting(staff, meeting)
    start_today(staff, meeting)
    for m in members[:3]:
        meetings.sign_in(staff, meeting, m)
    anonymous = client.get(f"/api/councils/items/{item.pk}").json()
    assert anonymous["actions"] == [] and anonymous["state"] == "pending"
    assert anonymous["motion"] == item.title and anonymous["meeting"] == meeting.pk
    other = people["nobody"]
    RoleAssignment.objects.create(user=other, role=Role.STREET_STAFF, unit=xihu["beishan"])
    assert verified_login(other).get(f"/api/councils/items/{item.pk}").json()["actions"] == []
    mine = verified_login(staff).get(f"/api/councils/items/{item.pk}").json()
    assert [a["name"] for a in mine["actions"]] == ["open_vote"]
    assert client.get("/api/councils/items/999999").status_code == 404
