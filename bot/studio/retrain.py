"""Retrain with a per-language quality gate: validate, build, train, evaluate, judge, promote.

One job at a time (``var/studio/retrain.lock`` holds the PID; a dead PID's lock is
taken over). Each job has a folder ``var/studio/jobs/<job>/`` holding the candidate
(``candidate.tar.gz``, ``kb_index/``), Rasa's training log and ``status.json``
(``JobStatus``, rewritten atomically on every change: the studio polls it).

The steps and where their time goes (2 shared cores):

1. ``validate``: the KB articles (``load_articles``, fast) before anything starts; Rasa's
   own data validation (as ``rasa data validate --fail-on-warnings``) runs *while* the
   candidate trains: reading 5,000 examples costs ~25 s and training reads them anyway.
   A problem stops the training at once.
2. ``build_kb_index``: the candidate's KB index, in the job folder (the live index is
   not touched).
3. ``train``: ``rasa train`` in a child process; progress is read from its log lines
   ("Finished training component" / "Restored component ... from cache") against the
   number of graph nodes that train, timed like the previous run where one exists.
4. ``evaluate_in_service`` (during the training: the second core is idle) and
   ``evaluate_candidate``: one Rasa ``Agent`` per model, loaded once, parses every
   held-out message and replays the conversation tests; KB hit@1 with each model's own
   index; priority accuracy with each classifier. The parse-dependent scores are
   cached by (model sha256, evaluation-data fingerprint), so the model in service is
   evaluated once, and a promoted candidate never again.
5. ``gate``: ``bot.studio.gate.judge``.
6. ``promote``: ``Registry.record`` + ``Registry.promote`` (skipped with
   ``promote=False``; a refused candidate stays in its job folder).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import (
    TYPE_CHECKING,
    Callable,
    Dict,
    Iterator,
    List,
    Literal,
    Optional,
    Sequence,
    Tuple,
)

from pydantic import BaseModel, Field

from bot import SUPPORTED_LANGUAGES
from bot.settings import PROJECT_ROOT, Settings
from bot.studio.gate import GateRow, Margins, Scores, judge
from bot.studio.registry import (
    PromotionReport,
    Registry,
    data_revision,
    file_sha256,
    replica_urls,
    tree_sha256,
)

if TYPE_CHECKING:
    from kb_index.search import KBIndex, Searcher

JobState = Literal["running", "passed", "refused", "failed", "promoted"]
StepState = Literal["pending", "running", "done", "failed", "skipped"]
StepName = Literal["validate", "build_kb_index", "train", "evaluate_in_service",
                   "evaluate_candidate", "gate", "promote"]
STEPS: Tuple[StepName, ...] = ("validate", "build_kb_index", "train", "evaluate_in_service",
                               "evaluate_candidate", "gate", "promote")
RASA_DATA = ("data/nlu", "data/rules", "data/stories")
CANDIDATE_NAME = "candidate"
# Progress shares of the whole job: training dominates, evaluation follows it.
TRAIN_SHARE, EVALUATE_SHARE = 0.8, 0.17
TRAIN_EVENT = re.compile(r"(Finished training component|Restored component) '([^']+)'")
# Evaluation code that changes what a score means invalidates the cached scores.
EVALUATION_VERSION = "1"


class RetrainError(RuntimeError):
    """A step failed; the message says which and why, in words an editor can act on."""


class StudioPaths(BaseModel):
    """Every folder the retrain reads or writes (tests pass temporary ones)."""

    # domain/, data/ and config.yml: what the candidate is trained on.
    content_root: Path
    # The model Rasa starts with; replaced on promotion.
    served_model: Path
    # The live KB index (``CURRENT``); flipped on promotion.
    kb_build_dir: Path
    history_dir: Path
    jobs_dir: Path
    # Cached in-service scores and training timings.
    cache_dir: Path
    lock_file: Path
    # The priority classifier the action server uses (``bot.composition``).
    priority_cache: Path
    # Evaluation data: the same for both models, from the project, never trained on.
    holdout_dir: Path = PROJECT_ROOT / "tests" / "nlu_holdout"
    kb_eval_dir: Path = PROJECT_ROOT / "data" / "kb_eval"
    priority_eval_dir: Path = PROJECT_ROOT / "data" / "priority" / "eval"
    conversation_tests_dir: Path = PROJECT_ROOT / "tests"

    @classmethod
    def from_settings(cls, settings: Settings) -> StudioPaths:
        """The product's own paths: models/, kb_index/build, var/studio/."""
        studio = settings.var_dir / "studio"
        return cls(content_root=settings.content_root, served_model=settings.model_path,
                   kb_build_dir=settings.kb_build_dir,
                   history_dir=settings.model_path.parent / "history",
                   jobs_dir=studio / "jobs", cache_dir=studio / "cache",
                   lock_file=studio / "retrain.lock",
                   priority_cache=settings.var_dir / "priority-classifier.npz")


