"""Pages of the state assets: a street's register as of any date (public, with totals by class
and downloads), and an inventory campaign's page, where the outside firm records findings with
photos, the street decides them with documents, and the report by class is published. Each form
posts to one service in assets.py; a refusal comes back as form errors or messages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yishi.core.errors import add_form_errors, error_messages
from yishi.core.exports import table_response
from yishi.core.permissions import has_perm
from yishi.core.workflow import may

from . import asset_queries as q
from . import assets, queries
from .asset_forms import (
    AgendaForm,
    AsOfForm,
    AssetForm,
    DecideForm,
    FindingForm,
    FirmAccountForm,
    OpenCampaignForm,
    PublishForm,
    SupervisorForm,
)
from .asset_models import Asset, CampaignMember, CampaignState, Finding, InventoryCampaign

STEPS = {"start": assets.start_inventory, "close_fieldwork": assets.close_fieldwork,
         "reopen": assets.reopen_fieldwork}


def _street(code: str):
    street = next((s for s in queries.streets() if s.code == code), None)
    if street is None:
        raise Http404
    return street


def _trail(street, *more):
    return [(_("Street finances"), reverse("finance:index")),
            (street.display_name, reverse("finance:street", args=[street.code])),
            (_("State assets"), reverse("finance:assets", args=[street.code])), *more]


def _as_of(request):
    today = timezone.localdate()
    form = AsOfForm(request.GET or None, initial={"on": today})
    if form.is_bound and form.is_valid() and form.cleaned_data["on"]:
        on = form.cleaned_data["on"]
        if on > today:
            form.add_error("on", _("The register cannot be shown for a future date."))
            on = today
        return form, on
    return form, today


def register(request: HttpRequest, code: str) -> HttpResponse:
    street = _street(code)
    form, on = _as_of(request)
    rows = q.register_as_of(street, on)
    classes, total = q.class_totals(rows)
    manages = has_perm(request.user, "finance.manage_assets", street)
    return render(request, "finance/assets/register.html", {
        "street": street, "on": on, "form": form, "rows": rows, "classes": classes,
        "total": total, "is_demo": Asset.objects.filter(street=street, is_demo=True).exists(),
        "campaigns": q.campaigns_for(request.user, street), "manages": manages,
        "asset_form": AssetForm() if manages else None,
        "campaign_form": OpenCampaignForm() if manages else None,
        "trail": _trail(street)[:-1] + [(_("State assets"), None)]}, status=422 if form.errors
        else 200)


REGISTER_HEADER = ["资产编号", "资产名称", "资产分类", "存放地点", "使用部门", "取得日期",
                   "原值（元）", "净值（元）", "使用状况"]


def register_download(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    street = _street(code)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _form, on = _as_of(request)
    with translation.override("zh-hans"):
        rows = [[v.code, v.name, v.asset_class.name, v.location, v.department,
                 v.acquired_on.isoformat(), v.original_value, v.net_value,
                 str(v.get_status_display())] for v in q.register_as_of(street, on)]
    return table_response(REGISTER_HEADER, rows, fmt, f"assets-{street.code}-{on.isoformat()}",
                          "资产登记簿")


@login_required
@require_POST
def add_asset(request: HttpRequest, code: str) -> HttpResponse:
    street = _street(code)
    form = AssetForm(request.POST)
    if form.is_valid():
        try:
            assets.register_asset(request.user, street, form.cleaned_data)
            messages.success(request, _("The asset is in the register."))
            return redirect("finance:assets", street.code)
        except ValidationError as exc:
            add_form_errors(form, exc)
        except PermissionDenied as exc:
            error_messages(request, exc)
            return redirect("finance:assets", street.code)
    error_messages(request, ValidationError([e for es in form.errors.values() for e in es]))
    return redirect("finance:assets", street.code)


@login_required
@require_POST
def open_campaign(request: HttpRequest, code: str) -> HttpResponse:
    street = _street(code)
    form = OpenCampaignForm(request.POST)
    if form.is_valid():
        try:
            campaign = assets.open_campaign(request.user, street, **form.cleaned_data)
            return redirect("finance:campaign", street.code, campaign.pk)
        except (ValidationError, PermissionDenied) as exc:
            error_messages(request, exc)
    else:
        error_messages(request, ValidationError([e for es in form.errors.values() for e in es]))
    return redirect("finance:assets", street.code)


# --- a campaign ---------------------------------------------------------------------------------

def _campaign(request, code: str, pk: int) -> InventoryCampaign:
    campaign = get_object_or_404(InventoryCampaign.objects.select_related("street", "agenda_item"),
                                 pk=pk, street__code=code)
    if not q.may_view_campaign(request.user, campaign):
        raise Http404
    return campaign


def _fields(form) -> str:
    return mark_safe(render_to_string(  # noqa: S308 - our own template
        "includes/form.html", {"form": form}))


def _campaign_context(request, campaign, **forms) -> dict:
    user = request.user
    manages = has_perm(user, "finance.manage_assets", campaign.street)
    parts = q.part_in(user, campaign)
    is_firm = CampaignMember.Part.FIRM in parts
    running = campaign.state == CampaignState.FIELDWORK
    findings = list(q.findings_of(campaign))
    for f in findings:
        f.may = may(f, user) if manages else {}
        # One decision form per finding: a prefix keeps their fields' ids apart.
        f.decide_form = DecideForm(prefix=f"finding-{f.pk}") if f.may else None
    rows, total = q.campaign_report(campaign) if campaign.snapshot_at else ([], None)
    members = campaign.members.select_related("user").order_by("part", "id")
    open_state = campaign.state in (CampaignState.PREPARING, CampaignState.FIELDWORK)
    publish_form = forms.pop("publish_form", None) or PublishForm(
        initial={"summary": campaign.report_summary})
    context = {
        "campaign": campaign, "street": campaign.street, "manages": manages, "is_firm": is_firm,
        "may": may(campaign, user), "findings": findings, "rows": rows, "total": total,
        "snapshot": q.snapshot_of(campaign) if campaign.snapshot_at else [],
        "supervisors": [m for m in members if m.part == CampaignMember.Part.SUPERVISOR],
        "firm_accounts": [m for m in members if m.part == CampaignMember.Part.FIRM],
        "finding_form": (forms.pop("finding_form", None)
                         or FindingForm(items=q.open_items(campaign)))
        if is_firm and running else None,
        "supervisor_form": SupervisorForm(people=q.supervisors_to_choose(campaign.street))
        if manages and open_state else None,
        "firm_form": forms.pop("firm_form", None) or FirmAccountForm()
        if manages and open_state else None,
        "agenda_form": AgendaForm(items=q.report_items(campaign.street))
        if manages and campaign.state in (CampaignState.REVIEW, CampaignState.PUBLISHED)
        else None,
        "publish_fields": _fields(publish_form),
        "trail": _trail(campaign.street, (campaign.title, None)),
    }
    context.update(forms)
    return context


def campaign(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    campaign = _campaign(request, code, pk)
    return render(request, "finance/assets/campaign.html", _campaign_context(request, campaign))


def _back(campaign):
    return redirect("finance:campaign", campaign.street.code, campaign.pk)


@login_required
@require_POST
def record_finding(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    campaign = _campaign(request, code, pk)
    form = FindingForm(request.POST, request.FILES, items=q.open_items(campaign))
    # The item is checked by the service (it names an asset outside the snapshot), not the form.
    form.fields["item"].choices = [(request.POST.get("item", ""), "")]
    if form.is_valid():
        data = form.cleaned_data
        try:
            assets.record_finding(
                request.user, campaign, kind=data["kind"], item_id=data["item"] or None,
                found_location=data["found_location"], note=data["note"], name=data["name"],
                asset_class_code=data["asset_class"], original_value=data["original_value"],
                net_value=data["net_value"], photos=request.FILES.getlist("photos"))
            messages.success(request, _("The finding is recorded."))
            return _back(campaign)
        except ValidationError as exc:
            add_form_errors(form, exc)
        except PermissionDenied as exc:
            error_messages(request, exc)
            return _back(campaign)
    form.fields["item"].choices = FindingForm(items=q.open_items(campaign)).fields["item"].choices
    return render(request, "finance/assets/campaign.html",
                  _campaign_context(request, campaign, finding_form=form), status=422)


@login_required
@require_POST
def decide(request: HttpRequest, code: str, pk: int, finding: int, decision: str) -> HttpResponse:
    campaign = _campaign(request, code, pk)
    finding = get_object_or_404(Finding, pk=finding, campaign=campaign)
    prefix = f"finding-{finding.pk}"
    form = DecideForm(request.POST, request.FILES, prefix=prefix)
    form.is_valid()
    note = form.cleaned_data.get("note", "")
    try:
        if decision == "approve":
            assets.approve_finding(request.user, finding, note=note,
                                   documents=request.FILES.getlist(f"{prefix}-documents"))
            messages.success(request, _("Approved; the register is changed."))
        elif decision == "reject":
            assets.reject_finding(request.user, finding, note=note)
            messages.success(request, _("Returned to the firm."))
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
    return _back(campaign)


@login_required
@require_POST
def add_member(request: HttpRequest, code: str, pk: int, part: str) -> HttpResponse:
    campaign = _campaign(request, code, pk)
    try:
        if part == "supervisor":
            form = SupervisorForm(request.POST, people=q.supervisors_to_choose(campaign.street))
            if not form.is_valid():
                raise ValidationError([e for es in form.errors.values() for e in es])
            assets.add_supervisor(request.user, campaign, form.cleaned_data["person"])
        elif part == "firm":
            form = FirmAccountForm(request.POST)
            if not form.is_valid():
                raise ValidationError([e for es in form.errors.values() for e in es])
            assets.add_firm_account(request.user, campaign, **form.cleaned_data)
        else:
            raise Http404
        messages.success(request, _("Added."))
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
    return _back(campaign)


@login_required
@require_POST
def place_on_agenda(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    campaign = _campaign(request, code, pk)
    form = AgendaForm(request.POST, items=q.report_items(campaign.street))
    try:
        if not form.is_valid():
            raise ValidationError([e for es in form.errors.values() for e in es])
        assets.place_on_agenda(request.user, campaign, form.cleaned_data["agenda_item"])
        messages.success(request, _("The report is on the council's agenda."))
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
    return _back(campaign)


@login_required
@require_POST
def publish(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    campaign = _campaign(request, code, pk)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            assets.publish_report(request.user, campaign, summary=form.cleaned_data["summary"])
            messages.success(request, _("The report is published."))
            return _back(campaign)
        except ValidationError as exc:
            add_form_errors(form, exc)
        except PermissionDenied as exc:
            error_messages(request, exc)
            return _back(campaign)
    return render(request, "finance/assets/campaign.html", _campaign_context(
        request, campaign, publish_form=form, publish_open=True), status=422)


@login_required
@require_POST
def step(request: HttpRequest, code: str, pk: int, name: str) -> HttpResponse:
    campaign = _campaign(request, code, pk)
    if name not in STEPS:
        raise Http404
    try:
        STEPS[name](request.user, campaign)
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
    return _back(campaign)


REPORT_HEADER = ["资产分类", "数量", "原值（元）", "净值（元）", "出租出借数量", "出租出借原值（元）",
                 "闲置数量", "闲置原值（元）", "待处置数量", "已处置数量", "已处置原值（元）",
                 "盘亏数量", "盘亏原值（元）", "盘盈数量", "盘盈原值（元）", "位置不符数量"]


def report_rows(rows, total) -> list[list]:
    def line(name, r):
        return [name, r.count, r.original, r.net, r.leased_count, r.leased_original,
                r.idle_count, r.idle_original, r.disposal_count, r.disposed_count,
                r.disposed_original, r.loss_count, r.loss_original, r.surplus_count,
                r.surplus_original, r.misplaced_count]

    return [line(r.asset_class.name, r) for r in rows] + [line("合计", total)]


def report_download(request: HttpRequest, code: str, pk: int, fmt: str) -> HttpResponse:
    campaign = _campaign(request, code, pk)
    if fmt not in ("csv", "xlsx") or not campaign.snapshot_at:
        raise Http404
    rows, total = q.campaign_report(campaign)
    return table_response(REPORT_HEADER, report_rows(rows, total), fmt,
                          f"inventory-{campaign.street.code}-{campaign.pk}", "清查报告")
