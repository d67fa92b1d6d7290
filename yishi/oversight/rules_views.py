"""The rules library's pages (制度库), public: the list with its search, a rule with its
versions, two versions side by side; district staff enter rules and amend them."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yishi.core.errors import add_form_errors
from yishi.core.permissions import has_perm
from yishi.core.queries import district

from . import queries, rules
from .rules_models import Rule, RuleGroup

DATE = forms.DateInput(attrs={"type": "date"})


class SearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search the library"), required=False, max_length=100)
    group = forms.ChoiceField(label=gettext_lazy("Group"), required=False,
                              choices=[("", gettext_lazy("All groups")), *RuleGroup.choices])


class AmendForm(forms.Form):
    effective_on = forms.DateField(label=gettext_lazy("Effective from"), widget=DATE)
    note = forms.CharField(label=gettext_lazy("What the amendment changes"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    text = forms.CharField(label=gettext_lazy("Amended text"), max_length=rules.MAX_TEXT,
                           widget=forms.Textarea(attrs={"rows": 14}))


class RuleForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    key = forms.SlugField(label=gettext_lazy("Stable key"), max_length=64,
                          help_text=gettext_lazy("Lower-case letters, digits and hyphens; used "
                                                 "in the rule's address."))
    group = forms.ChoiceField(label=gettext_lazy("Group"), choices=RuleGroup.choices)
    issuing_body = forms.CharField(label=gettext_lazy("Issuing body"), max_length=200)
    effective_on = forms.DateField(label=gettext_lazy("Effective from"), widget=DATE)
    summary = forms.CharField(label=gettext_lazy("Summary"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))
    text = forms.CharField(label=gettext_lazy("Text"), max_length=rules.MAX_TEXT,
                           widget=forms.Textarea(attrs={"rows": 14}))


def _may_edit(user) -> bool:
    return user.is_authenticated and has_perm(user, "oversight.assign", district())


def _trail(*rest):
    return [(_("Rules library"), reverse("oversight:rules") if rest else None), *rest]


def library(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    query, group = "", ""
    if form.is_valid():
        query, group = form.cleaned_data["q"], form.cleaned_data["group"]
    rows = list(queries.rules_library(group or None, query))
    groups = [(label, [r for r in rows if r.group == value]) for value, label in RuleGroup.choices]
    return render(request, "oversight/rules/library.html", {
        "form": form, "query": query, "groups": [g for g in groups if g[1]], "count": len(rows),
        "may_edit": _may_edit(request.user), "trail": _trail()})


def _rule(key) -> Rule:
    return get_object_or_404(Rule, key=key)


def detail(request: HttpRequest, key: str) -> HttpResponse:
    rule = _rule(key)
    versions = list(rule.versions.order_by("-number"))
    return render(request, "oversight/rules/detail.html", {
        "rule": rule, "current": versions[0] if versions else None, "versions": versions,
        "may_edit": _may_edit(request.user), "trail": _trail((rule.title, None))})


def _version(rule, value):
    if not str(value or "").isdigit():
        return None
    return rule.versions.filter(number=int(value)).first()


def compare(request: HttpRequest, key: str) -> HttpResponse:
    rule = _rule(key)
    versions = list(rule.versions.order_by("number"))
    if len(versions) < 2:
        raise Http404
    old = _version(rule, request.GET.get("a")) or versions[-2]
    new = _version(rule, request.GET.get("b")) or versions[-1]
    if old.number > new.number:
        old, new = new, old
    rows = rules.compare(old.text, new.text) if old.pk != new.pk else None
    return render(request, "oversight/rules/compare.html", {
        "rule": rule, "old": old, "new": new, "rows": rows, "versions": versions,
        "counts": rules.change_counts(rows or []),
        "trail": _trail((rule.title, reverse("oversight:rule", args=[rule.key])),
                        (_("Compare versions"), None))})


@login_required
def amend(request: HttpRequest, key: str) -> HttpResponse:
    rule = _rule(key)
    if not _may_edit(request.user):
        raise PermissionDenied
    current = rule.versions.order_by("-number").first()
    form = AmendForm(request.POST or None, initial={
        "text": current.text if current else "", "effective_on": timezone.localdate()})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                version = rules.amend_rule(request.user, rule, **form.cleaned_data)
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, _("Version %(n)s was added.") % {"n": version.number})
                return redirect("oversight:rule", key=rule.key)
        status = 400
    return render(request, "oversight/rules/amend.html", {
        "rule": rule, "form": form,
        "trail": _trail((rule.title, reverse("oversight:rule", args=[rule.key])),
                        (_("Amend"), None))}, status=status)


@login_required
def new(request: HttpRequest) -> HttpResponse:
    if not _may_edit(request.user):
        raise PermissionDenied
    form = RuleForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                rule = rules.create_rule(request.user, rules.RuleInput(**form.cleaned_data))
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                return redirect("oversight:rule", key=rule.key)
        status = 400
    return render(request, "oversight/rules/new.html", {
        "form": form, "trail": _trail((_("Enter a rule"), None))}, status=status)


urlpatterns = [
    path("rules/", library, name="rules"),
    path("rules/new/", new, name="rule_new"),
    path("rules/<slug:key>/", detail, name="rule"),
    path("rules/<slug:key>/compare/", compare, name="rule_compare"),
    path("rules/<slug:key>/amend/", amend, name="rule_amend"),
]
