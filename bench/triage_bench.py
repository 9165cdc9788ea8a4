"""Accuracy and speed of the suggested complaint category, beside plain baselines.

    python bench/triage_bench.py [--sizes 3000 20000] [--eval 2000] [--repeat 5] [--markdown OUT.md]
    (results are collected in bench/RESULTS.md)

Steps: 1. the labelled synthetic complaints of `mingjing/complaints/triage_samples.py`: a training
set per size (TRAIN_SEED, training phrasings only) and one evaluation set (EVAL_SEED, with the
held-out templates and words: see the module's docstring); 2. per size, fit the shipped classifier
(`triage.Classifier.train`: rjieba words + characters and character bigrams, TF-IDF, logistic
regression by SGD) and, side by side, the variants it was chosen over (words only; the same
features under lbfgs logistic regression) and two baselines that learn nothing (the most frequent
category; keyword rules written from the category names); 3. accuracy and macro-F1 on the
evaluation set, training time (median of `--train-repeat` fits, wall and CPU), and the latency of
one suggestion (`suggest`, one text at a time over 500 evaluation texts; p50 and p95, median of
`--repeat` passes); 4. print a Markdown table and the per-category report of the shipped model.

Targets (issue 11 brief): train on 20,000 samples in a few seconds on 2 cores; one suggestion in
under 5 ms.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import rjieba
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mingjing.complaints import triage_samples  # noqa: E402
from mingjing.complaints.triage import (  # noqa: E402
    CATEGORIES,
    Classifier,
    Report,
    features,
    make_report,
    report_text,
    training_set,
)

LATENCY_TEXTS = 500

# Keyword rules from the category names and everyday words for them, not from the templates: the
# category with the most hits wins (ties: this order), none → 其他.
KEYWORDS = {
    "project": ["工程", "招标", "施工", "修路", "质量", "验收", "包工", "项目"],
    "assets": ["集体", "租金", "承包", "出租", "账", "补偿款", "分红", "资产", "土地"],
    "welfare": ["低保", "补贴", "补助", "津贴", "救助", "五保", "特困", "养老金"],
    "labour": ["工钱", "工资", "用工", "务工", "派工", "干活", "雇"],
    "openness": ["公开", "公示", "党员", "开会", "会议", "知情"],
    "conduct": ["态度", "打牌", "喝酒", "红包", "推诿", "吃拿卡要", "骂", "不在岗", "礼金"],
}


def keyword_rules(text: str) -> str:
    hits = {code: sum(text.count(w) for w in words) for code, words in KEYWORDS.items()}
    best = max(hits, key=lambda c: hits[c])
    return best if hits[best] else "other"


_WORD = re.compile(r"\w")


def words_only(text: str) -> list[str]:
    """rjieba's words and nothing else: the ablation of the character features."""
    return [w for w in rjieba.cut(text[:2000]) if _WORD.search(w)]


def sgd() -> SGDClassifier:
    return SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=50, tol=1e-4, random_state=0)


def lbfgs() -> LogisticRegression:
    return LogisticRegression(C=10, max_iter=1000)


def fit_variant(
    samples: list[tuple[str, str]],
    analyzer: Callable[[str], list[str]],
    model: Callable[[], SGDClassifier | LogisticRegression],
) -> Classifier:
    """The shipped pipeline with another analyser or model (same TF-IDF settings)."""
    vectorizer = TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, dtype=np.float32)
    matrix = vectorizer.fit_transform([t for t, _ in samples])
    fitted = model().fit(matrix, [c for _, c in samples])
    return Classifier(vectorizer, fitted, info={})  # type: ignore[arg-type]


def timed(fit: Callable[[], Classifier], repeat: int) -> tuple[Classifier, float, float]:
    """The last fitted classifier, median wall and median CPU seconds of `repeat` fits."""
    walls, cpus = [], []
    clf = None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        clf = fit()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    assert clf is not None
    return clf, statistics.median(walls), statistics.median(cpus)


