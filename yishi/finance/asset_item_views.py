"""One asset's page: its entry, its history (every version of the register), its lease and loan
contracts and its disposals; the street's finance staff change the entry and record contracts
there, the district decides on a disposal. Each form posts to one service (assets.py,
disposals.py); a refusal comes back on the page with the form as it was sent."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yishi.core.errors import add_form_errors, error_messages
from yishi.core.exports import table_response
from yishi.core.permissions import has_perm
from yishi.core.workflow import may

from . import asset_queries, assets, disposals
from .asset_forms import (
    ChangeAssetForm,
    DisposalApproveForm,
    DisposalRefuseForm,
    DisposalRequestForm,
    DisposeForm,
    LeaseForm,
)
from .asset_models import Asset, Disposal
from .asset_views import _street, _trail


def _asset(code: str, pk: int) -> Asset:
    street = _street(code)
    # Another street's asset by its id is not found here: the street is part of the address.
    return get_object_or_404(Asset.objects.select_related("asset_class", "street"),
                             pk=pk, street=street)


def _context(request, asset: Asset, **forms) -> dict:
    user = request.user
    manages = has_perm(user, "finance.manage_assets", asset.street)
    sees_contracts = manages or has_perm(user, "finance.view_inventory", asset.street)
    history = asset_queries.history(asset)
    items = list(asset.disposals.prefetch_related("documents").order_by("-requested_at", "-id"))
    for d in items:
        d.may = may(d, user)
    initial = {f: getattr(asset, f) for f in ("name", "location", "department", "net_value",
                                              "status")}
    context = {
        "asset": asset, "street": asset.street, "history": history, "disposals": items,
        "leases": asset.leases.order_by("-starts_on") if sees_contracts else None,
        "manages": manages, "open_disposal": disposals.open_disposal(asset),
        "change_form": ChangeAssetForm(initial=initial),
        "lease_form": LeaseForm(), "request_form": DisposalRequestForm(),
        "approve_form": DisposalApproveForm(), "refuse_form": DisposalRefuseForm(),
        "dispose_form": DisposeForm(),
        "trail": _trail(asset.street, (f"{asset.code} {asset.name}", None)),
    }
    context.update(forms)
    for name in ("refuse_form", "dispose_form"):
        context[name.replace("_form", "_fields")] = mark_safe(render_to_string(  # noqa: S308
            "includes/form.html", {"form": context[name]}))
    return context


def asset(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    item = _asset(code, pk)
    return render(request, "finance/assets/asset.html", _context(request, item))


def history_download(request: HttpRequest, code: str, pk: int, fmt: str) -> HttpResponse:
    """The asset's history as CSV or Excel, in the reader's language like the page."""
    item = _asset(code, pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    header = [_("Effective from"), _("Reason"), _("Status"), _("Location"),
              _("Custodian department"), _("Net value (元)")]
    rows = [[v.effective_on.isoformat(), v.reason_text, str(v.get_status_display()), v.location,
             v.department, v.net_value] for v in asset_queries.history(item)]
    return table_response(header, rows, fmt, f"asset-history-{item.street.code}-{item.pk}",
                          _("History in the register"))


def _submit(request, item: Asset, form_class, form_name: str, run, done) -> HttpResponse:
    """Every form of the page: validate, hand the data to its service (`run(user, data)`), and
    either go back to the page with `done`, or show the page again with the form as it was sent
    and the refusal beside its fields (422); a refusal of permission is a message."""
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            run(request.user, form.cleaned_data)
        except PermissionDenied as exc:
            error_messages(request, exc)
            return redirect("finance:asset", item.street.code, item.pk)
        except ValidationError as exc:
            add_form_errors(form, exc, None)
        else:
            messages.success(request, done)
            return redirect("finance:asset", item.street.code, item.pk)
    return render(request, "finance/assets/asset.html",
                  _context(request, item, **{form_name: form}), status=422)


def _change(item):
    def run(user, data):
        data = dict(data)
        reason, effective_on = data.pop("reason"), data.pop("effective_on")
        assets.change_asset(user, item, data, reason=reason, effective_on=effective_on)
    return run


@login_required
@require_POST
def change(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    item = _asset(code, pk)
    return _submit(request, item, ChangeAssetForm, "change_form", _change(item),
                   _("The register is changed; the former entry stays in its history."))


@login_required
@require_POST
def lease(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    item = _asset(code, pk)
    return _submit(request, item, LeaseForm, "lease_form",
                   lambda user, data: assets.record_lease(user, item, **data),
                   _("The contract is recorded."))


@login_required
@require_POST
def request_disposal(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    item = _asset(code, pk)
    return _submit(request, item, DisposalRequestForm, "request_form",
                   lambda user, data: disposals.request_disposal(user, item, **data),
                   _("The disposal is requested; the asset is awaiting disposal."))


# Messages are lazy: this table is built at import, before any request's language is known.
DECISIONS = {
    "approve": (DisposalApproveForm, "approve_form", disposals.approve_disposal,
                gettext_lazy("The disposal is approved.")),
    "refuse": (DisposalRefuseForm, "refuse_form", disposals.refuse_disposal,
               gettext_lazy("The disposal is refused; the asset keeps its former status.")),
    "dispose": (DisposeForm, "dispose_form", disposals.record_disposal,
                gettext_lazy("The disposal is recorded; the asset has left the register.")),
}


@login_required
@require_POST
def decide_disposal(request: HttpRequest, code: str, pk: int, disposal: int,
                    step: str) -> HttpResponse:
    item = _asset(code, pk)
    found = get_object_or_404(Disposal, pk=disposal, asset=item)
    if step not in DECISIONS:
        raise Http404
    form_class, form_name, service, done = DECISIONS[step]
    return _submit(request, item, form_class, form_name,
                   lambda user, data: service(user, found, **data), done)
