"""The studio page's labels: every key the page uses exists in all five interface languages."""

from __future__ import annotations

import json
import re
from typing import Dict, List, Set

import pytest

from bot import SUPPORTED_LANGUAGES
from bot.studio.api.routes.page import STATIC_DIR

SCRIPT = (STATIC_DIR / "studio.js").read_text(encoding="utf-8")
PLURAL = re.compile(r"_(zero|one|two|few|many|other)$")


def labels() -> Dict[str, Dict[str, str]]:
    """Parses ``studio-i18n.js`` (an object literal of string literals) into a dict."""
    text = (STATIC_DIR / "studio-i18n.js").read_text(encoding="utf-8")
    found: Dict[str, Dict[str, str]] = {}
    current = None
    for line in text.splitlines():
        opened = re.match(r"^  ([a-z]{2}): \{$", line)
        if opened:
            current = found.setdefault(opened.group(1), {})
            continue
        entry = re.match(r'^\s+([a-z0-9_]+): ("(?:[^"\\]|\\.)*"),?$', line)
        if current is not None and entry:
            current[entry.group(1)] = json.loads(entry.group(2))
    return found


def base(key: str) -> str:
    return PLURAL.sub("", key)


def missing(all_labels: Dict[str, Dict[str, str]], used: Set[str]) -> List[str]:
    """``lang: key`` for every used key (or plural family) a language lacks or leaves empty."""
    problems = []
    for lang in SUPPORTED_LANGUAGES:
        have = {base(k) for k, v in all_labels.get(lang, {}).items() if v.strip()}
        problems += [f"{lang}: {key}" for key in sorted(used) if key not in have]
    return problems


def used_keys() -> Set[str]:
    keys = set(re.findall(r'\bt\("([a-z0-9_]+)"', SCRIPT))
    # Keys built from a name: every value the page can produce is checked.
    steps = re.search(r"const STEPS = \[([^\]]*)\]", SCRIPT)
    assert steps, "studio.js lists its steps in const STEPS"
    keys |= {f"step_{name}" for name in re.findall(r'"([a-z_]+)"', steps.group(1))}
    keys |= {f"reason_{r}" for r in ("fallback", "kb_no_hit", "voted_down",
                                     "escalated_after_answer", "low_confidence")}
    keys |= {f"measure_{m}" for m in ("intent_f1", "kb_hit_at_1", "priority_accuracy",
                                      "conversation_tests")}
    keys |= {f"finished_{s}" for s in ("passed", "refused", "failed", "promoted")}
    return keys


def test_the_labels_parse_in_five_languages():
    assert sorted(labels()) == sorted(SUPPORTED_LANGUAGES)
    assert len(used_keys()) > 80


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_every_label_the_page_uses_exists(lang):
    assert [p for p in missing(labels(), used_keys()) if p.startswith(lang)] == []


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_every_language_has_the_same_keys_as_english(lang):
    english = {base(k) for k in labels()["en"]}
    assert english ^ {base(k) for k in labels()[lang]} == set()


def test_the_checker_finds_a_missing_and_an_empty_label():
    broken = labels()
    del broken["nb"]["step_train"]
    broken["ru"]["reason_fallback"] = " "
    assert sorted(missing(broken, {"step_train", "reason_fallback"})) == [
        "nb: step_train", "ru: reason_fallback"]
