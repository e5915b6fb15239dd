"""A fast first read of YAML text, exact to the reference loader or not used at all.

The reference loader (:mod:`sidecar_lint.loading`) composes every document with
libyaml and records the span of every node: exact, but most of its time goes
into building Python objects for nodes and marks that are only ever needed
for the few documents that have findings. This module reads plain data with
``yaml-rs`` (an optional dependency, a YAML 1.2 parser written in Rust) and
accepts the result only when it is provably what the reference would build
under PyYAML's YAML 1.1 rules; otherwise it returns None and the caller uses
the reference loader for the whole file. Positions are computed later, only
when something asks for them, from a libyaml parse of the same text (see
:class:`sidecar_lint.loading.lazy_positions.FilePositions`), so every line and column is the
reference loader's.

Where YAML 1.1 and 1.2 (or the two parsers) can disagree, the text or the
data is checked, and any doubt sends the file to the reference loader. The
reference is libyaml, and pure PyYAML for text libyaml refuses, which reads
some text its own way: so text libyaml refuses must never be read here.

* plain scalars that resolve differently (``yes``, ``on``, ``12:30``,
  ``2024-01-01``, ``=``, ``<<``): a string of the data that PyYAML would
  type if it were plain, and yaml-rs would not, is accepted only if no token
  of that kind stands unquoted anywhere in the text; one that yaml-rs too
  would type (``"true"``, ``"8080"``) was necessarily quoted, so it is fine;
* numbers spelled differently (``0755``, ``0o17``, ``1e3``, ``+.5``, ``_1``,
  ``.inF``): every plain token that may be one must read the same (type and
  value) in both;
* plain scalars that start with an indicator PyYAML refuses there (``[:x]``,
  ``[?x]``, ``[|]``, ``{k: >x}``): a string of the data that starts so is
  accepted only if it does not stand unquoted in the text;
* flow text libyaml refuses or PyYAML reads otherwise (``[a:?]``, ``[a? :]``,
  a flow mapping over several lines, whose keys may be, a line that starts
  with ``:``), a block scalar that ends the text, surrogate escapes;
* tags, anchors, aliases, directives, ``...`` markers, tabs, CR or Unicode
  line breaks, byte order marks, non-printable characters, Helm ``{{`` and
  very long lines are not handled here at all;
* duplicate keys make yaml-rs fail; non-string keys, merge keys, other
  types and nesting near the depth limit are refused after reading.

Text yaml-rs refuses, and all text where it is not installed, is read by
:mod:`~sidecar_lint.loading.block_read` instead (pure Python, the block-style
subset manifests are written in, exact by construction or refused).

``SIDECAR_LINT_LOADER=reference`` turns the fast path off, for comparisons;
``SIDECAR_LINT_LOADER=python`` reads without yaml-rs, as the default install does.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from functools import cache
from typing import Any

import yaml
import yaml.resolver

from sidecar_lint.loading.fast_documents import (
    SAFE_DEPTH,
    FastDocument,
    document_offsets,
)

#: ``SIDECAR_LINT_LOADER=reference`` turns the fast path off (the equivalence tests use it).
LOADER_ENV = "SIDECAR_LINT_LOADER"

#: ``SIDECAR_LINT_LOADER=python`` reads with :mod:`~sidecar_lint.loading.block_read` only, as
#: an install without yaml-rs does (the equivalence tests use it).
PYTHON_READER = "python"


@cache
def _yaml_rs() -> tuple[Callable[..., Any], Any] | None:
    """yaml-rs's ``loads`` and its alias limits, imported on first use (None: not installed)."""
    try:
        import yaml_rs
    except ImportError:  # pragma: no cover - the fast path is an optional extra
        return None
    return yaml_rs.loads, yaml_rs.AliasLimits(max_total_replayed_events=10_000)


