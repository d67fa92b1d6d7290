"""Every change moderation makes: a text submitted for moderation, a moderator's decision, a
public report, the word list. The graph is MODERATION (workflows.py)."""

import hashlib

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.core import audit
from yishi.core.notifications import notify
from yishi.core.permissions import require
from yishi.core.workflow import WorkflowError, transition

from . import text as moderation_text
from .models import ModerationItem, ModerationState, Report, SensitiveWord
from .workflows import MODERATION

MAX_TEXT = 5000
MAX_REASON = 500
MAX_REPORT = 300
# A reporter (a person, or a visitor's address) may send this many reports per window.
REPORTS_PER_WINDOW = 10
REPORT_WINDOW_SECONDS = 600


class ModerationError(WorkflowError):
    """Bad input or a refused step; `code` "state"/"conflict" for the workflow's refusals."""


def word_list() -> list[str]:
    return list(SensitiveWord.objects.values_list("normalized", flat=True))


def auto_approve_enabled() -> bool:
    """The district's choice (YISHI_MODERATION_AUTO_APPROVE): clean texts (no listed word) are
    published at once, their personal data masked. Default: every text waits for a moderator."""
    return bool(getattr(settings, "YISHI_MODERATION_AUTO_APPROVE", False))


# --- the publishing apps' entry point -----------------------------------------------------------

def submit(obj, fields: list[str], *, street, author=None, url: str = "") -> ModerationItem:
    """A resident's text was just saved: hold it for moderation. Called by the publishing
    app's service inside its transaction; the public sees "content under review" until a
    moderator (or, for a clean text, the district's automatic approval) publishes it."""
    original = {name: str(getattr(obj, name) or "") for name in fields}
    words = word_list()
    found_words, personal, public = [], set(), {}
    for name, value in original.items():
        reading = moderation_text.read(value, words)
        found_words += [w for w in reading.words if w not in found_words]
        personal.update(reading.personal_kinds)
        public[name] = reading.masked
    with transaction.atomic():
        item, created = ModerationItem.objects.get_or_create(
            content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk,
            defaults={"street": street, "author": author, "original": original,
                      "public": public, "words": found_words, "personal": sorted(personal),
                      "url": url[:200]})
        if not created:
            return item
        audit.record(author, "moderation.submit", item, unit=street,
                     after={"fields": sorted(original), "words": found_words,
                            "personal": sorted(personal)})
        if auto_approve_enabled() and not found_words:
            transition(item, "auto_approve", None, workflow=MODERATION,
                       decided_at=timezone.now())
    return item


# --- moderators ---------------------------------------------------------------------------------

def approve(actor, item: ModerationItem) -> ModerationItem:
    """Publish the text as the public version shows it (personal data masked)."""
    transition(item, "approve", actor, workflow=MODERATION, decided_by=actor,
               decided_at=timezone.now(), reason="")
    return item


def edit_and_approve(actor, item: ModerationItem, edits: dict[str, str]) -> ModerationItem:
    """Publish an edited version. The original stays in the item as the author wrote it; the
    audit record keeps what the public now reads."""
    errors, public = {}, dict(item.public)
    words = word_list()
    for name, value in edits.items():
        if name not in item.original:
            errors[name] = _("This text has no such part.")
            continue
        value = (value or "").strip()
        if not value:
            errors[name] = _("Enter the text the public will read.")
        elif len(value) > MAX_TEXT:
            errors[name] = _("At most %(max)s characters.") % {"max": MAX_TEXT}
        else:
            left = moderation_text.sensitive_words(value, words)
            if left:
                errors[name] = _("The edited text still holds a sensitive word: %(words)s.") % {
                    "words": "、".join(left)}
            public[name] = moderation_text.mask(value)
    if not edits:
        errors["text"] = _("Enter the text the public will read.")
    if errors:
        raise ModerationError(errors)
    transition(item, "edit", actor, workflow=MODERATION, public=public, decided_by=actor,
               decided_at=timezone.now(), reason="", after={"public": public})
    return item


