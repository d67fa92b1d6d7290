"""Routing suggestions (分类与交办建议) and duplicate detection (重复意见提示) for residents' opinions.

Pure Python with jieba and scikit-learn; nothing here imports Django, so the Django app, the
benchmark and the tests all use the same code:

    suggester = train(records)              # records: mappings with title, text, category
                                            # (and department, optional)
    suggester.suggest(title, text, k=3)     # [(category, score), ...] best first
    suggester.suggest(title, text, target="department")
    blob = suggester.dumps(); Suggester.loads(blob)

    index = DuplicateIndex.build([(id, title, text), ...])
    index.similar(title, text)              # [(id, similarity), ...] above the threshold

Text is cut by jieba with our user dictionary (``data/userdict.txt``: Xihu's streets, towns and
communities, governance terms), so that 西湖区西溪街道 is 西湖区 / 西溪街道 and not
西湖 / 区西溪 / 街道. The features are TF-IDF of jieba words and word pairs plus TF-IDF of
character 1–3-grams (which catch what the cut misses: 电瓶车 / 电动车, typos, new place names).
The classifier is a linear SVM whose decision values are turned into scores that sum to 1 by
a softmax with a temperature fitted on cross-validated decision values (so a score of 0.9
means roughly "right nine times in ten" on the training data's own distribution).

``Suggester.dumps()`` is a pickle: load only blobs this code wrote (our own database), never
one a user supplied.
"""

from __future__ import annotations

import io
import pickle
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
from scipy import sparse

FORMAT_VERSION = 1
USERDICT = Path(__file__).resolve().parent / "data" / "userdict.txt"
TARGETS = ("category", "department")
DEFAULT_THRESHOLD = 0.5  # cosine similarity from which an opinion is shown as a likely duplicate

_tokenizer = None
_tokenizer_lock = threading.Lock()


def import_model_classes() -> None:
    """Import the scikit-learn classes a stored suggester is made of. Unpickling the first one
    imports them otherwise, inside the first request that shows an opinion to its handler: 3-6 s
    of imports on a busy machine (a worker calls this as it starts, yishi/wsgi.py)."""
    import sklearn.feature_extraction.text
    import sklearn.pipeline
    import sklearn.svm  # noqa: F401


# -- tokenisation --------------------------------------------------------------------------------

def get_tokenizer():
    """The jieba tokenizer with our user dictionary, built once per process on first use.

    A tokenizer of our own (not jieba's global one), so that other code calling ``jieba.cut``
    is not affected by our dictionary and we are not affected by theirs.
    """
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                from yishi.core.chinese import new_tokenizer

                tokenizer = new_tokenizer()
                for line in USERDICT.read_text(encoding="utf-8").splitlines():
                    fields = line.split()
                    if not fields or fields[0].startswith("#"):
                        continue
                    freq = int(fields[1]) if len(fields) > 1 else None
                    tag = fields[2] if len(fields) > 2 else None
                    tokenizer.add_word(fields[0], freq, tag)
                _tokenizer = tokenizer
    return _tokenizer


_SPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")
_WORD = re.compile(r"\w", re.UNICODE)  # a token is kept if it has a letter or digit
STOPWORDS = frozenset(
    "的 了 是 在 我 我们 你 你们 他 他们 她 它 这 那 就 都 也 还 和 与 及 或 又 很 太 有 没有 "
    "一个 一下 一些 这个 那个 这些 那些 什么 怎么 为什么 因为 所以 但是 可是 如果 而且 然后 "
    "把 被 给 让 对 向 从 到 于 为 以 之 着 过 吗 呢 吧 啊 呀 哦 嘛 么 您 您好 你好 谢谢 麻烦 "
    "请问 一直 已经 现在 每次 每天 能 能不能 可以 要 会 想 说".split()
)