_UNPRINTABLE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufeff\ufffe\uffff]")
# tabs, CR, NEL, C0/C1 controls, surrogates, U+FFFE/FFFF (what libyaml refuses, and more);
# U+2028/2029 are tested apart. A byte order mark is dropped before this is called: any
# other one is refused too, for libyaml skips one at the start of a line (``\ufeffb: 2``
# is then wrongly indented) where yaml-rs reads it as text.
_DOCUMENT_END = re.compile(r"^\.\.\.(?=\s|$)", re.MULTILINE)
_LONG_LINE = re.compile(r"^[^\n]{1000}", re.MULTILINE)
# The first character of a plain token that may read differently as a number: a leading
# zero, an exponent, hex/octal/binary, an underscore anywhere (yaml-rs drops every
# underscore of a number: "_1", "+_2", "1__0", "0x_1", "_2E8" are numbers to it, text or
# other numbers to PyYAML), or a leading dot (".5", and ".inF" or ".nAn", which yaml-rs
# reads as infinity or NaN in any letter case). Plain decimals ("8080", "-1", "0.5", "0")
# read the same in both and are not visited. A token starts after whitespace, "[", "{",
# ",", ":" or at the start of the text. The pattern starts with the token's first
# character, not with what comes before it, which is much faster to search for.
_RISKY_NUMBER = re.compile(
    r"""[-+_.0-9] (?<! [^\s\[{,:] . )  # a first character, at the start or after a separator
    (?: (?<= [-+] ) (?= [_.] | 0[0-9_oObBxX] | [0-9][0-9_.]*[eE_] )  # a sign, then as below
      | (?<= [_.] )
      | (?<= 0 ) (?= [0-9_oObBxX] | [0-9_.]*[eE_] )
      | (?<= [1-9] ) (?= [0-9_.]*[eE_] )
    )""",
    re.VERBOSE,
)
#: In a flow collection libyaml refuses ``:`` followed by one of ``,?[]{}`` (pure PyYAML,
#: which the reference then uses, reads the text its own way, ending plain scalars at ``?``),
#: where yaml-rs reads ``[a:?]`` or ``[a :?]`` as text and ``[a?:]`` or ``[a? :]`` as a
#: mapping. ``:[`` and ``:{`` after a quote are JSON's (``{"a":[1]}``), read alike.
_FLOW_COLON = re.compile(r":(?:[,?\]}]|(?<![\"'\]}]:)[\[{])")
#: A line that starts with ``:``: a value whose key ends on an earlier line (or text).
#: PyYAML wants an implicit key and its ``:`` on one line, yaml-rs not in a flow mapping.
_LEADING_COLON = re.compile(r"\n *:")  # the first line is looked at apart
#: ``"\uD83D\uDE00"``: yaml-rs joins an escaped surrogate pair into one character,
#: PyYAML keeps two surrogates.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
#: A flow mapping closed on its line with nothing to look at closer (``{cpu: 1, memory: 1Gi}``).
_SIMPLE_FLOW_MAPPING = re.compile(r"\{[^\[\]{}'\"#\n]*\}")
#: What :func:`_closed_on_line` looks at, and what a token may start after there.
_FLOW_CHAR = re.compile(r"[\[\]{}'\"#]")
_TOKEN_BEFORE = frozenset(" [{,:?")
_SINGLE_QUOTED = re.compile(r"'(?:[^'\n]|'')*'")
_DOUBLE_QUOTED = re.compile(r'"(?:[^"\\\n]|\\.)*"')
#: A block scalar header (``|``, ``>-``, ``|+2``), perhaps with a comment, ending a line.
_BLOCK_HEADER = re.compile(r"(?:^|[ \[\]{},:?-])[|>][-+0-9]*[ ]*(?:#[^\n]*)?$", re.MULTILINE)
_TOKEN = re.compile(r"[0-9A-Za-z_.+\-]*(?=[\s,\]}:]|\Z)")

