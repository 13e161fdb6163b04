"""Do two trainings of the same data agree? Trains the NLU twice with different thread
counts and compares their predictions on the held-out split and the blind symptom set.

    python bench/nlu_reproducibility.py [--threads 1 2] [--out var/bench/repro]

Prints, per language, the share of messages with the same top intent in both models
and the largest difference in the top intent's confidence. The goal is >= 99 %
agreement. Each training runs in its own process with OMP/OpenBLAS/MKL/TF thread
counts set, so the linear algebra sums in a different order in each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import SUPPORTED_LANGUAGES  # noqa: E402
from bot.nlu.evaluation import load_holdout, load_symptoms, parse_all  # noqa: E402


def train(threads: int, out: Path) -> Path:
    # Each training gets an empty Rasa cache: a cached featurization would make the
    # second training a copy of the first.
    cache = out / f"rasa-cache-{threads}"
    shutil.rmtree(cache, ignore_errors=True)
    env = dict(os.environ, RASA_CACHE_DIRECTORY=str(cache),
               OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads), TF_NUM_INTRAOP_THREADS=str(threads),
               TF_NUM_INTEROP_THREADS=str(threads), RASA_TELEMETRY_ENABLED="false")
    name = f"nlu-threads-{threads}"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "rasa", "train", "nlu", "--config", "config.yml",
                    "--nlu", "data/nlu", "--domain", "domain", "--out", str(out),
                    "--fixed-model-name", name, "--num-threads", str(threads)],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    print(f"trained with {threads} thread(s) in {time.perf_counter() - started:.0f} s")
    return out / f"{name}.tar.gz"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs=2, default=[1, 2])
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "repro")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    models = [train(threads, args.out) for threads in args.threads]
    print(f"{'lang':<5} {'n':>4} {'same intent':>12} {'max |Δ conf|':>13}")
    total = same_total = 0
    for language in SUPPORTED_LANGUAGES:
        texts = [t for t, _ in load_holdout(language)] + [
            t for t, _ in load_symptoms(language)]
        first, second = (parse_all(model, texts) for model in models)
        same = sum(a["intent"]["name"] == b["intent"]["name"]
                   for a, b in zip(first, second, strict=True))
        delta = max(abs(a["intent"]["confidence"] - b["intent"]["confidence"])
                    for a, b in zip(first, second, strict=True))
        total += len(texts)
        same_total += same
        print(f"{language:<5} {len(texts):>4} {same / len(texts):>12.2%} {delta:>13.2e}")
    print(f"{'all':<5} {total:>4} {same_total / total:>12.2%}")
    return 0 if same_total / total >= 0.99 else 1


if __name__ == "__main__":
    raise SystemExit(main())
