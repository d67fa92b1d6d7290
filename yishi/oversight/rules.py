"""The rules library (制度库): entering a rule and amending it (each amendment a new version),
searching it with the project's Chinese search, and comparing any two versions.

Search reuses the opinions' jieba tokenizer (`yishi.opinions.search.words` / `query_words`, with
the project's dictionary of place and governance terms). The library is a few dozen texts, so
the words are kept space-padded on the rule and matched with one LIKE per query word, the same
on both databases; no FTS table is needed for so few rows."""

import re
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yishi.core import audit
from yishi.core.permissions import require
from yishi.core.queries import district

from .rules_models import Rule, RuleGroup, RuleVersion
from .services import OversightError, _clean_text, _error

MAX_TEXT = 50000
MAX_QUERY_WORDS = 8
KEY = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
MODULE_KEY = re.compile(r"^[a-z_]+(\.[a-z_]+)?$")


# --- search -----------------------------------------------------------------------------------

def tokens_for(rule: Rule, text: str) -> str:
    from yishi.opinions.search import words

    found = words(f"{rule.title} {rule.issuing_body} {rule.summary} {text}")
    return " " + " ".join(dict.fromkeys(found)) + " "


def reindex(rule: Rule) -> None:
    latest = rule.versions.order_by("-number").first()
    Rule.objects.filter(pk=rule.pk).update(
        search_tokens=tokens_for(rule, latest.text if latest else ""))


def search(query: str, rows=None):
    """Rules (within `rows`, default all) whose title, summary or current text hold every word
    of `query`, cut as the opinions' search cuts it."""
    from yishi.opinions.search import query_words

    terms = list(dict.fromkeys(query_words(query)))[:MAX_QUERY_WORDS]
    rows = Rule.objects.all() if rows is None else rows
    if not terms:
        return rows.none()
    condition = Q()
    for term in terms:
        condition &= Q(search_tokens__contains=f" {term} ")
    return rows.filter(condition)


# --- entering and amending --------------------------------------------------------------------

@dataclass
class RuleInput:
    key: str
    group: str
    title: str
    issuing_body: str
    effective_on: date
    text: str
    summary: str = ""
    governs: tuple = ()


def _governs(keys) -> str:
    keys = [k.strip() for k in keys if k and k.strip()]
    if any(not MODULE_KEY.match(k) for k in keys):
        raise _error(_("Name modules by their keys, like finance.budget_review."), "governs")
    return (" " + " ".join(dict.fromkeys(keys)) + " ") if keys else ""


def _text(value) -> str:
    return _clean_text(value, "text", MAX_TEXT)


@transaction.atomic
def create_rule(actor, data: RuleInput, *, is_demo_text: bool = False) -> Rule:
    """Enter a rule into the library with its first version (as issued)."""
    home = district()
    require(actor, "oversight.assign", home)
    if not KEY.match(data.key or ""):
        raise _error(_("Use lower-case letters, digits and hyphens for the key."), "key")
    if data.group not in RuleGroup.values:
        raise _error(_("Choose the group: rule, document or mechanism."), "group")
    if Rule.objects.filter(key=data.key).exists():
        raise _error(_("Another rule already has this key."), "key", "duplicate")
    rule = Rule(key=data.key, group=data.group, title=_clean_text(data.title, "title", 200),
                issuing_body=_clean_text(data.issuing_body, "issuing_body", 200),
                summary=_clean_text(data.summary, "summary", 2000, required=False),
                governs=_governs(data.governs), is_demo_text=is_demo_text,
                sort_order=Rule.objects.filter(group=data.group).count() + 1)
    text = _text(data.text)
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:
        raise _error(_("Another rule already has this key."), "key", "duplicate") from None
    RuleVersion.objects.create(rule=rule, number=1, effective_on=data.effective_on, text=text,
                               note="", created_by=actor)
    reindex(rule)
    audit.record(actor, "oversight.rule.create", rule, unit=home,
                 after={"key": rule.key, "effective_on": data.effective_on})
    return rule


