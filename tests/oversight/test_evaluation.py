"""Evaluation scorecards (考评激励): the tree's weights add up at every level, bad input is refused
with nothing changed, scores recompute identically, ties rank in the stated order, a review keeps
the self-score, a street sees its own card only, and on the demo every computed score opens the
records behind it (the list's length equals the figure)."""

import io
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from yishi.core.models import AuditRecord, User
from yishi.oversight import evaluation
from yishi.oversight.evaluation import IndicatorInput
from yishi.oversight.models import EvaluationScheme, Indicator, SchemeState, StreetScore

pytestmark = pytest.mark.django_db


def png(name="evidence.png"):
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.fixture
def scheme(people, xihu):
    """A two-level tree: opinions on time (computed, 60) and a group (40) of one assessed
    indicator and one computed count."""
    staff = people["district_staff"]
    scheme = evaluation.create_scheme(staff, 2026)
    evaluation.add_indicator(staff, scheme, IndicatorInput(
        "按时答复率", "60", method="ratio", measure="opinions_on_time", target="95"))
    group = evaluation.add_indicator(staff, scheme, IndicatorInput("特色工作", "40"))
    evaluation.add_indicator(staff, scheme, IndicatorInput(
        "特色品牌", "50", parent=group, method="assessed"))
    evaluation.add_indicator(staff, scheme, IndicatorInput(
        "议事会会议", "50", parent=group, method="threshold", measure="meetings_quorate",
        target="4"))
    return scheme


def _assessed(scheme):
    return scheme.indicators.get(method="assessed")


def test_points_follow_the_weights(scheme):
    points = {n.indicator.name: n.points for n in evaluation.flat(evaluation.tree(scheme))}
    assert points == {"按时答复率": Decimal("60.00"), "特色工作": Decimal("40.00"),
                      "特色品牌": Decimal("20.00"), "议事会会议": Decimal("20.00")}
    assert evaluation.tree_problems(scheme) == []


@pytest.mark.parametrize("weight", ["50.01", "abc", "0", "-5", "1.234", ""])
def test_bad_weight_is_refused_and_nothing_changes(scheme, people, weight):
    before = Indicator.objects.count()
    with pytest.raises(ValidationError) as exc:
        evaluation.add_indicator(people["district_staff"], scheme, IndicatorInput(
            "多余指标", weight, method="assessed"))
    assert "weight" in exc.value.message_dict
    assert Indicator.objects.count() == before


def test_weights_must_add_up_before_opening(people, xihu):
    staff = people["district_staff"]
    scheme = evaluation.create_scheme(staff, 2027)
    group = evaluation.add_indicator(staff, scheme, IndicatorInput("基础工作", "100"))
    evaluation.add_indicator(staff, scheme, IndicatorInput(
        "按时答复率", "70", parent=group, method="ratio", measure="opinions_on_time",
        target="95"))
    with pytest.raises(ValidationError, match="70"):
        evaluation.open_self_assessment(staff, scheme)
    scheme.refresh_from_db()
    assert scheme.state == SchemeState.CONFIGURING
    assert not StreetScore.objects.filter(indicator__scheme=scheme).exists()


def test_bad_indicator_input(people, xihu):
    staff = people["district_staff"]
    scheme = evaluation.create_scheme(staff, 2029)
    leaf = evaluation.add_indicator(staff, scheme, IndicatorInput("特色品牌", "50",
                                                                  method="assessed"))
    cases = [
        (IndicatorInput("x", "10", method="ratio", measure="opinions_on_time"), "target"),
        (IndicatorInput("x", "10", method="ratio", measure="nonsense", target="1"), "measure"),
        (IndicatorInput("x", "10", method="ratio", measure="opinions_on_time", target="120"),
         "target"),
        (IndicatorInput("x", "10", method="assessed", measure="opinions_on_time"), "measure"),
        (IndicatorInput("x", "10", parent=leaf, method="assessed"), "parent"),
        (IndicatorInput("", "10", method="assessed"), "name"),
    ]
    before = Indicator.objects.count()
    for data, field in cases:
        with pytest.raises(ValidationError) as exc:
            evaluation.add_indicator(staff, scheme, data)
        assert field in exc.value.message_dict, (data, exc.value)
    assert Indicator.objects.count() == before


def test_at_most_three_levels(people, xihu):
    staff = people["district_staff"]
    scheme = evaluation.create_scheme(staff, 2028)
    parent = None
    for name in ("一级", "二级", "三级"):
        parent = evaluation.add_indicator(staff, scheme, IndicatorInput(name, "100",
                                                                        parent=parent))
    with pytest.raises(ValidationError) as exc:
        evaluation.add_indicator(staff, scheme, IndicatorInput("四级", "100", parent=parent,
                                                               method="assessed"))
    assert "parent" in exc.value.message_dict
    assert scheme.indicators.count() == 3


def test_street_cannot_configure(scheme, people):
    with pytest.raises(PermissionDenied):
        evaluation.add_indicator(people["street_staff"], scheme, IndicatorInput(
            "x", "1", method="assessed"))


