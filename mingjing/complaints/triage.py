"""The suggested category of a complaint: a Chinese text classifier that learns from the staff.

Features are the words of the text as rjieba (the Rust binding of jieba) cuts them, plus its single
characters and character bigrams: the bigrams carry a new phrasing that shares characters with a
known one (退耕还林补助 beside 危房改造补助), and raised the accuracy on held-out phrasings from
0.94 to 0.97 (`bench/triage_bench.py`). TF-IDF (sublinear) feeds a logistic regression fitted by
stochastic gradient descent: as accurate as lbfgs here, and two to three times faster to train.

The classifier starts from the synthetic complaints of `triage_samples.py`, so a new county gets
suggestions on day one, and adds every category the staff confirmed, each weighing `STAFF_WEIGHT`
seed texts: the seed set keeps its size while decisions accumulate, so the staff's way of sorting
wins over time. `retrain_from_db` (the worker or the command line) retrains when there are new
decisions; `suggest_category` serves suggestions from the saved model, reloading it when the file
changes. The core needs no Django; the last section imports it inside its functions.

The model file is derived data (`HOME/triage/model.joblib`, mode 0600): deleting it only means
retraining. Digits are folded to 0 before anything is counted, so no phone or ID number becomes a
feature.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import re
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import rjieba
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from mingjing.complaints import triage_samples

logger = logging.getLogger("mingjing.complaints")

CATEGORIES = {  # code -> Chinese label
    "project": "工程",
    "assets": "三资",
    "welfare": "低保/补贴",
    "labour": "用工",
    "openness": "党务/村务公开",
    "conduct": "作风",
    "other": "其他",
}
CODES = list(CATEGORIES)
FALLBACK = "other"
MAX_CHARS = 2000  # a longer text is cut here before it is tokenised
MIN_CHARS = 2  # fewer letters or characters (not digits) than this: no suggestion but FALLBACK
STAFF_WEIGHT = 5.0  # one staff decision counts as this many seed texts
SEED_N = 3000  # synthetic complaints in the training set
HOLDOUT_MIN = 50  # staff decisions needed before accuracy is measured on the newest of them
FORMAT = 1  # of the saved file; another number means retrain

_WORD = re.compile(r"\w")
_NON_WORD = re.compile(r"[\W_]+")
_DIGITS = str.maketrans("0123456789０１２３４５６７８９", "0" * 20)


# -- features -------------------------------------------------------------------------------------


def clean(text: str) -> str:
    """The text as it is counted: at most MAX_CHARS, full-width forms folded, digits as 0."""
    return unicodedata.normalize("NFKC", text[:MAX_CHARS]).translate(_DIGITS)


def features(text: str) -> list[str]:
    """rjieba's words (punctuation and spaces dropped), then the characters and bigrams of each run."""
    text = clean(text)
    out = [w for w in rjieba.cut(text) if _WORD.search(w)]
    for run in _NON_WORD.split(text):
        out.extend(run)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def _word_chars(text: str) -> int:
    """Letters and characters, digits and punctuation left out: does the text say anything?"""
    return sum(1 for ch in _NON_WORD.sub("", text[:MAX_CHARS]) if not ch.isdigit())


# -- results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """The suggested category, how sure the model is (0–1), and every category by probability."""

    category: str
    confidence: float
    ranked: list[tuple[str, float]]

    @property
    def label(self) -> str:
        return CATEGORIES[self.category]


@dataclass(frozen=True)
class CategoryScore:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Report:
    """Accuracy of suggestions against known categories; `confusion[true][predicted]` in CODES order."""

    accuracy: float
    macro_f1: float
    per_category: dict[str, CategoryScore]
    confusion: list[list[int]]
    n: int
    source: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "n": self.n,
            "source": self.source,
            "per_category": {c: vars(s) for c, s in self.per_category.items()},
            "confusion": self.confusion,
        }


@dataclass
class TrainingSet:
    """Texts, their category codes and how much each counts."""

    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    staff_decisions: int = 0


def category_code(value: str) -> str | None:
    """A category given as code or Chinese label, as its code; None if it is neither."""
    value = (value or "").strip()
    if value in CATEGORIES:
        return value
    for code, label in CATEGORIES.items():
        if value == label:
            return code
    return None


def _key(text: str) -> str:
    return " ".join(text.split())


