"""Forms of the finance pages; the services do the checking."""

from django import forms
from django.utils.translation import gettext_lazy as _

UPLOAD_HELP = _("An Excel workbook (.xlsx) or CSV file made from the template; amounts in 元.")


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=UPLOAD_HELP)


class CreateBudgetForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)


class SubmitReviewForm(forms.Form):
    review_item = forms.ModelChoiceField(queryset=None, label=_("Council review item"),
                                         help_text=_("A 预决算审查 item of your council's "
                                                     "next meeting."))

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["review_item"].queryset = items
        self.fields["review_item"].label_from_instance = (
            lambda i: f"{i.meeting.title} · {i.title}")


class ApproveForm(forms.Form):
    decision = forms.CharField(label=_("District approval (文号 or decision)"), max_length=200)
    approved_on = forms.DateField(label=_("Approved on"),
                                  widget=forms.DateInput(attrs={"type": "date"}))


class AdjustmentForm(forms.Form):
    line = forms.ChoiceField(label=_("Line (项)"))
    amount = forms.CharField(label=_("Change (元)"), max_length=20,
                             help_text=_("Negative to reduce, e.g. -50000.00"))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    approved_by = forms.CharField(label=_("Approved by (meeting or decision)"), max_length=200)
    approved_on = forms.DateField(label=_("Approved on"),
                                  widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [(ln.code, f"{ln.code} {ln.name}") for ln in lines]


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Your question"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(forms.Form):
    text = forms.CharField(label=_("Answer"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class WarningRuleForm(forms.Form):
    active = forms.BooleanField(label=_("Active"), required=False)
    points = forms.DecimalField(label=_("Points behind the year that raise a warning"),
                                min_value=0, max_value=100, max_digits=4, decimal_places=1)
    response_days = forms.IntegerField(label=_("Working days to answer"), min_value=1,
                                       max_value=60)


class CrosswalkForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Edition (the later year)"), coerce=int)
    file = forms.FileField(label=_("Crosswalk file (CSV)"),
                           help_text=_("Columns 类型 (功能 or 经济), 旧编码, 新编码, UTF-8; one row "
                                       "per renumbered code. It replaces the edition's "
                                       "crosswalk whole."))

    def __init__(self, *args, editions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(e.year, _("%(last)d → %(year)d")
                                        % {"last": e.year - 1, "year": e.year})
                                       for e in editions]
