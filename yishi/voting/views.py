"""Ballot pages: voters (ballot, confirmation, receipt), everyone (results, bulletin board, open
data), staff (create, roll, open/close, paper ballots, publish, import)."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from yishi.core.errors import add_form_errors, error_messages
from yishi.core.models import Unit, UnitKind
from yishi.core.permissions import active_roles, has_perm
from yishi.core.workflow import may

from . import charts, exchange, paper, queries, services, tellers
from .forms import (
    BallotForm,
    BringShareForm,
    ImportPbForm,
    RollUploadForm,
)
from .models import (
    Ballot,
    BallotState,
    CastBallot,
    DecryptedBallot,
    Method,
    PaperTally,
    PaperTallyState,
    Participation,
    Teller,
)
from .paper import PaperVotersForm
from .workflows import PAPER_TALLY

RECEIPT_SESSION = "yishi_voting_receipts"


def _ballot(public_id, *, drafts: bool = False) -> Ballot:
    ballot = get_object_or_404(Ballot.objects.select_related("unit"), public_id=public_id)
    if ballot.state == BallotState.DRAFT and not drafts:
        raise Http404
    return ballot


def _errors(exc: ValidationError) -> list[str]:
    return exc.messages


# --- public and voters ----------------------------------------------------------------------

def ballot_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(queries.visible_ballots().order_by("-created_at"), 20).get_page(
        request.GET.get("page"))
    return render(request, "voting/list.html", {"page": page, "trail": [(_("Ballots"), None)]})


def _content_from_post(ballot: Ballot, data) -> dict:
    keys = [o.key for o in ballot.options.all()]
    if ballot.method in (Method.CHOOSE, Method.BUDGET):
        return {"choices": data.getlist("choice")}
    return {"votes": {k: data.get(f"vote-{k}") for k in keys if data.get(f"vote-{k}")}}


def ballot_detail(request: HttpRequest, public_id) -> HttpResponse:
    ballot = _ballot(public_id)
    options = list(ballot.options.all())
    context = {
        "ballot": ballot, "options": options,
        "entitled": queries.is_entitled(ballot, request.user),
        "voted": queries.has_voted(ballot, request.user),
        "turnout": queries.turnout(ballot),
        "is_teller": ballot.is_sealed and request.user.is_authenticated
        and Teller.objects.filter(ballot=ballot, user=request.user).exists(),
        **_public_links(ballot),
        "trail": [(_("Ballots"), reverse("voting:list")), (ballot.title, None)],
        "choices": [], "votes": {}, "errors": [],
    }
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('core:login')}?next={request.path}")
        content = _content_from_post(ballot, request.POST)
        context["choices"], context["votes"] = content.get("choices", []), content.get("votes", {})
        try:
            content = services.validate_content(ballot, content)
        except ValidationError as exc:
            context["errors"] = _errors(exc)
            return render(request, "voting/detail.html", context, status=400)
        if request.POST.get("step") != "confirm":
            return render(request, "voting/confirm.html", {
                **context, "content_json": json.dumps(content, ensure_ascii=False),
                "summary": _summary(ballot, options, content),
            })
        try:
            receipt = services.cast_vote(request.user, ballot, content)
        except ValidationError as exc:
            context["errors"] = _errors(exc)
            return render(request, "voting/detail.html", context, status=400)
        keep_receipt(request, ballot, receipt)
        return redirect("voting:receipt", public_id=ballot.public_id)
    return render(request, "voting/detail.html", context)


def _public_links(ballot: Ballot) -> dict:
    """What the public pages link to in the ballot's state (decided here, not in templates)."""
    done = ballot.state in (BallotState.CLOSED, BallotState.PUBLISHED)
    return {"results_public": ballot.state == BallotState.PUBLISHED,
            # A sealed ballot's tracking codes are public while it is open: voters check theirs.
            "board_public": done or (ballot.is_sealed and ballot.is_open)}


def _summary(ballot, options, content) -> list[tuple[str, str]]:
    titles = {o.key: o for o in options}
    if "choices" in content:
        return [(titles[k].title, f"{titles[k].cost:,.2f}" if ballot.method == Method.BUDGET
                 else "") for k in content["choices"]]
    labels = {"yes": pgettext("vote", "Yes"), "no": pgettext("vote", "No"),
              "abstain": _("Abstain"),
              "satisfied": _("Satisfied"), "basically": _("Basically satisfied"),
              "unsatisfied": _("Not satisfied")}
    return [(titles[k].title, labels[v]) for k, v in content["votes"].items()]


