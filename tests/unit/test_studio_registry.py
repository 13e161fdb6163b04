"""The model history: recording, promotion to (fake) Rasa replicas, rollback."""

from __future__ import annotations

import io
import json
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator, List, Tuple
from urllib.parse import parse_qs, urlparse

import pytest

from bot.studio.registry import (
    DataRevision,
    Registry,
    RegistryError,
    model_id_of,
)
from tests.conftest import LANGUAGES, free_port

TOKEN = "rasa-test-token"
REVISION = DataRevision(commit="abc123", dirty=True, data_sha256="0" * 64)


def fake_model(path: Path, model_id: str) -> Path:
    """A tar.gz with Rasa's metadata.json, as `rasa train` writes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as archive:
        for name, data in (("metadata.json", json.dumps({"model_id": model_id}).encode()),
                           ("components/x.bin", model_id.encode() * 100)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def fake_index(folder: Path, marker: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "index.json").write_text(json.dumps({"marker": marker}), encoding="utf-8")
    return folder


class FakeRasa(ThreadingHTTPServer):
    """Rasa's PUT /model and GET /status, behind ?token=; ``behaviour`` breaks it."""

    def __init__(self, behaviour: str) -> None:
        super().__init__(("127.0.0.1", free_port()), Handler)
        self.behaviour = behaviour
        self.model_id = "old"
        self.requests: List[Tuple[str, dict]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: FakeRasa

    def log_message(self, *args: object) -> None:
        pass

    def _reply(self, code: int, body: object = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self) -> bool:
        return parse_qs(urlparse(self.path).query).get("token") == [TOKEN]

    def do_PUT(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(("PUT", body))
        if not self._authorised():
            return self._reply(401, {"message": "User is not authenticated."})
        if self.server.behaviour == "refuses":
            return self._reply(500, {"message": "LoadingError"})
        if self.server.behaviour != "keeps the old model":
            self.server.model_id = model_id_of(Path(body["model_file"]))
        self._reply(204)

    def do_GET(self) -> None:  # noqa: N802
        if not self._authorised():
            return self._reply(401)
        self._reply(200, {"model_id": self.server.model_id, "model_file": "x"})


@pytest.fixture()
def rasa_replicas(request) -> Iterator[List[FakeRasa]]:
    servers = [FakeRasa(behaviour) for behaviour in request.param]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield servers
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture()
def recorded(tmp_path) -> Tuple[Registry, str, str]:
    """Two recorded versions, the second trained while the first was in service."""
    registry = Registry(tmp_path / "history")
    scores = {"intent_f1": {lang: 0.9 for lang in LANGUAGES}}
    first = registry.record(fake_model(tmp_path / "a.tar.gz", "model-a"),
                            fake_index(tmp_path / "kb_a" / "v1", "a"), REVISION, scores,
                            version="v-a")
    registry.mark_in_service(first.version, "make", "baseline")
    second = registry.record(fake_model(tmp_path / "b.tar.gz", "model-b"),
                             fake_index(tmp_path / "kb_b" / "v2", "b"), REVISION, scores,
                             gate_reasons=[], previous=first.version, version="v-b")
    return registry, first.version, second.version


def served(tmp_path: Path) -> Tuple[Path, Path]:
    model = fake_model(tmp_path / "models" / "helpbot.tar.gz", "old")
    kb_build = tmp_path / "kb_build"
    fake_index(kb_build / "v0", "old")
    (kb_build / "CURRENT").write_text("v0", encoding="utf-8")
    return model, kb_build


def test_recorded_versions_keep_their_revision_scores_and_files(recorded):
    registry, first, second = recorded

    assert [m.version for m in registry.list_versions()] == [first, second]
    meta = registry.get(second)
    assert meta.model_id == "model-b" and meta.previous == first
    assert meta.data_revision == REVISION
    assert meta.scores["intent_f1"]["it"] == 0.9
    assert registry.model_path(second).is_file()
    assert (registry.kb_path(meta) / "index.json").is_file()
    assert registry.in_service().version == first
    with pytest.raises(RegistryError, match="no model version 'nope'"):
        registry.get("nope")


# Each replica's behaviour -> the state promote reports for it.
REPLICA_CASES = [
    (["loads"], ["loaded"]),
    (["loads", "loads"], ["loaded", "loaded"]),
    (["loads", "down"], ["loaded", "down"]),
    (["refuses"], ["error"]),
    (["keeps the old model"], ["error"]),
]


@pytest.mark.parametrize("rasa_replicas,states", REPLICA_CASES, indirect=["rasa_replicas"],
                         ids=[" + ".join(case[0]) for case in REPLICA_CASES])
def test_promotion_switches_files_and_every_reachable_replica(recorded, rasa_replicas,
                                                             states, tmp_path):
    registry, _, second = recorded
    model, kb_build = served(tmp_path)
    urls = [server.url for server in rasa_replicas]
    for server in rasa_replicas:
        if server.behaviour == "down":
            server.shutdown()
            server.server_close()

    report = registry.promote(second, model, kb_build, urls, TOKEN, by="editor-it")

    assert [replica.state for replica in report.replicas] == states
    # A restart serves the same model; every searcher reloads the version's index.
    assert model.read_bytes() == registry.model_path(second).read_bytes()
    current = (kb_build / "CURRENT").read_text(encoding="utf-8")
    assert json.loads((kb_build / current / "index.json").read_text())["marker"] == "b"
    for server in rasa_replicas:
        if server.behaviour != "down":
            assert server.requests == [("PUT", {"model_file":
                                                str(registry.model_path(second))})]
    meta = registry.in_service()
    assert meta.version == second and meta.promoted_by == "editor-it"
    assert [p.kind for p in meta.promotions] == ["promote"]


@pytest.mark.parametrize("rasa_replicas", [["loads"]], indirect=True)
def test_a_wrong_token_is_an_error_not_a_promotion_of_the_replica(recorded, rasa_replicas,
                                                                  tmp_path):
    registry, _, second = recorded
    model, kb_build = served(tmp_path)

    report = registry.promote(second, model, kb_build, [rasa_replicas[0].url], "wrong")

    assert report.replicas[0].state == "error"
    assert "401" in report.replicas[0].message


@pytest.mark.parametrize("rasa_replicas", [["loads"]], indirect=True)
def test_rollback_promotes_the_previous_version_and_records_who(recorded, rasa_replicas,
                                                                tmp_path):
    registry, first, second = recorded
    model, kb_build = served(tmp_path)
    registry.promote(second, model, kb_build, [], TOKEN, by="editor-fr")

    report = registry.rollback(model, kb_build, [rasa_replicas[0].url], TOKEN,
                               by="editor-nb")

    assert report.version == first
    assert rasa_replicas[0].model_id == "model-a"
    assert model.read_bytes() == registry.model_path(first).read_bytes()
    meta = registry.in_service()
    assert meta.version == first and meta.promoted_by == "editor-nb"
    assert [p.kind for p in meta.promotions] == ["baseline", "rollback"]
    # The oldest version has nothing before it.
    with pytest.raises(RegistryError, match="has no previous version"):
        registry.rollback(model, kb_build, [], TOKEN)


def test_nothing_to_roll_back_before_the_first_promotion(tmp_path):
    model, kb_build = served(tmp_path)
    with pytest.raises(RegistryError, match="no model was promoted yet"):
        Registry(tmp_path / "history").rollback(model, kb_build, [], TOKEN)


def test_old_index_versions_are_pruned_keeping_the_previous(recorded, tmp_path):
    registry, first, second = recorded
    model, kb_build = served(tmp_path)
    for version in (second, first, second):
        registry.promote(version, model, kb_build, [], TOKEN)

    assert len(list(kb_build.glob("v*"))) == 2
