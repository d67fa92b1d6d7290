from django import forms
from django.utils.translation import gettext_lazy as _

from yishi.core.forms import CommunityChoiceField, MobileField
from yishi.core.models import Department, Unit, UnitKind

from .models import OpinionCategory, Rating


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to three photos, each checked like every upload (type from the content, size, and
    re-encoded without EXIF/GPS when stored)."""

    max_photos = 3

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        from django.core.exceptions import ValidationError

        from yishi.core.attachments import clean_upload

        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(files) > self.max_photos:
            raise ValidationError(_("At most %(n)d photos.") % {"n": self.max_photos})
        for upload in files:
            super().clean(upload, initial)
            clean_upload(upload, images_only=True)
        return files


class OpinionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    text = forms.CharField(label=_("What is the matter?"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 6}),
                           help_text=_("Where, since when, who is affected. At most 5,000 characters."))
    category = forms.ModelChoiceField(label=_("Category"), queryset=OpinionCategory.objects.all(),
                                      empty_label=_("— choose —"))
    community = CommunityChoiceField(
        label=_("Community"), empty_label=_("— choose —"),
        queryset=Unit.objects.filter(kind=UnitKind.COMMUNITY).select_related("parent"))
    address = forms.CharField(label=_("Address (optional)"), max_length=200, required=False)
    latitude = forms.DecimalField(label=_("Latitude (optional)"), required=False,
                                  max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(label=_("Longitude (optional)"), required=False,
                                   max_digits=9, decimal_places=6)
    photos = PhotosField(label=_("Photos (optional, up to 3)"), required=False)
    is_public = forms.BooleanField(
        label=_("Show my opinion on the public board (your name and number are hidden)"),
        required=False)
    # Photos stored at a refused try (a browser empties file fields on every page): their ids,
    # sent again with the next try (services.kept_photos checks they are the sender's own).
    kept_photos = forms.CharField(required=False, widget=forms.HiddenInput)

    def kept_ids(self) -> list[int]:
        raw = self.data.get(self.add_prefix("kept_photos"), "") if self.is_bound else ""
        return [int(part) for part in raw.split(",") if part.strip().isdigit()][:3]


class RecordOpinionForm(OpinionForm):
    """A deputy or staff member records an opinion on a resident's behalf."""

    channel = forms.ChoiceField(label=_("Heard at"), choices=[
        ("reception", _("A reception")), ("phone", _("A phone call")), ("letter", _("A letter"))])
    contact_name = forms.CharField(label=_("Resident's name"), max_length=64)
    contact_mobile = MobileField(label=_("Resident's mobile number"), required=False)


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Reason for not accepting"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(forms.Form):
    """One department; several only by an explicit choice, with the lead named (主办), whose
    reply the resident rates. Nothing is pre-ticked: a suggestion is offered beside the form."""

    lead = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(),
        empty_label=_("Choose a department"),
        help_text=_("It answers the resident; the resident rates its reply."))
    also = forms.ModelMultipleChoiceField(
        label=_("Also involve (协办), only when the matter needs several departments"),
        queryset=Department.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("They add their part; the department above leads and answers."))
    note = forms.CharField(label=_("Instructions"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, street=None, **kwargs):
        super().__init__(*args, **kwargs)
        if street is not None:
            self.fields["lead"].queryset = street.departments.all()
            self.fields["also"].queryset = street.departments.all()

    def departments(self) -> list:
        data = self.cleaned_data
        return [data["lead"], *[d for d in data["also"] if d != data["lead"]]]


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("Reply to the resident"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 5}))


class RatingForm(forms.Form):
    rating = forms.ChoiceField(label=_("How satisfied are you with the reply?"),
                               choices=[(Rating.SATISFIED, Rating.SATISFIED.label),
                                        (Rating.BASICALLY, Rating.BASICALLY.label),
                                        (Rating.UNSATISFIED, Rating.UNSATISFIED.label)],
                               widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment (optional)"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
