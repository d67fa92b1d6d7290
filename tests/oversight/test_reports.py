"""Regular reports: asked of every street with figures prefilled, written and submitted by the
street, returned with comments then accepted by the district; late or missing flagged once."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from yishi.core.models import AuditRecord
from yishi.oversight import services
from yishi.oversight.dashboard import FIGURES
from yishi.oversight.models import ReportState, ReportType, StreetReport

pytestmark = pytest.mark.django_db
R = ReportState


@pytest.fixture
def report_type(people):
    today = timezone.localdate()
    return services.define_report_type(
        people["district_staff"], title="上半年工作汇报", kind="half_year",
        period_start=date(today.year, 1, 1), period_end=today,
        due_on=today + timedelta(days=10), sections=["工作开展情况", "存在问题", "下步打算"])


@pytest.fixture
def report(report_type, xihu):
    return report_type.reports.get(street=xihu["xixi"])


def test_every_street_gets_a_draft_with_figures(report_type, report):
    from yishi.oversight.queries import streets

    assert report_type.reports.count() == streets().count()
    assert set(report.figures) == {f.key for f in FIGURES}
    assert report.state == R.DRAFT


@pytest.mark.parametrize("changes, field", [
    ({"due_on": "past"}, "due_on"),
    ({"sections": []}, "sections"),
    ({"sections": ["a", "a"]}, "sections"),
    ({"period_end": "before"}, "period_end"),
    ({"kind": "weekly"}, "kind"),
])
def test_bad_report_types_are_refused(people, changes, field):
    today = timezone.localdate()
    data = dict(title="汇报", kind="annual", period_start=date(today.year, 1, 1),
                period_end=today, due_on=today + timedelta(days=5), sections=["一"])
    if changes.get("due_on") == "past":
        changes["due_on"] = today - timedelta(days=1)
    if changes.get("period_end") == "before":
        changes["period_end"] = date(today.year - 1, 1, 1)
    data.update(changes)
    with pytest.raises(ValidationError) as refused:
        services.define_report_type(people["district_staff"], **data)
    assert field in refused.value.message_dict
    assert not ReportType.objects.exists()


def test_street_staff_cannot_define(people):
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        services.define_report_type(people["street_staff"], title="x", kind="annual",
                                    period_start=today, period_end=today,
                                    due_on=today + timedelta(days=3), sections=["一"])


def test_submit_needs_every_section_then_return_then_accept(report, people):
    staff, district = people["street_staff"], people["district_staff"]
    services.save_draft(staff, report, {"工作开展情况": "召开议事会两次"})
    with pytest.raises(ValidationError) as refused:
        services.submit_report(staff, report)
    assert refused.value.code == "guard" and "存在问题" in refused.value.messages[0]
    services.save_draft(staff, report, {"工作开展情况": "召开议事会两次", "存在问题": "无",
                                        "下步打算": "继续"})
    services.submit_report(staff, report)
    with pytest.raises(ValidationError):
        services.save_draft(staff, report, {"存在问题": "改"})  # submitted: locked
    with pytest.raises(ValidationError):
        services.return_report(district, report, " ")
    services.return_report(district, report, "请补充数据分析")
    report.refresh_from_db()
    assert report.state == R.RETURNED and report.comments == "请补充数据分析"
    services.save_draft(staff, report, {"工作开展情况": "补充", "存在问题": "无", "下步打算": "继续"})
    services.submit_report(staff, report)
    services.accept_report(district, report)
    report.refresh_from_db()
    assert report.state == R.ACCEPTED and not report.is_late
    with pytest.raises(ValidationError):  # a report submitted after it was accepted
        services.submit_report(staff, report)
    assert AuditRecord.objects.filter(action="oversight.report.accept").count() == 1


def test_another_street_cannot_write_or_submit(report, beishan_staff, people):
    with pytest.raises(PermissionDenied):
        services.save_draft(beishan_staff, report, {"存在问题": "冒名"})
    with pytest.raises(ValidationError):
        services.save_draft(people["street_staff"], report, {"不存在的部分": "x"})
    services.save_draft(people["street_staff"], report,
                        {"工作开展情况": "a", "存在问题": "b", "下步打算": "c"})
    services.submit_report(people["street_staff"], report)
    with pytest.raises(PermissionDenied):  # a street does not accept its own report
        services.accept_report(people["street_staff"], report)
    with pytest.raises(PermissionDenied):
        services.return_report(people["deputy"], report, "不行")


def test_late_and_missing_flagged_once(report_type, report, people):
    after_due = timezone.now() + timedelta(days=11)
    flagged = services.flag_late_reports(after_due)
    assert flagged == report_type.reports.count()
    assert services.flag_late_reports(after_due) == 0
    # Submitted after the due date: still counted late, once.
    services.save_draft(people["street_staff"], report,
                        {"工作开展情况": "a", "存在问题": "b", "下步打算": "c"})
    services.submit_report(people["street_staff"], report, now=after_due)
    report.refresh_from_db()
    assert report.is_late
    assert AuditRecord.objects.filter(action="oversight.report.late",
                                      object_id=str(report.pk)).count() == 1


def test_pages(report, people, verified_login, beishan_staff):
    staff = verified_login(people["street_staff"])
    url = f"/oversight/reports/{report.pk}/"
    page = staff.get(url)
    assert page.status_code == 200 and 'id="figures"' in page.content.decode()
    response = staff.post(url + "submit/", {"section_0": "写了", "section_1": "", "section_2": ""})
    assert response.status_code == 400 and "写了" in response.content.decode()
    assert StreetReport.objects.get(pk=report.pk).state == R.DRAFT
    staff.post(url + "submit/", {"section_0": "a", "section_1": "b", "section_2": "c"})
    district = verified_login(people["district_staff"])
    assert "return_report" in district.get(url).content.decode()
    district.post(url + "return_report/", {"comments": "请补充"})
    assert StreetReport.objects.get(pk=report.pk).state == R.RETURNED
    assert verified_login(beishan_staff).get(url).status_code == 404


def test_api_roles(report, people, verified_login, beishan_staff):
    url = f"/api/oversight/reports/{report.pk}"
    staff = verified_login(people["street_staff"])
    body = staff.put(url + "/sections", {"sections": {"工作开展情况": "a", "存在问题": "b",
                                                      "下步打算": "c"}},
                     content_type="application/json").json()
    assert body["actions"] == [{"name": "submit", "label": "报送区人大"}] or \
        [a["name"] for a in body["actions"]] == ["submit"]
    assert staff.post(url + "/submit").json()["state"] == R.SUBMITTED
    assert staff.post(url + "/accept").status_code == 403
    assert staff.post(url + "/submit").status_code == 422
    district = verified_login(people["district_staff"])
    assert district.post(url + "/return", {"comments": ""},
                         content_type="application/json").status_code == 422
    assert district.post(url + "/accept").json()["state"] == R.ACCEPTED
    assert verified_login(beishan_staff).get(url).status_code == 404
    assert verified_login(people["deputy"]).get(url).json()["actions"] == []
