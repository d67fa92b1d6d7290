"""Merging stays inside the staff member's scope and tells nothing about other streets
(issue 17.6); numbers and merges hold under concurrent requests (issue 17.19)."""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.core.test_concurrency import run_together
from tests.opinions.test_loop import intake
from yishi.core.models import User
from yishi.opinions import services
from yishi.opinions.models import Opinion, OpinionCounter, OpinionState, Support


def _merge(client, opinion, into_number):
    return client.post(reverse("opinions:manage_action", args=[opinion.number, "merge"]),
                       {"into": into_number})


@pytest.mark.django_db
def test_merging_into_another_streets_opinion_reads_as_a_missing_number(
        client, people, xihu, category, verified_login):
    duplicate = services.submit_opinion(people["resident"], intake(xihu, category))
    services.accept_opinion(people["street_staff"], duplicate)
    beishan_resident = User.objects.create_user("13800000010", name="北山居民",
                                                home_unit=xihu["beishan_community"])
    private = services.submit_opinion(beishan_resident, intake(
        xihu, category, community=xihu["beishan_community"], is_public=False,
        title="北山的私人意见"))
    verified_login(people["street_staff"])

    out_of_scope = _merge(client, duplicate, private.number)
    missing = _merge(client, duplicate, "202699999999")
    assert out_of_scope.status_code == missing.status_code == 400
    with translation.override("zh-hans"):
        message = str(services.NO_SUCH_NUMBER)
    assert message != "There is no opinion with this number."
    assert message in out_of_scope.content.decode() and message in missing.content.decode()
    assert "北山的私人意见" not in out_of_scope.content.decode()
    assert Opinion.objects.get(pk=duplicate.pk).state == OpinionState.ACCEPTED
    assert not Support.objects.filter(opinion=private).exists()
    private.refresh_from_db()
    assert private.supports == 0 and private.state == OpinionState.SUBMITTED


@pytest.mark.django_db
def test_district_staff_merge_only_within_one_street(people, xihu, category):
    from django.core.exceptions import ValidationError

    xixi = services.submit_opinion(people["resident"], intake(xihu, category))
    beishan = services.submit_opinion(people["resident"], intake(
        xihu, category, community=xihu["beishan_community"]))
    with translation.override("en"), pytest.raises(ValidationError, match="same street"):
        services.merge_opinion(people["district_staff"], xixi, beishan)
    assert Opinion.objects.get(pk=xixi.pk).state == OpinionState.SUBMITTED


@pytest.mark.django_db(transaction=True)
def test_ten_parallel_submissions_in_one_street_all_get_a_number(people, xihu, category):
    residents = [User.objects.create_user(f"1380000{i:04d}", name=f"居民{i}",
                                          home_unit=xihu["xixi_community"]) for i in range(10)]
    # An opinion from before the counter existed: numbering continues after it.
    services.submit_opinion(people["resident"], intake(xihu, category))
    OpinionCounter.objects.all().delete()
    body = {"title": "电动车乱停放", "text": "楼道口停满电动车", "category": category.code,
            "community": xihu["xixi_community"].code}

    def post(i):
        client = Client()
        client.force_login(residents[i])
        response = client.post("/api/opinions", body, content_type="application/json")
        return response.status_code, response.json().get("number")

    outcomes = run_together(post, count=10)
    assert [kind for kind, _v in outcomes] == ["ok"] * 10, outcomes
    assert [status for _k, (status, _n) in outcomes] == [201] * 10, outcomes
    numbers = sorted(number for _k, (_s, number) in outcomes)
    assert [int(n[-5:]) for n in numbers] == list(range(2, 12))
    assert Opinion.objects.filter(street=xihu["xixi"]).count() == 11


@pytest.mark.django_db(transaction=True)
def test_two_merges_racing_in_opposite_directions_do_not_deadlock(people, xihu, category):
    """A→B and B→A at once, several rounds (the race window is small): one wins, the other is
    told its target is merged; never a deadlock error from the database."""
    staff = people["street_staff"]
    for round_ in range(6):
        a = services.submit_opinion(people["resident"], intake(xihu, category))
        b = services.submit_opinion(people["nobody"], intake(xihu, category, title="同一件事"))
        pairs = [(a, b), (b, a)]

        def merge(i, pairs=pairs):
            source, target = pairs[i]
            return services.merge_opinion(User.objects.get(pk=staff.pk), source, target).pk

        outcomes = run_together(merge, count=2)
        kinds = sorted(kind for kind, _v in outcomes)
        assert kinds == ["error", "ok"], (round_, outcomes)
        error = next(v for kind, v in outcomes if kind == "error")
        assert isinstance(error, services.OpinionError), (connection.vendor, repr(error))
        states = sorted(Opinion.objects.filter(pk__in=[a.pk, b.pk])
                        .values_list("state", flat=True))
        assert states == [OpinionState.MERGED, OpinionState.SUBMITTED]