def training_set(decisions: Iterable[tuple[str, str]], seed_n: int = SEED_N) -> TrainingSet:
    """The synthetic seed set plus the staff's decisions `(text, category)`, oldest first.

    1. A text decided more than once counts once, with its latest category.
    2. A seed text that a decision also covers gives way to the decision.
    3. Each decision weighs STAFF_WEIGHT seed texts; the seed set does not grow, so with
       seed_n / STAFF_WEIGHT decisions (600 by default) the staff outweigh it.
    """
    latest: dict[str, str] = {}
    for text, category in decisions:
        code = category_code(category)
        key = _key(text or "")
        if code and _word_chars(key) >= MIN_CHARS:
            latest.pop(key, None)
            latest[key] = code
    data = TrainingSet(staff_decisions=len(latest))
    for text, code in _seed_samples(seed_n):
        if _key(text) not in latest:
            data.texts.append(text)
            data.labels.append(code)
            data.weights.append(1.0)
    for text, code in latest.items():
        data.texts.append(text)
        data.labels.append(code)
        data.weights.append(STAFF_WEIGHT)
    return data


@functools.cache
def _seed_samples(n: int) -> tuple[tuple[str, str], ...]:
    return tuple(triage_samples.training_samples(n))


# -- the classifier -------------------------------------------------------------------------------


