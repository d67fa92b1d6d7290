"""Street staff connect their departments to outside case systems, see what was sent and what
was refused, and send a failed delivery again. Another street's connection reads as missing."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yishi.core.errors import add_form_errors, error_messages
from yishi.core.models import Role, Unit, UnitKind
from yishi.core.permissions import active_roles
from yishi.core.workflow import may

from . import handoff
from .handoff_models import CaseDelivery, CaseSystemConnection, CaseSystemKind, RefusedCallback


def connecting_streets(user):
    """The streets in which the person may connect departments (their street staff roles)."""
    paths = [path for role, path, _d in active_roles(user) if role == Role.STREET_STAFF]
    return Unit.objects.filter(path__in=paths, kind__in=[UnitKind.STREET, UnitKind.TOWN])


class HandlerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.department} — {obj.user.name}"


class ConnectionForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Connection name"), max_length=100,
                           help_text=gettext_lazy("e.g. 西溪街道“四个平台”"))
    kind = forms.ChoiceField(label=gettext_lazy("Kind of system"),
                             choices=CaseSystemKind.choices)
    handler = HandlerChoiceField(
        label=gettext_lazy("Department, and the account its reports act as"), queryset=None,
        help_text=gettext_lazy("Replies from the outside system appear as this handler's, "
                               "with the same rights."))
    endpoint_url = forms.CharField(
        label=gettext_lazy("Address that receives the opinions"), max_length=500,
        widget=forms.TextInput(attrs={"inputmode": "url"}), help_text=gettext_lazy("http:// or https://"))
    may_receive_mobile = forms.BooleanField(
        label=gettext_lazy("May receive the resident's number"), required=False)

    def __init__(self, *args, streets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handoff.handler_choices(*streets)


def _connections(user):
    return (CaseSystemConnection.objects.filter(street__in=connecting_streets(user))
            .select_related("street", "department", "account"))


@login_required
def connections(request: HttpRequest) -> HttpResponse:
    streets = list(connecting_streets(request.user))
    if not streets:
        raise PermissionDenied
    form = ConnectionForm(request.POST or None, streets=streets)
    secret = created = None
    if request.method == "POST" and form.is_valid():
        handler = form.cleaned_data["handler"]
        try:
            created, secret = handoff.connect_case_system(
                request.user, handler.department.street, handler=handler,
                name=form.cleaned_data["name"], kind=form.cleaned_data["kind"],
                endpoint_url=form.cleaned_data["endpoint_url"],
                may_receive_mobile=form.cleaned_data["may_receive_mobile"])
            form = ConnectionForm(streets=streets)
        except ValidationError as exc:
            add_form_errors(form, exc)
    return _render(request, form, created=created, secret=secret,
                   status=400 if form.errors else 200)


def _render(request, form, *, created=None, secret=None, status=200):
    rows = _connections(request.user)
    return render(request, "opinions/case_systems.html", {
        "form": form, "connections": rows, "created": created, "secret": secret,
        "callback_url": handoff.callback_url(created) if created else "",
        "refused": RefusedCallback.objects.filter(connection__in=rows)
                                          .select_related("connection")[:20],
        "trail": [(_("Opinions queue"), reverse("opinions:queue")), (_("Case systems"), None)],
    }, status=status)


@login_required
@require_POST
def connection_action(request: HttpRequest, key, action: str) -> HttpResponse:
    connection = get_object_or_404(_connections(request.user), key=key)
    try:
        if action == "rotate":
            secret = handoff.rotate_secret(request.user, connection)
            return _render(request, ConnectionForm(streets=list(
                connecting_streets(request.user))), created=connection, secret=secret)
        if action in ("on", "off"):
            handoff.set_connection_active(request.user, connection, action == "on")
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
    else:
        messages.success(request, _("Saved."))
    return redirect("opinions:case_systems")


@login_required
@require_POST
def resend(request: HttpRequest, number: str, delivery: int) -> HttpResponse:
    found = get_object_or_404(CaseDelivery.objects.select_related("connection"), pk=delivery,
                              opinion__number=number,
                              connection__street__in=connecting_streets(request.user))
    try:
        handoff.resend_delivery(request.user, found)
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
    return redirect("opinions:manage", number)


def deliveries_for_page(opinion, user) -> list[tuple[CaseDelivery, dict]]:
    """The opinion's deliveries with the actions this person may take on each (staff page)."""
    rows = (opinion.case_deliveries.select_related("connection", "assignment__department")
            .prefetch_related("reports"))
    return [(d, may(d, user, workflow=handoff.DELIVERY)) for d in rows]