_RESOLVERS = yaml.resolver.Resolver.yaml_implicit_resolvers
_STR_TAG = "tag:yaml.org,2002:str"
#: The first characters PyYAML's implicit resolvers look at (anything else stays a string).
_FIRST_CHARS = frozenset(k for k in _RESOLVERS if k)
_PLAIN_TYPES = (str, int, float, bool, type(None))
#: First characters of a plain scalar that yaml-rs accepts and PyYAML refuses (``:`` and ``?``
#: only in flow collections, where PyYAML reads them as indicators whatever follows). The
#: other indicators never start a plain scalar in yaml-rs either, and ``-`` starts one alike.
_INDICATOR_FIRST = frozenset(":?|>%@`")
_CHECKED_FIRST = _FIRST_CHARS | _INDICATOR_FIRST

_typed_cache: dict[str, Any] = {}
#: Mapping keys already known to be plain strings for both parsers.
_safe_keys: set[str] = set()
_token_cache: dict[str, bool] = {}


def available() -> bool:
    """Whether the fast path can run (not switched off with ``SIDECAR_LINT_LOADER=reference``)."""
    return os.environ.get(LOADER_ENV, "fast") != "reference"


def read(text: str, max_documents: int, max_depth: int) -> list[FastDocument] | None:
    """The documents of ``text`` exactly as the reference loader builds their data, or None.

    yaml-rs reads first where it is installed; text it refuses, or all text
    without it, goes to the pure-Python reader of the block-style subset
    (:mod:`~sidecar_lint.loading.block_read`). None means "not provably the
    same": the caller must use the reference loader.
    """
    rs = None if os.environ.get(LOADER_ENV) == PYTHON_READER else _yaml_rs()
    got = None if rs is None else _read_rs(text, max_documents, max_depth, *rs)
    if got is None:
        from sidecar_lint.loading import block_read

        got = block_read.read(text, max_documents, max_depth)
    return got


def _read_rs(
    text: str, max_documents: int, max_depth: int, loads: Callable[..., Any], limits: Any
) -> list[FastDocument] | None:
    """:func:`read` with yaml-rs and the checks that make its data the reference's."""
    if not _safe_text(text):
        return None
    offsets = document_offsets(text)
    if not offsets:
        return []  # only comments and blank lines: no document
    if len(offsets) > max_documents:
        return None
    try:
        loaded = loads(text, parse_datetime=False, alias_limits=limits)
    except Exception:  # any refusal means "let the reference decide"
        return None
    values = [loaded] if len(offsets) == 1 else loaded
    if not isinstance(values, list) or len(values) != len(offsets):
        return None
    depth_limit = min(SAFE_DEPTH, max_depth)
    ambiguous: set[str] = set()
    indicated: set[str] = set()
    for value in values:
        if not _plain_data(value, depth_limit, ambiguous, indicated):
            return None
    if any(_stands_plain(text, tag) for tag in ambiguous):
        return None
    if any(_starts_a_token(text, value) for value in indicated):
        return None
    return [FastDocument(v, o) for v, o in zip(values, offsets, strict=True)]


def _safe_text(text: str) -> bool:
    if "\u2028" in text or "\u2029" in text or _UNPRINTABLE.search(text):
        return False
    if _unhandled(text):
        return False
    if _LONG_LINE.search(text):
        return False
    if _FLOW_COLON.search(text) or _SURROGATE_ESCAPE.search(text):
        return False
    if _LEADING_COLON.search(text) or text.lstrip(" ").startswith(":"):
        return False
    if _ends_in_block_scalar(text) or _multiline_flow_mapping(text):
        return False
    return all(_same_number(token) for token in _risky_tokens(text))


def _multiline_flow_mapping(text: str) -> bool:
    """Whether a flow mapping (``{``) may go on past the end of the line it starts on.

    PyYAML wants an implicit key and its ``:`` on one line; yaml-rs takes a key
    over several lines in a flow mapping (``{a\\n b: c}``, ``{"a\\n b": c}``).
    Rather than tell keys from values across lines, every flow mapping that is
    not closed on its first line is left to the reference (a ``{`` within a
    plain scalar, ``a {b``, is not one; one in a block scalar may count).
    """
    pos = text.find("{")
    simple = _SIMPLE_FLOW_MAPPING.match
    while pos >= 0:
        if simple(text, pos) is None and _node_can_start(text, pos):
            end = text.find("\n", pos)
            if not _closed_on_line(text, pos, len(text) if end < 0 else end):
                return True
        pos = text.find("{", pos + 1)
    return False