def normalize(text: str) -> str:
    """NFKC (full-width to half-width), lower case, digit runs as '#', one space for blanks."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return _SPACE.sub(" ", _DIGITS.sub("#", text)).strip()


def tokenize(text: str) -> list[str]:
    """jieba words of ``text`` (already normalised or not): no blanks, punctuation or stopwords."""
    return [
        w for w in get_tokenizer().lcut(normalize(text))
        if w.strip() and _WORD.search(w) and w not in STOPWORDS
    ]


def has_content(title: str, text: str) -> bool:
    """Whether there is a letter or digit to go by (not only blanks and punctuation)."""
    return bool(_WORD.search(f"{title or ''}{text or ''}"))


def document(title: str, text: str) -> str:
    """The text the features are made from: the title counts twice (it names the matter)."""
    title = normalize(title)
    text = normalize(text)
    return f"{title}。{title}。{text}" if title else text


def word_analyzer(doc: str) -> list[str]:
    """Words and adjacent word pairs (a module-level function, so vectorizers pickle)."""
    words = tokenize(doc)
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def _field(record, name: str, default=""):
    if isinstance(record, Mapping):
        value = record.get(name, default)
    else:
        value = getattr(record, name, default)
    return "" if value is None else str(value)


# -- features ------------------------------------------------------------------------------------

def make_vectorizer(min_df: int = 1, max_df: float = 1.0):
    """TF-IDF of words + word pairs and of character 1–3-grams, each L2-normalised, side by side."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion([
        ("words", TfidfVectorizer(analyzer=word_analyzer, sublinear_tf=True, min_df=min_df,
                                  max_df=max_df, dtype=np.float32)),
        ("chars", TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True,
                                  min_df=min_df, max_df=max_df, lowercase=False,
                                  dtype=np.float32)),
    ])


class _Features:
    """A fitted ``make_vectorizer()`` applied to one document without scikit-learn's per-call
    overhead (input validation, joblib dispatch, sparse matrix assembly): the same numbers as
    ``vectorizer.transform([doc])`` (a test checks it) in about a fifth of the time."""

    def __init__(self, union):
        self.blocks = []
        offset = 0
        for _, vectorizer in union.transformer_list:
            self.blocks.append((vectorizer.build_analyzer(), vectorizer.vocabulary_,
                                vectorizer.idf_.astype(np.float32), offset,
                                vectorizer.sublinear_tf))
            offset += len(vectorizer.vocabulary_)
        self.n_features = offset

    def row(self, doc: str) -> tuple[np.ndarray, np.ndarray]:
        """Column indices and values of ``doc``'s feature row (each block L2-normalised)."""
        indices, values = [], []
        for analyze, vocabulary, idf, offset, sublinear in self.blocks:
            counts = Counter(vocabulary[t] for t in analyze(doc) if t in vocabulary)
            if not counts:
                continue
            idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
            if sublinear:
                tf = 1.0 + np.log(tf)
            w = tf * idf[idx]
            w /= np.sqrt(np.dot(w, w))
            indices.append(idx + offset)
            values.append(w)
        if not indices:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        return np.concatenate(indices), np.concatenate(values)

    def matrix(self, doc: str):
        indices, values = self.row(doc)
        order = np.argsort(indices)
        return sparse.csr_matrix((values[order], indices[order], [0, len(indices)]),
                                 shape=(1, self.n_features))


# -- the classifier ------------------------------------------------------------------------------

