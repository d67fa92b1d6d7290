"""Forms: they parse what was typed; the services decide whether it is allowed. Amounts are
text fields so the service's own message (positive, within the budget) reaches the user."""

from django import forms
from django.utils.translation import gettext_lazy as _

from yishi.core.models import Department, Unit, UnitKind, User, normalize_mobile
from yishi.voting.models import BudgetRule

from .models import BallotMethod, Category, PanelKind, VoterKind

MONEY_HELP = _("In yuan, e.g. 350000.")


class PersonField(forms.CharField):
    """A person named by their mobile number: cleans to their account, or says there is none
    (the views never look people up themselves)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        person = User.objects.filter(mobile=normalize_mobile(value)).first()
        if person is None:
            raise forms.ValidationError(_("No account with this number."))
        return person


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"


class CycleForm(forms.Form):
    unit = forms.ModelChoiceField(Unit.objects.none(), label=_("Street or district"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=200)
    budget = forms.CharField(label=_("Total budget (yuan)"), help_text=MONEY_HELP)
    starts_on = forms.DateField(label=_("Nomination opens on"), widget=DateInput)
    nomination_days = forms.IntegerField(label=_("Nomination lasts (days)"), initial=30,
                                         min_value=30, max_value=120)
    notice_days = forms.IntegerField(label=_("Public notice lasts (days)"), initial=7,
                                     min_value=1, max_value=60)
    method = forms.ChoiceField(label=_("Ballot method"), choices=BallotMethod.choices)
    seats = forms.IntegerField(label=_("Projects to choose (N)"), required=False, min_value=1)
    min_support = forms.IntegerField(label=_("Minimum votes to be selected"), initial=0,
                                     min_value=0)
    budget_rule = forms.ChoiceField(label=_("Budget rule"), choices=BudgetRule.choices,
                                    initial=BudgetRule.MES_GREEDY)
    voter_kind = forms.ChoiceField(label=_("Voters"), choices=VoterKind.choices)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Project title"), max_length=120)
    description = forms.CharField(label=_("What should be done, and why"),
                                  widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)
    category = forms.ModelChoiceField(Category.objects.all(), label=_("Category"))
    community = forms.ModelChoiceField(Unit.objects.none(), label=_("Community"))
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    beneficiaries = forms.CharField(label=_("Who benefits"), max_length=200,
                                    help_text=_("e.g. about 120 households of building 3"))
    estimated_cost = forms.CharField(label=_("Estimated cost (yuan)"), help_text=MONEY_HELP,
                                     required=False)
    latitude = forms.DecimalField(label=_("Latitude (optional)"), required=False,
                                  max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(label=_("Longitude (optional)"), required=False,
                                   max_digits=9, decimal_places=6)
    photo = forms.FileField(label=_("Photo (optional)"), required=False)

    def __init__(self, *args, cycle=None, **kwargs):
        super().__init__(*args, **kwargs)
        if cycle is not None:
            self.fields["community"].queryset = Unit.objects.filter(
                kind=UnitKind.COMMUNITY, path__startswith=cycle.unit.path).order_by("path")


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason (public)"), widget=forms.Textarea(attrs={"rows": 2}))


class ApproveForm(forms.Form):
    department = forms.ModelChoiceField(Department.objects.none(), required=False,
                                        label=_("Responsible department"))
    assessed_cost = forms.CharField(label=_("Assessed cost (yuan)"), required=False)
    duration_days = forms.IntegerField(label=_("Duration (days)"), required=False, min_value=1)
    note = forms.CharField(label=_("Public note"), required=False)

    def __init__(self, *args, street=None, **kwargs):
        super().__init__(*args, **kwargs)
        if street is not None:
            self.fields["department"].queryset = Department.objects.filter(street=street)


class MergeForm(forms.Form):
    into = forms.IntegerField(label=_("Merge into proposal number"))
    reason = forms.CharField(label=_("Reason (public)"))


class ReviewForm(forms.Form):
    feasible = forms.TypedChoiceField(label=_("Feasible?"), coerce=lambda v: v == "yes",
                                      choices=[("yes", _("Yes")), ("no", _("No"))],
                                      widget=forms.RadioSelect)
    opinion = forms.CharField(label=_("Assessment"), widget=forms.Textarea(attrs={"rows": 3}))
    cost_estimate = forms.CharField(label=_("Cost estimate (yuan)"), required=False)
    duration_days = forms.IntegerField(label=_("Duration (days)"), required=False)


class ExpertForm(forms.Form):
    """A person named by their mobile number (an expert to invite, a deputy to attach)."""

    mobile = PersonField()


class ObjectionForm(forms.Form):
    project = forms.TypedChoiceField(label=_("Candidate concerned"), required=False, coerce=int,
                                     empty_value=None)
    text = forms.CharField(label=_("Your objection or comment"),
                           widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [("", _("The list as a whole"))] + [
            (p.pk, p.title) for p in candidates]


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Public answer"), widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


class CorrectionForm(forms.Form):
    note = forms.CharField(label=_("Correction note (when publishing a corrected version)"),
                           required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class StartForm(forms.Form):
    department = forms.ModelChoiceField(Department.objects.none(),
                                        label=_("Responsible department"))
    planned_budget = forms.CharField(label=_("Planned budget (yuan)"))

    def __init__(self, *args, street=None, **kwargs):
        super().__init__(*args, **kwargs)
        if street is not None:
            self.fields["department"].queryset = Department.objects.filter(street=street)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=120)
    due_on = forms.DateField(label=_("Due on"), widget=DateInput)


class ProgressForm(forms.Form):
    percent = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    note = forms.CharField(label=_("Update"), widget=forms.Textarea(attrs={"rows": 2}))
    reason_for_decrease = forms.CharField(label=_("If progress went down: why"),
                                          required=False)
    photo = forms.FileField(label=_("Photo (optional)"), required=False)


class SpendingForm(forms.Form):
    amount = forms.CharField(label=_("Amount (yuan)"))
    description = forms.CharField(label=_("What for"), max_length=200)
    spent_on = forms.DateField(label=_("Date"), widget=DateInput)


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=_("Visited on"), widget=DateInput)
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 3}))


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment or question"),
                           widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    is_question = forms.BooleanField(label=_("This is a question I want answered"),
                                     required=False)


class AcceptForm(forms.Form):
    accepted_on = forms.DateField(label=_("Accepted on"), widget=DateInput)
    record = forms.CharField(label=_("Acceptance record"),
                             widget=forms.Textarea(attrs={"rows": 3}))


class TenderTextForm(forms.Form):
    text = forms.CharField(label=_("Tender document"), widget=forms.Textarea(attrs={"rows": 8}))
    change_note = forms.CharField(label=_("What changed"), max_length=300, required=False)


class BiddingNoticeForm(forms.Form):
    notice = forms.CharField(label=_("Bidding notice"), widget=forms.Textarea(attrs={"rows": 4}))
    bid_deadline = forms.DateTimeField(label=_("Bids due"), widget=DateTimeInput)
    criteria = forms.CharField(
        label=_("Evaluation criteria"), widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line: name | weight (%) | highest score. The weights add up to "
                    "100."))
    objection_days = forms.IntegerField(label=_("Objection period (days)"), initial=5,
                                        min_value=1, max_value=30)

    def clean_criteria(self):
        rows = []
        for n, line in enumerate(self.cleaned_data["criteria"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            try:
                rows.append((parts[0], int(parts[1]), int(parts[2])))
            except (IndexError, ValueError):
                raise forms.ValidationError(
                    _("Line %(n)d: write name | weight | highest score.") % {"n": n}) from None
        return rows


class BidForm(forms.Form):
    bidder = forms.CharField(label=_("Bidder"), max_length=120)
    price = forms.CharField(label=_("Price (yuan)"))
    proposal = forms.CharField(label=_("Technical proposal"),
                               widget=forms.Textarea(attrs={"rows": 3}))


class PanelistForm(forms.Form):
    mobile = PersonField()
    kind = forms.ChoiceField(label=_("Seat"), choices=PanelKind.choices)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))