def keep_receipt(request: HttpRequest, ballot: Ballot, receipt) -> None:
    """Hold the receipt for the receipt page. Only the tracking code, and only until that page
    has shown it once: never the content, which sessions (signed, not encrypted) and their
    backups would keep. Apps that cast on the engine (a council's vote) use it too."""
    request.session.setdefault(RECEIPT_SESSION, {})[str(ballot.public_id)] = {
        "code": receipt.code, "hash": receipt.hash}
    request.session.modified = True


def render_receipt(request: HttpRequest, ballot: Ballot, *, trail: list,
                   back_url: str) -> HttpResponse:
    """The receipt page, once: 404 when there is no receipt held for this ballot."""
    receipt = request.session.get(RECEIPT_SESSION, {}).pop(str(ballot.public_id), None)
    if receipt is None:
        raise Http404
    request.session.modified = True
    return render(request, "voting/receipt.html", {
        "ballot": ballot, "receipt": receipt, "trail": trail, "back_url": back_url})


@login_required
def receipt_view(request: HttpRequest, public_id) -> HttpResponse:
    ballot = _ballot(public_id)
    return render_receipt(request, ballot, back_url=reverse("voting:detail",
                                                            args=[ballot.public_id]),
                          trail=[(_("Ballots"), reverse("voting:list")),
                                 (ballot.title, reverse("voting:detail", args=[ballot.public_id])),
                                 (_("Receipt"), None)])


def results_view(request: HttpRequest, public_id) -> HttpResponse:
    ballot = _ballot(public_id)
    options = list(ballot.options.all())
    return render(request, "voting/results.html", {
        "ballot": ballot, "options": options, "result": ballot.result,
        "chart": charts.result_chart(ballot, options) if ballot.result else None,
        "rows": charts.result_rows(ballot, options) if ballot.result else [],
        "turnout": queries.turnout(ballot),
        "trail": [(_("Ballots"), reverse("voting:list")),
                  (ballot.title, reverse("voting:detail", args=[ballot.public_id])),
                  (_("Results"), None)],
    })


def board_view(request: HttpRequest, public_id) -> HttpResponse:
    ballot = _ballot(public_id)
    # A sealed ballot's tracking codes are public while it is open: voters check theirs in.
    shown = [BallotState.CLOSED, BallotState.PUBLISHED] + (
        [BallotState.OPEN] if ballot.is_sealed else [])
    if ballot.state not in shown:
        raise Http404
    rows = CastBallot.objects.filter(ballot=ballot).order_by("receipt")
    query = (request.GET.get("receipt") or "").replace("-", "").replace(" ", "").lower()
    found = None
    if query:
        if len(query) < 8 or not all(c in "0123456789abcdef" for c in query):
            messages.error(request, _("A receipt code has at least 8 letters and digits (0–9, A–F)."))
        else:
            found = rows.filter(receipt__startswith=query).first()
            if found is None:
                messages.error(request, _("No ballot with this receipt code is on the board."))
    if ballot.secrecy == "named":
        rows = rows.select_related("voter")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    titles = {o.key: o.title for o in ballot.options.all()}
    found_summary = []
    if found is not None and found.content is not None:
        found_summary = [titles.get(k, k) for k in found.content.get("choices", [])] + [
            f"{titles.get(k, k)}: {v}" for k, v in found.content.get("votes", {}).items()]
    decrypted = None
    if ballot.is_sealed and ballot.decrypted_at:
        decrypted = Paginator(DecryptedBallot.objects.filter(ballot=ballot).order_by("id"),
                              50).get_page(request.GET.get("dpage"))
    return render(request, "voting/board.html", {
        "ballot": ballot, "page": page, "found": found, "query": request.GET.get("receipt", ""),
        "found_summary": found_summary, "decrypted": decrypted,
        "tracking_count": page.paginator.count,
        "trail": [(_("Ballots"), reverse("voting:list")),
                  (ballot.title, reverse("voting:detail", args=[ballot.public_id])),
                  (_("Bulletin board"), None)],
    })