def _closed_on_line(text: str, pos: int, end: int) -> bool:
    """Whether the flow collection opened at ``text[pos]`` closes before ``end``.

    Quoted scalars are skipped (one not closed on the line: no); a comment
    ends the line early (no).
    """
    depth = 0
    search = _FLOW_CHAR.search
    found = search(text, pos, end)
    while found is not None:
        char = found.group()
        at = found.start()
        nxt = at + 1
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return True
        elif text[at - 1] in _TOKEN_BEFORE:  # a quote or a "#" where a token starts
            if char == "#":
                return False
            quoted = (_SINGLE_QUOTED if char == "'" else _DOUBLE_QUOTED).match(text, at, end)
            if quoted is None:
                return False
            nxt = quoted.end()
        found = search(text, nxt, end)
    return False


def _ends_in_block_scalar(text: str) -> bool:
    """Whether a block scalar may end the stream where yaml-rs reads it differently.

    yaml-rs gives a block scalar without any content line that ends the text
    (``k: |`` and then only blank lines) the value ``"\\n"``, PyYAML ``""``;
    and when the text does not end with a line break, yaml-rs adds one to the
    last block scalar, PyYAML does not. So: a header on the last line that is
    not blank, or any header in a text without a final line break.
    """
    if not text.endswith("\n"):
        return ("|" in text or ">" in text) and _BLOCK_HEADER.search(text) is not None
    end = len(text)
    while end and text[end - 1] in " \n":
        end -= 1
    start = text.rfind("\n", 0, end) + 1
    return _BLOCK_HEADER.search(text, start, end) is not None


def _unhandled(text: str) -> bool:
    """Tags, anchors, aliases, directives, ``...`` markers or template braces.

    None of these is handled here: they are left to the reference loader. Each
    indicator is looked for as a character first (fast), and only where it
    occurs is its context checked: ``!``, ``&`` or ``*`` where a node can start
    (see :func:`_node_can_start`). Any anchor at all is refused, not only the
    names PyYAML rejects (``&a.b``, ``&é``, ``&:a`` or a bare ``&``, all names
    to yaml-rs): anchors are rare in manifests, and what may follow a name
    differs too (``&a:b``).
    """
    if "{{" in text or text.startswith("%") or "\n%" in text:
        return True
    if (text.startswith("...") or "\n..." in text) and _DOCUMENT_END.search(text):
        return True
    for char in ("!", "&", "*"):
        pos = text.find(char)
        while pos >= 0:
            indicates = char != "*" or text[pos + 1 : pos + 2] not in _NOT_AN_ALIAS
            if indicates and _node_can_start(text, pos):
                return True
            pos = text.find(char, pos + 1)
    return False


#: What may follow ``*`` without it being an alias to yaml-rs (it then refuses or reads text).
_NOT_AN_ALIAS = frozenset(["", " ", "\n", '"', "'", ",", "]", "}"])
#: Characters after which (and spaces) a node may start on the same line. Not after a
#: closed flow collection or quoted scalar (``[ -f "$f" ] && x``, ``"$f" && x``: yaml-rs
#: too refuses a node there), nor in a comment, nor after an ordinary character.
_NODE_BEFORE = frozenset("-?:,[{&*!|>%@`")


def _node_can_start(text: str, pos: int) -> bool:
    """Whether a node (with a tag, an anchor or an alias) may start at ``text[pos]``.

    It cannot inside a token (``a&b``, ``2>&1``), nor after spaces that follow
    an ordinary character on the same line: there the character is part of a
    plain scalar, a quoted one or a comment (``sleep 1 && run``, ``if ! x``,
    ``ls *.txt``), or it follows a closed flow collection or quoted scalar,
    where yaml-rs refuses the text. Any other place counts as a possible node
    start: the start of a line or of the text, after an indicator (see
    ``_NODE_BEFORE``) and spaces.
    """
    if pos == 0:
        return True
    before = text[pos - 1]
    if not before.isspace() and before not in "[]{},:?":
        return False
    while pos > 0 and text[pos - 1] == " ":
        pos -= 1
    return pos == 0 or text[pos - 1] in _NODE_BEFORE or text[pos - 1].isspace()