def hide(actor, item: ModerationItem, reason: str) -> ModerationItem:
    """Take the text off public pages; the author sees the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ModerationError({"reason": _("Say why the text is hidden: the author reads it.")})
    if len(reason) > MAX_REASON:
        raise ModerationError({"reason": _("At most %(max)s characters.") % {"max": MAX_REASON}})
    with transaction.atomic():
        transition(item, "hide", actor, workflow=MODERATION, reason=reason, decided_by=actor,
                   decided_at=timezone.now(), after={"reason": reason})
        if item.author_id:
            notify([item.author], lambda: _("Your text was hidden by a moderator"), reason,
                   item.url)
    return item


def reconsider(actor, item: ModerationItem) -> ModerationItem:
    transition(item, "reconsider", actor, workflow=MODERATION)
    return item


# --- the public ---------------------------------------------------------------------------------

def reporter_key(user, address: str) -> str:
    """Who reports, for the one-report-each rule: the person, or a keyed hash of the visitor's
    address (the address itself is not stored)."""
    if getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:40]
    return f"addr:{digest}"


def report(item: ModerationItem, reason: str, *, user=None, address: str = "") -> Report:
    """A public report (举报): the text goes back to the street's queue (once, however many
    report it at the same time) and stays public until a moderator decides."""
    reason = (reason or "").strip()
    if not reason:
        raise ModerationError({"reason": _("Say what is wrong with this text.")})
    if len(reason) > MAX_REPORT:
        raise ModerationError({"reason": _("At most %(max)s characters.") % {"max": MAX_REPORT}})
    if item.state == ModerationState.HIDDEN:
        raise ModerationError(_("This text is already hidden."), code="state")
    if user is not None and user.is_authenticated and user.pk == item.author_id:
        raise ModerationError(_("You cannot report your own text."), code="own")
    key = reporter_key(user, address)
    window = f"moderation-report:{key}"
    cache.add(window, 0, REPORT_WINDOW_SECONDS)
    if cache.incr(window) > REPORTS_PER_WINDOW:
        raise ModerationError(_("Too many reports in a short time; please try again later."),
                              code="throttled")
    actor = user if user is not None and user.is_authenticated else None
    try:
        with transaction.atomic():
            row = Report.objects.create(item=item, reporter=actor, reporter_key=key,
                                        reason=reason)
            ModerationItem.objects.filter(pk=item.pk).update(reports=F("reports") + 1)
    except IntegrityError:
        raise ModerationError(_("You have already reported this text; a moderator will look "
                                "at it."), code="duplicate") from None
    if item.state in (ModerationState.APPROVED, ModerationState.EDITED):
        try:
            transition(item, "reopen", actor, workflow=MODERATION, after={"reason": reason})
        except WorkflowError as exc:
            if exc.code not in ("conflict", "state"):
                raise
            # Someone else's report sent it back first: it is in the queue once.
    item.refresh_from_db()
    return row


# --- the word list ------------------------------------------------------------------------------

def add_word(actor, word: str, note: str = "") -> SensitiveWord:
    require(actor, "moderation.edit_words")
    word = (word or "").strip()
    normalized = moderation_text.normalize(word)
    if not normalized:
        raise ModerationError({"word": _("Enter a word with at least one letter or digit.")})
    if len(word) > 50:
        raise ModerationError({"word": _("At most %(max)s characters.") % {"max": 50}})
    with transaction.atomic():
        if SensitiveWord.objects.filter(normalized=normalized).exists():
            raise ModerationError({"word": _("This word is already on the list.")})
        try:
            with transaction.atomic():
                row = SensitiveWord.objects.create(word=word, normalized=normalized,
                                                   note=note.strip()[:200], added_by=actor)
        except IntegrityError:
            raise ModerationError({"word": _("This word is already on the list.")}) from None
        audit.record(actor, "moderation.add_word", row, after={"word": word})
    return row


def remove_word(actor, row: SensitiveWord) -> None:
    require(actor, "moderation.edit_words")
    with transaction.atomic():
        audit.record(actor, "moderation.remove_word", row, before={"word": row.word})
        row.delete()


def street_of(unit):
    """The street (or town) a unit is in: moderation queues are per street. A district-level
    text (a district cycle's objection) stays with the district: its staff moderate it."""
    from yishi.core.models import UnitKind

    found = unit
    while found is not None and found.kind not in (UnitKind.STREET, UnitKind.TOWN):
        found = found.parent
    return found or unit
