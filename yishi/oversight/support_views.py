"""Service guarantee's pages (服务保障): a street's requests for support and the district's
answers, tracked like an assignment in the other direction."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yishi.core.errors import add_form_errors, error_messages
from yishi.core.permissions import has_perm
from yishi.core.workflow import may

from . import support
from .permissions import reader_paths
from .queries import streets as street_units
from .support_models import SupportKind


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind of support"), choices=SupportKind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    description = forms.CharField(label=gettext_lazy("What is needed and why"), max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    amount = forms.DecimalField(label=gettext_lazy("Amount asked (yuan)"), required=False,
                                max_digits=12, decimal_places=2, min_value=0,
                                help_text=gettext_lazy("For funding: the amount, to the fen."))


class TextForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Answer"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


def _trail(*rest):
    return [(_("Workspace"), reverse("core:workspace")),
            (_("Support requests"), reverse("oversight:support") if rest else None), *rest]


def _own_street(user):
    """The street whose staff `user` is (the one a request is made for), or None."""
    for street in street_units():
        if has_perm(user, "oversight.handle", street):
            return street
    return None


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if reader_paths(user) == []:
        raise PermissionDenied
    street = _own_street(user)
    form, status = RequestForm(), 200
    if request.method == "POST":
        if street is None:
            raise PermissionDenied
        form = RequestForm(request.POST)
        if form.is_valid():
            try:
                made = support.request_support(user, street, **form.cleaned_data)
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, _("Your request was sent to the district."))
                return redirect("oversight:support_request", pk=made.pk)
        status = 400
    return render(request, "oversight/support/list.html", {
        "requests": support.requests_for(user)[:200], "form": form, "street": street,
        "trail": _trail()}, status=status)


@login_required
def request_detail(request: HttpRequest, pk: int, *, bound=None, status=200) -> HttpResponse:
    item = get_object_or_404(support.requests_for(request.user), pk=pk)
    forms_ = {"answer": TextForm(), "decline": ReasonForm(prefix="decline"),
              "reopen": ReasonForm(prefix="reopen")}
    forms_.update(bound or {})
    return render(request, "oversight/support/detail.html", {
        "r": item, "may": may(item, request.user), "forms": forms_,
        "events": item.events.select_related("actor"),
        "trail": _trail((item.title, None))}, status=status)


FORMS = {
    "answer": (TextForm, "", lambda u, r, d: support.answer(u, r, d["text"])),
    "decline": (ReasonForm, "decline", lambda u, r, d: support.decline(u, r, d["reason"])),
    "reopen": (ReasonForm, "reopen", lambda u, r, d: support.reopen(u, r, d["reason"])),
}
STEPS = {"accept": support.accept, "close": support.close}


@login_required
@require_POST
def request_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    item = get_object_or_404(support.requests_for(request.user), pk=pk)
    url = reverse("oversight:support_request", args=[item.pk])
    if name in STEPS:
        try:
            STEPS[name](request.user, item)
        except (ValidationError, PermissionDenied) as exc:
            error_messages(request, exc)
        return redirect(url)
    if name not in FORMS:
        raise Http404
    form_class, prefix, handler = FORMS[name]
    form = form_class(request.POST, prefix=prefix or None)
    if form.is_valid():
        try:
            handler(request.user, item, form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            return redirect(url)
    return request_detail(request, pk, bound={name: form}, status=400)


urlpatterns = [
    path("support/", request_list, name="support"),
    path("support/<int:pk>/", request_detail, name="support_request"),
    path("support/<int:pk>/<slug:name>/", request_action, name="support_action"),
]
