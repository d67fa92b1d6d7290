from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import MOBILE_RE, Unit, UnitKind, normalize_mobile


class MobileField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"inputmode": "tel", "autocomplete": "tel", "placeholder": "13800000000"}
        )

    def clean(self, value):
        value = normalize_mobile(super().clean(value))
        if not value and not self.required:
            return ""
        if not MOBILE_RE.match(value):
            raise ValidationError(
                _("Enter a mainland China mobile number: 11 digits starting with 1."),
                code="invalid",
            )
        return value


class CodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 8)
        kwargs.setdefault("min_length", 6)
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        )


class MobileForm(forms.Form):
    mobile = MobileField()


class CodeForm(forms.Form):
    code = CodeField(label=_("Verification code (6 digits)"))


class CommunityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        street = obj.parent.display_name if obj.parent_id else ""
        return f"{street} · {obj.display_name}"


class SignUpForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=64)
    mobile = MobileField()
    home_unit = CommunityChoiceField(
        label=_("Community you live in"),
        queryset=Unit.objects.filter(kind=UnitKind.COMMUNITY).select_related("parent"),
        empty_label=_("— choose your community —"),
    )
    agree = forms.BooleanField(
        label=_("I agree that the platform keeps my name, number and community to handle my "
                "participation, as the privacy notice explains."),
    )

    def __init__(self, *args, **kwargs):
        from django.urls import reverse
        from django.utils.html import format_html

        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["agree"].help_text = format_html(
            '<a href="{}">{}</a>', reverse("core:privacy"), _("Read the privacy notice"))


class StaffLoginForm(forms.Form):
    mobile = MobileField()
    password = forms.CharField(
        label=_("Password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TotpForm(forms.Form):
    token = CodeField(label=_("6-digit code from your authenticator app"))


class DeleteAccountForm(forms.Form):
    confirm = forms.CharField(
        label=_("Type your mobile number to confirm"), max_length=20,
    )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_confirm(self):
        value = normalize_mobile(self.cleaned_data["confirm"])
        if value != self.user.mobile:
            raise ValidationError(_("This is not your mobile number."))
        return value


class AttachmentField(forms.FileField):
    """A file field that checks type and size the way storage will (yishi.core.attachments), so
    a wrong file is a form error next to the field and nothing is stored."""

    def __init__(self, *, images_only: bool = False, **kwargs):
        self.images_only = images_only
        super().__init__(**kwargs)
        self.widget.attrs.setdefault(
            "accept", "image/jpeg,image/png,image/webp" if images_only else
            "image/jpeg,image/png,image/webp,application/pdf,.docx,.xlsx,.pptx"
        )

    def clean(self, data, initial=None):
        uploaded = super().clean(data, initial)
        if uploaded:
            from .attachments import clean_upload

            clean_upload(uploaded, images_only=self.images_only)
        return uploaded


class AttachmentForm(forms.Form):
    file = AttachmentField(label=_("File"))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class NoticePreferencesForm(forms.Form):
    """One "by text" and one "by e-mail" box per kind of notice."""

    def __init__(self, *args, current: dict, **kwargs):
        from .models import NoticeKind

        super().__init__(*args, **kwargs)
        self.kinds = []
        for kind, label in NoticeKind.choices:
            text = f"{kind}_text"
            email = f"{kind}_email"
            self.fields[text] = forms.BooleanField(
                required=False, initial=current[kind]["by_text"],
                label=_("%(kind)s: by text message") % {"kind": label})
            self.fields[email] = forms.BooleanField(
                required=False, initial=current[kind]["by_email"],
                label=_("%(kind)s: by e-mail") % {"kind": label})
            self.kinds.append({"label": label, "text": self[text], "email": self[email]})

    def chosen(self) -> dict:
        from .models import NoticeKind

        return {kind: {"by_text": self.cleaned_data[f"{kind}_text"],
                       "by_email": self.cleaned_data[f"{kind}_email"]}
                for kind in NoticeKind.values}


class AuditFilterForm(forms.Form):
    """The audit trail's filter: one action, chosen by its label (the code is the value, so a
    link with ?action=<code> filters too)."""

    action = forms.ChoiceField(label=_("Action"), required=False, error_messages={
        "invalid_choice": _("There is no record of this action here; choose one from the list.")})

    def __init__(self, data=None, *, actions: list[tuple[str, str]]):
        super().__init__(data)
        self.fields["action"].choices = [("", _("All actions")), *actions]
