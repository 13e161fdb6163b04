"""The e5 vector transport between the NLU pipeline and the KB search."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from kb_index.embedding import pack, unpack

MODEL = "test-model"


def test_pack_round_trips_exactly():
    vector = np.random.default_rng(3).standard_normal(384).astype(np.float32)
    np.testing.assert_array_equal(unpack(pack(vector, MODEL), MODEL, 384), vector)


@pytest.mark.parametrize("payload", [
    None,
    "not a dict",
    {"model": "other-model", "dim": 384, "f32": pack(np.zeros(384), MODEL)["f32"]},
    {"model": MODEL, "dim": 8, "f32": pack(np.zeros(8), MODEL)["f32"]},
    {"model": MODEL, "dim": 384, "f32": "%%% not base64 %%%"},
    {"model": MODEL, "dim": 384, "f32": base64.b64encode(b"short").decode()},
    {"model": MODEL, "dim": 384, "f32": 12},
    pack(np.full(384, np.nan), MODEL),
], ids=["none", "string", "other model", "other size", "bad base64", "truncated",
        "not text", "nan"])
def test_unusable_payloads_are_refused(payload):
    assert unpack(payload, MODEL, 384) is None