def test_recompute_gives_the_same_scores(scheme, people):
    staff = people["district_staff"]
    evaluation.open_self_assessment(staff, scheme)
    first = list(StreetScore.objects.order_by("pk").values_list(
        "pk", "indicator", "street", "numerator", "denominator", "value", "score"))
    assert first
    evaluation.compute(staff, scheme)
    again = list(StreetScore.objects.order_by("pk").values_list(
        "pk", "indicator", "street", "numerator", "denominator", "value", "score"))
    assert again == first


def test_ties_share_a_rank_in_street_order(scheme, people, xihu):
    from yishi.oversight import queries

    evaluation.open_self_assessment(people["district_staff"], scheme)
    ranking = evaluation.ranking(scheme)
    order = [s.pk for s in queries.streets()]
    # No records: every street earns the same; all rank 1, listed in the district's order.
    assert {row["rank"] for row in ranking} == {1}
    assert [row["street"].pk for row in ranking] == order
    # One street scores itself higher: it leads alone, the rest share rank 2.
    evaluation.self_assess(people["street_staff"], _assessed(scheme), xihu["xixi"], "15",
                           "品牌工作", [png()])
    ranking = evaluation.ranking(scheme)
    assert ranking[0]["rank"] == 1 and ranking[0]["street"].name == "西溪街道"
    assert {row["rank"] for row in ranking[1:]} == {2}
    assert [row["street"].pk for row in ranking[1:]] == [pk for pk in order
                                                         if pk != ranking[0]["street"].pk]


def test_self_assessment_and_review_keep_the_self_score(scheme, people, xihu):
    staff, street_staff, xixi = people["district_staff"], people["street_staff"], xihu["xixi"]
    indicator = _assessed(scheme)
    evaluation.open_self_assessment(staff, scheme)
    # Out of range, no evidence, another street, not open yet for review: refused.
    for score, files, field in (("20.01", [png()], "score"), ("-1", [png()], "score"),
                                ("abc", [png()], "score"), ("10", [], "evidence")):
        with pytest.raises(ValidationError) as exc:
            evaluation.self_assess(street_staff, indicator, xixi, score, "说明", files)
        assert field in exc.value.message_dict
    bad = SimpleUploadedFile("x.pdf", b"MZ\x90 not a pdf", "application/pdf")
    with pytest.raises(ValidationError) as exc:
        evaluation.self_assess(street_staff, indicator, xixi, "10", "说明", [bad])
    assert "evidence" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        evaluation.self_assess(street_staff, indicator, xihu["beishan"], "10", "说明", [png()])
    assert not StreetScore.objects.filter(indicator=indicator, self_score__isnull=False).exists()

    row = evaluation.self_assess(street_staff, indicator, xixi, "18", "打造议事品牌", [png()])
    assert row.score == Decimal("18.00") and row.evidence.count() == 1
    with pytest.raises(ValidationError):
        evaluation.review(staff, row, "15", "理由")  # not under review yet
    evaluation.start_review(staff, scheme)
    with pytest.raises(ValidationError) as exc:
        evaluation.review(staff, row, "15", "")
    assert "reason" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        evaluation.review(street_staff, row, "15", "自己改")
    row = evaluation.review(staff, row, "15", "佐证材料不足")
    row.refresh_from_db()
    assert (row.self_score, row.reviewed_score, row.score) == (
        Decimal("18.00"), Decimal("15.00"), Decimal("15.00"))
    assert row.review_reason == "佐证材料不足"
    assert AuditRecord.objects.filter(action="oversight.evaluation.review_score").count() == 1
    evaluation.publish(staff, scheme)
    scheme.refresh_from_db()
    assert scheme.state == SchemeState.PUBLISHED and scheme.published_at
    with pytest.raises(ValidationError):
        evaluation.compute(staff, scheme)


def test_scheme_of_a_year_once(scheme, people):
    with pytest.raises(ValidationError) as exc:
        evaluation.create_scheme(people["district_staff"], 2026)
    assert "year" in exc.value.message_dict
    with pytest.raises(ValidationError):
        evaluation.create_scheme(people["district_staff"], "19")


# --- on the demo -------------------------------------------------------------------------------

@pytest.fixture
def district_client(demo, verified_login):
    return verified_login(User.objects.get(mobile="13900000001"))


def test_every_computed_score_opens_its_records(district_client):
    year = timezone.localdate().year
    scheme = EvaluationScheme.objects.get(year=year)
    rows = StreetScore.objects.filter(indicator__scheme=scheme).exclude(
        indicator__measure="").select_related("indicator", "street")
    assert rows.count() == 12 * scheme.indicators.exclude(measure="").count()
    nonzero = set()
    for row in rows:
        page = district_client.get(f"/oversight/evaluation/{year}/streets/{row.street.code}/"
                                   f"{row.indicator_id}/").content.decode()
        counted = re.search(r'<ol class="plain-list" id="counted">(.*?)</ol>', page, re.S)
        assert counted.group(1).count("<li>") == row.numerator, (row.indicator.name, row.street)
        if row.denominator is not None:
            due = re.search(r'<ol class="plain-list" id="due">(.*?)</ol>', page, re.S)
            assert due.group(1).count("<li>") == row.denominator
        if row.numerator:
            nonzero.add(row.indicator.measure)
    assert len(nonzero) >= 5  # the demo's records really fill most measures


