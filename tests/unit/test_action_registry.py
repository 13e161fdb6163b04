"""The action server registers exactly the custom actions the domain lists.

Rasa calls every custom action by name over HTTP; a name the domain lists that the action
server does not register fails at run time, and a name the server registers that the
domain does not list is dead code (or an accident, like a helper base class that rasa-sdk
picked up as an action of its own).
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Iterable, List, Set

from rasa.shared.constants import UTTER_PREFIX
from rasa.shared.core.domain import Domain

from tests.conftest import PROJECT_ROOT

# What `python -m rasa_sdk --actions actions` does at start-up (rasa_sdk.endpoint.create_app).
_REGISTER = """
import json
from rasa_sdk.executor import ActionExecutor

executor = ActionExecutor()
executor.register_package("actions")
print(json.dumps(sorted(executor.actions)))
"""


def action_server_registry() -> Set[str]:
    """The names rasa-sdk's executor registers for the `actions` package.

    Run in a fresh interpreter, as the action server is: the executor registers every
    concrete subclass of ``rasa_sdk.Action`` loaded in the process, so in the test process
    it would also see classes that other test modules happen to define or import.
    """
    result = subprocess.run([sys.executable, "-c", _REGISTER], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def domain_custom_actions(domain: Domain) -> Set[str]:
    """The actions Rasa asks the action server to run.

    ``user_actions`` is what the domain lists under ``actions:`` (custom actions, the form
    validation actions ``validate_<form>``, the ``action_ask_<slot>`` questions) plus the
    ``utter_`` responses, which Rasa answers itself.
    """
    return {name for name in domain.user_actions
            if name not in domain.responses and not name.startswith(UTTER_PREFIX)}


def registry_mismatch(registered: Iterable[str], listed: Iterable[str]) -> List[str]:
    """What differs between the action server's names and the domain's; empty if nothing."""
    registered, listed = set(registered), set(listed)
    problems = []
    stray = sorted(registered - listed)
    if stray:
        problems.append(f"registered by the action server but not in the domain: {stray}")
    missing = sorted(listed - registered)
    if missing:
        problems.append(f"in the domain but not registered by the action server: {missing}")
    return problems


DOMAIN = Domain.load(str(PROJECT_ROOT / "domain"))


def test_the_action_server_registers_exactly_the_domains_custom_actions():
    problems = registry_mismatch(action_server_registry(), domain_custom_actions(DOMAIN))
    assert not problems, "\n".join(problems)


def test_a_stray_or_missing_action_is_reported():
    listed = domain_custom_actions(DOMAIN)
    assert registry_mismatch(listed, listed) == []

    stray = registry_mismatch(listed | {"action_ask_"}, listed)
    assert stray == ["registered by the action server but not in the domain: ['action_ask_']"]

    missing = registry_mismatch(listed - {"validate_problem_report_form"}, listed)
    assert missing == [
        "in the domain but not registered by the action server: "
        "['validate_problem_report_form']"]

