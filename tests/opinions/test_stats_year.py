"""The demo's year of opinions and the statistics over it: the database's figures against a
plain Python reference, the records export recomputed by docs/opinion_stats_check.py, the audit
chain, search and numbering after the bulk load, and bad filters."""

import csv
import io
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from django.utils import timezone

from yishi.core.audit import verify_chain
from yishi.core.models import Department
from yishi.core.workdays import workdays_between
from yishi.opinions import services, stats
from yishi.opinions.models import (
    Assignment,
    AssignmentState,
    Opinion,
    OpinionCategory,
    OpinionState,
    Reply,
    TimelineEntry,
)

CHECK = Path(__file__).resolve().parents[2] / "docs" / "opinion_stats_check.py"
RATED, SATISFIED = {"satisfied", "basically", "unsatisfied"}, {"satisfied", "basically"}


def _reference(opinions):
    """Per street, per month and in all, by walking the opinions one by one in Python, with
    the first replies read from the replies themselves and working days from core.workdays."""
    first_reply = {}
    for reply in Reply.objects.filter(assignment__is_lead=True).order_by("created_at", "id"):
        first_reply.setdefault(reply.opinion_id, reply)
    figures = defaultdict(lambda: defaultdict(int))
    for o in opinions:
        if o.state == OpinionState.MERGED:
            continue
        month = timezone.localtime(o.created_at).strftime("%Y-%m")
        for key in (("street", o.street_id), ("month", month), ("total",)):
            row = figures[key]
            row["received"] += 1
            reply = first_reply.get(o.pk)
            if reply is not None:
                row["replied"] += 1
                row["on_time"] += reply.created_at <= o.first_reply_due
                row["days"] += workdays_between(timezone.localtime(o.created_at).date(),
                                                timezone.localtime(reply.created_at).date())
            row["rated"] += o.rating in RATED
            row["satisfied"] += o.rating in SATISFIED
            row["overdue"] += o.is_overdue
    return figures


def _as_tuple(row):
    return (row.received, row.replied, row.on_time, row.rated, row.satisfied,
            row.reply_days_total, row.overdue_open)


def _ref_tuple(ref):
    return (ref["received"], ref["replied"], ref["on_time"], ref["rated"], ref["satisfied"],
            ref["days"], ref["overdue"])


def test_database_figures_match_a_python_reference(demo):
    opinions = list(Opinion.objects.all())
    assert len(opinions) > 100
    reference = _reference(opinions)
    figures = stats.district_figures()
    codes = dict(stats.streets().values_list("code", "pk"))
    for row in figures.streets:
        assert _as_tuple(row) == _ref_tuple(reference[("street", codes[row.key])]), row.label
    assert [r.key for r in figures.months] == sorted(k[1] for k in reference if k[0] == "month")
    for row in figures.months:
        assert _as_tuple(row) == _ref_tuple(reference[("month", row.key)]), row.key
    assert _as_tuple(figures.total) == _ref_tuple(reference[("total",)])
    # Per department: its own assignments; ratings for the lead department.
    street = Opinion.objects.values_list("street", flat=True).first()
    departments = {r.key: r for r in stats.by_department(
        stats.streets().get(pk=street))}
    expected = defaultdict(lambda: [0, 0, 0])
    for a in (Assignment.objects.filter(opinion__street=street)
              .exclude(state=AssignmentState.TRANSFERRED)
              .exclude(opinion__state=OpinionState.MERGED).select_related("opinion")):
        counts = expected[str(a.department_id)]
        counts[0] += 1
        counts[1] += a.first_replied_at is not None
        counts[2] += a.is_lead and a.opinion.rating in RATED
    for key, (received, replied, rated) in expected.items():
        row = departments[key]
        assert (row.received, row.replied, row.rated) == (received, replied, rated)


def test_the_year_is_varied_per_street_and_month(demo):
    """On a full-size year (tests load a smaller one, see tests/demo.py)."""
    from yishi.opinions.demo_set.year import load_year

    load_year(3000)
    checked, problem = verify_chain()
    assert problem is None
    figures = stats.district_figures()
    assert len(figures.months) >= 12
    assert all(row.received for row in figures.streets)  # every street has opinions
    assert len({row.on_time_percent for row in figures.streets}) > 3
    assert len({row.received for row in figures.months}) > 6
    states = set(Opinion.objects.values_list("state", flat=True))
    assert states >= {OpinionState.SUBMITTED, OpinionState.NOT_ACCEPTED, OpinionState.HANDLING,
                      OpinionState.REPLIED, OpinionState.CLOSED, OpinionState.MERGED}
    steps = set(TimelineEntry.objects.values_list("action", flat=True))
    assert steps >= {"submit", "accept", "refuse", "assign", "start", "reply", "rate", "reopen",
                     "escalate", "close", "expire_rating", "merge", "extension", "overdue"}
    channels = set(Opinion.objects.values_list("channel", flat=True))
    assert len(channels) == 6
    assert Opinion.objects.filter(reopen_count=1).exists()
    assert Opinion.objects.filter(supports__gt=0).exists()