class _Model:
    """One target's linear classifier: weights, intercepts, labels and the softmax temperature."""

    def __init__(self, labels: np.ndarray, coef: np.ndarray, intercept: np.ndarray, temperature):
        self.labels = labels
        self.coef_t = np.ascontiguousarray(coef.T, dtype=np.float32)  # features x labels
        self.intercept = intercept.astype(np.float32)
        self.temperature = float(temperature)

    def scores(self, indices: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Scores of every label for one feature row, summing to 1."""
        decision = values @ self.coef_t[indices] + self.intercept
        return _softmax(decision / self.temperature)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max()
    e = np.exp(z)
    return e / e.sum()


def _fit_svm(x, y, c: float):
    from sklearn.svm import LinearSVC

    return LinearSVC(C=c, class_weight="balanced", max_iter=5000).fit(x, y)


def _decisions(clf, x) -> np.ndarray:
    d = clf.decision_function(x)
    return np.column_stack([-d, d]) if d.ndim == 1 else d


def _fit_temperature(decisions: np.ndarray, truth: np.ndarray) -> float:
    """The temperature T minimising the log loss of softmax(decisions / T) (a 1-D search)."""
    rows = np.arange(len(truth))

    def loss(t):
        z = decisions / t
        z = z - z.max(axis=1, keepdims=True)
        return -(z[rows, truth] - np.log(np.exp(z).sum(axis=1))).mean()

    grid = np.geomspace(0.02, 5.0, 60)
    best = grid[int(np.argmin([loss(t) for t in grid]))]
    fine = np.geomspace(best / 1.15, best * 1.15, 15)
    return float(fine[int(np.argmin([loss(t) for t in fine]))])


def _train_model(x, labels: list[str], c: float, seed: int) -> _Model:
    from sklearn.model_selection import StratifiedKFold

    y_labels, y = np.unique(np.asarray(labels, dtype=object), return_inverse=True)
    clf = _fit_svm(x, y, c)
    # Temperature from out-of-fold decision values (3 folds; too few examples -> a default).
    counts = np.bincount(y)
    folds = min(3, int(counts.min()))
    temperature = 0.3
    if folds >= 2 and len(y) >= 30:
        oof = np.zeros((len(y), len(y_labels)), dtype=np.float64)
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        for train_idx, test_idx in splitter.split(np.zeros(len(y)), y):
            if len(np.unique(y[train_idx])) < len(y_labels):
                break
            fold = _fit_svm(x[train_idx], y[train_idx], c)
            oof[test_idx] = _decisions(fold, x[test_idx])
        else:
            temperature = _fit_temperature(oof, y)
    intercept = np.atleast_1d(clf.intercept_)
    coef = clf.coef_
    if len(y_labels) == 2:
        coef = np.vstack([-coef[0], coef[0]])
        intercept = np.array([-intercept[0], intercept[0]])
    return _Model(np.asarray(y_labels, dtype=object), coef, intercept, temperature)


class Suggester:
    """Suggests an opinion's category and department from its title and text."""

    def __init__(self, vectorizer, models: dict[str, _Model], info: dict | None = None):
        self.vectorizer = vectorizer
        self.models = models
        self.info = info or {}
        self.features = _Features(vectorizer)

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(self.models)

    def labels(self, target: str = "category") -> list[str]:
        return list(self._model(target).labels)

    def vectorize(self, title: str, text: str = ""):
        """The opinion's feature row (1 x features, CSR)."""
        return self.features.matrix(document(title, text))

    def suggest(self, title: str, text: str = "", k: int = 3,
                target: str = "category") -> list[tuple[str, float]]:
        """Up to ``k`` (label, score) pairs, best first; scores are in [0, 1] and sum to at
        most 1. An empty title and text (or one with no known word or character) gives []:
        there is nothing to suggest from."""
        model = self._model(target)
        if k <= 0 or not has_content(title, text):
            return []
        indices, values = self.features.row(document(title, text))
        if not len(indices):
            return []
        scores = model.scores(indices, values)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(str(model.labels[i]), round(float(scores[i]), 4)) for i in top]

    def suggest_department(self, title: str, text: str = "", k: int = 3):
        return self.suggest(title, text, k=k, target="department")

    def duplicate_index(self, records: Iterable,
                        threshold: float = DEFAULT_THRESHOLD) -> DuplicateIndex:
        """A duplicate index over ``records`` in this suggester's TF-IDF space."""
        return DuplicateIndex.build(records, vectorizer=self.vectorizer, threshold=threshold)

    def _model(self, target: str) -> _Model:
        try:
            return self.models[target]
        except KeyError:
            raise ValueError(
                f"no model for {target!r}; this suggester knows {', '.join(self.models)}"
            ) from None

    def dumps(self) -> bytes:
        buffer = io.BytesIO()
        pickle.dump({"format": FORMAT_VERSION, "kind": "suggester", "vectorizer": self.vectorizer,
                     "models": self.models, "info": self.info}, buffer,
                    protocol=pickle.HIGHEST_PROTOCOL)
        return buffer.getvalue()

    @classmethod
    def loads(cls, data: bytes) -> Suggester:
        state = _load(data, "suggester")
        return cls(state["vectorizer"], state["models"], state["info"])


