"""Tender pages: the public record (document versions with what changed and residents' comments,
the bidding notice and criteria, bids, the award with every score, objections); staff control;
the panel's score sheet."""

import difflib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yishi.core.errors import add_form_errors, error_messages
from yishi.core.permissions import has_perm
from yishi.core.workflow import may
from yishi.moderation.queries import attach as attach_moderation

from . import forms, services, tender
from .manage_views import _refusals
from .models import Objection, Panelist, Tender, TenderVersion
from .views import posted_id
from .workflows import TENDER, tender_features


def _tender(pk) -> Tender:
    return get_object_or_404(Tender.objects.select_related(
        "project", "project__cycle", "project__cycle__unit", "project__community"), pk=pk)


def _versions(t: Tender) -> list[dict]:
    rows, previous = [], None
    for v in t.versions.select_related("author").prefetch_related("comments"):
        diff = []
        if previous is not None:
            diff = [line for line in difflib.unified_diff(
                previous.text.splitlines(), v.text.splitlines(), lineterm="", n=0)
                if line[:1] in "+-" and line[:3] not in ("+++", "---")]
        rows.append({"version": v, "diff": diff, "comments": attach_moderation(v.comments.all())})
        previous = v
    return rows


def tender_detail(request: HttpRequest, pk: int, comment_form=None, objection_form=None,
                  status: int = 200) -> HttpResponse:
    t = _tender(pk)
    features = tender_features(t)
    objection_open = ("object" in features and t.objections_until
                      and timezone.now() < t.objections_until)
    is_panelist = request.user.is_authenticated and t.panel.filter(user=request.user).exists()
    return render(request, "projects/tender.html", {
        "tender": t, "project": t.project, "versions": _versions(t),
        "criteria": t.criteria.all(), "bids": t.bids.all(), "awards": t.awards.all(),
        "panel": t.panel.select_related("user"),
        "objections": attach_moderation(t.objections.all()),
        "comment_form": comment_form or (forms.CommentForm(prefix="c")
                                         if request.user.is_authenticated else None),
        "objection_form": objection_form or (forms.NoteForm(prefix="o")
                                             if objection_open and request.user.is_authenticated
                                             else None),
        "can": dict.fromkeys(features, True),
        "can_score": is_panelist and "score" in features,
        "trail": [(_("Livelihood projects"), reverse("projects:overview")),
                  (t.project.title, reverse("projects:detail", args=[t.project_id])),
                  (_("Tender"), None)],
    }, status=status)