def latency(suggest: Callable[[str], object], texts: list[str], repeat: int) -> tuple[float, float]:
    """p50 and p95 of one call in ms, each the median over `repeat` passes."""
    p50s, p95s = [], []
    for _ in range(repeat):
        times = []
        for text in texts:
            started = time.perf_counter()
            suggest(text)
            times.append(time.perf_counter() - started)
        times.sort()
        p50s.append(times[len(times) // 2] * 1000)
        p95s.append(times[int(len(times) * 0.95)] * 1000)
    return statistics.median(p50s), statistics.median(p95s)


def row(
    name: str,
    n: int | str,
    report: Report,
    train: tuple[float, float] | None,
    lat: tuple[float, float] | None,
) -> str:
    train_s = f"{train[0]:.2f} s ({train[1]:.2f} s CPU)" if train else "—"
    lat_s = f"{lat[0]:.2f} / {lat[1]:.2f}" if lat else "—"
    return f"| {name} | {n} | {report.accuracy:.3f} | {report.macro_f1:.3f} | {train_s} | {lat_s} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[3000, 20000])
    parser.add_argument("--eval", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5, help="latency passes")
    parser.add_argument("--train-repeat", type=int, default=3, help="fits timed per model and size")
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()

    load_start = os.getloadavg()[0]
    evaluation = triage_samples.evaluation_samples(args.eval)
    eval_texts = [t for t, _ in evaluation]
    truth = [c for _, c in evaluation]
    probe = eval_texts[:LATENCY_TEXTS]
    lines = [
        "| classifier | training samples | accuracy | macro-F1 | training (median) | suggest p50 / p95 ms |",
        "|---|---:|---:|---:|---|---:|",
    ]
    shipped: dict[int, Report] = {}
    overlap = {}
    for n in args.sizes:
        train = triage_samples.training_samples(n)
        seen = {t for t, _ in train}
        overlap[n] = sum(t in seen for t in eval_texts)
        majority = Counter(c for _, c in train).most_common(1)[0][0]
        if n == args.sizes[0]:
            lines.append(
                row(
                    f"baseline: most frequent category ({CATEGORIES[majority]})",
                    n,
                    make_report(truth, [majority] * len(truth)),
                    None,
                    None,
                )
            )
            lines.append(
                row(
                    "baseline: keyword rules",
                    "0",
                    make_report(truth, [keyword_rules(t) for t in eval_texts]),
                    None,
                    latency(keyword_rules, probe, args.repeat),
                )
            )
        variants: list[tuple[str, Callable[[], Classifier]]] = [
            ("rjieba words only, SGD logistic", partial(fit_variant, train, words_only, sgd)),
            (
                "words + chars + bigrams, lbfgs logistic (C=10)",
                partial(fit_variant, train, features, lbfgs),
            ),
            (
                "**shipped**: words + chars + bigrams, SGD logistic",
                partial(Classifier.train, training_set([], seed_n=n)),
            ),
        ]
        for name, fit in variants:
            clf, wall, cpu = timed(fit, args.train_repeat)
            report = clf.evaluate(evaluation)
            lines.append(
                row(name, n, report, (wall, cpu), latency(clf.suggest, probe, args.repeat))
            )
            if name.startswith("**shipped"):
                shipped[n] = report
            print(lines[-1], file=sys.stderr, flush=True)

    load_end = os.getloadavg()[0]
    machine = (
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}; "
        f"scikit-learn {sklearn.__version__}, rjieba; load average {load_start:.1f} at the start, "
        f"{load_end:.1f} at the end (a shared machine: wall times include other jobs)."
    )
    notes = [
        f"Evaluation: {args.eval} synthetic complaints (seed {triage_samples.EVAL_SEED}, held-out "
        f"templates and words); training sets from seed {triage_samples.TRAIN_SEED}, training "
        "phrasings only. Evaluation texts also in a training set: "
        + ", ".join(f"{overlap[n]} (n={n})" for n in args.sizes)
        + ".",
        "The lbfgs row's latency is the same arithmetic as the shipped one (one text through the "
        "fitted weights); its probabilities differ (softmax), its ranking does not.",
    ]
    out = "\n".join([machine, "", *lines, "", *notes])
    for n, report in shipped.items():
        out += f"\n\nShipped classifier, seed set of {n}:\n\n```\n{report_text(report)}\n```"
    print(out)
    if args.markdown:
        args.markdown.write_text(out + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
