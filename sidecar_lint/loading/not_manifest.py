"""Whether a file that could not be read is a Kubernetes manifest at all.

Walking a repository meets ``tsconfig.json`` and ``renovate.json`` (JSON with
comments), editor settings and tool configuration beside the manifests. A
file that parses and holds no object is already left alone; one that does not
parse is judged by its words: with no ``apiVersion`` or ``kind`` key anywhere
in its text it cannot be a Kubernetes object, so its syntax is not ours to
report. Text that was not read at all (a limit, an encoding) is never judged.
"""

from __future__ import annotations

import re

from sidecar_lint.loading.json_text import looks_like_json
from sidecar_lint.loading.loaded import LoadedSource

#: ``apiVersion:`` or ``kind:`` as a key, quoted (JSON, flow YAML) or not.
_OBJECT_KEY = re.compile(r"""(?<![\w-])["']?(?:apiVersion|kind)["']?\s*:""")
#: A ``//`` or ``/*`` comment that starts a line or follows a value.
_JSON_COMMENT = re.compile(r"""^\s*(?://|/\*)|[,\]}"\d]\s*//""", re.MULTILINE)


def not_a_manifest(loaded: LoadedSource) -> str | None:
    """Why ``loaded`` is not a manifest, when its syntax failed and no word says it is one."""
    if not loaded.problems or not all(problem.syntax for problem in loaded.problems):
        return None
    if any(doc.is_kubernetes_object for doc in loaded.documents):
        return None
    text = loaded.source.text
    if _OBJECT_KEY.search(text):
        return None
    if looks_like_json(loaded.source.path, text) and _JSON_COMMENT.search(text):
        return "JSON with comments and no apiVersion or kind: not a Kubernetes manifest, not linted"
    return "not valid YAML or JSON and no apiVersion or kind: not a Kubernetes manifest, not linted"