@transaction.atomic
def amend_rule(actor, rule: Rule, *, text: str, effective_on: date, note: str) -> RuleVersion:
    """修订: the amended text becomes a new version, effective from its date; the earlier
    versions stay as they were."""
    home = district()
    require(actor, "oversight.assign", home)
    # One amendment at a time per rule: the row lock orders them, the unique constraint backs it.
    Rule.objects.select_for_update().filter(pk=rule.pk).exists()
    text = _text(text)
    note = _clean_text(note, "note", 2000)
    latest = rule.versions.order_by("-number").first()
    if latest and latest.text.strip() == text.strip():
        raise _error(_("The text is the same as the current version: change it first."),
                     "text", "unchanged")
    if latest and effective_on < latest.effective_on:
        raise _error(_("An amendment cannot take effect before the version it amends "
                       "(%(date)s).") % {"date": latest.effective_on}, "effective_on")
    number = (rule.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    try:
        with transaction.atomic():
            version = RuleVersion.objects.create(rule=rule, number=number,
                                                 effective_on=effective_on, text=text,
                                                 note=note, created_by=actor,
                                                 created_at=timezone.now())
    except IntegrityError:
        raise OversightError(_("Someone else amended this rule just now; please reload."),
                             code="conflict") from None
    reindex(rule)
    audit.record(actor, "oversight.rule.amend", rule, unit=home,
                 after={"version": number, "effective_on": effective_on, "note": note})
    return version


# --- comparing two versions -------------------------------------------------------------------

_SENTENCE = re.compile(r"[^。！？；!?;]+[。！？；!?;]*")


def sentences(text: str) -> list[str]:
    """The text cut into sentences (at Chinese and Western full stops, semicolons and line
    ends): the unit a reader compares."""
    result = []
    for line in (text or "").splitlines():
        result.extend(s.strip() for s in _SENTENCE.findall(line) if s.strip())
    return result


@dataclass
class Piece:
    text: str
    mark: str = ""  # "", "del" (only in the older version) or "ins" (only in the newer)


@dataclass
class Row:
    kind: str  # same, changed, removed, added
    old: list
    new: list


def _inline(a: str, b: str) -> tuple[list, list]:
    """The changed words of two alike sentences (cut by jieba, so that 三十 → 四十五 is marked
    as one word changed, not as scattered characters)."""
    from yishi.opinions.routing import get_tokenizer

    cut = get_tokenizer().lcut
    wa, wb = cut(a), cut(b)
    old, new = [], []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes():
        if op == "equal":
            old.append(Piece("".join(wa[i1:i2])))
            new.append(Piece("".join(wb[j1:j2])))
            continue
        if i2 > i1:
            old.append(Piece("".join(wa[i1:i2]), "del"))
        if j2 > j1:
            new.append(Piece("".join(wb[j1:j2]), "ins"))
    return old, new


SIMILAR = 0.4  # sentences at least this alike are one sentence changed, not one out, one in


def _pair(olds: list[str], news: list[str]) -> list[Row]:
    """Align the sentences of a changed stretch: pairs of alike sentences (in order, the
    alignment with the greatest total likeness) are "changed", the rest removed or added."""
    n, m = len(olds), len(news)
    ratio = [[SequenceMatcher(None, o, w, autojunk=False).ratio() for w in news] for o in olds]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            paired = ratio[i][j] + best[i + 1][j + 1] if ratio[i][j] >= SIMILAR else -1
            best[i][j] = max(paired, best[i + 1][j], best[i][j + 1])
    rows, i, j = [], 0, 0
    while i < n or j < m:
        if i < n and j < m and ratio[i][j] >= SIMILAR and \
                best[i][j] == ratio[i][j] + best[i + 1][j + 1]:
            rows.append(Row("changed", *_inline(olds[i], news[j])))
            i, j = i + 1, j + 1
        elif i < n and (j == m or best[i][j] == best[i + 1][j]):
            rows.append(Row("removed", [Piece(olds[i], "del")], []))
            i += 1
        else:
            rows.append(Row("added", [], [Piece(news[j], "ins")]))
            j += 1
    return rows


def compare(old_text: str, new_text: str) -> list[Row]:
    """The two texts side by side, sentence by sentence: sentences kept, changed (with the
    changed characters marked), removed and added."""
    a, b = sentences(old_text), sentences(new_text)
    rows = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            rows += [Row("same", [Piece(s)], [Piece(s)]) for s in a[i1:i2]]
        elif op == "replace":
            rows += _pair(a[i1:i2], b[j1:j2])
        elif op == "delete":
            rows += [Row("removed", [Piece(s, "del")], []) for s in a[i1:i2]]
        else:
            rows += [Row("added", [], [Piece(s, "ins")]) for s in b[j1:j2]]
    return rows


def change_counts(rows: list[Row]) -> dict:
    return {kind: sum(1 for r in rows if r.kind == kind)
            for kind in ("changed", "removed", "added")}
