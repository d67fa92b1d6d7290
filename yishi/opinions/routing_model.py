"""The routing suggester and the duplicate finder, as the app uses them: trained from handled
opinions (plus the demo's labelled set when there are too few), stored in the database, cached
in each process and reloaded when a newer model is saved."""

import csv
import functools
import threading
from pathlib import Path

from django.db import transaction

from .models import AssignmentState, Opinion, OpinionState, RoutingModel

DEMO_SET = Path(__file__).resolve().parent / "data" / "demo_opinions.csv"
MIN_HANDLED = 500   # below this, the demo's labelled set is added to what is learned from
_lock = threading.Lock()
_cache: dict = {"model_id": None, "suggester": None, "index": None, "index_model": None,
                "index_last": 0}


def reset() -> None:
    """Forget the process's cached model and index (tests start from an empty database)."""
    with _lock:
        _cache.update(model_id=None, suggester=None, index=None, index_model=None, index_last=0)


def training_records(include_demo: bool | None = None) -> list[dict]:
    handled = []
    rows = (Opinion.objects.exclude(state__in=[OpinionState.SUBMITTED, OpinionState.NOT_ACCEPTED,
                                               OpinionState.MERGED])
            .select_related("category").prefetch_related("assignments__department"))
    for opinion in rows.iterator(chunk_size=2000):
        live = [a for a in opinion.assignments.all() if a.state != AssignmentState.TRANSFERRED]
        handled.append({"title": opinion.title, "text": opinion.text,
                        "category": opinion.category.name,
                        "department": live[0].department.name if live else ""})
    if include_demo or (include_demo is None and len(handled) < MIN_HANDLED):
        with open(DEMO_SET, encoding="utf-8") as handle:
            handled += [{"title": r["title"], "text": r["text"], "category": r["category"],
                         "department": r["department"]} for r in csv.DictReader(handle)]
    return handled


@functools.cache
def demo_model_blob() -> bytes:
    """A suggester trained on the demo's labelled set alone (same input, same model: trained
    once per process, however many times the demo is loaded)."""
    from .routing import train

    with open(DEMO_SET, encoding="utf-8") as handle:
        return train(list(csv.DictReader(handle))).dumps()


def train_and_store(include_demo: bool | None = None) -> RoutingModel:
    from .routing import train

    records = training_records(include_demo)
    suggester = train(records)
    with transaction.atomic():
        return RoutingModel.objects.create(blob=suggester.dumps(), records=len(records))


def suggester():
    """The newest stored suggester, or None when none has been trained yet."""
    from .routing import Suggester

    latest = RoutingModel.objects.order_by("-trained_at").values_list("id", flat=True).first()
    if latest is None:
        return None
    with _lock:
        if _cache["model_id"] != latest:
            blob = RoutingModel.objects.get(pk=latest).blob
            _cache["suggester"] = Suggester.loads(bytes(blob))
            _cache["model_id"] = latest
        return _cache["suggester"]


def suggest(opinion: Opinion, k: int = 3) -> dict:
    """Suggested categories and this street's departments, best first, with scores."""
    model = suggester()
    if model is None:
        return {"categories": [], "departments": []}
    categories = model.suggest(opinion.title, opinion.text, k=k)
    by_name = {d.name: d for d in opinion.street.departments.all()}
    departments = [(by_name[name], score)
                   for name, score in model.suggest_department(opinion.title, opinion.text, k=k)
                   if name in by_name]
    return {"categories": categories, "departments": departments}


SIMILAR_STATES = (OpinionState.ACCEPTED, OpinionState.ASSIGNED, OpinionState.HANDLING,
                  OpinionState.REPLIED, OpinionState.ESCALATED)


def similar_open_opinions(title: str, text: str, limit: int = 5) -> list[tuple[Opinion, float]]:
    """Public opinions still open that look like this text: shown while a resident types.

    The index is built once per process (and again when a newer model is stored); new opinions
    are added to it as they appear, so a keystroke never pays for a rebuild. Opinions that have
    closed since stay in the index but are filtered out of the answer."""
    from .routing import DuplicateIndex

    rows = Opinion.objects.filter(is_public=True, state__in=SIMILAR_STATES)
    model = suggester()
    with _lock:
        index = _cache["index"]
        if index is None or _cache["index_model"] != _cache["model_id"]:
            records = list(rows.values_list("id", "title", "text"))
            # The suggester's vocabulary is learned from thousands of opinions: a better space
            # for "same matter" than one fitted on the few open ones.
            index = (model.duplicate_index(records) if model is not None
                     else DuplicateIndex.build(records))
            _cache.update(index=index, index_model=_cache["model_id"],
                          index_last=max((r[0] for r in records), default=0))
        else:
            new = list(rows.filter(id__gt=_cache["index_last"]).values_list("id", "title", "text"))
            if new and index.vectorizer is None:  # built empty without a model: build afresh
                index = DuplicateIndex.build(new)
                _cache["index"] = index
            else:
                for ident, new_title, new_text in new:
                    index.add(ident, new_title, new_text)
            if new:
                _cache["index_last"] = max(ident for ident, *_rest in new)
    hits = index.similar(title, text, limit=limit * 2)
    found = rows.in_bulk([ident for ident, _score in hits])
    return [(found[ident], score) for ident, score in hits if ident in found][:limit]
