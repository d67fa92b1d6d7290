"""The execution warnings: the list the street, its council members and the district see (and
download), the street's written answer, and the district's rules."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yishi.core.errors import add_form_errors, error_messages
from yishi.core.exports import table_response
from yishi.core.permissions import has_perm
from yishi.core.workflow import may

from . import monitoring, queries
from .forms import AnswerForm, WarningRuleForm
from .models import ExecutionWarning
from .views import _trail


@login_required
def warnings(request: HttpRequest) -> HttpResponse:
    rows = list(monitoring.visible_warnings(request.user))
    if not rows and not any(has_perm(request.user, "finance.view_draft", s)
                            for s in queries.streets()):
        raise PermissionDenied
    if request.GET.get("format") in ("csv", "xlsx"):
        return table_response(
            ["街道", "年度", "预警规则", "科目或项目", "发现（执行数 / 预算数，或执行率 / 时间进度）", "预警日期", "答复期限", "状态", "答复"],
            ([w.budget.street.name, w.budget.year, w.get_kind_display(), w.key, w.detail,
              w.raised_on, w.due_on, w.get_state_display(), w.response] for w in rows),
            request.GET["format"], "execution-warnings", sheet_title="执行预警")
    for w in rows:
        w.may = may(w, request.user)
    return render(request, "finance/warnings.html", {
        "rows": rows, "answer_form": AnswerForm(),
        "edits_rules": has_perm(request.user, "finance.edit_rules", None),
        "trail": _trail(None, (_("Execution warnings"), None))})


@login_required
@require_POST
def respond(request: HttpRequest, pk: int) -> HttpResponse:
    warning = get_object_or_404(ExecutionWarning.objects.select_related("budget__street"), pk=pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            monitoring.respond_to_warning(request.user, warning, form.cleaned_data["text"])
            messages.success(request, _("Your answer is published."))
        except (ValidationError, PermissionDenied) as exc:
            error_messages(request, exc)
    else:
        messages.error(request, _("Write the answer first."))
    return redirect("finance:warnings")


@login_required
def warning_rules(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, "finance.edit_rules", None):
        raise PermissionDenied
    rules = monitoring.rules()
    forms = {kind: WarningRuleForm(request.POST if request.POST.get("kind") == kind else None,
                                   prefix=kind, initial={
                                       "active": r.active, "points": r.points,
                                       "response_days": r.response_days})
             for kind, r in rules.items()}
    if request.method == "POST" and request.POST.get("kind") in forms:
        kind = request.POST["kind"]
        form = forms[kind]
        if form.is_valid():
            try:
                monitoring.update_rule(request.user, rules[kind], **form.cleaned_data)
                messages.success(request, _("The rule is saved."))
                return redirect("finance:warning_rules")
            except ValidationError as exc:
                add_form_errors(form, exc)
    return render(request, "finance/warning_rules.html", {
        "forms": [(rules[k], f) for k, f in forms.items()],
        "trail": _trail(None, (_("Warning rules"), None))})
