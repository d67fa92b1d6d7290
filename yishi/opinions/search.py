"""Chinese full-text search over opinions' titles, texts and replies, on SQLite and PostgreSQL
behind one interface.

Chinese has no spaces, so both databases index words that jieba has already cut (with our
dictionary of place and governance terms): `Opinion.search_tokens` holds them, space-separated.
SQLite searches them with an FTS5 table kept in step by triggers; PostgreSQL with a GIN index on
a generated column, search_vector = to_tsvector('simple', search_tokens). A query is cut the same way and all its words must match.

The index holds what the public reads (moderation.queries.searchable): the approved version of
the title and text (personal data masked, or the moderator's edit) and nothing of them while
they are held or hidden, plus the replies. The board is the only search, and it is public, so
both databases' paths match only what the page would show; a moderator's decision reindexes
the opinion (`reindex_after_moderation`)."""

import re
import unicodedata

from django.db import connection, transaction

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
    from yishi.moderation.queries import searchable

    replies = " ".join(opinion.replies.values_list("text", flat=True)) if opinion.pk else ""
    title, text = searchable(opinion, "title"), searchable(opinion, "text")
    return " ".join(words(f"{title} {text} {replies}"))


def reindex(opinion: Opinion) -> None:
    """Under the opinion's row lock, reading its moderation state and replies afresh: a reply
    and a moderator's decision at the same moment cannot leave words of a hidden text behind
    (the later one waits and reads what the earlier one committed)."""
    with transaction.atomic():
        fresh = Opinion.objects.select_for_update().only("id", "title", "text").get(pk=opinion.pk)
        Opinion.objects.filter(pk=fresh.pk).update(search_tokens=tokens_for(fresh))


def reindex_after_moderation(sender, *, obj, **kwargs) -> None:
    """Connected to the moderation workflow's `transitioned` signal (in its transaction): an
    opinion's text approved, edited, hidden or sent back to the queue is reindexed."""
    from django.contrib.contenttypes.models import ContentType

    if obj.content_type_id == ContentType.objects.get_for_model(Opinion).pk:
        reindex(Opinion(pk=obj.object_id))


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