def board_json(request: HttpRequest, public_id) -> JsonResponse:
    ballot = _ballot(public_id)
    if ballot.state != BallotState.PUBLISHED:
        raise Http404
    response = JsonResponse(queries.board(ballot), json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="board-{ballot.public_id}.json"'
    return response


def ballot_pb(request: HttpRequest, public_id) -> HttpResponse:
    ballot = _ballot(public_id)
    if ballot.state != BallotState.PUBLISHED:
        raise Http404
    try:
        text = exchange.export_pb(ballot)
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400, content_type="text/plain")
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ballot-{ballot.public_id}.pb"'
    return response


# --- staff ------------------------------------------------------------------------------------

def _managed_units(user):
    """Units where the person may manage ballots: their street(s), or everything for the
    district."""
    paths = [path for _role, path, _d in active_roles(user)]
    units = Unit.objects.filter(kind__in=[UnitKind.DISTRICT, UnitKind.STREET, UnitKind.TOWN])
    allowed = [u.pk for u in units if any(u.path.startswith(p) for p in paths)
               and has_perm(user, "voting.manage_ballot", u)]
    return units.filter(pk__in=allowed)


@login_required
def manage_list(request: HttpRequest) -> HttpResponse:
    units = _managed_units(request.user)
    if not units.exists():
        raise PermissionDenied
    ballots = Ballot.objects.filter(unit__in=units).select_related("unit").order_by("-created_at")
    return render(request, "voting/manage_list.html", {
        "page": Paginator(ballots, 30).get_page(request.GET.get("page")),
        "import_form": ImportPbForm(units=units),
        "trail": [(_("Workspace"), reverse("core:workspace")), (_("Ballots"), None)],
    })


@login_required
def manage_create(request: HttpRequest) -> HttpResponse:
    units = _managed_units(request.user)
    if not units.exists():
        raise PermissionDenied
    form = BallotForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {name: data[name] for name in form.Meta.fields
                  if name not in ("unit", "title", "method") and data.get(name) is not None}
        fields["roll_roles"] = ",".join(data.get("roll_role_choices") or [])
        fields["threshold"] = fields.get("threshold") or None
        try:
            ballot = services.create_ballot(request.user, data["unit"], title=data["title"],
                                            method=data["method"], options=data["options"],
                                            tellers=data["tellers"], **fields)
        except ValidationError as exc:
            # The service names its fields; the form asks for tellers by mobile number.
            if hasattr(exc, "error_dict") and "tellers" in exc.error_dict:
                form.add_error("teller_mobiles", exc.error_dict.pop("tellers"))
            add_form_errors(form, exc)
        else:
            messages.success(request, _("The ballot has been created as a draft."))
            return redirect("voting:manage", public_id=ballot.public_id)
    return render(request, "voting/manage_form.html", {
        "form": form,
        "trail": [(_("Ballots"), reverse("voting:manage_list")), (_("New ballot"), None)],
    })


def _managed_ballot(request, public_id) -> Ballot:
    ballot = _ballot(public_id, drafts=True)
    if not has_perm(request.user, "voting.manage_ballot", ballot.unit):
        raise PermissionDenied
    return ballot


@login_required
def manage_detail(request: HttpRequest, public_id) -> HttpResponse:
    ballot = _managed_ballot(request, public_id)
    return render(request, "voting/manage_detail.html", _manage_context(request, ballot))


