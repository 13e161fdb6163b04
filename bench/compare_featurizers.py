"""Sparse-only versus sparse + dense (e5) features, on the held-out split per language.

Trains two NLU-only models from config.yml: without the E5Featurizer, and with it placed
after the last sparse featurizer; then scores both on tests/nlu_holdout/<lang>.yml with
the same code the tests use.

    .venv/bin/python bench/compare_featurizers.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

from bot.nlu.evaluation import evaluate

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench" / "featurizers"
DENSE = "bot.nlu.components.e5_featurizer.E5Featurizer"


def write_config(name: str, with_dense: bool) -> Path:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    pipeline = [c for c in config["pipeline"] if c["name"] != DENSE]
    if with_dense:
        last_sparse = max(i for i, c in enumerate(pipeline)
                          if c["name"] == "CountVectorsFeaturizer")
        pipeline.insert(last_sparse + 1, {"name": DENSE})
    config["pipeline"] = pipeline
    path = OUT / f"{name}.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def train(name: str, config: Path, seed: int) -> tuple[Path, float]:
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    for component in data["pipeline"]:
        if component["name"] == "DIETClassifier":
            component["random_seed"] = seed
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2")
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "nlu", "--config", str(config),
         "--nlu", "data/nlu", "--out", str(OUT), "--fixed-model-name", name],
        cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return OUT / f"{name}.tar.gz", time.perf_counter() - start


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=42, help="DIET's random seed")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    rows = {}
    print(f"DIET random_seed={args.seed}")
    for name, with_dense in (("sparse", False), ("sparse+dense", True)):
        model, seconds = train(name.replace("+", "_"), write_config(name, with_dense), args.seed)
        rows[name] = (evaluate(model), seconds)
    print(f"{'lang':<5} {'sparse acc':>10} {'sparse F1':>10} {'+e5 acc':>9} {'+e5 F1':>8}")
    sparse, dense = rows["sparse"][0], rows["sparse+dense"][0]
    for lang in sparse:
        print(f"{lang:<5} {sparse[lang].accuracy:>10.3f} {sparse[lang].macro_f1:>10.3f} "
              f"{dense[lang].accuracy:>9.3f} {dense[lang].macro_f1:>8.3f}")
    for name, (scores, seconds) in rows.items():
        mean_f1 = sum(s.macro_f1 for s in scores.values()) / len(scores)
        print(f"{name:<13} mean macro-F1 {mean_f1:.3f}  NLU training {seconds:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