class StepStatus(BaseModel):
    """One step of a job."""

    name: StepName
    state: StepState = "pending"
    seconds: Optional[float] = None


class ChangedExample(BaseModel):
    """A held-out message whose predicted intent differs between the two models."""

    lang: str
    text: str
    expected: str
    before: str
    after: str


class JobReport(BaseModel):
    """What the editor sees: each measure per language, why, and what changed."""

    rows: List[GateRow] = []
    reasons: List[str] = []
    notes: List[str] = []
    changed_examples: List[ChangedExample] = []
    candidate_version: Optional[str] = None
    in_service_version: Optional[str] = None
    candidate_model: Optional[str] = None
    promotion: Optional[PromotionReport] = None


class JobStatus(BaseModel):
    """``var/studio/jobs/<job>/status.json``."""

    job_id: str
    state: JobState = "running"
    steps: List[StepStatus]
    # 0..1 over the whole job.
    progress: float = 0.0
    message: str = ""
    report: JobReport = JobReport()
    started_by: str
    started_at: datetime
    finished_at: Optional[datetime] = None


class RetrainOptions(BaseModel):
    """How a retrain runs."""

    by: str = "cli"
    promote: bool = True
    margins: Margins = Field(default_factory=Margins)
    job_id: Optional[str] = None
    # Rasa replicas to load a promoted model on (``PUT /model``), and their token.
    rasa_urls: List[str] = []
    rasa_token: str = ""
    train_threads: int = 2


class Prediction(BaseModel):
    """One held-out message and the intent a model acted on."""

    lang: str
    text: str
    expected: str
    predicted: str


class ModelEvaluation(BaseModel):
    """The parse-dependent scores of one model (cached by model and data)."""

    intent_f1: Dict[str, float]
    conversation_tests: Dict[str, float]
    predictions: List[Prediction]


# -- the job's status file ------------------------------------------------------------


class Job:
    """A job folder and its status, written atomically on every change (thread-safe)."""

    def __init__(self, folder: Path, status: JobStatus,
                 on_change: Optional[Callable[[JobStatus], None]] = None) -> None:
        self.folder = folder
        self.status = status
        self._on_change = on_change
        self._lock = threading.Lock()
        self._started: Dict[str, float] = {}
        self.write()

    @property
    def status_path(self) -> Path:
        """``<job>/status.json``."""
        return self.folder / "status.json"

    def write(self) -> None:
        """Writes ``status.json`` atomically and tells the listener."""
        with self._lock:
            temporary = self.folder / f".status.{threading.get_ident()}.tmp"
            temporary.write_text(self.status.json(indent=2), encoding="utf-8")
            temporary.replace(self.status_path)
            snapshot = self.status.copy(deep=True)
        if self._on_change is not None:
            self._on_change(snapshot)

    def step(self, name: StepName, state: StepState, message: str = "") -> None:
        """Moves a step to ``state``, timing it from ``running`` to ``done``/``failed``."""
        entry = next(s for s in self.status.steps if s.name == name)
        now = time.perf_counter()
        if state == "running":
            self._started[name] = now
        elif name in self._started:
            entry.seconds = round(now - self._started.pop(name), 2)
        entry.state = state
        if message:
            self.status.message = message
        self.write()

    def progress(self, fraction: float, message: str = "") -> None:
        """Sets the job's progress (never backwards)."""
        self.status.progress = round(max(self.status.progress, min(1.0, fraction)), 4)
        if message:
            self.status.message = message
        self.write()

    def finish(self, state: JobState, message: str) -> JobStatus:
        """Marks the job finished."""
        self.status.state = state
        self.status.message = message
        self.status.finished_at = datetime.now(timezone.utc)
        if state in ("passed", "promoted", "refused"):
            self.status.progress = 1.0
        self.write()
        return self.status