class Classifier:
    """A fitted vectoriser and model, and what they were trained on."""

    def __init__(
        self, vectorizer: TfidfVectorizer, model: SGDClassifier, *, info: dict[str, Any]
    ) -> None:
        self.vectorizer = vectorizer
        self.model = model
        self.info = info
        self.format = FORMAT
        self.sklearn_version = sklearn.__version__

    @classmethod
    def train(cls, samples: TrainingSet | Sequence[tuple[str, str]]) -> Classifier:
        """Fit on a TrainingSet, or on `(text, category code)` pairs that all count once."""
        if not isinstance(samples, TrainingSet):
            samples = TrainingSet(
                texts=[t for t, _ in samples],
                labels=[c for _, c in samples],
                weights=[1.0] * len(samples),
            )
        unknown = set(samples.labels) - set(CATEGORIES)
        if unknown:
            raise ValueError(f"未知的类别 / unknown categories: {sorted(unknown)}")
        started = time.perf_counter()
        vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True, dtype=np.float32)
        matrix = vectorizer.fit_transform(samples.texts)
        model = SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=50, tol=1e-4, random_state=0)
        model.fit(matrix, samples.labels, sample_weight=np.asarray(samples.weights))
        info = {
            "samples": len(samples.texts),
            "staff_decisions": samples.staff_decisions,
            "features": len(vectorizer.vocabulary_),
            "seconds": round(time.perf_counter() - started, 3),
        }
        return cls(vectorizer, model, info=info)

    def _scores(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Probabilities (one row per text, one column per code of CODES) and which texts are empty.

        A text with fewer than MIN_CHARS word characters, or none the model knows, is empty: it
        gets FALLBACK with a probability of 1/7 for every category, no information said as such.
        """
        matrix = self.vectorizer.transform(texts)
        probs = np.zeros((len(texts), len(CODES)))
        columns = [CODES.index(c) for c in self.model.classes_]
        probs[:, columns] = self.model.predict_proba(matrix)
        empty = (matrix.getnnz(axis=1) == 0) | np.array([_word_chars(t) < MIN_CHARS for t in texts])
        probs[empty] = 1.0 / len(CODES)
        return probs, empty

    def suggest(self, text: str) -> Suggestion:
        """The most likely category of one complaint.

        The same numbers as `_scores` (a test holds them together), computed directly from the
        fitted weights: sklearn's checks around one short text cost ten times the arithmetic.
        """
        text = text or ""
        row = self._row(text)
        if row is None:
            row = [1.0 / len(CODES)] * len(CODES)
            ranked = [(FALLBACK, row[0])] + [(c, row[0]) for c in CODES if c != FALLBACK]
        else:
            ranked = sorted(zip(CODES, row, strict=True), key=lambda cp: -cp[1])
        return Suggestion(ranked[0][0], round(ranked[0][1], 4), ranked)

    def _row(self, text: str) -> list[float] | None:
        """One text's probabilities in CODES order, None if it is empty (see `_scores`).

        1. Term counts of the known features; 2. sublinear TF × IDF, L2-normalised (the
        vectoriser's settings); 3. one-vs-rest decision values, their logistic, normalised to sum
        to 1 (how `SGDClassifier.predict_proba` combines them for several classes).
        """
        if _word_chars(text) < MIN_CHARS:
            return None
        analyze, vocabulary, idf, coef, intercept, columns = self._weights()
        counts: dict[int, int] = {}
        for feature in analyze(text):
            j = vocabulary.get(feature)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if not counts:
            return None
        idx = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        x = (1.0 + np.log(tf)) * idf[idx]
        x /= np.linalg.norm(x)
        prob = 1.0 / (1.0 + np.exp(-(coef[:, idx] @ x + intercept)))
        total = prob.sum()
        prob = prob / total if total > 0 else np.full(len(prob), 1.0 / len(prob))
        row = [0.0] * len(CODES)
        for column, p in zip(columns, prob, strict=True):
            row[column] = float(p)
        return row

    def _weights(
        self,
    ) -> tuple[
        Callable[[str], list[str]], dict[str, int], np.ndarray, np.ndarray, np.ndarray, list[int]
    ]:
        """What one suggestion needs of the fitted vectoriser and model, kept out of the saved file."""
        cached = self.__dict__.get("_cached_weights")
        if cached is None:
            cached = (
                self.vectorizer.build_analyzer(),
                self.vectorizer.vocabulary_,
                np.asarray(self.vectorizer.idf_, dtype=np.float64),
                np.asarray(self.model.coef_, dtype=np.float64),
                np.asarray(self.model.intercept_, dtype=np.float64),
                [CODES.index(c) for c in self.model.classes_],
            )
            self.__dict__["_cached_weights"] = cached
        return cached

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_cached_weights", None)
        return state

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The suggested category of each text, in one pass (for evaluations)."""
        probs, empty = self._scores(texts)
        return [
            FALLBACK if e else CODES[int(i)]
            for e, i in zip(empty, probs.argmax(axis=1), strict=True)
        ]

    def evaluate(self, samples: Sequence[tuple[str, str]], source: str = "") -> Report:
        """Suggestions for labelled `(text, code)` pairs against their labels."""
        texts = [t for t, _ in samples]
        truth = [c for _, c in samples]
        return make_report(truth, self.predict(texts), source)

    # -- persistence

    def save(self, path: Path) -> None:
        """Write atomically (a temporary file in the same folder, then `os.replace`), mode 0600."""
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(path, lambda f: joblib.dump(self, f))

    @classmethod
    def load(cls, path: Path) -> Classifier:
        """Read a saved classifier; ValueError if it is not one this code can use."""
        obj = joblib.load(path)
        if not isinstance(obj, cls) or getattr(obj, "format", None) != FORMAT:
            raise ValueError(
                f"分类模型文件格式不符 / not a triage model of format {FORMAT}: {path}"
            )
        if obj.sklearn_version != sklearn.__version__:
            raise ValueError(
                f"分类模型由 scikit-learn {obj.sklearn_version} 训练,需重新训练 / "
                f"trained with scikit-learn {obj.sklearn_version}, now {sklearn.__version__}: retrain"
            )
        return obj


def _write_atomic(path: Path, write: Any) -> None:
    """A temporary file beside `path`, renamed over it: readers see the old file or the new one.

    Not fsynced: the file is derived, and one torn by a crash fails to load, which retrains.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def make_report(truth: Sequence[str], predicted: Sequence[str], source: str = "") -> Report:
    """Accuracy, macro-F1, per-category precision/recall/F1 and the confusion matrix."""
    n = len(truth)
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=CODES, zero_division=0
    )
    per_category = {
        code: CategoryScore(round(float(p), 4), round(float(r), 4), round(float(f), 4), int(s))
        for code, p, r, f, s in zip(CODES, precision, recall, f1, support, strict=True)
    }
    present = [s.f1 for s in per_category.values() if s.support]
    correct = sum(t == p for t, p in zip(truth, predicted, strict=True))
    return Report(
        accuracy=round(correct / n, 4) if n else 0.0,
        macro_f1=round(sum(present) / len(present), 4) if present else 0.0,
        per_category=per_category,
        confusion=confusion_matrix(truth, predicted, labels=CODES).tolist() if n else [],
        n=n,
        source=source,
    )


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    space = " " * max(0, width - _width(text))
    return space + text if right else text + space


def report_text(report: Report) -> str:
    """A readable table: overall accuracy and macro-F1, then precision, recall, F1 and n per category."""
    lines = [
        f"分类建议准确率 / suggestion accuracy: {report.accuracy:.2%}  "
        f"macro-F1 {report.macro_f1:.3f}  n = {report.n}"
        + (f"  ({report.source})" if report.source else ""),
        "",
    ]
    head = ["类别 / category", "precision", "recall", "F1", "n"]
    rows = [
        [
            f"{CATEGORIES[c]} ({c})",
            f"{s.precision:.3f}",
            f"{s.recall:.3f}",
            f"{s.f1:.3f}",
            str(s.support),
        ]
        for c, s in report.per_category.items()
    ]
    widths = [max(_width(r[i]) for r in [head, *rows]) for i in range(len(head))]
    for row in [head, ["-" * w for w in widths], *rows]:
        cells = [_pad(row[0], widths[0])] + [
            _pad(v, w, right=True) for v, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


# -- in the application (Django imported inside the functions) -------------------------------------


def model_path(home: Path) -> Path:
    """Where an instance keeps its classifier."""
    return Path(home) / "triage" / "model.joblib"


def state_path(home: Path) -> Path:
    """The decisions the saved classifier was trained on (count, latest), and its last report."""
    return model_path(home).with_name("state.json")


_lock = threading.Lock()
_loaded: tuple[Path, int, Classifier] | None = None


def _home() -> Path:
    from django.conf import settings

    return Path(settings.HOME)


def _read_state(home: Path) -> dict[str, Any]:
    try:
        return dict(json.loads(state_path(home).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def _save(classifier: Classifier, home: Path, state: dict[str, Any]) -> None:
    """The model first, then its state: a crash in between leaves a state that asks to retrain."""
    global _loaded
    path = model_path(home)
    classifier.save(path)
    body = json.dumps(state, ensure_ascii=False, indent=1).encode()
    _write_atomic(state_path(home), lambda f: f.write(body))
    with _lock:
        _loaded = (path, path.stat().st_mtime_ns, classifier)


def _decisions_mark() -> dict[str, Any]:
    """How many categories the staff confirmed, and when the latest was."""
    from django.db.models import Count, Max

    agg = _confirmed().aggregate(n=Count("pk"), latest=Max("category_confirmed_at"))
    return {"decisions": agg["n"], "latest": agg["latest"].isoformat() if agg["latest"] else None}


def _confirmed() -> Any:
    from mingjing.complaints.models import Complaint

    # Complaints only: a tip-off's words (names among them) stay out of the model file.
    return Complaint.objects.exclude(category="").filter(category_confirmed_at__isnull=False,
                                                         channel=Complaint.Channel.COMPLAINT)


def retrain_from_db(*, force: bool = False) -> Report | None:
    """Retrain on the seed set and every confirmed category, if any came since the saved model.

    One process at a time (a lock file beside the model), so the saved state always describes
    the saved model:
    1. compare the count and latest time of the confirmed categories with the saved state;
       nothing new and a model on disk: return None;
    2. measure: with HOLDOUT_MIN decisions or more, train without the newest fifth and suggest
       for them (how the suggestions would have fared); before that, the synthetic held-out set;
    3. train on everything, save the model, then the state with the report.
    """
    home = _home()
    with _exclusive(model_path(home).with_name(".lock")):
        mark = _decisions_mark()
        state = _read_state(home)
        if not force and model_path(home).exists() and {k: state.get(k) for k in mark} == mark:
            return None
        rows = _confirmed().order_by("category_confirmed_at", "pk").values_list("text", "category")
        decisions = [(text or "", category) for text, category in rows]
        report = None
        if len(decisions) >= HOLDOUT_MIN:
            held = len(decisions) // 5
            trial = Classifier.train(training_set(decisions[:-held]))
            newest = [(t, c) for t, cat in decisions[-held:] if (c := category_code(cat))]
            report = trial.evaluate(
                newest, source=f"最新 {len(newest)} 条人工分类 / newest staff decisions"
            )
        model = Classifier.train(training_set(decisions)) if decisions else _seed_classifier()
        if report is None:
            report = model.evaluate(
                triage_samples.evaluation_samples(), source="合成留出集 / synthetic held-out set"
            )
        _save(model, home, {**mark, "trained": model.info, "report": report.as_dict()})
    logger.info("triage retrained: %s, accuracy %.3f", model.info, report.accuracy)
    return report


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if missing) for the block."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def classifier() -> Classifier:
    """The instance's classifier: cached per process, reloaded when the file changes.

    No file yet (or one this code cannot read): train on the seed set and save it, with a state of
    no decisions, so the next `retrain_from_db` adds whatever the staff decided.
    """
    global _loaded
    home = _home()
    path = model_path(home)
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        mtime = None
    with _lock:
        if mtime is not None and _loaded and _loaded[0] == path and _loaded[1] == mtime:
            return _loaded[2]
    if mtime is not None:
        try:
            model = Classifier.load(path)
        except Exception as exc:  # an unreadable or outdated file is only a reason to retrain
            logger.warning("triage model %s not usable (%s): retraining", path, exc)
        else:
            with _lock:
                _loaded = (path, mtime, model)
            return model
    model = _seed_classifier()
    _save(model, home, {"decisions": 0, "latest": None, "trained": model.info})
    return model


@functools.cache
def _seed_classifier() -> Classifier:
    """The classifier of the seed set alone: the same for every home, so trained once per process."""
    return Classifier.train(training_set([]))


def suggest_category(text: str) -> Suggestion:
    """The suggested category of a complaint's text, from the instance's classifier."""
    return classifier().suggest(text)


def suggestions_report() -> Report | None:
    """How the suggestions made at filing fared against the categories the staff confirmed."""
    rows = _confirmed().exclude(suggested_category="").values_list("category", "suggested_category")
    pairs = []
    for confirmed, suggested in rows.iterator():
        c, s = category_code(confirmed), category_code(suggested)
        if c and s:
            pairs.append((c, s))
    if not pairs:
        return None
    return make_report(
        [c for c, _ in pairs], [s for _, s in pairs], source="提交时的建议 / suggestions as made"
    )