def _manage_context(request, ballot: Ballot, **forms_) -> dict:
    tallies = list(PaperTally.objects.filter(ballot=ballot).select_related(
        "entered_by", "confirmed_by").order_by("-entered_at"))
    for tally in tallies:
        tally.may = may(tally, request.user, workflow=PAPER_TALLY)
        tally.hidden = format_html('<input type="hidden" name="tally" value="{}">', tally.pk)
        # Withdrawing one's own entry before it is confirmed is the desk's undo.
        tally.undo_label = _("Undo this entry") if tally.entered_by_id == request.user.pk else ""
    return {
        "ballot": ballot, "options": ballot.options.all(), "may": may(ballot, request.user),
        "roll_count": ballot.roll.count(), "turnout": queries.turnout(ballot),
        "tallies": tallies, "count": tellers.count_status(ballot),
        "cancel_fields": format_html(
            '<label for="cancel-reason">{}</label>'
            '<input type="text" id="cancel-reason" name="reason" required>',
            _("Reason for cancelling")),
        "tellers": Teller.objects.filter(ballot=ballot).select_related("user"),
        "roll_form": RollUploadForm(), "roll_open": ballot.state == BallotState.DRAFT,
        "paper_open": paper.takes_paper(ballot),
        "paper_form": forms_.get("paper_form") or paper.PaperCountForm(ballot=ballot),
        "paper_voters_form": forms_.get("paper_voters_form") or PaperVotersForm(),
        "last_batch": paper.last_batch(ballot, request.user),
        "public": ballot.state != BallotState.DRAFT,
        "trail": [(_("Ballots"), reverse("voting:manage_list")), (ballot.title, None)],
    }


@login_required
def manage_roll(request: HttpRequest, public_id) -> HttpResponse:
    """The voter roll as staff inspect it: who is entitled, who is present, who has voted."""
    ballot = _managed_ballot(request, public_id)
    voted = set(Participation.objects.filter(ballot=ballot).values_list("voter_id", flat=True))
    entries = ballot.roll.select_related("voter", "voter__home_unit").order_by("voter__name")
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    return render(request, "voting/manage_roll.html", {
        "ballot": ballot, "page": page, "voted": voted,
        "roll_open": ballot.state == BallotState.DRAFT,
        "trail": [(_("Ballots"), reverse("voting:manage_list")),
                  (ballot.title, reverse("voting:manage", args=[ballot.public_id])),
                  (_("Voter roll"), None)],
    })


@login_required
@require_POST
def manage_action(request: HttpRequest, public_id, action: str) -> HttpResponse:
    ballot = _managed_ballot(request, public_id)
    user = request.user
    try:
        if action == "open":
            services.open_ballot(user, ballot)
            messages.success(request, _("The ballot is open."))
        elif action == "close":
            services.close_ballot(user, ballot)
            messages.success(request, _("The ballot is closed."))
        elif action == "publish":
            services.publish_results(user, ballot)
            messages.success(request, _("The results are published."))
        elif action == "cancel":
            services.cancel_ballot(user, ballot, request.POST.get("reason", ""))
            messages.success(request, _("The ballot is cancelled."))
        elif action == "roll":
            form = RollUploadForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ValidationError(_("Choose a file to upload."))
            report = services.set_roll_from_list(user, ballot,
                                                 exchange.read_mobile_list(form.cleaned_data["file"]))
            if report.rejected:
                for line, value, reason in report.rejected[:20]:
                    messages.error(request, _("Line %(line)d (%(value)s): %(reason)s") % {
                        "line": line, "value": value, "reason": reason})
                messages.error(request, _("Nothing was saved: correct the file and upload it again."))
            else:
                messages.success(request, _("%(n)d voters are on the roll.") % {"n": report.added})
        elif action == "paper":
            form = paper.PaperCountForm(request.POST, ballot=ballot)
            if form.is_valid():
                try:
                    services.enter_paper_tally(user, ballot, form.lines())
                except ValidationError as exc:
                    add_form_errors(form, exc)
            if form.errors:
                return _desk_again(request, ballot, paper_form=form)
            messages.success(request, _("Entered. A second teller must confirm."))
            return _to_desk(ballot)
        elif action == "paper-voters":
            form = PaperVotersForm(request.POST)
            if form.is_valid():
                try:
                    batch = services.record_paper_voters(user, ballot, form.voter_list())
                except ValidationError as exc:
                    add_form_errors(form, exc, field="voters")
            if form.errors:
                return _desk_again(request, ballot, paper_voters_form=form)
            messages.success(request, _("%(n)d paper voters recorded.") % {"n": batch.voters})
            return _to_desk(ballot)
        elif action == "undo-paper-voters":
            n = paper.undo_paper_batch(user, ballot, _posted_int(request, "batch"))
            messages.success(request, _("Undone: the %(n)d paper voters of your latest batch "
                                        "may vote again.") % {"n": n})
            return _to_desk(ballot)
        elif action in ("confirm-paper", "reject-paper"):
            tally = get_object_or_404(PaperTally, pk=request.POST.get("tally"), ballot=ballot,
                                      state=PaperTallyState.ENTERED)
            if action == "confirm-paper":
                services.confirm_paper_tally(user, tally)
                messages.success(request, _("The paper ballots are counted."))
            else:
                services.reject_paper_tally(user, tally)
                messages.success(request, _("The paper tally was withdrawn."))
            return _to_desk(ballot)
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
    return redirect("voting:manage", public_id=ballot.public_id)