def read_status(jobs_dir: Path, job_id: str) -> JobStatus:
    """Reads one job's ``status.json`` (the web polls this)."""
    return JobStatus.parse_file(jobs_dir / job_id / "status.json")


# -- one retrain at a time ------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RetrainLock:
    """A lock file holding the PID; a lock left by a dead process is taken over.

    Raises:
        RetrainError: on enter, when a living process holds the lock.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def holder(self) -> Optional[int]:
        """The PID of the living process that holds the lock, if any."""
        try:
            pid = int(self.path.read_text(encoding="utf-8").split()[0])
        except (OSError, ValueError, IndexError):
            return None
        return pid if pid and _alive(pid) else None

    def __enter__(self) -> RetrainLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(3):
            try:
                descriptor = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = self.holder()
                if holder is not None:
                    raise RetrainError(f"another retrain is running (PID {holder}); "
                                       "wait for it to finish") from None
                # Stale: its process died. Remove and try again (a racing taker wins).
                self.path.unlink(missing_ok=True)
                continue
            with os.fdopen(descriptor, "w") as handle:
                handle.write(f"{os.getpid()}\n")
            return self
        raise RetrainError(f"could not take the retrain lock {self.path}")

    def __exit__(self, *exc: object) -> None:
        try:
            if self.path.read_text(encoding="utf-8").split()[0] == str(os.getpid()):
                self.path.unlink()
        except (OSError, IndexError):
            pass


# -- step 1: validation ---------------------------------------------------------------


def validate_articles(content_root: Path) -> int:
    """Loads every KB article; returns how many.

    Raises:
        RetrainError: the first broken article, with its file and field.
    """
    from kb_index.articles import ArticleError, load_articles

    try:
        return len(load_articles(content_root / "data" / "kb"))
    except ArticleError as error:
        raise RetrainError(f"a KB article is broken: {error}") from error


def validate_rasa_data(content_root: Path) -> List[str]:
    """Rasa's own data validation, as ``rasa data validate --fail-on-warnings``.

    Returns:
        The problems found (Rasa's warnings and failed checks); empty when valid.
    """
    from rasa.shared.exceptions import RasaException
    from rasa.shared.importers.importer import TrainingDataImporter
    from rasa.validator import Validator

    importer = TrainingDataImporter.load_from_dict(
        config_path=str(content_root / "config.yml"),
        domain_path=str(content_root / "domain"),
        training_data_paths=[str(content_root / folder) for folder in RASA_DATA])
    try:
        validator = Validator.from_importer(importer)
    except (RasaException, ValueError, OSError) as error:
        return [f"the training data cannot be read: {error}"]
    checks = {
        "domain": validator.verify_domain_validity,
        "actions in stories and rules": validator.verify_actions_in_stories_rules,
        "forms in stories and rules": validator.verify_forms_in_stories_rules,
        "form slots": validator.verify_form_slots,
        "slot mappings": validator.verify_slot_mappings,
        "NLU examples": lambda: validator.verify_nlu(False),
        "story structure": lambda: validator.verify_story_structure(False),
    }
    problems: List[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        failed = [name for name, check in checks.items() if not check()]
    problems += [str(w.message).strip() for w in caught
                 if issubclass(w.category, UserWarning)
                 and not issubclass(w.category, (DeprecationWarning, FutureWarning))]
    problems += [f"Rasa's check of the {name} failed" for name in failed
                 if not problems]
    return problems


# -- step 3: training -----------------------------------------------------------------


def training_nodes(content_root: Path) -> int:
    """The number of graph nodes ``rasa train`` trains (each logs one line when done)."""
    from rasa.engine.recipes.recipe import Recipe
    from rasa.shared.data import TrainingType
    from rasa.shared.utils.io import read_model_configuration

    config = read_model_configuration(content_root / "config.yml")
    recipe = Recipe.recipe_for_name(config.get("recipe"))
    model_config = recipe.graph_config_for_recipe(config, {}, TrainingType.BOTH)
    return sum(1 for node in model_config.train_schema.nodes.values()
               if node.is_target and not node.is_input)


def train_command(content_root: Path, out: Path, threads: int) -> List[str]:
    """``rasa train`` on ``content_root``'s data, writing ``out/candidate.tar.gz``.

    ``--skip-validation``: ``validate_rasa_data`` runs the same ``Validator`` checks
    (stricter: warnings fail) beside the training and stops it on a problem; Rasa's
    own pass would read the data again (~40-60 s).
    """
    return [sys.executable, "-W", "ignore::DeprecationWarning", "-m", "rasa", "train",
            "--domain", str(content_root / "domain"),
            "--config", str(content_root / "config.yml"),
            "--data", *(str(content_root / folder) for folder in RASA_DATA),
            "--out", str(out), "--fixed-model-name", CANDIDATE_NAME,
            "--num-threads", str(threads), "--skip-validation"]


def train_environment() -> Dict[str, str]:
    """The child's environment: the project importable, no telemetry."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("HELPBOT_ACTIONS_URL", "http://127.0.0.1:5055/webhook")
    return env


class Training:
    """``rasa train`` in a child process, its log followed by a thread for progress.

    Args:
        command: the ``rasa train`` command.
        log_path: where the child's output goes.
        nodes: the graph nodes that train (``training_nodes``).
        timings: the previous run's progress after each event (shares), if known.
        on_progress: called with a share in [0, 1] after each event.
    """

    def __init__(self, command: Sequence[str], log_path: Path, nodes: int,
                 timings: Optional[List[float]],
                 on_progress: Callable[[float], None]) -> None:
        self.log_path = log_path
        self.nodes = max(1, nodes)
        self.timings = timings
        self.events: List[float] = []
        self._on_progress = on_progress
        self._started = time.perf_counter()
        self._log = log_path.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            list(command), cwd=PROJECT_ROOT, env=train_environment(), text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=1)
        self._reader = threading.Thread(target=self._follow, daemon=True)
        self._reader.start()

    def _follow(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._log.write(line)
            self._log.flush()
            if TRAIN_EVENT.search(line):
                self.events.append(time.perf_counter() - self._started)
                self._on_progress(self.fraction())

    def fraction(self) -> float:
        """The share of the training done, by the events seen so far."""
        done = len(self.events)
        if self.timings and done <= len(self.timings) and done:
            return min(0.99, self.timings[done - 1])
        return min(0.99, done / self.nodes)

    def wait(self) -> int:
        """Waits for the child; returns its exit code."""
        code = self.process.wait()
        self._reader.join()
        self._log.close()
        return code

    def stop(self) -> None:
        """Ends the child (validation failed)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.wait()

    def shares(self) -> List[float]:
        """Each event's time as a share of the whole run (for the next run's progress)."""
        total = time.perf_counter() - self._started
        return [round(t / total, 4) for t in self.events]

    def tail(self, lines: int = 25) -> str:
        """The end of the log (for an error message)."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


