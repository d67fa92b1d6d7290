from django import forms
from django.utils.translation import gettext_lazy as _

from yishi.core.forms import MobileField
from yishi.core.models import Unit
from yishi.opinions.models import OpinionCategory


class MatterForm(forms.Form):
    """A matter a resident raised at a reception, recorded by the deputy."""

    resident_name = forms.CharField(label=_("Resident's name"), max_length=64)
    resident_mobile = MobileField(label=_("Resident's mobile number"), required=False)
    title = forms.CharField(label=_("Title"), max_length=100)
    text = forms.CharField(label=_("What the resident raised"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 4}))
    category = forms.ModelChoiceField(label=_("Category"), queryset=OpinionCategory.objects.all())
    community = forms.ModelChoiceField(label=_("Community"), queryset=Unit.objects.none())
    in_litigation = forms.BooleanField(
        label=_("In litigation or arbitration (涉诉涉仲裁): record as not accepted"), required=False)

    def __init__(self, *args, street=None, **kwargs):
        super().__init__(*args, **kwargs)
        if street is not None:
            self.fields["community"].queryset = street.children.order_by("sort_order")


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"))
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label=_("What you did"), max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        from .models import ActivityKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [c for c in ActivityKind.choices
                                       if c[0] != ActivityKind.ABSENCE]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(EvidenceField, self).clean(f, initial) for f in files]


class ActivityEvidenceForm(ActivityForm):
    evidence = EvidenceField(label=_("Evidence (photos, PDF or Office files)"), required=False)


class SessionForm(forms.Form):
    """One reception session (接待日)."""

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label=_("Starts"), widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label=_("Ends"), widget=forms.TimeInput(attrs={"type": "time"}))
    mode = forms.ChoiceField(label=_("How"))
    deputies = forms.ModelMultipleChoiceField(label=_("Deputies on duty"), queryset=None,
                                              widget=forms.CheckboxSelectMultiple)
    slots = forms.IntegerField(label=_("Bookable slots"), min_value=1, max_value=100, initial=8)

    def __init__(self, *args, station=None, **kwargs):
        from .models import DeputyProfile, ReceptionMode

        super().__init__(*args, **kwargs)
        self.fields["mode"].choices = ReceptionMode.choices
        self.fields["deputies"].queryset = DeputyProfile.objects.filter(
            stations=station).select_related("user")
        self.fields["deputies"].label_from_instance = lambda d: d.user.name


class SeriesForm(SessionForm):
    """A schedule (排班): every week on a weekday, or a day of chosen months."""

    date = None
    recurrence = forms.ChoiceField(label=_("Repeats"))
    weekday = forms.TypedChoiceField(label=_("Weekday (for weekly)"), coerce=int, required=False,
                                     empty_value=None)
    month_day = forms.IntegerField(label=_("Day of the month (for monthly)"), min_value=1,
                                   max_value=28, required=False)
    months = forms.TypedMultipleChoiceField(
        label=_("Months (for monthly)"), coerce=int, required=False,
        choices=[(m, m) for m in range(1, 13)], widget=forms.CheckboxSelectMultiple)
    first_date = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    last_date = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))

    field_order = ["recurrence", "weekday", "month_day", "months", "first_date", "last_date",
                   "start_time", "end_time", "mode", "deputies", "slots"]

    def __init__(self, *args, **kwargs):
        from django.utils.dates import WEEKDAYS

        from .models import Recurrence

        super().__init__(*args, **kwargs)
        self.fields["recurrence"].choices = Recurrence.choices
        self.fields["weekday"].choices = [("", "—")] + sorted(WEEKDAYS.items())


class SuggestionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    text = forms.CharField(label=_("Your suggestion"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 6}))
    category = forms.ModelChoiceField(label=_("Category"), queryset=OpinionCategory.objects.all())
    community = forms.ModelChoiceField(label=_("Community concerned"), queryset=Unit.objects.none())

    def __init__(self, *args, streets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Unit.objects.filter(
            parent__in=streets).order_by("path")


class WeekForm(forms.Form):
    theme = forms.CharField(label=_("Theme"), max_length=200)
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))


class EventForm(forms.Form):
    station = forms.ModelChoiceField(label=_("Station"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("Place"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, stations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations


class RoomMessageForm(forms.Form):
    text = forms.CharField(label=_("Your message"), max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class ProfileForm(forms.Form):
    biography = forms.CharField(label=_("About you (shown on your public page)"), max_length=2000,
                                required=False, widget=forms.Textarea(attrs={"rows": 5}))
    photo = forms.FileField(label=_("Photo (JPEG, PNG or WebP)"), required=False)
