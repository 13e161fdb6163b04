"""Held-out NLU evaluation per language: intent accuracy and macro-F1.

The held-out files (``tests/nlu_holdout/<lang>.yml``) are never trained on. Editors run
``python -m bot evaluate`` after retraining to see, per language, whether quality
went up or down.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from bot import SUPPORTED_LANGUAGES
from bot.settings import PROJECT_ROOT

HOLDOUT_DIR = PROJECT_ROOT / "tests" / "nlu_holdout"


@dataclass(frozen=True)
class LanguageScore:
    """Intent classification quality on one language's held-out split."""

    language: str
    examples: int
    accuracy: float
    macro_f1: float
    detected_language_accuracy: float


def load_holdout(language: str, directory: Path = HOLDOUT_DIR) -> List[Tuple[str, str]]:
    """Returns (text, intent) pairs of one language's held-out split."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(directory / f"{language}.yml"))
    return [(m.get("text"), m.get("intent")) for m in data.training_examples]


def score(language: str, gold: List[str], predicted: List[str],
          detected: List[Optional[str]]) -> LanguageScore:
    """Computes accuracy and macro-F1 over the gold intents."""
    from sklearn.metrics import accuracy_score, f1_score

    labels = sorted(set(gold))
    return LanguageScore(
        language=language,
        examples=len(gold),
        accuracy=float(accuracy_score(gold, predicted)),
        macro_f1=float(f1_score(gold, predicted, labels=labels, average="macro",
                                zero_division=0)),
        detected_language_accuracy=sum(d == language for d in detected) / max(1, len(gold)),
    )


def evaluate(model_path: Path, languages: Iterable[str] = SUPPORTED_LANGUAGES,
             directory: Path = HOLDOUT_DIR) -> Dict[str, LanguageScore]:
    """Parses every held-out message with the model and scores each language."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model_path))

    async def parse_all(texts: List[str]) -> List[dict]:
        return [await agent.parse_message(text) for text in texts]

    results = {}
    for language in languages:
        pairs = load_holdout(language, directory)
        parsed = asyncio.run(parse_all([text for text, _ in pairs]))
        results[language] = score(
            language,
            [intent for _, intent in pairs],
            [p["intent"]["name"] for p in parsed],
            [(p.get("language") or {}).get("language") for p in parsed],
        )
    return results


def format_table(results: Dict[str, LanguageScore],
                 previous: Optional[Dict[str, dict]] = None) -> str:
    """Renders the scores as a fixed-width table, with the change since ``previous``."""
    lines = [f"{'lang':<5} {'n':>4} {'accuracy':>9} {'macro-F1':>9} {'lang-id':>8}"
             + (f" {'F1 change':>10}" if previous else "")]
    for s in results.values():
        line = (f"{s.language:<5} {s.examples:>4} {s.accuracy:>9.3f} {s.macro_f1:>9.3f} "
                f"{s.detected_language_accuracy:>8.3f}")
        if previous and s.language in previous:
            line += f" {s.macro_f1 - previous[s.language]['macro_f1']:>+10.3f}"
        lines.append(line)
    return "\n".join(lines)


def compare_with_last_run(results: Dict[str, LanguageScore], history: Path
                          ) -> Optional[Dict[str, dict]]:
    """Returns the previous run's scores (if any) and records this run in ``history``."""
    previous = json.loads(history.read_text(encoding="utf-8")) if history.exists() else None
    history.parent.mkdir(parents=True, exist_ok=True)
    history.write_text(json.dumps({k: asdict(v) for k, v in results.items()}, indent=2),
                       encoding="utf-8")
    return previous
