"""The paper-ballot desk (纸质票录入) of a secret ballot: counted paper ballots entered as counts
per content with ordinary form controls (no typed syntax), who voted on paper recorded apart in
batches, and undo of the last batch or line while the ballot still takes paper.

Counts per content: for a choose-1 ballot a number beside each option; otherwise one row per
kind of ballot — tick the options (or answer each item) and say how many ballots read so."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from yishi.core import audit
from yishi.core.permissions import require

from .models import Ballot, BallotState, Method, PaperBatch, Participation, Secrecy
from .services import _error, validate_content

# Rows offered at once; a desk with more kinds of ballots enters them in several goes.
ROWS = 4
ANSWERS = {
    Method.YES_NO: [("yes", pgettext_lazy("vote", "Yes")), ("no", pgettext_lazy("vote", "No")),
                    ("abstain", gettext_lazy("Abstain"))],
    Method.SATISFACTION: [("satisfied", gettext_lazy("Satisfied")),
                          ("basically", gettext_lazy("Basically satisfied")),
                          ("unsatisfied", gettext_lazy("Not satisfied"))],
}


def takes_paper(ballot: Ballot) -> bool:
    """Paper ballots are entered on a secret ballot while it is open or closed, before the
    tellers decrypt it."""
    return (ballot.secrecy == Secrecy.SECRET and ballot.decrypted_at is None
            and ballot.state in (BallotState.OPEN, BallotState.CLOSED))


def choose_one(ballot: Ballot) -> bool:
    return ballot.method in (Method.CHOOSE, Method.BUDGET) and ballot.max_choices == 1


class PaperCountForm(forms.Form):
    """Counted paper ballots as counts per content. `lines()` gives what enter_paper_tally
    takes; each row's problem is shown beside that row's fields."""

    def __init__(self, *args, ballot: Ballot, **kwargs):
        kwargs.setdefault("prefix", "paper")
        super().__init__(*args, **kwargs)
        self.ballot = ballot
        self.options = list(ballot.options.order_by("position", "key"))
        self.per_option = choose_one(ballot)
        count = {"required": False, "min_value": 0, "max_value": 1_000_000}
        if choose_one(ballot):
            for o in self.options:
                self.fields[f"count-{o.key}"] = forms.IntegerField(label=o.title, **count)
            return
        for row in range(ROWS):
            if ballot.method in ANSWERS:
                for o in self.options:
                    self.fields[f"row{row}-vote-{o.key}"] = forms.ChoiceField(
                        label=o.title, required=False,
                        choices=[("", "—"), *ANSWERS[ballot.method]])
            else:
                self.fields[f"row{row}-choices"] = forms.MultipleChoiceField(
                    label=_("Options marked on these ballots"), required=False,
                    choices=[(o.key, o.title) for o in self.options],
                    widget=forms.CheckboxSelectMultiple)
            self.fields[f"row{row}-count"] = forms.IntegerField(
                label=_("Number of ballots marked so"), **count)

    def rows(self):
        """The fields row by row, for the template."""
        if choose_one(self.ballot):
            return [[self[f"count-{o.key}"] for o in self.options]]
        return [[self[name] for name in self.fields if name.startswith(f"row{row}-")]
                for row in range(ROWS)]

    def clean(self):
        data = super().clean()
        self._lines = []
        if choose_one(self.ballot):
            for o in self.options:
                if data.get(f"count-{o.key}"):
                    self._lines.append({"content": {"choices": [o.key]},
                                        "count": data[f"count-{o.key}"]})
        else:
            for row in range(ROWS):
                self._clean_row(data, row)
        if not self._lines and not self.errors:
            raise ValidationError(_("Enter at least one number of ballots."))
        return data

    def _clean_row(self, data, row):
        number = data.get(f"row{row}-count")
        if self.ballot.method in ANSWERS:
            votes = {o.key: data[f"row{row}-vote-{o.key}"] for o in self.options
                     if data.get(f"row{row}-vote-{o.key}")}
            content, marked, first = {"votes": votes}, bool(votes), \
                f"row{row}-vote-{self.options[0].key}"
        else:
            choices = data.get(f"row{row}-choices") or []
            content, marked, first = {"choices": choices}, bool(choices), f"row{row}-choices"
        if not number:
            if marked:
                self.add_error(f"row{row}-count", _("How many ballots are marked so?"))
            return
        try:
            validate_content(self.ballot, content)
        except ValidationError as exc:
            self.add_error(first, exc.messages)
            return
        self._lines.append({"content": content, "count": number})

    def lines(self) -> list[dict]:
        return self._lines


class PaperVotersForm(forms.Form):
    voters = forms.CharField(
        label=gettext_lazy("Mobile numbers of people who voted on paper (one per line, at "
                           "least 5)"),
        widget=forms.Textarea(attrs={"rows": 5, "inputmode": "tel"}),
        help_text=gettext_lazy("Recorded apart from the counts, so nobody is paired with a "
                               "ballot."),
    )

    def voter_list(self) -> list[str]:
        return [v.strip() for v in self.cleaned_data["voters"].splitlines() if v.strip()]


def last_batch(ballot: Ballot, user) -> PaperBatch | None:
    """The latest batch of paper voters this person recorded, while it can still be undone."""
    if not takes_paper(ballot) or not getattr(user, "is_authenticated", False):
        return None
    return (PaperBatch.objects.filter(ballot=ballot, entered_by=user).order_by("-pk").first())


@transaction.atomic
def undo_paper_batch(teller, ballot: Ballot, batch_id: int) -> int:
    """Take back the latest batch of paper voters one recorded (a mistaken list): they may vote
    again. Only the latest, only one's own, only before the count; audited."""
    require(teller, "voting.count_paper", ballot.unit)
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    if not takes_paper(ballot):
        raise _error("state", _("Paper voters can no longer be changed: the ballots are "
                                "counted."))
    batch = last_batch(ballot, teller)
    if batch is None or batch.pk != batch_id:
        raise PermissionDenied(_("Only the latest batch you recorded can be undone."))
    removed, _by_model = Participation.objects.filter(ballot=ballot, paper_batch=batch).delete()
    voters = batch.voters
    batch.delete()
    audit.record(teller, "voting.undo_paper_voters", ballot, after={"voters": voters},
                 unit=ballot.unit)
    return voters
