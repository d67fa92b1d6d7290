"""The district convenes the same meeting in every street at once and follows them side by
side."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from yishi.councils import district, roster
from yishi.councils.models import ItemKind, Meeting, MeetingBatch, MeetingState

from .conftest import member_input

pytestmark = pytest.mark.django_db


def test_convene_in_every_street(verified_login, people, xihu):
    staff = people["district_staff"]
    for n, street in enumerate((xihu["xixi"], xihu["beishan"])):
        council = roster.create_council(staff, street)
        community = street.children.first()
        for m in range(3):
            roster.add_member(staff, council.current_term(),
                                member_input(100 * n + m, community))
    agenda = [district.ItemTemplate(ItemKind.BUDGET_REVIEW, "街道预算执行情况"),
              district.ItemTemplate(ItemKind.PROJECT_SELECTION, "民生实事项目票选")]
    with pytest.raises(PermissionDenied):
        district.convene_in_every_street(people["street_staff"], xihu["district"],
                                         title="第三次会议", place="会议室",
                                         starts_at=timezone.now() + timedelta(days=9),
                                         agenda=agenda)
    batch = district.convene_in_every_street(
        staff, xihu["district"], title="第三次居民议事会议", place="会议室",
        starts_at=timezone.now() + timedelta(days=9), agenda=agenda)
    meetings = Meeting.objects.filter(batch=batch)
    assert meetings.count() == 2
    assert all(m.state == MeetingState.CONVENED and m.items.count() == 2 for m in meetings)
    assert {m.place for m in meetings} == {"西溪街道会议室", "北山街道会议室"}
    page = verified_login(staff).get(f"/councils/district/{batch.pk}/").content.decode()
    assert "北山街道" in page and "西溪街道" in page


def test_batch_form_rejects_bad_agenda(verified_login, people, xihu):
    client = verified_login(people["district_staff"])
    when = timezone.localtime(timezone.now() + timedelta(days=5))
    response = client.post("/councils/manage/district/new/", {
        "title": "第三次会议", "starts_at": f"{when:%Y-%m-%dT%H:%M}", "place": "会议室",
        "agenda": "budget | 预算\nnonsense"})
    assert response.status_code == 400 and MeetingBatch.objects.count() == 0


def test_the_side_by_side_page_counts_every_street_in_the_same_queries(
        verified_login, people, xihu):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yishi.core.models import Unit
    from yishi.councils import meetings as meetings_svc

    staff = people["district_staff"]
    client = verified_login(staff)
    streets = list(Unit.objects.filter(parent=xihu["district"]).order_by("sort_order")[:4])
    agenda = [district.ItemTemplate(ItemKind.BUDGET_REVIEW, "街道预算执行情况")]
    queries = []
    for n, street in enumerate(streets):
        council = roster.create_council(staff, street)
        for m in range(3):
            roster.add_member(staff, council.current_term(),
                              member_input(100 * n + m, street.children.first()))
        if n % 2:  # not every street: the page's figures must stay each street's own
            continue
        batch = district.convene_in_every_street(
            staff, xihu["district"], title=f"第{n}次会议", place="会议室",
            starts_at=timezone.now() + timedelta(days=9), agenda=agenda)
        first = batch.meetings.order_by("council__street__sort_order").first()
        # One member present (as the desk records it), so that the figures differ by street.
        first.attendances.filter(pk=first.attendances.first().pk).update(
            signed_in_at=timezone.now())
        with CaptureQueriesContext(connection) as captured:
            page = client.get(f"/councils/district/{batch.pk}/")
        queries.append(len(captured))
        for meeting in batch.meetings.all():
            figure = meetings_svc.quorum(meeting)  # one meeting, counted on its own
            row = next(r for r in page.context["rows"] if r["meeting"].pk == meeting.pk)
            assert row["quorum"] == figure
            assert row["items"] == 1 and row["minutes"] is None
    assert len(set(queries)) == 1, queries  # one, then two streets: the same queries