def _load(data: bytes, kind: str) -> dict:
    try:
        state = pickle.loads(data)  # our own blobs only (see the module docstring)
    except Exception as e:  # truncated or foreign bytes: unpickling raises many kinds
        raise ValueError(f"not a {kind} blob ({type(e).__name__})") from e
    if not isinstance(state, dict) or state.get("kind") != kind:
        raise ValueError(f"not a {kind} blob")
    if state.get("format") != FORMAT_VERSION:
        raise ValueError(f"{kind} blob of format {state.get('format')}, expected "
                         f"{FORMAT_VERSION}: train again")
    return state


def train(records: Iterable, targets: Sequence[str] = TARGETS, c: float = 0.5,
          seed: int = 0) -> Suggester:
    """Train on handled opinions: mappings (or objects) with ``title``, ``text`` and the
    ``targets`` fields. A target whose labels are all blank is skipped (a set without
    departments gives a category-only suggester); records with a blank label are left out of
    that target's model. Raises ValueError when there is nothing to learn from."""
    import time

    started = time.perf_counter()
    rows = [(_field(r, "title"), _field(r, "text"), {t: _field(r, t).strip() for t in targets})
            for r in records]
    rows = [row for row in rows if row[0].strip() or row[1].strip()]
    if not rows:
        raise ValueError("no opinion with a title or text to learn from")
    docs = [document(title, text) for title, text, _ in rows]
    vectorizer = make_vectorizer(min_df=2 if len(docs) >= 1000 else 1)
    x = vectorizer.fit_transform(docs).tocsr()
    models = {}
    for target in targets:
        keep = [i for i, row in enumerate(rows) if row[2][target]]
        labels = [rows[i][2][target] for i in keep]
        if not keep:
            continue
        if len(set(labels)) < 2:
            raise ValueError(f"{target}: at least two different labels are needed, "
                             f"got {sorted(set(labels))}")
        models[target] = _train_model(x[keep], labels, c, seed)
    if not models:
        raise ValueError(f"no labels for any of {', '.join(targets)}")
    info = {"records": len(rows), "features": x.shape[1],
            "seconds": round(time.perf_counter() - started, 2)}
    return Suggester(vectorizer, models, info)


# -- duplicates ----------------------------------------------------------------------------------

def make_duplicate_vectorizer(documents: int = 1000):
    """Character 2–3-grams and words, fitted on the opinions themselves; features found in more
    than half of them are dropped (they say nothing about sameness and slow the search) — except
    in a handful of opinions, where "half" would drop everything."""
    return make_vectorizer(min_df=1, max_df=0.5 if documents >= 4 else 1.0)


