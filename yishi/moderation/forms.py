from django import forms
from django.utils.translation import gettext_lazy as _

from .services import MAX_REASON, MAX_REPORT, MAX_TEXT


class HideForm(forms.Form):
    reason = forms.CharField(label=_("Reason the author will read"), max_length=MAX_REASON,
                             widget=forms.Textarea(attrs={"rows": 3}))


class ReportForm(forms.Form):
    reason = forms.CharField(label=_("What is wrong with this text?"), max_length=MAX_REPORT,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("A moderator of the street reads your report."))


class WordForm(forms.Form):
    word = forms.CharField(label=_("Word"), max_length=50)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class EditForm(forms.Form):
    """One text box per part of the text (title, text, …), prefilled with the public version."""

    def __init__(self, *args, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in item.original:
            field = item.content_type.model_class()._meta.get_field(name)
            self.fields[name] = forms.CharField(
                label=field.verbose_name, max_length=MAX_TEXT, initial=item.public.get(name, ""),
                widget=forms.Textarea(attrs={"rows": 3}))
