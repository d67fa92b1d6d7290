"""In a browser: the district assigns a task to three streets; 西溪 signs for it on a phone and
reports back with a photo; 北山 lets the deadline pass and is escalated to its liaison leader;
the district closes the work that was reported. Every page is checked by axe."""

import io
from datetime import timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.councils.test_browser import staff_page, staff_sign_in, submit  # noqa: F401
from yishi.core.models import Notification, Unit, UnitKind
from yishi.oversight import services
from yishi.oversight.models import AssignmentState, LiaisonLink, Task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = AssignmentState


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "green").save(out, format="PNG")
    return out.getvalue()


def test_assign_sign_report_escalate_close(page, staff_page, people, xihu, beishan_staff):  # noqa: F811
    third = Unit.objects.filter(kind=UnitKind.STREET).exclude(
        pk__in=[xihu["xixi"].pk, xihu["beishan"].pk]).order_by("sort_order").first()
    leader = people["district_staff"]
    LiaisonLink.objects.create(leader=leader, street=xihu["beishan"], starts_on="2025-01-01")

    # The district assigns the task to three streets, 西溪 leading.
    staff_sign_in(staff_page, people["district_staff"].mobile)
    staff_page.goto("/oversight/assignments/")
    submit(staff_page, staff_page.get_by_role("link", name="交办任务"))
    staff_page.get_by_label("标题").fill("老旧小区加装电梯摸排")
    staff_page.get_by_label("工作内容").fill("摸排辖区老旧小区加装电梯需求，形成清单。")
    for street in (xihu["xixi"], xihu["beishan"], third):
        staff_page.get_by_label(street.name, exact=True).check()
    staff_page.get_by_label("牵头街道").select_option(str(xihu["xixi"].pk))
    staff_page.get_by_label("办理时限（工作日）").fill("10")
    submit(staff_page, staff_page.get_by_role("button", name="交办", exact=True))
    task = Task.objects.get()
    assert task.assignments.count() == 3
    assert "老旧小区加装电梯摸排" in staff_page.get_by_role("heading", level=1).inner_text()

    # 西溪's committee signs for it on a phone and reports back with a photo.
    xixi = task.assignments.get(street=xihu["xixi"])
    staff_sign_in(page, people["street_staff"].mobile)
    page.goto("/oversight/assignments/")
    submit(page, page.get_by_role("link", name="老旧小区加装电梯摸排"))
    submit(page, page.get_by_role("button", name="签收"))
    assert page.locator("#assignment-state").inner_text() == "已签收（签收）" or \
        "签收" in page.locator("#assignment-state").inner_text()
    page.get_by_label("办理情况").fill("已完成摸排，共12个小区有需求。")
    page.set_input_files("input[type=file]", files=[
        {"name": "现场.png", "mimeType": "image/png", "buffer": _png()}])
    submit(page, page.get_by_role("button", name="反馈办理情况"))
    xixi.refresh_from_db()
    assert xixi.state == S.REPORTED
    assert xixi.feedback.get().evidence.count() == 1
    expect(page.get_by_role("link", name="现场.png")).to_be_visible()

    # 北山 never signs for it: past the deadline and the grace days, it is escalated once.
    beishan = task.assignments.get(street=xihu["beishan"])
    services.run_deadlines(beishan.escalate_at + timedelta(minutes=1))
    beishan.refresh_from_db()
    assert beishan.escalated_at is not None
    assert Notification.objects.filter(recipient=leader, subject__contains="老旧小区").exists()
    staff_page.goto(f"/oversight/assignments/{beishan.pk}/")
    expect(staff_page.locator(".status-escalated")).to_be_visible()
    # …then signs for it and reports, late.
    services.sign_for(beishan_staff, beishan)
    services.report_back(beishan_staff, beishan, "已补交摸排清单。")

    # The district closes both reported assignments (confirming first).
    for assignment in (xixi, beishan):
        staff_page.goto(f"/oversight/assignments/{assignment.pk}/")
        staff_page.locator("summary", has_text="办结").click()
        submit(staff_page, staff_page.get_by_role("button", name="确认办结", exact=False))
        assignment.refresh_from_db()
        assert assignment.state == S.CLOSED
    staff_page.goto(f"/oversight/tasks/{task.pk}/")
    assert "67%" in staff_page.content()


def test_half_year_report_returned_then_accepted(page, staff_page, people, xihu):  # noqa: F811
    from datetime import date

    from django.utils import timezone

    from yishi.oversight.models import ReportState, StreetReport

    today = timezone.localdate()
    report_type = services.define_report_type(
        people["district_staff"], title="上半年工作汇报", kind="half_year",
        period_start=date(today.year, 1, 1), period_end=today,
        due_on=today + timedelta(days=10), sections=["工作开展情况", "存在问题"])
    report = report_type.reports.get(street=xihu["xixi"])

    # The street's committee finds its figures prefilled, writes and submits.
    staff_sign_in(page, people["street_staff"].mobile)
    page.goto(f"/oversight/reports/{report.pk}/")
    assert page.locator("#figures tr").count() == len(report.figures)
    page.get_by_label("工作开展情况").fill("召开居民议事会议两次。")
    page.get_by_label("存在问题").fill("意见办理时效有待提高。")
    submit(page, page.get_by_role("button", name="报送区人大"))
    assert StreetReport.objects.get(pk=report.pk).state == ReportState.SUBMITTED

    # The district returns it with comments…
    staff_sign_in(staff_page, people["district_staff"].mobile)
    staff_page.goto(f"/oversight/reports/{report.pk}/")
    staff_page.get_by_label("意见").fill("请补充数据分析。")
    submit(staff_page, staff_page.get_by_role("button", name="退回并提出意见"))
    assert StreetReport.objects.get(pk=report.pk).state == ReportState.RETURNED

    # …the street adds to it and submits again, and the district accepts it.
    page.goto(f"/oversight/reports/{report.pk}/")
    assert "请补充数据分析。" in page.content()
    page.get_by_label("存在问题").fill("意见办理时效有待提高；已补充数据分析。")
    submit(page, page.get_by_role("button", name="报送区人大"))
    staff_page.goto(f"/oversight/reports/{report.pk}/")
    staff_page.locator("summary", has_text="通过").click()
    submit(staff_page, staff_page.get_by_role("button", name="确认通过", exact=False))
    assert StreetReport.objects.get(pk=report.pk).state == ReportState.ACCEPTED
