"""Execution monitoring: the district's rules raise warnings (once per line and rule), the street
answers in writing, the worker reminds once and escalates once, the list is scoped and exports."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from yishi.core.models import Notification
from yishi.finance import monitoring
from yishi.finance.models import (
    BudgetLine,
    Execution,
    ExecutionWarning,
    LineKind,
    WarningKind,
    WarningState,
)

pytestmark = pytest.mark.django_db


def _spend(budget, code, amount, month=1):
    line = BudgetLine.objects.get(budget=budget, kind=LineKind.FUNCTION, code=code)
    Execution.objects.create(line=line, month=month, amount=Decimal(amount))
    return line


def test_each_rule_raises_its_warning_once(approved, fin):
    _spend(approved, "2120399", "1")  # far behind the year on 31 December
    over = BudgetLine.objects.get(budget=approved, kind=LineKind.FUNCTION, code="2120501")
    _spend(approved, "2120501", over.original + 1)
    three = approved.three_public.get(kind="reception")
    type(three).objects.filter(pk=three.pk).update(actual=three.planned + 100)
    late = timezone.localdate().replace(month=12, day=31)
    assert monitoring.raise_warnings(approved, late) >= 3
    kinds = set(ExecutionWarning.objects.values_list("kind", "key"))
    assert (WarningKind.BEHIND, "2120399") in kinds
    assert (WarningKind.OVER_BUDGET, "2120501") in kinds
    assert (WarningKind.THREE_PUBLIC_OVER, "reception") in kinds
    assert monitoring.raise_warnings(approved, late) == 0  # not raised twice
    assert Notification.objects.filter(recipient=fin["finance_staff"]).exists()


def test_the_district_sets_the_rules(approved, fin):
    rule = monitoring.rules()[WarningKind.BEHIND]
    with pytest.raises(PermissionDenied):
        monitoring.update_rule(fin["finance_staff"], rule, active=False, points=10,
                               response_days=5)
    with pytest.raises(ValidationError):
        monitoring.update_rule(fin["district_staff"], rule, active=True, points=150,
                               response_days=5)
    monitoring.update_rule(fin["district_staff"], rule, active=False, points=10,
                           response_days=3)
    _spend(approved, "2120399", "1")
    late = timezone.localdate().replace(month=12, day=31)
    monitoring.raise_warnings(approved, late)
    assert not ExecutionWarning.objects.filter(kind=WarningKind.BEHIND).exists()


def test_answer_remind_once_and_escalate_once(approved, fin):
    _spend(approved, "2120399", "1")
    today = timezone.localdate()
    monitoring.raise_warnings(approved, today.replace(month=12, day=31))
    warning = ExecutionWarning.objects.filter(kind=WarningKind.BEHIND).first()
    ExecutionWarning.objects.filter(pk=warning.pk).update(due_on=today - timedelta(days=1))
    other = ExecutionWarning.objects.exclude(pk=warning.pk).first()
    first = monitoring.run_warnings(today)
    second = monitoring.run_warnings(today)
    warning.refresh_from_db()
    assert warning.state == WarningState.ESCALATED and warning.reminded_at is not None
    assert first[2] >= 1 and second[2] == 0 and second[1] == 0  # once each
    assert Notification.objects.filter(recipient=fin["district_staff"]).exists()
    with pytest.raises(PermissionDenied):
        monitoring.respond_to_warning(fin["beishan_finance"], warning, "按合同进度支付。")
    with pytest.raises(ValidationError):
        monitoring.respond_to_warning(fin["finance_staff"], warning, "短")
    monitoring.respond_to_warning(fin["finance_staff"], warning, "按合同进度在第四季度支付。")
    warning.refresh_from_db()
    assert warning.state == WarningState.ANSWERED
    if other is not None:
        other.refresh_from_db()
        assert other.state in (WarningState.OPEN, WarningState.ESCALATED)


def test_the_list_is_scoped_and_exports(approved, fin, verified_login, client, settings):
    _spend(approved, "2120399", "1")
    monitoring.raise_warnings(approved, timezone.localdate().replace(month=12, day=31))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(fin["council_member"])
    page = client.get("/finance/warnings/")
    assert page.status_code == 200 and "2120399" in page.content.decode()
    csv = client.get("/finance/warnings/?format=csv").content.decode("utf-8-sig")
    assert csv.startswith("街道,年度,预警规则") and "2120399" in csv
    client.force_login(fin["resident"])
    assert client.get("/finance/warnings/").status_code == 403
    other = verified_login(fin["beishan_finance"])
    assert "2120399" not in other.get("/finance/warnings/").content.decode()


def test_warnings_through_the_api(approved, fin, verified_login, client):
    _spend(approved, "2120399", "1")
    monitoring.raise_warnings(approved, timezone.localdate().replace(month=12, day=31))
    assert client.get("/api/finance/warnings").status_code == 401
    staff = verified_login(fin["finance_staff"])
    rows = staff.get("/api/finance/warnings").json()
    behind = next(w for w in rows if w["key"] == "2120399")
    assert [a["name"] for a in behind["actions"]] == ["respond"]
    other = verified_login(fin["beishan_finance"])
    assert other.get("/api/finance/warnings").json() == []
    assert other.post(f"/api/finance/warnings/{behind['id']}/respond", {"text": "按进度支付。"},
                      content_type="application/json").status_code == 404
    staff = verified_login(fin["finance_staff"])
    response = staff.post(f"/api/finance/warnings/{behind['id']}/respond",
                          {"text": "按合同进度支付。"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "answered"
