from django import forms
from django.utils.translation import gettext_lazy as _

from yishi.core.models import User

from .queries import streets as street_units


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("What is to be done"), widget=forms.Textarea(
        attrs={"rows": 4}), max_length=5000)
    evidence_expected = forms.CharField(
        label=_("Evidence expected"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: photos of the site, the meeting's minutes, a signed report."))
    streets = forms.ModelMultipleChoiceField(label=_("Streets"), queryset=street_units(),
                                             widget=forms.CheckboxSelectMultiple)
    lead = forms.ModelChoiceField(label=_("Lead street"), queryset=street_units(), required=False,
                                  help_text=_("Needed when more than one street is chosen."))
    workdays = forms.IntegerField(label=_("Working days allowed"), required=False, min_value=1,
                                  max_value=250,
                                  help_text=_("Counted on the working-day calendar; or give a "
                                              "date below."))
    due_on = forms.DateField(label=_("Or: due on"), required=False,
                             widget=forms.DateInput(attrs={"type": "date"}))
    remind_after_workdays = forms.IntegerField(
        label=_("Remind if not signed for after (working days)"), initial=2, min_value=0,
        max_value=60)
    escalate_after_workdays = forms.IntegerField(
        label=_("Escalate to the liaison leader after the deadline (working days)"), initial=3,
        min_value=0, max_value=60)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["streets"].queryset = street_units()
        self.fields["lead"].queryset = street_units()


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class FeedbackForm(forms.Form):
    text = forms.CharField(label=_("What was done"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 4}))
    evidence = MultipleFileField(label=_("Evidence (files)"), required=False,
                                 help_text=_("JPEG, PNG or WebP images; PDF, Word, Excel or "
                                             "PowerPoint documents"))


def leader_choices():
    from yishi.core.models import Role

    return User.objects.filter(role_assignments__role=Role.DISTRICT_STAFF,
                               is_active=True).distinct().order_by("name")


class LinkForm(forms.Form):
    leader = forms.ModelChoiceField(label=_("Leader"), queryset=User.objects.none())
    street = forms.ModelChoiceField(label=_("Street"), queryset=street_units())
    title = forms.CharField(label=_("Position"), max_length=64, required=False)
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leader_choices()
        self.fields["street"].queryset = street_units()


class VisitForm(forms.Form):
    leader = forms.ModelChoiceField(label=_("Leader"), queryset=User.objects.none())
    street = forms.ModelChoiceField(label=_("Street"), queryset=street_units())
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    topics = forms.CharField(label=_("Topics"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))
    problems = forms.CharField(label=_("Problems found"), max_length=5000, required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))
    follow_ups = forms.CharField(label=_("Follow-ups"), max_length=5000, required=False,
                                 widget=forms.Textarea(attrs={"rows": 3}),
                                 help_text=_("Each follow-up can then be assigned to the street "
                                             "from the visit's page."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leader_choices()
        self.fields["street"].queryset = street_units()


class ReportTypeForm(forms.Form):
    from .models import ReportKind

    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=ReportKind.choices)
    period_start = forms.DateField(label=_("Period from"),
                                   widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("Period to"),
                                 widget=forms.DateInput(attrs={"type": "date"}))
    due_on = forms.DateField(label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}))
    sections = forms.CharField(label=_("Required sections"), max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 4}),
                               help_text=_("One section title per line."))


class CommentsForm(forms.Form):
    comments = forms.CharField(label=_("Comments"), max_length=5000,
                               widget=forms.Textarea(attrs={"rows": 3}))


def sections_form(report, data=None):
    """One text area per required section of the report."""
    fields = {f"section_{n}": forms.CharField(
        label=name, required=False, max_length=10000, initial=report.sections.get(name, ""),
        widget=forms.Textarea(attrs={"rows": 4}))
        for n, name in enumerate(report.report_type.sections)}
    form_class = type("SectionsForm", (forms.Form,), fields)
    return form_class(data)


def sections_from(report, cleaned: dict) -> dict:
    return {name: cleaned.get(f"section_{n}", "")
            for n, name in enumerate(report.report_type.sections)}
