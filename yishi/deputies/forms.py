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
