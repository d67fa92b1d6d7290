"""Moderation pages: the street's queue and one item's decision for moderators, the word list
for the district, and the public's "report this" (举报)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yishi.core.errors import add_form_errors, error_messages
from yishi.core.paging import light_page
from yishi.core.permissions import has_perm, holds
from yishi.core.workflow import may as workflow_may

from . import queries, services
from .forms import EditForm, HideForm, ReportForm, WordForm
from .models import ModerationItem, ModerationState, SensitiveWord
from .workflows import MODERATION


def _require_moderator(user):
    from yishi.core.models import Role

    if not holds(user, {Role.DISTRICT_STAFF, Role.STREET_STAFF}):
        raise PermissionDenied(_("Only the street committee's staff moderate texts."))


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    _require_moderator(request.user)
    state = request.GET.get("state", ModerationState.PENDING)
    if state not in ModerationState.values:
        state = ModerationState.PENDING
    rows = queries.queue(request.user, state)
    return render(request, "moderation/queue.html", {
        "page": light_page(rows, request.GET.get("page")), "state": state,
        "states": ModerationState.choices,
        "trail": [(_("Workspace"), reverse("core:workspace")), (_("Moderation queue"), None)],
    })


def _queued(request, pk: int) -> ModerationItem:
    """An item of the person's streets; another street's reads as one that does not exist."""
    _require_moderator(request.user)
    return get_object_or_404(queries.queue(request.user, state=""), pk=pk)


@login_required
def item(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_item(request, _queued(request, pk))


def _render_item(request, item: ModerationItem, *, edit_form=None, hide_form=None,
                 status: int = 200) -> HttpResponse:
    may = workflow_may(item, request.user, workflow=MODERATION)
    edit_form = edit_form or EditForm(item=item)
    hide_form = hide_form or HideForm()
    model = item.content_type.model_class()
    parts = [{"label": model._meta.get_field(name).verbose_name, "original": value,
              "public": item.public.get(name, "")} for name, value in item.original.items()]
    return render(request, "moderation/item.html", {
        "item": item, "may": may, "parts": parts, "edit_form": edit_form,
        "hide_fields": render_to_string("includes/form.html", {"form": hide_form}),
        "hide_open": hide_form.is_bound,
        "reports": item.report_rows.all()[:20],
        "trail": [(_("Moderation queue"), reverse("moderation:queue")),
                  (f"{item.kind} #{item.object_id}", None)],
    }, status=status)


@login_required
@require_POST
def item_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    item = _queued(request, pk)
    user = request.user
    try:
        if action == "approve":
            services.approve(user, item)
        elif action == "edit":
            form = EditForm(request.POST, item=item)
            if not form.is_valid():
                return _render_item(request, item, edit_form=form, status=400)
            try:
                services.edit_and_approve(user, item, form.cleaned_data)
            except ValidationError as exc:
                add_form_errors(form, exc)
                return _render_item(request, item, edit_form=form, status=400)
        elif action == "hide":
            form = HideForm(request.POST)
            if not form.is_valid():
                return _render_item(request, item, hide_form=form, status=400)
            try:
                services.hide(user, item, form.cleaned_data["reason"])
            except ValidationError as exc:
                add_form_errors(form, exc)
                return _render_item(request, item, hide_form=form, status=400)
        elif action == "reconsider":
            services.reconsider(user, item)
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
        return redirect("moderation:item", pk=item.pk)
    messages.success(request, _("Done: %(state)s.") % {"state": item.get_state_display()})
    return redirect("moderation:queue")


def _client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def report(request: HttpRequest, pk: int) -> HttpResponse:
    """Anyone, signed in or not, may report a published text; the street's moderators decide."""
    item = get_object_or_404(ModerationItem.objects.select_related("street", "content_type"),
                             pk=pk)
    if not item.is_published and item.state != ModerationState.PENDING:
        raise Http404
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report(item, form.cleaned_data["reason"], user=request.user,
                            address=_client_address(request))
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("Thank you. A moderator will look at this text."))
            return redirect(item.url or "core:home")
    return render(request, "moderation/report.html", {
        "item": item, "form": form, "shown": [queries.published(item.content, name, None)
                                              for name in item.original],
        "trail": [(_("Report this"), None)],
    }, status=400 if request.method == "POST" else 200)


@login_required
def words(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, "moderation.edit_words"):
        raise PermissionDenied(_("Only the district's staff edit the word list."))
    form = WordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = services.add_word(request.user, form.cleaned_data["word"],
                                    form.cleaned_data["note"])
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("Added: %(word)s") % {"word": row.word})
            return redirect("moderation:words")
    return render(request, "moderation/words.html", {
        "form": form, "page": light_page(SensitiveWord.objects.all(), request.GET.get("page")),
        "trail": [(_("Workspace"), reverse("core:workspace")), (_("Sensitive words"), None)],
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def remove_word(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(SensitiveWord, pk=pk)
    services.remove_word(request.user, row)
    messages.success(request, _("Removed: %(word)s") % {"word": row.word})
    return redirect("moderation:words")