def _risky_tokens(text: str) -> set[str]:
    """Plain tokens of ``text`` that may be numbers spelled in a way the parsers may differ on."""
    found: set[str] = set()
    token = _TOKEN.match
    for match in _RISKY_NUMBER.finditer(text):
        got = token(text, match.start())
        if got is not None and got.group():
            found.add(got.group())
    return found


@cache
def _maybe_typed() -> re.Pattern[str]:
    """Anything PyYAML's implicit resolvers could turn into a non-string when plain.

    Compiled on first use: a run that never takes the fast path does not pay for it.
    """
    bodies = sorted({f"(?:{rx.pattern})" for group in _RESOLVERS.values() for _, rx in group})
    return re.compile("|".join(bodies), re.X)


def _plain_data(root: Any, depth_limit: int, ambiguous: set[str], indicated: set[str]) -> bool:
    """Keys are strings (never ``<<``), scalars are plain types, nesting is shallow.

    Strings PyYAML would type if they were plain, while yaml-rs would not,
    add the tag PyYAML would give them to ``ambiguous``: the caller then makes
    sure no such value stands unquoted in the text. Strings that start with an
    indicator PyYAML never lets a plain scalar start with (``:x`` or ``?x`` in
    a flow collection, ``|``, ``>x``, ``@x``) go to ``indicated``: the caller
    makes sure none of them stands unquoted either.
    """
    maybe_typed = _maybe_typed().match
    typed_cache = _typed_cache
    safe_keys = _safe_keys
    first = _FIRST_CHARS  # an empty string was quoted: plain, both read it as null
    checked = _CHECKED_FIRST
    stack: list[tuple[Any, int]] = [(root, 0)]
    pop, push = stack.pop, stack.append
    while stack:
        node, depth = pop()
        if isinstance(node, dict):
            if depth >= depth_limit:
                return False
            if not safe_keys.issuperset(node):  # keys repeat: most were cleared before
                for key in node:
                    if type(key) is not str or key == "<<":
                        return False
                    if key and key[0] in _INDICATOR_FIRST:
                        indicated.add(key)  # never a safe key: the text decides each time
                        continue
                    tag = _ambiguous_tag(key) if maybe_typed(key) else None
                    if tag is not None:
                        ambiguous.add(tag)
                    elif len(safe_keys) < 100_000:
                        safe_keys.add(key)
            values: Any = node.values()
        elif isinstance(node, list):
            if depth >= depth_limit:
                return False
            values = node
        else:
            values = (node,)  # a document that is a single scalar
        for value in values:
            if type(value) is str:
                if value and value[0] in checked:
                    if value[0] not in first:
                        indicated.add(value)
                    elif maybe_typed(value):
                        tag = typed_cache.get(value, _UNKNOWN)
                        if tag is _UNKNOWN:
                            tag = _ambiguous_tag(value)
                        if tag is not None:
                            ambiguous.add(tag)
            elif isinstance(value, (dict, list)):
                push((value, depth + 1))
            elif not isinstance(value, _PLAIN_TYPES):
                return False
    return True


_UNKNOWN: Any = object()


def _pyyaml_tag(value: str) -> str:
    """The tag PyYAML's resolver gives ``value`` as a plain scalar."""
    for tag, regexp in _RESOLVERS.get(value[:1], ()):
        if regexp.match(value):
            return str(tag)
    return _STR_TAG


