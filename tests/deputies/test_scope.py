"""Deputies' self-service stays inside their own duty (issue 17.7, 17.8): suggestions do not
raise their score until the street confirms them, the API takes only their street's
communities, and they join only their own station's activity-week events."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from yishi.deputies import services
from yishi.deputies.models import (
    ActivityState,
    DeputyProfile,
    DutyActivity,
    LiaisonStation,
    PointsRule,
)
from yishi.opinions.models import Opinion

pytestmark = pytest.mark.django_db


def _suggest(client, category, community):
    return client.post("/api/deputies/me/suggestions", {
        "title": "增设公交站", "text": "建议增设公交站", "category": category.code,
        "community": community.code}, content_type="application/json")


def test_suggestions_through_the_api_score_nothing_until_the_street_confirms(
        client, people, deputy, category, xihu):
    PointsRule.objects.create(kind="suggestion", points=Decimal(3), valid_from=date(2020, 1, 1))
    client.force_login(people["deputy"])
    for _i in range(5):
        assert _suggest(client, category, xihu["xixi_community"]).status_code == 201
    year = timezone.localdate().year
    assert services.score(deputy, date(year, 1, 1), date(year, 12, 31))["total"] == 0
    activities = DutyActivity.objects.filter(deputy=deputy, kind="suggestion")
    assert activities.count() == 5
    assert set(activities.values_list("state", flat=True)) == {ActivityState.SUBMITTED}
    # The street confirms one, returns another: one suggestion, three points.
    first, second = activities.order_by("pk")[:2]
    services.decide_activity(people["street_staff"], first, confirm=True)
    services.decide_activity(people["street_staff"], second, confirm=False, reason="重复建议")
    assert services.score(deputy, date(year, 1, 1), date(year, 12, 31))["total"] == 3
    # The deputy cannot confirm or edit the platform's record of a suggestion.
    with pytest.raises(ValidationError):
        services.edit_activity(people["deputy"], activities.order_by("pk")[2], kind="suggestion",
                               date=timezone.localdate(), description="x")


def test_the_api_refuses_a_community_outside_the_deputys_street(client, people, deputy,
                                                                category, xihu):
    client.force_login(people["deputy"])
    refused = _suggest(client, category, xihu["beishan_community"])
    assert refused.status_code == 422
    with translation.override("zh-hans"):
        expected = gettext("Choose a community of your station's street.")
    assert expected in refused.json()["detail"]
    street = _suggest(client, category, xihu["xixi"])  # a street is not a community
    assert street.status_code == 422
    assert not Opinion.objects.exists()
    assert not DutyActivity.objects.filter(deputy=deputy).exists()


@pytest.fixture
def events(people, station, xihu):
    beishan = LiaisonStation.objects.create(unit=xihu["beishan"], code="beishan", kind="street",
                                            name="北山街道人大代表联络站", notice_days=1)
    start = timezone.localdate() - timedelta(days=2)
    week = services.declare_week(people["district_staff"], xihu["district"], theme="代表活动周",
                                 starts_on=start, ends_on=start + timedelta(days=6))
    return {name: services.publish_event(people["district_staff"], week, s, title=f"{name}接待",
                                         date=start, place="联络站")
            for name, s in (("mine", station), ("other", beishan))}


def test_a_deputy_joins_only_their_own_stations_events(client, people, deputy, events):
    other = events["other"]
    with translation.override("en"), pytest.raises(ValidationError, match="station"):
        services.register_activity(people["deputy"], deputy, kind="activity_week",
                                   date=other.date, description="x", event=other)
    client.force_login(people["deputy"])
    assert client.post(reverse("deputies:join_event", args=[other.pk])).status_code == 404
    assert not other.participations.exists()
    mine = client.post(reverse("deputies:join_event", args=[events["mine"].pk]))
    assert mine.status_code == 302 and events["mine"].participations.count() == 1


def test_a_deputy_of_both_stations_joins_both(people, deputy, events):
    deputy.stations.add(events["other"].station)
    joined = services.register_activity(people["deputy"], deputy, kind="activity_week",
                                        date=events["other"].date, description="x",
                                        event=events["other"])
    assert joined.event == events["other"]
    assert DeputyProfile.objects.get(pk=deputy.pk).stations.count() == 2