def _to_desk(ballot: Ballot) -> HttpResponse:
    """Back to the paper desk where the teller was, not the top of the page."""
    return redirect(reverse("voting:manage", args=[ballot.public_id]) + "#paper")


def _desk_again(request, ballot: Ballot, **forms_) -> HttpResponse:
    """The page again with what was typed and each error beside its field."""
    return render(request, "voting/manage_detail.html", _manage_context(request, ballot,
                                                                        **forms_), status=400)


def _posted_int(request, name: str) -> int:
    try:
        return int(request.POST.get(name, ""))
    except ValueError:
        raise Http404 from None


@login_required
@require_POST
def manage_import(request: HttpRequest) -> HttpResponse:
    units = _managed_units(request.user)
    form = ImportPbForm(request.POST, request.FILES, units=units)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("voting:manage_list")
    upload = form.cleaned_data["file"]
    try:
        text = upload.read().decode("utf-8-sig")
        ballot = exchange.import_pb(request.user, form.cleaned_data["unit"], text,
                                    name=upload.name, rule=form.cleaned_data["rule"])
    except UnicodeDecodeError:
        messages.error(request, _("The file is not UTF-8 text."))
        return redirect("voting:manage_list")
    except ValidationError as exc:
        error_messages(request, exc)
        return redirect("voting:manage_list")
    messages.success(request, _("Imported and re-counted."))
    return redirect("voting:results", public_id=ballot.public_id)


# --- tellers ----------------------------------------------------------------------------------

@login_required
def teller_view(request: HttpRequest, public_id) -> HttpResponse:
    """A teller's page of a sealed ballot: take the key share once while the ballot is open,
    bring it after the close. The share is in the response only, never stored."""
    ballot = _ballot(public_id)
    if not ballot.is_sealed:
        raise Http404
    teller = tellers.teller_for(request.user, ballot)
    share, progress, errors = None, None, []
    form = BringShareForm(request.POST or None)
    trail = [(_("Ballots"), reverse("voting:list")),
             (ballot.title, reverse("voting:detail", args=[ballot.public_id])),
             (_("Teller"), None)]
    if request.method == "POST":
        try:
            if request.POST.get("step") == "take":
                share = tellers.take_share(request.user, ballot)
            elif form.is_valid():
                progress = tellers.bring_share(request.user, ballot, form.cleaned_data["share"])
                if progress.decrypted is not None:
                    messages.success(request, _("The ballots are decrypted: %(n)d counted.")
                                     % {"n": progress.decrypted})
                    return redirect("voting:teller", public_id=ballot.public_id)
                messages.success(request, _("Your share is entered: %(brought)d of %(needed)d "
                                            "shares are here.") % {
                    "brought": progress.brought, "needed": progress.needed})
                return redirect("voting:teller", public_id=ballot.public_id)
        except ValidationError as exc:
            errors = _errors(exc)
        ballot.refresh_from_db()
        teller.refresh_from_db()
    response = render(request, "voting/teller.html", {
        "ballot": ballot, "teller": teller, "share": share, "form": form, "errors": errors,
        "step": _teller_step(ballot, teller), "count": tellers.count_status(ballot),
        "qr": charts.qr_svg(share) if share else "",
        "tellers": Teller.objects.filter(ballot=ballot).select_related("user"),
        "trail": trail,
    }, status=400 if errors else 200)
    if share:
        response["Cache-Control"] = "no-store"
    return response


def _teller_step(ballot: Ballot, teller: Teller) -> str:
    """The one thing this teller can do now: take the share (open), bring it (closed, not yet
    decrypted), or nothing more (counted)."""
    if ballot.decrypted_at:
        return "done"
    if ballot.state == BallotState.OPEN:
        return "taken" if teller.share_taken_at else "take"
    if ballot.state == BallotState.CLOSED:
        return "bring"
    return ""
