"""What moderation reads in a text, with no database: sensitive words and personal data.

Sensitive words are matched twice, so that splitting a word does not let it through:
- on jieba's tokens of the text (a word the tokenizer keeps whole), and
- on the raw text *normalized*: NFKC (full-width letters and digits become half-width),
  case folded, and every character that is not a letter or a digit removed (spaces,
  punctuation, symbols, zero-width and other format or control characters, combining marks).
  "法 轮-功", "法​轮功" (zero-width space) and "ＦＡＬＵＮ" all normalize to the listed word.

Personal data (个人信息) is masked in what the public sees: mainland mobile numbers (also
written with spaces, dashes or +86), resident ID numbers (18 characters whose check digit is
right, GB 11643), and the part of an address that locates one household (building, unit,
room: 幢/栋/号楼/单元/室/户). The street number alone (莫干山路79号) is kept: public matters name
public places."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

MOBILE = "mobile"
ID_CARD = "id_card"
ADDRESS = "address"

_DIGIT = "[0-9０-９]"
# +86 / 86 prefix, then 1[3-9] and nine more digits, spaces or dashes allowed between them.
_MOBILE_RE = re.compile(
    rf"(?<![0-9０-９])(?:(?:\+|＋)?(?:86|８６)[\s\-－]?)?[1１][3-9３-９](?:[\s\-－]?{_DIGIT}){{9}}"
    rf"(?![0-9０-９])")
_ID_RE = re.compile(rf"(?<![0-9０-９])(?:{_DIGIT}[\s]?){{17}}[0-9０-９xXｘＸ](?![0-9０-９a-zA-Z])")
_NUM = r"[0-9０-９一二三四五六七八九十百零〇两]+"
_HOUSEHOLD = r"(?:幢|栋|號樓|号楼|单元|室|户)"
_ADDRESS_RE = re.compile(
    rf"(?:{_NUM}\s*(?:幢|栋|号楼|单元|室|户|楼|层)[\s\-－]*)+(?:{_NUM}(?:室|号)?)?")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def normalize(text: str) -> str:
    """The text as the word list is compared with it: letters and digits only, half-width,
    case folded."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


def id_checksum_ok(number: str) -> bool:
    """GB 11643: the 18th character is the check digit of the first 17."""
    number = unicodedata.normalize("NFKC", number).upper()
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17]


@dataclass
class Finding:
    kind: str
    start: int
    end: int


@dataclass
class Reading:
    """What moderation found in one text."""

    words: list[str] = field(default_factory=list)
    personal: list[Finding] = field(default_factory=list)
    masked: str = ""

    @property
    def personal_kinds(self) -> list[str]:
        return sorted({f.kind for f in self.personal})


def personal_data(text: str) -> list[Finding]:
    found: list[Finding] = []
    taken = [False] * len(text)

    def add(kind, m):
        if any(taken[m.start():m.end()]):
            return
        for i in range(m.start(), m.end()):
            taken[i] = True
        found.append(Finding(kind, m.start(), m.end()))

    for m in _ID_RE.finditer(text):  # before mobiles: an ID number holds 11 digits in a row
        if id_checksum_ok(re.sub(r"\s", "", m.group())):
            add(ID_CARD, m)
    for m in _MOBILE_RE.finditer(text):
        add(MOBILE, m)
    for m in _ADDRESS_RE.finditer(text):
        if re.search(_HOUSEHOLD, m.group()):
            add(ADDRESS, m)
    return sorted(found, key=lambda f: f.start)


def _mask_digits(part: str, keep_head: int, keep_tail: int) -> str:
    positions = [i for i, ch in enumerate(part) if ch.isdigit() or ch in "xXｘＸ"]
    hidden = set(positions[keep_head:len(positions) - keep_tail])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(part))


def _mask_address(part: str) -> str:
    return re.sub(_NUM, lambda m: "*" * len(m.group()), part)


def mask(text: str, findings: Iterable[Finding] | None = None) -> str:
    """The text with personal data masked: 138****5678, 330***********123X, 莫干山路79号*幢*单元***室."""
    text = text or ""
    findings = personal_data(text) if findings is None else list(findings)
    out, last = [], 0
    for f in findings:
        part = text[f.start:f.end]
        out.append(text[last:f.start])
        if f.kind == MOBILE:
            digits = [ch for ch in part if ch.isdigit()]
            # Keep a +86 prefix readable: hide the middle four of the eleven-digit number.
            prefix = len(digits) - 11
            out.append(_mask_digits(part, prefix + 3, 4))
        elif f.kind == ID_CARD:
            out.append(_mask_digits(part, 3, 4))
        else:
            out.append(_mask_address(part))
        last = f.end
    out.append(text[last:])
    return "".join(out)


_tokenizer = None
_tokenizer_lock = threading.Lock()


def _jieba():
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                from yishi.core.chinese import new_tokenizer

                _tokenizer = new_tokenizer()
    return _tokenizer


def tokens(text: str, words: Iterable[str] = ()) -> set[str]:
    """jieba's tokens of the text, normalized; the listed words are taught to the tokenizer so
    that it keeps them whole."""
    tokenizer = _jieba()
    for word in words:
        if len(word) > 1 and word not in tokenizer.FREQ:
            with _tokenizer_lock:
                tokenizer.add_word(word)
    return {normalize(t) for t in tokenizer.lcut(text or "")} - {""}


def sensitive_words(text: str, words: Iterable[str]) -> list[str]:
    """The listed words (already normalized) found in the text, by token or in the normalized
    raw text, in the list's order."""
    words = [w for w in words if w]
    if not words:
        return []
    flat = normalize(text)
    cut = tokens(text, words)
    return [w for w in words if w in cut or w in flat]


def read(text: str, words: Iterable[str]) -> Reading:
    findings = personal_data(text or "")
    return Reading(words=sensitive_words(text, words), personal=findings,
                   masked=mask(text, findings))