# -- step 4: evaluation ---------------------------------------------------------------


def _language_files(folder: Path, languages: Sequence[str]) -> Dict[str, List[Path]]:
    """The conversation test files of each language (``test_*_<lang>.yml``)."""
    return {lang: sorted(folder.glob(f"test_*_{lang}.yml")) for lang in languages}


def evaluation_fingerprint(paths: StudioPaths,
                           languages: Sequence[str] = SUPPORTED_LANGUAGES) -> str:
    """Hashes the held-out messages and conversation tests (and this code's version)."""
    digest = hashlib.sha256(EVALUATION_VERSION.encode())
    digest.update(tree_sha256(paths.holdout_dir, [f"{lang}.yml" for lang in languages])
                  .encode())
    for files in _language_files(paths.conversation_tests_dir, languages).values():
        for path in files:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@contextlib.contextmanager
def _with_searcher(searcher: Optional[Searcher]) -> Iterator[None]:
    """While active, the NLU's KB evidence router searches ``searcher``'s index."""
    from bot import composition

    composition.override("kb_searcher", searcher)
    try:
        yield
    finally:
        composition.override("kb_searcher", None)


def evaluate_model(model_path: Path, paths: StudioPaths, searcher: Optional[Searcher],
                   languages: Sequence[str] = SUPPORTED_LANGUAGES) -> ModelEvaluation:
    """Loads the model once; scores held-out intents and replays the conversation tests.

    Args:
        model_path: a Rasa model archive.
        paths: where the held-out messages and conversation tests are.
        searcher: the KB index the model's KB evidence router uses (its own).
        languages: the languages to score.

    Returns:
        Held-out macro-F1 and the share of conversation tests passed, per language, with
        every held-out prediction (for the changed examples).
    """
    import asyncio
    import logging

    from rasa.core.agent import Agent
    from rasa.core.test import _create_data_generator, _predict_tracker_actions
    from rasa.utils.log_utils import configure_structlog

    from bot.nlu.components.e5_featurizer import caching_inference
    from bot.nlu.evaluation import load_holdout, score

    # Rasa's policies log every prediction (structlog, debug by default) and its test
    # helpers every story: slow and noisy; the job's status says what matters.
    configure_structlog(logging.WARNING)
    logging.getLogger("rasa.core.test").setLevel(logging.WARNING)
    agent = Agent.load(str(model_path))
    pairs = {lang: load_holdout(lang, paths.holdout_dir) for lang in languages}
    test_files = _language_files(paths.conversation_tests_dir, languages)

    async def run() -> Tuple[Dict[str, List[dict]], Dict[str, float]]:
        parsed: Dict[str, List[dict]] = {lang: [] for lang in languages}
        for lang in languages:
            for text, _ in pairs[lang]:
                parsed[lang].append(await agent.parse_message(text))
        passed: Dict[str, float] = {}
        for lang, files in test_files.items():
            results: List[bool] = []
            for path in files:
                generator = _create_data_generator(str(path), agent)
                for tracker in generator.generate_story_trackers():
                    store, *_ = await _predict_tracker_actions(tracker, agent)
                    results.append(not store.check_prediction_target_mismatch())
            if results:
                passed[lang] = sum(results) / len(results)
        return parsed, passed

    # Every model scored parses the same messages: their e5 vectors come from the cache
    # (this thread only; a live user's message is never cached).
    with _with_searcher(searcher), caching_inference():
        parsed, conversation = asyncio.run(run())
    intent_f1: Dict[str, float] = {}
    predictions: List[Prediction] = []
    for lang in languages:
        gold = [intent for _, intent in pairs[lang]]
        predicted = [str((p.get("intent") or {}).get("name")) for p in parsed[lang]]
        detected = [(p.get("language") or {}).get("language") for p in parsed[lang]]
        intent_f1[lang] = score(lang, gold, predicted, detected).macro_f1
        predictions += [Prediction(lang=lang, text=text, expected=expected, predicted=guess)
                        for (text, expected), guess in zip(pairs[lang], predicted,
                                                           strict=True)]
    return ModelEvaluation(intent_f1=intent_f1, conversation_tests=conversation,
                           predictions=predictions)