def test_grouped_measures_equal_each_streets_records(demo):
    """compute() counts every street in one grouped query per measure: each street's figures
    are the lengths of the per-street lists its score page shows, for every measure, and the
    queries do not grow with the number of streets."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yishi.oversight.evaluation_measures import SPECS, Period

    scheme = EvaluationScheme.objects.get(year=timezone.localdate().year)
    period = Period.of(scheme)
    streets = list(evaluation.queries.streets())
    nonzero = set()
    for spec in SPECS:
        with CaptureQueriesContext(connection) as few:
            evaluation.measures(spec, streets[:2], period)
        with CaptureQueriesContext(connection) as every:
            grouped = evaluation.measures(spec, streets, period)
        assert len(few) == len(every) == (1 if spec.kind == "count" else 2), spec.key
        for street in streets:
            counted, due, value = grouped[street.pk]
            assert counted == spec.counted(street, period).count(), (spec.key, street)
            if spec.due is None:
                assert (due, value) == (None, Decimal(counted))
            else:
                assert due == spec.due(street, period).count(), (spec.key, street)
            if counted:
                nonzero.add(spec.key)
    assert len(nonzero) >= 5, nonzero


def test_district_sees_all_ranked_with_last_year(district_client):
    year = timezone.localdate().year
    page = district_client.get(f"/oversight/evaluation/{year}/").content.decode()
    table = re.search(r'<table id="ranking".*?</table>', page, re.S).group(0)
    assert table.count("<tr>") == 13
    assert "evaluation_card" not in page and f"/oversight/evaluation/{year}/streets/" in table
    ranking = evaluation.ranking(EvaluationScheme.objects.get(year=year))
    assert all(row["last_total"] is not None for row in ranking)


def test_street_sees_its_own_card_only(demo, verified_login):
    from yishi.core.models import Role

    year = timezone.localdate().year
    staff = User.objects.get(mobile="13900010101")
    own = staff.role_assignments.filter(role=Role.STREET_STAFF).first().unit
    client = verified_login(staff)
    assert client.get(f"/oversight/evaluation/{year}/").status_code == 302
    assert client.get(f"/oversight/evaluation/{year}/streets/{own.code}/").status_code == 200
    other = next(s for s in evaluation.queries.streets() if s.pk != own.pk)
    assert client.get(f"/oversight/evaluation/{year}/streets/{other.code}/").status_code == 404
    indicator = EvaluationScheme.objects.get(year=year).indicators.exclude(measure="").first()
    assert client.get(f"/oversight/evaluation/{year}/streets/{other.code}/{indicator.pk}/"
                      ).status_code == 404
    before = list(StreetScore.objects.values_list("pk", "score", "reviewed_score"))
    assert client.post(f"/oversight/evaluation/{year}/streets/{other.code}/{indicator.pk}/"
                       "review/", {"score": "0", "reason": "x"}).status_code == 404
    assert client.post(f"/oversight/evaluation/{year}/do/publish/").status_code == 403
    assert list(StreetScore.objects.values_list("pk", "score", "reviewed_score")) == before


def _at_once(n, work):
    import threading

    from django.db import close_old_connections, connection

    barrier, outcomes = threading.Barrier(n), []

    def worker():
        try:
            barrier.wait()
            work()
            outcomes.append("ok")
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_requests_have_one_effect(people, xihu):
    from yishi.core.models import Attachment

    staff, street_staff = people["district_staff"], people["street_staff"]
    scheme = evaluation.create_scheme(staff, 2026)
    indicator = evaluation.add_indicator(staff, scheme, IndicatorInput(
        "特色工作", "100", method="assessed"))
    evaluation.open_self_assessment(staff, scheme)
    evidence = Attachment.objects.create(original_name="a.pdf", content_type="application/pdf",
                                         size=1, sha256="0" * 64, uploaded_by=street_staff)

    def assess():
        evaluation.self_assess(User.objects.get(pk=street_staff.pk),
                               Indicator.objects.get(pk=indicator.pk), xihu["xixi"], "80",
                               "品牌工作", attachment_ids=[evidence.pk])

    outcomes = _at_once(20, assess)
    assert outcomes.count("ok") == 20, outcomes  # the same answer, given once
    assert AuditRecord.objects.filter(action="oversight.evaluation.self_assess").count() == 1
    evaluation.start_review(staff, scheme)

    def publish():
        evaluation.publish(User.objects.get(pk=staff.pk),
                           EvaluationScheme.objects.get(pk=scheme.pk))

    outcomes = _at_once(20, publish)
    assert outcomes.count("ok") == 1, outcomes
    assert AuditRecord.objects.filter(action="oversight.evaluation.publish").count() == 1
    assert EvaluationScheme.objects.get(pk=scheme.pk).state == SchemeState.PUBLISHED
