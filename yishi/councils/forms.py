from django import forms
from django.utils.translation import gettext_lazy as _

from yishi.core.forms import MobileField
from yishi.core.models import Unit
from yishi.core.weblinks import validate_https_url

from .models import ItemKind, MeetingKind, MemberCategory, MemberStatus, Outcome


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    starts_at = forms.DateTimeField(label=_("Date and time"), widget=DateTimeInput())
    place = forms.CharField(label=_("Place"), max_length=200)
    online_url = forms.URLField(label=_("Online attendance link"), required=False,
                                assume_scheme="https", validators=[validate_https_url])
    video_url = forms.URLField(label=_("Live stream or recording"), required=False,
                               assume_scheme="https", validators=[validate_https_url])


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ItemKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    motion = forms.CharField(
        label=_("Motion put to the vote"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the members vote yes or no on, e.g. “批准2027年街道财政预算草案”. "
                    "Empty: the title. Whether it passed is what the count says."))
    presenter = forms.CharField(label=_("Presenter"), max_length=100, required=False)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    video_url = forms.URLField(label=_("Video"), required=False, assume_scheme="https",
                               validators=[validate_https_url])
    ballot = forms.IntegerField(label=_("Existing ballot number (project selection only)"),
                                required=False, min_value=1)
    documents = forms.FileField(label=_("Document"), required=False)


class MemberForm(forms.Form):
    mobile = MobileField(label=_("Mobile number"))
    # Optional, and shown only as typed by staff: the member's own name comes from the person.
    name = forms.CharField(label=_("Name (typed by staff, optional)"), max_length=64,
                           required=False)
    category = forms.ChoiceField(label=_("Category"), choices=MemberCategory.choices)
    community = forms.ModelChoiceField(label=_("Community represented"),
                                       queryset=Unit.objects.none(), required=False)
    birth_date = forms.DateField(label=_("Date of birth"), widget=DateInput())
    in_street_since = forms.DateField(label=_("Living or working in the street since"),
                                      widget=DateInput())

    def __init__(self, *args, street=None, **kwargs):
        super().__init__(*args, **kwargs)
        if street is not None:
            self.fields["community"].queryset = street.children.order_by("sort_order")


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))


class EndMembershipForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[
        (MemberStatus.RESIGNED, MemberStatus.RESIGNED.label),
        (MemberStatus.REPLACED, MemberStatus.REPLACED.label)])


class FollowUpForm(forms.Form):
    title = forms.CharField(label=_("Action"), max_length=200)
    owner = forms.CharField(label=_("Owner"), max_length=100)
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput())


class CallForm(forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=Unit.objects.none())
    description = forms.CharField(label=_("The matter, in a few words"), max_length=500,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["community"]
        field.queryset = Unit.objects.filter(kind="community").select_related("parent").order_by(
            "path")
        field.label_from_instance = lambda u: f"{u.parent.display_name} · {u.display_name}"


class RoundTableForm(forms.Form):
    title = forms.CharField(label=_("Topic"), max_length=200)
    held_at = forms.DateTimeField(label=_("Date and time"), widget=DateTimeInput())
    place = forms.CharField(label=_("Place"), max_length=200)
    participants = forms.CharField(
        label=_("Other participants"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line: name, then a comma and the department or role."))


class RoundTableRecordForm(forms.Form):
    summary = forms.CharField(label=_("Discussion summary"),
                              widget=forms.Textarea(attrs={"rows": 5}))
    actions = forms.CharField(
        label=_("Agreed actions"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line: what | who | deadline (YYYY-MM-DD)."))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    outcome_text = forms.CharField(label=_("Outcome details"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    category = forms.ModelChoiceField(label=_("Opinion category (when passed on as an opinion)"),
                                      queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        from yishi.opinions.models import OpinionCategory

        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = OpinionCategory.objects.all()


class BatchForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=180)
    street_in_title = forms.BooleanField(
        label=_("Begin each street's title with the street's name"), required=False)
    starts_at = forms.DateTimeField(label=_("Date and time"), widget=DateTimeInput())
    place = forms.CharField(label=_("Place"), max_length=180,
                            help_text=_("e.g. “办事处三楼议事厅”"))
    street_in_place = forms.BooleanField(
        label=_("Begin each street's place with the street's name"), required=False,
        initial=True)


class AgendaRowForm(forms.Form):
    """One item of the district's template agenda: a kind from the list and a title."""

    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", _("— choose —")), *ItemKind.choices])
    title = forms.CharField(label=_("Item title"), max_length=200, required=False)
    presenter = forms.CharField(label=_("Presenter"), max_length=100, required=False)

    def clean(self):
        data = super().clean()
        if data.get("title") and not data.get("kind"):
            self.add_error("kind", _("Choose the kind of item."))
        if data.get("kind") and not data.get("title"):
            self.add_error("title", _("Give the item a title."))
        return data


class BaseAgendaFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not any(f.cleaned_data.get("title") for f in self.forms):
            raise forms.ValidationError(_("Give the template agenda at least one item."))


AgendaFormSet = forms.formset_factory(AgendaRowForm, formset=BaseAgendaFormSet, extra=4,
                                      max_num=20, absolute_max=20)


class RulesForm(forms.ModelForm):
    class Meta:
        from .models import Council

        model = Council
        fields = ["quorum_fraction", "pass_rule", "secrecy", "notice_days", "min_age",
                  "min_years_in_street", "call_threshold", "round_table_days"]


class TellersForm(forms.Form):
    """The meeting's tellers: a secret vote is sealed to them and counted from their shares."""

    tellers = forms.ModelMultipleChoiceField(
        label=_("Tellers"), queryset=None, widget=forms.CheckboxSelectMultiple,
        help_text=_("At least three members; each keeps one share of a secret vote's key."))
    threshold = forms.IntegerField(
        label=_("Tellers needed to count"), min_value=2, max_value=50, initial=2,
        help_text=_("For example 2 of 3: fewer tellers than this and the vote cannot be "
                    "counted."))

    def __init__(self, *args, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tellers"].queryset = users