class DuplicateIndex:
    """Existing opinions, searchable by cosine similarity of TF-IDF vectors.

    The matrix is kept transposed (features x opinions, CSR), so a query touches only the
    posting lists of the features it has, not every stored opinion.
    """

    def __init__(self, vectorizer, ids: list, matrix_t, threshold: float = DEFAULT_THRESHOLD):
        self.vectorizer = vectorizer
        self.ids = list(ids)
        self.matrix_t = matrix_t
        self.threshold = threshold
        self._pending: list = []
        self.features = _Features(vectorizer) if vectorizer is not None else None

    @classmethod
    def build(cls, records: Iterable, vectorizer=None,
              threshold: float = DEFAULT_THRESHOLD) -> DuplicateIndex:
        """From ``(id, title, text)`` tuples or mappings with id, title and text. With a
        fitted ``vectorizer`` (a suggester's) the index uses that TF-IDF space; without, it
        fits its own on the records."""
        ids, docs = [], []
        for r in records:
            if isinstance(r, Mapping) or not isinstance(r, tuple | list):
                ident, title, text = _field(r, "id"), _field(r, "title"), _field(r, "text")
                ident = r.get("id") if isinstance(r, Mapping) else getattr(r, "id", ident)
            else:
                ident, title, text = r
            ids.append(ident)
            docs.append(document(title or "", text or ""))
        if vectorizer is None:
            vectorizer = make_duplicate_vectorizer(len(docs))
            if docs:
                x = vectorizer.fit_transform(docs)
            else:
                return cls(None, [], None, threshold)
        else:
            x = vectorizer.transform(docs) if docs else None
        x = _renormalize(x) if x is not None else None
        return cls(vectorizer, ids, x.T.tocsr() if x is not None else None, threshold)

    def __len__(self) -> int:
        return len(self.ids) + len(self._pending)

    def add(self, ident, title: str, text: str) -> None:
        """Add one opinion (in the existing feature space; words new to it are not counted
        until the index is built again)."""
        if self.vectorizer is None:
            raise ValueError("an empty index cannot learn features: build it from records")
        self._pending.append((ident, document(title, text)))

    def _flush(self) -> None:
        if not self._pending:
            return
        ids, docs = zip(*self._pending, strict=True)
        x = _renormalize(self.vectorizer.transform(list(docs))).T.tocsr()
        self.matrix_t = x if self.matrix_t is None else sparse.hstack(
            [self.matrix_t, x], format="csr")
        self.ids.extend(ids)
        self._pending = []

    def similar(self, title: str, text: str = "", limit: int = 5,
                threshold: float | None = None, exclude: Iterable = ()) -> list[tuple]:
        """Up to ``limit`` (id, similarity) pairs with similarity >= threshold, most similar
        first. An empty query gives []."""
        self._flush()
        if self.matrix_t is None or limit <= 0 or not has_content(title, text):
            return []
        threshold = self.threshold if threshold is None else threshold
        indices, values = self.features.row(document(title, text))
        if not len(indices):
            return []
        values = values / np.sqrt(np.dot(values, values))
        # Only the posting lists of the query's features: rows of the transposed matrix.
        sims = self.matrix_t[indices].T.dot(values)
        excluded = set(exclude)
        candidates = np.flatnonzero(sims >= threshold)
        if candidates.size > 4 * limit + len(excluded):
            top = np.argpartition(-sims[candidates], 4 * limit + len(excluded))
            candidates = candidates[top[:4 * limit + len(excluded)]]
        candidates = candidates[np.argsort(-sims[candidates], kind="stable")]
        result = []
        for i in candidates:
            if self.ids[i] in excluded:
                continue
            result.append((self.ids[i], round(float(sims[i]), 4)))
            if len(result) >= limit:
                break
        return result

    def dumps(self) -> bytes:
        self._flush()
        return pickle.dumps({"format": FORMAT_VERSION, "kind": "duplicates",
                             "vectorizer": self.vectorizer, "ids": self.ids,
                             "matrix_t": self.matrix_t, "threshold": self.threshold},
                            protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def loads(cls, data: bytes) -> DuplicateIndex:
        state = _load(data, "duplicates")
        return cls(state["vectorizer"], state["ids"], state["matrix_t"], state["threshold"])


def _renormalize(x):
    """Rows of the word and character blocks side by side have norm sqrt(2): scale to 1."""
    x = sparse.csr_matrix(x, dtype=np.float32)
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms).dot(x).tocsr().astype(np.float32)
