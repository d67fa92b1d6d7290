"""Assigning work to streets and carrying it through the assignment's workflow: each step by the
person it belongs to, refused for everyone else with nothing changed."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from yishi.core.models import AuditRecord, Notification
from yishi.core.workdays import deadline_after
from yishi.oversight import services
from yishi.oversight.models import Assignment, AssignmentState, Feedback, Task

pytestmark = pytest.mark.django_db
S = AssignmentState


def png(name="site.png"):
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def test_assign_to_several_streets_with_one_lead(task, people, xihu):
    rows = {a.street_id: a for a in task.assignments.all()}
    assert set(rows) == {xihu["xixi"].pk, xihu["beishan"].pk}
    assert rows[xihu["xixi"].pk].is_lead and not rows[xihu["beishan"].pk].is_lead
    assert all(a.state == S.ASSIGNED for a in rows.values())
    # The deadline is counted on the working-day calendar the opinions use.
    assert task.deadline == deadline_after(task.issued_at, 10)
    assert AuditRecord.objects.filter(action="oversight.assign_task",
                                      object_id=str(task.pk)).exists()
    assert Notification.objects.filter(recipient=people["street_staff"],
                                       url__startswith="/oversight/assignments/").exists()


def _input(xihu, **changes):
    data = dict(title="任务", description="内容", streets=[xihu["xixi"], xihu["beishan"]],
                lead=xihu["xixi"], workdays=5)
    data.update(changes)
    return services.TaskInput(**data)


@pytest.mark.parametrize("changes, field", [
    ({"streets": []}, "streets"),
    ({"lead": None}, "lead"),
    ({"title": "   "}, "title"),
    ({"workdays": None, "due_on": None}, "workdays"),
    ({"workdays": 0}, "workdays"),
    ({"workdays": None, "due_on": "past"}, "due_on"),
    ({"workdays": None, "due_on": "today"}, "due_on"),
    ({"escalate_after_workdays": -1}, "escalate_after_workdays"),
])
def test_bad_tasks_are_refused_and_nothing_is_created(people, xihu, changes, field):
    today = timezone.localdate()
    if changes.get("due_on") == "past":
        changes["due_on"] = today - timedelta(days=3)
    elif changes.get("due_on") == "today":
        changes["due_on"] = today
    before = AuditRecord.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.assign_task(people["district_staff"], _input(xihu, **changes))
    assert field in refused.value.message_dict
    assert not Task.objects.exists() and not Assignment.objects.exists()
    assert AuditRecord.objects.count() == before


def test_a_community_is_not_a_street(people, xihu):
    with pytest.raises(ValidationError):
        services.assign_task(people["district_staff"], _input(
            xihu, streets=[xihu["xixi_community"]], lead=xihu["xixi_community"]))


@pytest.mark.parametrize("role", ["street_staff", "deputy", "resident", "sysadmin", "nobody"])
def test_only_the_district_assigns(people, xihu, role):
    with pytest.raises(PermissionDenied):
        services.assign_task(people[role], _input(xihu))
    assert not Task.objects.exists()


def test_the_street_signs_handles_and_reports_with_evidence(xixi_assignment, people):
    staff = people["street_staff"]
    services.sign_for(staff, xixi_assignment)
    services.start_handling(staff, xixi_assignment)
    feedback = services.report_back(staff, xixi_assignment, "已完成摸排，共12个小区。", [png()])
    xixi_assignment.refresh_from_db()
    assert xixi_assignment.state == S.REPORTED and xixi_assignment.reported_at
    assert feedback.evidence.get().content_type == "image/png"
    services.close(people["district_staff"], xixi_assignment)
    xixi_assignment.refresh_from_db()
    assert xixi_assignment.state == S.CLOSED and xixi_assignment.closed_at
    assert list(xixi_assignment.events.values_list("action", flat=True)) == [
        "assigned", "sign", "start", "report", "close"]
    actions = set(AuditRecord.objects.filter(object_id=str(xixi_assignment.pk),
                                             action__startswith="oversight.")
                  .values_list("action", flat=True))
    assert {"oversight.sign", "oversight.start", "oversight.report",
            "oversight.close"} <= actions


def test_another_street_cannot_sign_or_report(beishan_assignment, people):
    staff = people["street_staff"]  # of 西溪
    with pytest.raises(PermissionDenied):
        services.sign_for(staff, beishan_assignment)
    with pytest.raises((PermissionDenied, ValidationError)):
        services.report_back(staff, beishan_assignment, "冒名反馈")
    beishan_assignment.refresh_from_db()
    assert beishan_assignment.state == S.ASSIGNED
    assert not Feedback.objects.exists()


@pytest.mark.parametrize("role", ["district_staff", "deputy", "resident"])
def test_others_cannot_sign_for_the_street(xixi_assignment, people, role):
    with pytest.raises(PermissionDenied):
        services.sign_for(people[role], xixi_assignment)


def test_evidence_of_the_wrong_type_refuses_the_whole_report(xixi_assignment, people):
    staff = people["street_staff"]
    services.sign_for(staff, xixi_assignment)
    bad = SimpleUploadedFile("report.exe", b"MZ\x90\x00 not a document", "application/pdf")
    with pytest.raises(ValidationError) as refused:
        services.report_back(staff, xixi_assignment, "已完成", [png(), bad])
    assert "evidence" in refused.value.message_dict
    xixi_assignment.refresh_from_db()
    assert xixi_assignment.state == S.SIGNED
    assert not Feedback.objects.exists()


def test_someone_elses_upload_is_not_evidence(xixi_assignment, people):
    from yishi.core.attachments import store_attachment

    other = store_attachment(people["resident"], png())
    services.sign_for(people["street_staff"], xixi_assignment)
    with pytest.raises(ValidationError):
        services.report_back(people["street_staff"], xixi_assignment, "已完成",
                             attachment_ids=[other.pk])
    xixi_assignment.refresh_from_db()
    assert xixi_assignment.state == S.SIGNED


def test_street_cannot_close_and_district_cannot_close_before_report(xixi_assignment, people):
    services.sign_for(people["street_staff"], xixi_assignment)
    with pytest.raises(ValidationError) as refused:
        services.close(people["district_staff"], xixi_assignment)
    assert refused.value.code == "state"
    services.report_back(people["street_staff"], xixi_assignment, "已完成")
    with pytest.raises(PermissionDenied):
        services.close(people["street_staff"], xixi_assignment)


def test_report_after_close_is_refused(xixi_assignment, people):
    services.sign_for(people["street_staff"], xixi_assignment)
    services.report_back(people["street_staff"], xixi_assignment, "已完成")
    services.close(people["district_staff"], xixi_assignment)
    with pytest.raises(ValidationError):
        services.report_back(people["street_staff"], xixi_assignment, "再次反馈")
    assert Feedback.objects.count() == 1


def test_send_back_needs_a_reason_then_the_street_reports_again(xixi_assignment, people):
    staff, district = people["street_staff"], people["district_staff"]
    services.sign_for(staff, xixi_assignment)
    services.report_back(staff, xixi_assignment, "初步完成")
    with pytest.raises(ValidationError):
        services.send_back(district, xixi_assignment, "  ")
    services.send_back(district, xixi_assignment, "缺少现场照片")
    xixi_assignment.refresh_from_db()
    assert xixi_assignment.state == S.HANDLING
    services.report_back(staff, xixi_assignment, "补充照片", [png()])
    assert xixi_assignment.feedback.count() == 2


def test_decline_with_reason_and_reassign(xixi_assignment, people):
    staff, district = people["street_staff"], people["district_staff"]
    with pytest.raises(ValidationError):
        services.decline(staff, xixi_assignment, "")
    services.decline(staff, xixi_assignment, "不属于本街道职责")
    xixi_assignment.refresh_from_db()
    assert xixi_assignment.state == S.RETURNED and xixi_assignment.reason
    services.reassign(district, xixi_assignment)
    xixi_assignment.refresh_from_db()
    assert xixi_assignment.state == S.ASSIGNED and xixi_assignment.reason == ""


def test_progress_rolls_up_from_the_streets(task, xixi_assignment, beishan_assignment, people,
                                            beishan_staff):
    from yishi.oversight.queries import progress

    assert progress(task) == 0
    services.sign_for(people["street_staff"], xixi_assignment)
    services.report_back(people["street_staff"], xixi_assignment, "完成")
    services.close(people["district_staff"], xixi_assignment)
    assert progress(task) == 50
    services.decline(beishan_staff, beishan_assignment, "不属于本街道")
    assert progress(task) == 100  # a returned share does not count
