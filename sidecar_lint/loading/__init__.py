"""Turn YAML/JSON files into documents with positions, safely and without losing any.

This is the package's only face: a file's bytes (:func:`load_bytes`) or text
(:func:`load_source`) become a :class:`LoadedSource`, whose documents answer
span lookups however they were read, and whose problems say what could not be
read and where. The modules behind it, one job each:

* :mod:`~sidecar_lint.loading.loaded` — what a read yields, the limits, and
  the words of the limit problems;
* :mod:`~sidecar_lint.loading.parsers` — which PyYAML parser reads, and the
  pure one that reads past libyaml's own nesting ceiling;
* :mod:`~sidecar_lint.loading.documents` — a composed node graph as plain
  data and a span table, without recursion or alias expansion;
* :mod:`~sidecar_lint.loading.nesting` — the guard that finds the first
  document nested past the limit before libyaml's composer recurses into it;
* :mod:`~sidecar_lint.loading.yaml_stream` — reading stretch by stretch,
  each error placed and reading resumed at the next document;
* :mod:`~sidecar_lint.loading.json_text` — JSON's data with YAML's positions;
* :mod:`~sidecar_lint.loading.fast_read`,
  :mod:`~sidecar_lint.loading.block_read` and
  :mod:`~sidecar_lint.loading.lazy_positions` — the fast first read (yaml-rs
  where installed, else a pure-Python reader of block-style text), and its
  positions made on demand, exactly the reference read's;
* :mod:`~sidecar_lint.loading.reading` — bytes to text to one of the reads;
* :mod:`~sidecar_lint.loading.not_manifest` — whether a file that did not
  read is a manifest at all.
"""

from __future__ import annotations

from sidecar_lint.loading.fast_read import LOADER_ENV
from sidecar_lint.loading.loaded import (
    DEFAULT_LIMITS,
    Limits,
    LoadedSource,
    ParseProblem,
    iter_documents,
)
from sidecar_lint.loading.not_manifest import not_a_manifest
from sidecar_lint.loading.reading import (
    encoding_of,
    fast_path_available,
    load_bytes,
    load_source,
)
from sidecar_lint.loading.yaml_stream import RENDER_HINT

__all__ = [
    "DEFAULT_LIMITS",
    "LOADER_ENV",
    "RENDER_HINT",
    "Limits",
    "LoadedSource",
    "ParseProblem",
    "encoding_of",
    "fast_path_available",
    "iter_documents",
    "load_bytes",
    "load_source",
    "not_a_manifest",
]