def test_bulk_history_keeps_audit_search_and_numbering_intact(demo, people):
    checked, problem = verify_chain()
    assert problem is None and checked > Opinion.objects.count()
    sample = Opinion.objects.exclude(replies=None).order_by("pk").first()
    assert sample.timeline.exists()
    from yishi.opinions.search import search, words

    word = max(words(sample.title), key=len)
    assert sample in search(word, limit=10_000)
    reply_word = max(words(sample.replies.first().text), key=len)
    assert sample in search(reply_word, limit=10_000)
    # A new opinion after the load gets the next number of its street and year.
    resident = Opinion.objects.filter(channel="web", street__code="330106002").first().author
    before = set(Opinion.objects.values_list("number", flat=True))
    new = services.submit_opinion(resident, services.Intake(
        title="新意见", text="测试编号连续。", category=OpinionCategory.objects.first(),
        community=resident.home_unit))
    assert new.number not in before
    prefix = new.number[:7]
    highest = max(n for n in before if n.startswith(prefix))
    assert int(new.number[7:]) == int(highest[7:]) + 1


def test_the_records_export_recomputes_the_page(demo, client, tmp_path):
    year = timezone.localdate().year
    page = client.get("/opinions/statistics/", {"year": year}).content.decode()
    response = client.get("/opinions/statistics/", {"year": year, "format": "records"})
    assert response.status_code == 200
    body = response.content.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(body)))
    assert "contact_mobile" not in header and "text" not in header and "number" in header
    path = tmp_path / "records.csv"
    path.write_bytes(response.content)
    result = subprocess.run([sys.executable, str(CHECK), str(path), "--json"],
                            capture_output=True, text=True, check=True)
    recomputed = json.loads(result.stdout)
    assert recomputed["on_time_column_disagrees"] == []
    figures = stats.district_figures(*_year(year))
    total = recomputed["figures"]["total"]
    assert (total["received"], total["replied"], total["on_time"], total["rated"],
            total["satisfied"]) == (figures.total.received, figures.total.replied,
                                    figures.total.on_time, figures.total.rated,
                                    figures.total.satisfied)
    assert f'data-figure="on-time">{total["on_time_rate"]}<' in page
    assert f'data-figure="satisfaction">{total["satisfaction_rate"]}<' in page
    for row in figures.streets:
        mine = recomputed["figures"].get(row.label)
        if row.received:
            assert (mine["on_time_rate"], mine["satisfaction_rate"]) == (
                row.on_time_percent, row.satisfaction_percent)
            assert f"<th scope=\"row\">{row.label}</th>" in page


def _year(year):
    from datetime import date

    return date(year, 1, 1), date(year, 12, 31)


def test_street_and_month_filters(demo, client):
    figures = stats.district_figures()
    month = figures.months[-1].key  # YYYY-MM
    year, number = int(month[:4]), int(month[5:])
    page = client.get("/opinions/statistics/", {"year": year, "month": number,
                                                "street": "330106002"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "西溪街道" in html and "便民服务平台" in html
    assert f"<th scope=\"row\">{month}</th>" in html
    assert html.count("<th scope=\"row\">") == Department.objects.filter(
        street__code="330106002").count() + 1


def test_bad_filters_are_named_and_change_nothing(demo, client):
    count = Opinion.objects.count()
    client.cookies["django_language"] = "en"
    for params, message in (({"year": "abc"}, "Year"), ({"year": "1800"}, "Year"),
                            ({"month": "13"}, "Month"), ({"street": "nowhere"}, "Street")):
        response = client.get("/opinions/statistics/", params)
        html = response.content.decode()
        assert response.status_code == 200 and "error-summary" in html, params
        assert message in html
    assert Opinion.objects.count() == count


def test_district_page_queries_do_not_grow_with_opinions(demo, client,
                                                         django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        client.get("/opinions/statistics/")
    with django_assert_max_num_queries(14):
        client.get("/opinions/statistics/", {"street": "330106002"})
