"""Chinese full-text search over opinions' titles, texts and replies, on SQLite and PostgreSQL
behind one interface.

Chinese has no spaces, so both databases index words that jieba has already cut (with our
dictionary of place and governance terms): `Opinion.search_tokens` holds them, space-separated.
SQLite searches them with an FTS5 table kept in step by triggers; PostgreSQL with a GIN index on
a generated column, search_vector = to_tsvector('simple', search_tokens). A query is cut the same way and all its words must match."""

import re
import unicodedata

from django.db import connection

from .models import Opinion

_WORD = re.compile(r"\w", re.UNICODE)
MAX_QUERY_WORDS = 8


def words(text: str) -> list[str]:
    from .routing import get_tokenizer

    text = unicodedata.normalize("NFKC", text or "").lower()
    return [w for w in get_tokenizer().cut_for_search(text) if w.strip() and _WORD.search(w)]


def query_words(text: str) -> list[str]:
    """A query is cut in jieba's accurate mode: "加装电梯" stays one word (the index holds it and
    its parts), so the database is not asked for overlapping words whose combined frequency it
    cannot estimate."""
    from .routing import get_tokenizer

    text = unicodedata.normalize("NFKC", text or "").lower()
    return [w for w in get_tokenizer().lcut(text) if w.strip() and _WORD.search(w)]


def tokens_for(opinion: Opinion) -> str:
    replies = " ".join(opinion.replies.values_list("text", flat=True)) if opinion.pk else ""
    return " ".join(words(f"{opinion.title} {opinion.text} {replies}"))


def reindex(opinion: Opinion) -> None:
    Opinion.objects.filter(pk=opinion.pk).update(search_tokens=tokens_for(opinion))


def search(query: str, rows=None, limit: int = 50) -> list[Opinion]:
    """Opinions (within `rows`, default all) matching every word of `query`, best first."""
    terms = list(dict.fromkeys(query_words(query)))[:MAX_QUERY_WORDS]
    if not terms:
        return []
    rows = Opinion.objects.all() if rows is None else rows
    if connection.vendor == "postgresql":
        tsquery = " & ".join(_pg_term(t) for t in terms)
        ids = rows.extra(  # noqa: S610 - the query is parameterised
            where=["opinions_opinion.search_vector @@ to_tsquery('simple', %s)"],
            params=[tsquery],
        ).order_by("-created_at").values_list("id", flat=True)[:limit]
    else:
        match = " ".join('"' + t.replace('"', '""') + '"' for t in terms)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid FROM opinions_fts WHERE opinions_fts MATCH %s "
                "ORDER BY rowid DESC LIMIT %s", [match, limit * 20])
            candidates = [row[0] for row in cursor.fetchall()]
        ids = list(rows.filter(pk__in=candidates).order_by("-created_at")
                   .values_list("id", flat=True)[:limit])
    found = Opinion.objects.in_bulk(list(ids))
    return [found[i] for i in ids if i in found]


def _pg_term(term: str) -> str:
    # A tsquery lexeme in quotes, with quotes and backslashes escaped.
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"