def cached_evaluation(model_path: Path, paths: StudioPaths, searcher: Optional[Searcher],
                      languages: Sequence[str] = SUPPORTED_LANGUAGES
                      ) -> Tuple[ModelEvaluation, bool]:
    """``evaluate_model``, cached by (model sha256, evaluation-data fingerprint).

    Returns:
        The evaluation and whether it came from the cache.
    """
    key = hashlib.sha256(
        f"{file_sha256(model_path)}:{evaluation_fingerprint(paths, languages)}"
        f":{','.join(languages)}".encode()).hexdigest()[:32]
    cache = paths.cache_dir / f"evaluation-{key}.json"
    if cache.is_file():
        try:
            return ModelEvaluation.parse_file(cache), True
        except ValueError:
            pass
    evaluation = evaluate_model(model_path, paths, searcher, languages)
    paths.cache_dir.mkdir(parents=True, exist_ok=True)
    temporary = cache.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(evaluation.json(), encoding="utf-8")
    temporary.replace(cache)
    return evaluation, False


def load_kb_eval(folder: Path, lang: str) -> List[Tuple[str, str]]:
    """``data/kb_eval/<lang>.tsv``: (question, expected id) rows that have an answer."""
    rows = []
    for line in (folder / f"{lang}.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        question, _, expected = line.partition("\t")
        if expected.strip() and expected.strip() != "-":
            rows.append((question.strip(), expected.strip()))
    return rows


def kb_hit_at_1(index: KBIndex, rows: Dict[str, List[Tuple[str, str]]],
                vectors: Dict[str, object]) -> Dict[str, float]:
    """Share of answerable development questions whose first hit is the expected article.

    Args:
        index: a loaded KB index version.
        rows: per language, (question, expected id).
        vectors: each question's e5 query vector (computed once for both indexes).
    """
    import numpy as np

    scores = {}
    for lang, pairs in rows.items():
        hits = 0
        for question, expected in pairs:
            vector = vectors.get(question)
            found = index.search(question, lang, 1, query_vector=(
                vector if isinstance(vector, np.ndarray) else None))
            hits += bool(found) and found[0].id == expected
        scores[lang] = hits / max(1, len(pairs))
    return scores


def priority_scores(classifier_path: Optional[Path], train_dir: Path, eval_dir: Path,
                    vectors: Dict[str, object], languages: Sequence[str],
                    fit_cache: Path) -> Dict[str, float]:
    """Priority accuracy per language on the held-out descriptions.

    Args:
        classifier_path: saved weights (``PriorityClassifier.save``) to score as they
            are; None (or missing) fits a classifier on ``train_dir``.
        train_dir: labelled training descriptions.
        eval_dir: held-out labelled descriptions.
        vectors: each description's e5 vector (shared between the two models).
        languages: the languages to score.
        fit_cache: where a fitted classifier is kept (by training-data fingerprint).
    """
    import numpy as np

    from bot.escalation.priority_classifier import (
        PriorityClassifier,
        load_labelled,
        trained_classifier,
    )

    classifier: Optional[PriorityClassifier] = None
    if classifier_path is not None and classifier_path.is_file():
        with np.load(classifier_path, allow_pickle=False) as saved:
            classifier = PriorityClassifier(saved["weights"], saved["bias"],
                                            tuple(str(c) for c in saved["classes"]))
    if classifier is None:
        # Refitted only when the training descriptions change (~35 s of e5).
        classifier = trained_classifier(fit_cache, train_dir)
    correct: Dict[str, int] = {}
    total: Dict[str, int] = {}
    for lang, label, text in load_labelled(eval_dir):
        if lang not in languages:
            continue
        vector = vectors.get(text)
        prediction = classifier.predict(text, vector if isinstance(vector, np.ndarray)
                                        else None)
        total[lang] = total.get(lang, 0) + 1
        correct[lang] = correct.get(lang, 0) + (prediction.priority == label)
    return {lang: correct[lang] / total[lang] for lang in total}


def changed_examples(before: ModelEvaluation, after: ModelEvaluation,
                     limit: int = 200) -> List[ChangedExample]:
    """Held-out messages whose predicted intent changed, regressions first."""
    previous = {(p.lang, p.text): p.predicted for p in before.predictions}
    changed = [ChangedExample(lang=p.lang, text=p.text, expected=p.expected,
                              before=previous[(p.lang, p.text)], after=p.predicted)
               for p in after.predictions
               if (p.lang, p.text) in previous and previous[(p.lang, p.text)] != p.predicted]
    changed.sort(key=lambda c: (c.after == c.expected, c.lang))
    return changed[:limit]


# -- the pipeline ---------------------------------------------------------------------


def new_job_id() -> str:
    """A sortable, unique job id: ``<UTC time>-<random>``."""
    return f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def _load_timings(paths: StudioPaths) -> Optional[List[float]]:
    try:
        return [float(t) for t in json.loads(
            (paths.cache_dir / "train-timings.json").read_text(encoding="utf-8"))]
    except (OSError, ValueError, TypeError):
        return None


def _save_timings(paths: StudioPaths, shares: List[float]) -> None:
    paths.cache_dir.mkdir(parents=True, exist_ok=True)
    (paths.cache_dir / "train-timings.json").write_text(json.dumps(shares), encoding="utf-8")


def retrain(paths: StudioPaths, options: Optional[RetrainOptions] = None,
            on_change: Optional[Callable[[JobStatus], None]] = None,
            languages: Sequence[str] = SUPPORTED_LANGUAGES) -> JobStatus:
    """Runs one retrain job to the end (see the module docstring).

    Args:
        paths: every folder involved (``StudioPaths.from_settings`` for the product).
        options: who, whether to promote, the gate's margins, the Rasa replicas.
        on_change: called with a copy of the status after each change (the terminal's
            progress bar).
        languages: the languages the gate requires.

    Returns:
        The final status: ``promoted`` (or ``passed`` without promotion), ``refused``
        by the gate, or ``failed`` with the reason in ``message``.

    Raises:
        RetrainError: another retrain holds the lock (no job is created).
    """
    options = options or RetrainOptions()
    with RetrainLock(paths.lock_file):
        job_id = options.job_id or new_job_id()
        folder = paths.jobs_dir / job_id
        folder.mkdir(parents=True, exist_ok=True)
        job = Job(folder, JobStatus(job_id=job_id, steps=[StepStatus(name=s) for s in STEPS],
                                    started_by=options.by,
                                    started_at=datetime.now(timezone.utc),
                                    message="starting"), on_change)
        try:
            return _run(job, paths, options, languages)
        except RetrainError as error:
            for step in job.status.steps:
                if step.state == "running":
                    job.step(step.name, "failed")
            return job.finish("failed", str(error))
        except Exception as error:  # noqa: BLE001 - the status file must say it failed
            for step in job.status.steps:
                if step.state == "running":
                    job.step(step.name, "failed")
            job.finish("failed", f"unexpected error: {type(error).__name__}: {error}")
            raise


def _run(job: Job, paths: StudioPaths, options: RetrainOptions,
         languages: Sequence[str]) -> JobStatus:
    from kb_index.build import build_index
    from kb_index.search import KBIndex, Searcher

    root = paths.content_root
    if not paths.served_model.is_file():
        raise RetrainError(f"no model in service at {paths.served_model}; "
                           "train one first (`make model`)")
    # 1. validate: the articles now (fast), Rasa's checks while the candidate trains.
    job.step("validate", "running", "checking the KB articles")
    articles = validate_articles(root)
    nodes = training_nodes(root)
    job.step("train", "running", f"{articles} articles are valid; training the candidate")
    training = Training(train_command(root, job.folder, options.train_threads),
                        job.folder / "train.log", nodes, _load_timings(paths),
                        lambda share: job.progress(
                            0.02 + TRAIN_SHARE * share, "training the candidate"))
    try:
        problems = validate_rasa_data(root)
        if problems:
            training.stop()
            job.step("train", "skipped")
            job.step("validate", "failed")
            raise RetrainError("the training data is not valid:\n- " + "\n- ".join(problems))
        job.step("validate", "done")

        # 2. the candidate's KB index, in the job folder (the live one is untouched).
        job.step("build_kb_index", "running")
        try:
            report = build_index(root / "data" / "kb", job.folder / "kb_index",
                                 no_article=root / "data" / "kb_no_article")
        except (ValueError, OSError) as error:
            raise RetrainError(f"the KB index could not be built: {error}") from error
        job.step("build_kb_index", "done")

        # 4a. the model in service, while the candidate trains.
        job.step("evaluate_in_service", "running")
        live = Searcher(paths.kb_build_dir)
        before_eval, _ = cached_evaluation(paths.served_model, paths, live, languages)
        kb_rows = {lang: load_kb_eval(paths.kb_eval_dir, lang) for lang in languages}
        vectors = _vectors(kb_rows, paths.priority_eval_dir, paths.cache_dir)
        before: Scores = {
            "intent_f1": before_eval.intent_f1,
            "kb_hit_at_1": kb_hit_at_1(live.index(), kb_rows, vectors),
            "priority_accuracy": priority_scores(
                paths.priority_cache, root / "data" / "priority" / "train",
                paths.priority_eval_dir, vectors, languages,
                paths.cache_dir / "priority-candidate.npz"),
            "conversation_tests": before_eval.conversation_tests,
        }
        job.step("evaluate_in_service", "done")
    except BaseException:
        training.stop()
        raise

    code = training.wait()
    candidate = job.folder / f"{CANDIDATE_NAME}.tar.gz"
    if code != 0 or not candidate.is_file():
        job.step("train", "failed")
        raise RetrainError(f"rasa train failed (exit code {code}); the end of its log "
                           f"({training.log_path}):\n{training.tail()}")
    _save_timings(paths, training.shares())
    job.step("train", "done")
    job.status.report.candidate_model = str(candidate)
    job.progress(0.02 + TRAIN_SHARE, "evaluating the candidate")

    # 4b. the candidate, with its own KB index.
    job.step("evaluate_candidate", "running")
    own = Searcher(job.folder / "kb_index")
    after_eval, _ = cached_evaluation(candidate, paths, own, languages)
    after: Scores = {
        "intent_f1": after_eval.intent_f1,
        "kb_hit_at_1": kb_hit_at_1(KBIndex.load(report.path), kb_rows, vectors),
        "priority_accuracy": priority_scores(
            None, root / "data" / "priority" / "train", paths.priority_eval_dir, vectors,
            languages, paths.cache_dir / "priority-candidate.npz"),
        "conversation_tests": after_eval.conversation_tests,
    }
    job.step("evaluate_candidate", "done")
    job.progress(0.02 + TRAIN_SHARE + EVALUATE_SHARE, "comparing")

    # 5. the gate.
    job.step("gate", "running")
    verdict = judge(before, after, options.margins, languages)
    registry = Registry(paths.history_dir)
    in_service = registry.in_service()
    if in_service is not None and in_service.model_sha256 != file_sha256(paths.served_model):
        in_service = None  # the served file was replaced outside the studio
    job.status.report = JobReport(
        rows=verdict.rows, reasons=verdict.reasons, notes=verdict.notes,
        changed_examples=changed_examples(before_eval, after_eval),
        in_service_version=in_service.version if in_service else None,
        candidate_model=str(candidate))
    job.step("gate", "done")
    if not verdict.passed:
        job.step("promote", "skipped")
        return job.finish("refused", "the gate refused the candidate:\n"
                          + "\n".join(verdict.reasons))
    if not options.promote:
        job.step("promote", "skipped")
        return job.finish("passed", f"the candidate passed the gate; not promoted "
                          f"(it is {candidate})")

    # 6. record and promote.
    job.step("promote", "running", "promoting")
    if in_service is None:
        # The model in service came from `make model`: keep it, so a rollback exists.
        from kb_index.build import current_version

        live_version = current_version(paths.kb_build_dir)
        if live_version is not None:
            baseline = registry.record(paths.served_model, live_version,
                                       data_revision(root), before)
            registry.mark_in_service(baseline.version, "make", "baseline")
            in_service = baseline
    meta = registry.record(candidate, report.path, data_revision(root), after,
                           previous=in_service.version if in_service else None)
    promotion = registry.promote(meta.version, paths.served_model, paths.kb_build_dir,
                                 options.rasa_urls, options.rasa_token, by=options.by)
    job.status.report.candidate_version = meta.version
    job.status.report.in_service_version = in_service.version if in_service else None
    job.status.report.promotion = promotion
    job.step("promote", "done")
    down = [r for r in promotion.replicas if r.state != "loaded"]
    note = "".join(f"\n{r.url}: {r.state} {r.message}" for r in down)
    return job.finish("promoted", f"promoted {meta.version}{note}")


def _vectors(kb_rows: Dict[str, List[Tuple[str, str]]], priority_eval_dir: Path,
             cache_dir: Path) -> Dict[str, object]:
    """e5 query vectors of every KB question and priority description, in one batch.

    Cached in ``cache_dir`` by the texts' hash: embedding them costs ~40 s on one core.
    """
    import numpy as np

    from bot.escalation.priority_classifier import load_labelled
    from kb_index.embedding import e5_queries

    texts = sorted({q for rows in kb_rows.values() for q, _ in rows}
                   | {text for _, _, text in load_labelled(priority_eval_dir)})
    key = hashlib.sha256("\0".join(texts).encode()).hexdigest()[:32]
    cache = cache_dir / f"eval-vectors-{key}.npy"
    try:
        vectors = np.load(cache, allow_pickle=False)
        if len(vectors) == len(texts):
            return dict(zip(texts, vectors, strict=True))
    except (OSError, ValueError):
        pass
    vectors = e5_queries(texts)
    cache_dir.mkdir(parents=True, exist_ok=True)
    with cache.with_suffix(f".{os.getpid()}.tmp").open("wb") as handle:
        np.save(handle, vectors)
    cache.with_suffix(f".{os.getpid()}.tmp").replace(cache)
    return dict(zip(texts, vectors, strict=True))


def default_options(settings: Settings, by: str = "cli", promote: bool = True,
                    margins: Optional[Margins] = None,
                    job_id: Optional[str] = None) -> RetrainOptions:
    """Options for the product: its Rasa replicas and token."""
    return RetrainOptions(by=by, promote=promote, margins=margins or Margins(),
                          job_id=job_id,
                          rasa_urls=replica_urls(settings.host, settings.rasa_port,
                                                 settings.rasa_replicas),
                          rasa_token=settings.rasa_token)