def _ambiguous_tag(value: str) -> str | None:
    """PyYAML's tag for ``value`` if plain, when that is not a string and yaml-rs's is.

    When yaml-rs too would type ``value`` if plain, its returning a string
    proves the scalar was quoted (or a block scalar), which both read as-is:
    no ambiguity (None). A value with whitespace or several lines cannot be
    checked against the text token by token, so it is always ambiguous.
    """
    tag: str | None = _typed_cache.get(value, _UNKNOWN)
    if tag is not _UNKNOWN:
        return tag
    tag = _pyyaml_tag(value)
    if tag == _STR_TAG or not _rs_plain_is_str(value):
        tag = None
    elif value != value.strip() or any(c.isspace() for c in value):
        tag = _ANY_TAG
    if len(_typed_cache) > 100_000:
        _typed_cache.clear()
    _typed_cache[value] = tag
    return tag


def _rs_plain_is_str(value: str) -> bool:
    rs = _yaml_rs()
    assert rs is not None
    if "\n" in value or value != value.strip():
        return True  # not a one-line plain scalar: "yes it is a string" is the safe answer
    try:
        got = rs[0]("k: " + value, parse_datetime=False)
    except Exception:  # a token yaml-rs refuses is left as it is
        return True
    return isinstance(got, dict) and isinstance(got.get("k"), str)


#: Marks a value that cannot be cleared by looking at the text.
_ANY_TAG = "<any>"
_plain_pattern_cache: dict[str, re.Pattern[str] | None] = {}


def _stands_plain(text: str, tag: str) -> bool:
    """Whether some token of ``text`` that PyYAML would read as ``tag`` is unquoted.

    The token must start where a plain scalar can (after whitespace, a flow
    indicator or ``:``, or at the start) and end where one can; a value in
    quotes is preceded by its quote, so it never matches.
    """
    if tag == _ANY_TAG:
        return True
    pattern = _plain_pattern_cache.get(tag, _UNKNOWN)
    if pattern is _UNKNOWN:
        bodies = sorted(
            {rx.pattern for group in _RESOLVERS.values() for t, rx in group if t == tag}
        )
        if not bodies:
            pattern = None
        else:
            inner = "|".join(f"(?:{b.strip()[1:-1]})" for b in bodies)  # drop ^ and $
            pattern = re.compile(rf"(?<![^\s\[{{,:])(?:{inner})(?=[\s,\]}}:#]|\Z)", re.X)
        _plain_pattern_cache[tag] = pattern
    return True if pattern is None else pattern.search(text) is not None


def _starts_a_token(text: str, value: str) -> bool:
    """Whether ``value``'s first word stands in ``text`` where a plain scalar may start.

    A plain scalar's text begins with its value's first word, verbatim (there
    are no escapes, and folding only joins later lines), after a space, a line
    break, a flow indicator, ``:`` or ``?``, or at the start; a quoted scalar's
    first word follows its quote, so a quoted value never matches.
    """
    word = value.split(None, 1)[0]  # value starts with an indicator, never a space
    return re.search(r"(?<![^\s\[\]{},:?])" + re.escape(word), text) is not None


def _same_number(token: str) -> bool:
    """Whether a plain token reads the same in both parsers (type and value)."""
    ok = _token_cache.get(token)
    if ok is not None:
        return ok
    ok = _compare_token(token)
    if len(_token_cache) > 100_000:
        _token_cache.clear()
    _token_cache[token] = ok
    return ok


def _compare_token(token: str) -> bool:
    rs = _yaml_rs()
    assert rs is not None
    try:
        ours = rs[0]("k: " + token, parse_datetime=False)
    except Exception:  # the whole text fails the same way, or differs
        return False
    if not isinstance(ours, dict) or "k" not in ours:
        return False
    mine = ours["k"]
    if isinstance(mine, str):
        return True  # a string to yaml-rs: the data check covers it
    try:
        theirs = yaml.load("k: " + token, Loader=_Loader)
    except yaml.YAMLError:
        return False
    if not isinstance(theirs, dict):
        return False
    ref = theirs.get("k")
    if type(ref) is not type(mine):
        return False
    if isinstance(mine, float) and math.isnan(mine):
        return isinstance(ref, float) and math.isnan(ref)
    return bool(ref == mine)


try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader
