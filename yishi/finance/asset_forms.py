"""Forms of the asset pages; the services (assets.py) do the checking."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .asset_models import (
    AssetClass,
    AssetStatus,
    DisposalMethod,
    FindingKind,
    LeaseKind,
    ensure_asset_classes,
)


def _class_choices():
    ensure_asset_classes()
    return [(c.code, f"{c.code} {c.name}") for c in AssetClass.objects.all()]


class AsOfForm(forms.Form):
    on = forms.DateField(label=_("Register as of"), required=False,
                         widget=forms.DateInput(attrs={"type": "date"}))


class AssetForm(forms.Form):
    code = forms.CharField(label=_("Asset code"), max_length=40)
    name = forms.CharField(label=_("Asset name"), max_length=200)
    asset_class = forms.ChoiceField(label=_("Class (GB/T 14885-2022)"))
    location = forms.CharField(label=_("Location"), max_length=200)
    department = forms.CharField(label=_("Custodian department"), max_length=100)
    acquired_on = forms.DateField(label=_("Acquired on"),
                                  widget=forms.DateInput(attrs={"type": "date"}))
    original_value = forms.CharField(label=_("Original value (元)"), max_length=20)
    net_value = forms.CharField(label=_("Net value (元)"), max_length=20)
    status = forms.ChoiceField(label=_("Status"), choices=AssetStatus.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["asset_class"].choices = _class_choices()


class OpenCampaignForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    reference_date = forms.DateField(label=_("Reference date (基准日)"),
                                     widget=forms.DateInput(attrs={"type": "date"}))
    firm = forms.CharField(label=_("Outside firm"), max_length=200)


class SupervisorForm(forms.Form):
    person = forms.ModelChoiceField(queryset=None, label=_("Deputy or council member"))

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda u: u.name


class FirmAccountForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    mobile = forms.CharField(label=_("Mobile number"), max_length=20)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe); the service checks each."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class FindingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Finding"), choices=FindingKind.choices)
    item = forms.ChoiceField(label=_("Asset of the snapshot"), required=False,
                             help_text=_("Leave empty for an item not in the register (盘盈)."))
    found_location = forms.CharField(label=_("Where it was found"), max_length=200,
                                     required=False)
    note = forms.CharField(label=_("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    name = forms.CharField(label=_("Name (盘盈 only)"), max_length=200, required=False)
    asset_class = forms.ChoiceField(label=_("Class (盘盈 only)"), required=False)
    original_value = forms.CharField(label=_("Original value, 元 (盘盈 only)"), max_length=20,
                                     required=False)
    net_value = forms.CharField(label=_("Net value, 元 (盘盈 only)"), max_length=20,
                                required=False)
    photos = MultipleFileField(label=_("Photos"), required=False,
                               widget=MultipleFileInput(attrs={"accept": "image/*"}))

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", "—")] + [(i.pk, f"{i.code} {i.name}") for i in items]
        self.fields["asset_class"].choices = [("", "—")] + _class_choices()


class DecideForm(forms.Form):
    note = forms.CharField(label=_("Decision or reason"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    documents = MultipleFileField(label=_("Approval documents"), required=False)


class PublishForm(forms.Form):
    summary = forms.CharField(label=_("Report summary"), max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 4}))


class AgendaForm(forms.Form):
    agenda_item = forms.ModelChoiceField(queryset=None, label=_("Council agenda item"))

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].queryset = items
        self.fields["agenda_item"].label_from_instance = (
            lambda i: f"{i.meeting.title} · {i.title}")


DATE = {"widget": forms.DateInput(attrs={"type": "date"})}
# The statuses an edit may set; leases, loans and disposals set theirs through their own forms.
EDITABLE_STATUSES = [(s.value, s.label) for s in (AssetStatus.IN_USE, AssetStatus.IDLE,
                                                  AssetStatus.LEASED, AssetStatus.LENT)]


class ChangeAssetForm(forms.Form):
    """A change of an asset's entry (变动) from a date on; the old entry stays in the history."""

    prefix = "change"

    name = forms.CharField(label=_("Asset name"), max_length=200)
    location = forms.CharField(label=_("Location"), max_length=200)
    department = forms.CharField(label=_("Custodian department"), max_length=100)
    net_value = forms.CharField(label=_("Net value (元)"), max_length=20)
    status = forms.ChoiceField(label=_("Status"), choices=EDITABLE_STATUSES)
    effective_on = forms.DateField(label=_("Effective from"), **DATE)
    reason = forms.CharField(label=_("Reason for the change"), max_length=300)


class LeaseForm(forms.Form):
    prefix = "lease"

    kind = forms.ChoiceField(label=_("Lease or loan"), choices=LeaseKind.choices)
    tenant = forms.CharField(label=_("Tenant or borrower"), max_length=200)
    starts_on = forms.DateField(label=_("From"), **DATE)
    ends_on = forms.DateField(label=_("Until"), **DATE)
    rent = forms.CharField(label=_("Rent per year (元; 0 for a loan)"), max_length=20)


class DisposalRequestForm(forms.Form):
    prefix = "disposal"

    method = forms.ChoiceField(label=_("Method (处置方式)"), choices=DisposalMethod.choices)
    reason = forms.CharField(label=_("Why the asset is to be disposed of"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class DisposalApproveForm(forms.Form):
    prefix = "approve"

    decision = forms.CharField(label=_("Approval document (批复文号)"), max_length=200)
    documents = MultipleFileField(label=_("The approval document (PDF or image)"))


class DisposalRefuseForm(forms.Form):
    prefix = "refuse"

    note = forms.CharField(label=_("Why it is refused"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class DisposeForm(forms.Form):
    prefix = "dispose"

    disposed_on = forms.DateField(label=_("Disposed on"), **DATE)
    proceeds = forms.CharField(label=_("Proceeds (元; empty if none)"), max_length=20,
                               required=False)
