"""The statistics' summary (OpinionStatsDelta, kept by triggers) against the figures computed
from the opinions themselves, after random transitions through the services, bulk updates,
deletions, compaction and rebuild — and under concurrent changes on PostgreSQL."""

import random
import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tests.opinions.test_loop import intake
from yishi.opinions import services, stats, tasks
from yishi.opinions.models import Opinion, OpinionState, OpinionStatsDelta, Rating

FIGURES = ("received", "replied", "on_time", "rated", "satisfied", "reply_days_total",
           "overdue_open")


def _same_figures():
    assert stats.summary_differences() == []
    summary, live = stats.district_figures(), stats.district_figures(live=True)
    for mine, theirs in zip([summary.total, *summary.streets, *summary.months],
                            [live.total, *live.streets, *live.months], strict=True):
        assert [getattr(mine, f) for f in FIGURES] == [getattr(theirs, f) for f in FIGURES]
    return summary


def _walk(rng, opinions, people, staff, handler, platform, steps):
    resident = people["resident"]
    for _ in range(steps):
        opinion = Opinion.objects.get(pk=rng.choice(opinions).pk)
        # Mostly the opinion's next step, sometimes anything (refused or not).
        following = {OpinionState.SUBMITTED: "accept", OpinionState.ACCEPTED: "assign",
                     OpinionState.ASSIGNED: "reply", OpinionState.HANDLING: "reply",
                     OpinionState.REPLIED: "rate"}.get(opinion.state)
        action = following if following and rng.random() < 0.75 else rng.choice(
            ["accept", "assign", "reply", "rate", "merge", "bulk", "deadline"])
        try:
            if action == "accept":
                services.accept_opinion(staff, opinion)
            elif action == "assign":
                services.assign_opinion(staff, opinion, [platform])
            elif action == "reply":
                services.reply_to_opinion(handler, opinion, "已处理。")
            elif action == "rate":
                services.rate_opinion(resident, opinion, rng.choice(
                    [Rating.SATISFIED, Rating.BASICALLY, Rating.UNSATISFIED]))
            elif action == "merge":
                into = rng.choice(opinions)
                if into.pk != opinion.pk:
                    services.merge_opinion(staff, opinion, Opinion.objects.get(pk=into.pk))
            elif action == "bulk":
                # Paths that bypass the services: a bulk update of ratings and receipt times.
                Opinion.objects.filter(pk__in=[o.pk for o in rng.sample(opinions, 3)]).update(
                    rating=rng.choice(["", Rating.NOT_RATED, Rating.SATISFIED]),
                    created_at=timezone.now() - timedelta(days=rng.randint(0, 70)))
            else:
                tasks.run_deadlines(timezone.now() + timedelta(days=rng.randint(0, 40)))
        except (ValidationError, PermissionDenied):
            pass  # refused in this state: the point is that refusals change no figure either
        if rng.random() < 0.1:
            stats.compact()


@pytest.mark.parametrize("seed", [1, 2])
def test_summary_equals_the_opinions_after_random_transitions(seed, people, xihu, category,
                                                              platform, handler, settings):
    settings.YISHI_QUIET_HOURS_START = settings.YISHI_QUIET_HOURS_END = 0
    rng = random.Random(seed)
    staff = people["street_staff"]
    opinions = [services.submit_opinion(people["resident"], intake(
        xihu, category, title=f"意见{n}")) for n in range(12)]
    _walk(rng, opinions, people, staff, handler, platform, 80)
    figures = _same_figures()
    assert figures.total.received and figures.total.replied  # the walk did reach replies
    assert Opinion.objects.filter(state=OpinionState.MERGED).exists() or seed != 1
    gone = services.submit_opinion(people["resident"], intake(xihu, category, title="删除"))
    _same_figures()
    Opinion.objects.filter(pk=gone.pk).delete()
    _same_figures()
    stats.compact()
    assert OpinionStatsDelta.objects.count() <= len(stats.summary_groups()) * 31
    _same_figures()
    # Wrong rows (a restore that skipped the triggers): the check says so, rebuild mends it.
    OpinionStatsDelta.objects.create(street=xihu["xixi"], created_at=timezone.now(), received=5)
    assert stats.summary_differences()
    with pytest.raises(Exception, match="differ"):
        call_command("rebuild_opinion_stats", "--check")
    call_command("rebuild_opinion_stats")
    _same_figures()


@pytest.mark.django_db(transaction=True)
def test_summary_stays_exact_under_concurrent_changes(people, xihu, category, platform,
                                                      handler, settings):
    """Twenty changes at once (replies, ratings, merges) while the summary is folded: each
    appended row is folded exactly once or left, never lost or counted twice."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    settings.YISHI_QUIET_HOURS_START = settings.YISHI_QUIET_HOURS_END = 0
    staff = people["street_staff"]
    opinions = []
    for n in range(20):
        opinion = services.submit_opinion(people["resident"], intake(xihu, category,
                                                                     title=f"并发{n}"))
        services.accept_opinion(staff, opinion)
        services.assign_opinion(staff, opinion, [platform])
        opinions.append(opinion)
    errors = []

    def change(opinion, n):
        from django.db import connection as own

        try:
            barrier.wait()
            if n % 3 == 2:
                services.merge_opinion(staff, opinion, opinions[0])
            else:
                services.reply_to_opinion(handler, opinion, "已处理。")
                if n % 3 == 1:
                    services.rate_opinion(people["resident"], Opinion.objects.get(pk=opinion.pk),
                                          Rating.SATISFIED)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            own.close()

    def fold():
        from django.db import connection as own

        barrier.wait()
        for _ in range(5):
            stats.compact()
        own.close()

    threads = [threading.Thread(target=change, args=(o, n)) for n, o in
               enumerate(opinions[1:], start=1)] + [threading.Thread(target=fold)]
    barrier = threading.Barrier(len(threads))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    figures = _same_figures()
    assert figures.total.replied >= 12 and figures.total.received == 20 - 6


def test_emptying_the_tables_in_any_order_leaves_no_figures(people, xihu, category):
    """Django's flush empties tables one by one in no fixed order: the summary first, then the
    opinions (whose deletions would append negative rows) must still leave nothing."""
    for n in range(2):
        services.submit_opinion(people["resident"], intake(xihu, category, title=f"清空{n}"))
    OpinionStatsDelta.objects.all().delete()
    Opinion.objects.all().delete()
    assert not OpinionStatsDelta.objects.exists()
    assert stats.district_figures().total.received == 0