@require_POST
@login_required
def tender_comment(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    t = _tender(pk)
    v = get_object_or_404(TenderVersion, tender=t, number=version)
    form = forms.CommentForm(request.POST, prefix="c")
    if form.is_valid():
        try:
            services.comment(request.user, t.project, form.cleaned_data["text"],
                             form.cleaned_data["is_question"], tender_version=v)
        except ValidationError as exc:
            add_form_errors(form, exc, "text")
        else:
            messages.success(request, _("Thank you; your comment on version %(n)d is published.")
                             % {"n": v.number})
            return redirect("projects:tender", pk=pk)
    return tender_detail(request, pk, comment_form=form, status=400)


@require_POST
@login_required
def tender_object(request: HttpRequest, pk: int) -> HttpResponse:
    t = _tender(pk)
    form = forms.NoteForm(request.POST, prefix="o")
    if form.is_valid():
        try:
            tender.object_to_award(request.user, t, form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("projects:tender", pk=pk)
        messages.success(request, _("Your objection was filed; the answer will be public."))
        return redirect("projects:tender", pk=pk)
    return tender_detail(request, pk, objection_form=form, status=400)


def _draft(t, request):
    draft = t.versions.filter(pk=posted_id(request, "version")).first()
    if draft is None:
        raise ValidationError(_("No such version."))
    return draft


def _answer(user, t, data, request):
    objection = get_object_or_404(Objection, pk=posted_id(request, "objection"), tender=t)
    services.answer_objection(user, objection, data["answer"])


# Each step staff take on a tender: its form (None: a button) and the service call,
# `(user, tender, data, request)`. The page offers a step when the tender's workflow (TENDER)
# allows its transition, or its state has the feature (TENDER_FEATURES).
ACTIONS = {
    "edit": (forms.TenderTextForm, lambda u, t, d, r: tender.edit_draft(
        u, _draft(t, r), d["text"], d["change_note"])),
    "new_version": (forms.TenderTextForm, lambda u, t, d, r: tender.new_version(
        u, t, d["text"], d["change_note"])),
    "publish": (None, lambda u, t, d, r: tender.publish_version(u, _draft(t, r))),
    "notice": (forms.BiddingNoticeForm, lambda u, t, d, r: tender.publish_bidding_notice(
        u, t, d["notice"], d["bid_deadline"], d["criteria"], d["objection_days"])),
    "bid": (forms.BidForm, lambda u, t, d, r: tender.register_bid(
        u, t, d["bidder"], d["price"], d["proposal"])),
    "panelist": (forms.PanelistForm, lambda u, t, d, r: tender.add_panelist(
        u, t, d["mobile"], d["kind"])),
    "close_bidding": (None, lambda u, t, d, r: tender.close_bidding(u, t)),
    "award": (forms.CorrectionForm, lambda u, t, d, r: tender.award(u, t, d["note"])),
    "answer": (forms.AnswerForm, _answer),
}
TRANSITIONS_OF = {"notice": {"publish_bidding_notice"}, "close_bidding": {"close_bidding"},
                  "award": {"award", "correct_award"}}


def _manageable(request, pk) -> Tender:
    t = _tender(pk)
    if not has_perm(request.user, "projects.manage", t.project.cycle.unit):
        raise PermissionDenied
    return t


@login_required
def manage_tender(request: HttpRequest, pk: int, bound: dict | None = None,
                  status: int = 200) -> HttpResponse:
    t = _manageable(request, pk)
    bound = bound or {}
    draft = t.versions.filter(published_at__isnull=True).first()
    blank = {name: (f(prefix=name) if f else None) for name, (f, _call) in ACTIONS.items()}
    if draft is not None:
        blank["edit"] = forms.TenderTextForm(prefix="edit", initial={
            "text": draft.text, "change_note": draft.change_note})
    steps = may(t, request.user, workflow=TENDER)
    features = tender_features(t)
    shown = {name for name in ACTIONS
             if name in features or TRANSITIONS_OF.get(name, set()) & set(steps)} | {"answer"}
    return render(request, "projects/manage_tender.html", {
        "tender": t, "project": t.project, "draft": draft, "versions": _versions(t),
        "may": steps, "can": dict.fromkeys(features, True),
        "refused": _refusals(bound, shown),
        "forms": {**blank, **bound}, "criteria": t.criteria.all(), "bids": t.bids.all(),
        "panel": t.panel.select_related("user"), "awards": t.awards.all(),
        "unanswered": t.objections.filter(answered_at__isnull=True),
        "trail": [(_("Manage"), reverse("projects:manage_list")),
                  (t.project.title, reverse("projects:manage_project", args=[t.project_id])),
                  (_("Tender"), None)],
    }, status=status)


@require_POST
@login_required
def manage_tender_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    t = _manageable(request, pk)
    if action not in ACTIONS:
        raise Http404
    form_class, call = ACTIONS[action]
    form = form_class(request.POST, prefix=action) if form_class else None
    if form is not None and not form.is_valid():
        return manage_tender(request, pk, bound={action: form}, status=400)
    try:
        call(request.user, t, form.cleaned_data if form else {}, request)
    except ValidationError as exc:
        if form is None:
            error_messages(request, exc)
            return redirect("projects:manage_tender", pk=pk)
        add_form_errors(form, exc)
        if action == "edit":  # a published version has no edit form on the page to show it
            error_messages(request, exc)
        return manage_tender(request, pk, bound={action: form}, status=400)
    messages.success(request, _("Done."))
    return redirect("projects:manage_tender", pk=pk)


@login_required
def score_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """A panel member's scores: every bid on every criterion, saved all together or not at all."""
    t = _tender(pk)
    panelist = Panelist.objects.filter(tender=t, user=request.user).first()
    if panelist is None:
        raise PermissionDenied
    criteria, bids = list(t.criteria.all()), list(t.bids.all())
    existing = {(s.bid_id, s.criterion_id): s.value for s in panelist.scores.all()}
    errors, typed = [], {}
    if request.method == "POST":
        try:
            with transaction.atomic():
                for bid in bids:
                    for c in criteria:
                        name = f"s-{bid.pk}-{c.pk}"
                        typed[name] = request.POST.get(name, "")
                        try:
                            tender.score(request.user, bid, c, typed[name])
                        except ValidationError as exc:
                            errors.append(f"{bid.bidder} · {c.name}: {' '.join(exc.messages)}")
                if errors:
                    raise ValidationError(errors)
        except ValidationError:
            pass
        else:
            messages.success(request, _("Your scores are saved."))
            return redirect("projects:tender", pk=pk)
    rows = [{"bid": bid, "cells": [{"name": f"s-{bid.pk}-{c.pk}", "criterion": c,
                                    "value": typed.get(f"s-{bid.pk}-{c.pk}",
                                                       existing.get((bid.pk, c.pk), ""))}
                                   for c in criteria]} for bid in bids]
    return render(request, "projects/score.html", {
        "tender": t, "rows": rows, "errors": errors, "open": "score" in tender_features(t),
        "trail": [(t.project.title, reverse("projects:detail", args=[t.project_id])),
                  (_("Tender"), reverse("projects:tender", args=[pk])), (_("Scores"), None)],
    }, status=400 if errors else 200)
