from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from yishi.core.models import Role, Unit, UnitKind, User, normalize_mobile

from .models import Ballot, BudgetRule, Method, RollSource
from .services import MAX_MONEY, OptionInput

ROLL_ROLES = [(Role.COUNCIL_MEMBER.value, Role.COUNCIL_MEMBER.label),
              (Role.DEPUTY.value, Role.DEPUTY.label),
              (Role.RESIDENT.value, Role.RESIDENT.label)]


def parse_options(text: str, method: str) -> list[OptionInput]:
    """One option per line: "code | title | cost" (cost only for budget ballots)."""
    options, errors = [], []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 2 or not parts[0] or not parts[1]:
            errors.append(_("Line %(n)d: write “code | title”.") % {"n": n})
            continue
        cost = Decimal(0)
        if len(parts) > 2 and parts[2]:
            try:
                cost = Decimal(parts[2].replace(",", "").replace("元", ""))
            except InvalidOperation:
                errors.append(_("Line %(n)d: the cost is not a number.") % {"n": n})
                continue
            if not cost.is_finite() or cost < 0 or cost > MAX_MONEY:
                errors.append(_("Line %(n)d: the cost is out of range.") % {"n": n})
                continue
        elif method == Method.BUDGET:
            errors.append(_("Line %(n)d: budget ballots need a cost: “code | title | cost”.")
                          % {"n": n})
            continue
        options.append(OptionInput(key=parts[0][:32], title=parts[1][:200], cost=cost))
    if errors:
        raise ValidationError(errors)
    if not options:
        raise ValidationError(_("List at least one option."))
    return options


class BallotForm(forms.ModelForm):
    options_text = forms.CharField(
        label=_("Options"), widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("One per line: code | title | cost in yuan (cost for budget ballots only)."),
    )
    teller_mobiles = forms.CharField(
        label=_("Tellers (secret ballots)"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Mobile numbers of at least three tellers, one per line (e.g. a council "
                    "member, a deputy and a member of staff). Each receives one share of the "
                    "ballot's key; the ballot is counted only when enough of them bring it."))
    roll_role_choices = forms.MultipleChoiceField(
        label=_("Who may vote"), choices=ROLL_ROLES, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For a roll built from roles in the unit."),
    )

    class Meta:
        model = Ballot
        fields = ["unit", "title", "description", "method", "secrecy", "max_choices",
                  "min_choices", "min_support", "pass_rule", "budget", "budget_rule",
                  "tie_break", "opens_at", "closes_at", "roll_source", "quorum_required",
                  "quorum_fraction", "threshold", "publish_key"]
        widgets = {
            "opens_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.filter(
            kind__in=[UnitKind.DISTRICT, UnitKind.STREET, UnitKind.TOWN])
        self.fields["threshold"].required = False
        self.fields["threshold"].help_text = _("For example 2 of 3 tellers; by default more "
                                               "than half of them.")

    def clean_quorum_fraction(self):
        value = self.cleaned_data["quorum_fraction"]
        if value not in ("1/2", "2/3"):
            raise ValidationError(_("Choose 1/2 or 2/3."))
        return value

    def clean(self):
        data = super().clean()
        method = data.get("method")
        if method and "options_text" in data:
            try:
                data["options"] = parse_options(data["options_text"], method)
            except ValidationError as exc:
                self.add_error("options_text", exc)
        if data.get("roll_source") == RollSource.ROLES and not data.get("roll_role_choices"):
            self.add_error("roll_role_choices", _("Choose who may vote."))
        data["tellers"] = self._tellers(data)
        return data

    def _tellers(self, data) -> list:
        mobiles = [normalize_mobile(m) for m in (data.get("teller_mobiles") or "").split()]
        if data.get("secrecy") != "secret":
            return []
        if not mobiles:
            self.add_error("teller_mobiles", _("A secret ballot needs its tellers."))
            return []
        found = {u.mobile: u for u in User.objects.filter(mobile__in=mobiles, is_active=True)}
        missing = [m for m in mobiles if m not in found]
        if missing:
            self.add_error("teller_mobiles", _("No account with this number: %(numbers)s.") % {
                "numbers": ", ".join(missing)})
            return []
        return [found[m] for m in mobiles]


class RollUploadForm(forms.Form):
    file = forms.FileField(label=_("List of mobile numbers (Excel .xlsx or CSV, first column)"))


class BringShareForm(forms.Form):
    share = forms.CharField(
        label=_("Your key share (the words, in order)"),
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "autocapitalize": "none",
                                     "spellcheck": "false"}),
    )


class ImportPbForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    file = forms.FileField(label=_("pabulib file (.pb)"))
    rule = forms.ChoiceField(label=_("Rule"), choices=BudgetRule.choices,
                             initial=BudgetRule.MES_GREEDY)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units
