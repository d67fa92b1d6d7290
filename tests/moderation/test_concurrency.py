"""Twenty moderators approving at once: one decision. Twenty reports at once: one queue entry
(the item goes back to the queue once; each reporter's report is kept once)."""

import pytest
from django.core.exceptions import ValidationError

from tests.core.test_concurrency import run_together
from yishi.core.models import AuditRecord, Role, RoleAssignment, User
from yishi.moderation import services
from yishi.moderation.models import ModerationItem, ModerationState, Report

pytestmark = pytest.mark.django_db(transaction=True)


def _item(submit):
    opinion = submit()
    return ModerationItem.objects.get(object_id=opinion.pk, content_type__model="opinion")


def test_twenty_concurrent_approvals_make_one(submit, people):
    item = _item(submit)
    staff = people["street_staff"]
    outcomes = run_together(lambda i: services.approve(User.objects.get(pk=staff.pk),
                                                       ModerationItem.objects.get(pk=item.pk)),
                            count=20)
    assert sum(1 for kind, _ in outcomes if kind == "ok") == 1
    assert all(isinstance(v, ValidationError) for kind, v in outcomes if kind == "error")
    item.refresh_from_db()
    assert item.state == ModerationState.APPROVED
    assert AuditRecord.objects.filter(action="moderation.approve").count() == 1


def test_twenty_concurrent_reports_one_queue_entry(submit, people, xihu):
    item = _item(submit)
    services.approve(people["street_staff"], item)
    reporters = []
    for n in range(20):
        user = User.objects.create_user(f"1870000{n:04d}", name=f"R{n}")
        RoleAssignment.objects.create(user=user, role=Role.RESIDENT, unit=xihu["xixi_community"])
        reporters.append(user)
    outcomes = run_together(
        lambda i: services.report(ModerationItem.objects.get(pk=item.pk), "广告",
                                  user=User.objects.get(pk=reporters[i].pk)), count=20)
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    item.refresh_from_db()
    assert item.state == ModerationState.PENDING and item.reports == 20
    assert ModerationItem.objects.filter(state=ModerationState.PENDING).count() == 1
    assert AuditRecord.objects.filter(action="moderation.reopen").count() == 1


def test_twenty_identical_reports_from_one_person_count_once(submit, people):
    item = _item(submit)
    services.approve(people["street_staff"], item)
    reporter = people["council_member"]
    outcomes = run_together(
        lambda i: services.report(ModerationItem.objects.get(pk=item.pk), "广告",
                                  user=User.objects.get(pk=reporter.pk)), count=20)
    assert sum(1 for kind, _ in outcomes if kind == "ok") == 1
    assert Report.objects.count() == 1
    item.refresh_from_db()
    assert item.reports == 1 and item.state == ModerationState.PENDING
