"""Which PyYAML parser reads: libyaml where it can, and a pure one for nesting past its ceiling.

:data:`Loader` is libyaml's safe loader (about five times faster), or pure
PyYAML's where PyYAML was built without libyaml. Every read starts with it;
the other modules look it up here when they read, so a test may swap it.

Some libyaml builds (PyYAML 6.0.4's) refuse nesting past a ceiling of their
own (1,000 levels) with an error of their own. That refusal is recognised by
the complaint libyaml makes about a probe document (:func:`ceiling_problem`),
and such text is then read by :class:`DeepLoader`, PyYAML's pure parser made
to read any depth without recursing: the limits, messages and positions are
the same whichever PyYAML is installed.
"""

from __future__ import annotations

import collections
import functools
from collections.abc import Callable
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.nodes import MappingNode, Node, SequenceNode
from yaml.scanner import ScannerError

try:  # libyaml is about five times faster; the pure parser is the fallback.
    Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    Loader = yaml.SafeLoader

#: The deepest a document is read, whatever ``--max-depth`` says: reading costs time and
#: memory in the square of the depth (pointers of every node down the path: 10,000
#: levels take about half a GB), and libyaml's parser time in the square of flow nesting.
MAX_READ_DEPTH = 10_000


class DeepLoader(yaml.SafeLoader):
    """Pure PyYAML for text nested past libyaml's own ceiling: any depth, in linear time.

    Some libyaml builds refuse nesting past a fixed ceiling (PyYAML 6.0.4's
    bundled libyaml: 1,000 levels) with an error of their own. This reads such
    text instead, with the same events and marks as PyYAML's pure parser and
    the same nodes as its composer, but the composer keeps its open
    collections in a list instead of recursing (10,000 levels would need
    20,000 Python frames), and the scanner finds the oldest possible simple
    key without visiting them all (PyYAML's loops make flow nesting take time
    in its square: 20 s for 10,000 ``[``).
    """

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        # Closing n block levels queues n tokens at once: PyYAML's list.pop(0) then
        # takes time in n squared (a million "- " took six minutes), a deque does not.
        self.tokens: Any = collections.deque(self.tokens)  # the stream start, queued already

    def get_token(self) -> Any:
        """PyYAML's ``get_token``, taking the token from the front of the deque."""
        while self.need_more_tokens():
            self.fetch_more_tokens()
        if self.tokens:
            self.tokens_taken += 1
            return self.tokens.popleft()
        return None

    def next_possible_simple_key(self) -> int | None:
        """PyYAML's answer (the smallest token number of any possible simple key), in O(1).

        Keys enter the dict in the order they are saved (a key saved again
        is deleted first) and token numbers only grow, so the first is the smallest.
        """
        for key in self.possible_simple_keys.values():
            return int(key.token_number)
        return None

    def stale_possible_simple_keys(self) -> None:
        """Drop keys no longer possible, as PyYAML does, visiting only those dropped.

        Keys are in the order they were saved, so their lines and indexes
        only grow: the stale ones (an earlier line, or over 1,024 characters
        back) come first, and the first one that is not ends the search.
        """
        keys = self.possible_simple_keys
        while keys:
            level = next(iter(keys))
            key = keys[level]
            if key.line == self.line and self.index - key.index <= 1024:
                return
            if key.required:
                raise ScannerError(
                    "while scanning a simple key",
                    key.mark,
                    "could not find expected ':'",
                    self.get_mark(),
                )
            del keys[level]

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        """PyYAML's ``compose_node``, with the collections being built on a list.

        Each frame is a collection and its entry count (a sequence) or the key
        waiting for its value (a mapping, None when none waits); the parser is
        asked for the same events in the same order as the recursive composer.
        """
        frames: list[list[Any]] = []
        events: Any = self  # PyYAML's parser methods are untyped
        while True:
            node, done = self._open_node(parent, index)
            if not done:
                frames.append([node, 0 if isinstance(node, SequenceNode) else None])
            elif not frames:
                return node
            else:
                _attach(frames[-1], node)
            while True:  # close the collections that end here
                collection, slot = frames[-1]
                if isinstance(collection, MappingNode) and slot is not None:
                    break  # a key waits for its value
                end = SequenceEndEvent if isinstance(collection, SequenceNode) else MappingEndEvent
                if not events.check_event(end):
                    break
                collection.end_mark = events.get_event().end_mark
                self.ascend_resolver()
                frames.pop()
                if not frames:
                    return collection  # type: ignore[no-any-return]
                _attach(frames[-1], collection)
            parent, index = frames[-1]

    def _open_node(self, parent: Node | None, index: Any) -> tuple[Node, bool]:
        """A scalar or alias node (done), or a collection just started (not done)."""
        events: Any = self  # PyYAML's parser and resolver methods are untyped
        if events.check_event(AliasEvent):
            event = events.get_event()
            anchor = event.anchor
            if anchor not in self.anchors:
                raise ComposerError(
                    None, None, f"found undefined alias {anchor!r}", event.start_mark
                )
            return self.anchors[anchor], True
        event = events.peek_event()
        anchor = event.anchor
        if anchor is not None and anchor in self.anchors:
            raise ComposerError(
                f"found duplicate anchor {anchor!r}; first occurrence",
                self.anchors[anchor].start_mark,
                "second occurrence",
                event.start_mark,
            )
        self.descend_resolver(parent, index)
        if events.check_event(ScalarEvent):
            scalar = self.compose_scalar_node(anchor)
            self.ascend_resolver()
            return scalar, True
        start = events.get_event()
        kind: type[SequenceNode] | type[MappingNode] = (
            SequenceNode if isinstance(start, SequenceStartEvent) else MappingNode
        )
        tag = start.tag
        if tag is None or tag == "!":
            tag = events.resolve(kind, None, start.implicit)
        node = kind(tag, [], start.start_mark, None, flow_style=start.flow_style)
        if anchor is not None:
            self.anchors[anchor] = node
        return node, False


def _attach(frame: list[Any], child: Node) -> None:
    """Add a finished node to the collection of ``frame`` (see :meth:`DeepLoader.compose_node`)."""
    collection, slot = frame
    if isinstance(collection, SequenceNode):
        collection.value.append(child)
        frame[1] = slot + 1
    elif slot is None:
        frame[1] = child
    else:
        collection.value.append((slot, child))
        frame[1] = None


@functools.cache
def ceiling_problem() -> str | None:
    """libyaml's complaint when text nests past its own ceiling; None if it reads all we read.

    Probed once, on the first libyaml error that might be it: a block
    sequence one level deeper than the most this linter reads (linear time
    for libyaml, a few milliseconds).
    """
    libyaml: type[yaml.SafeLoader] | None = getattr(yaml, "CSafeLoader", None)
    if libyaml is None:  # pragma: no cover - depends on how PyYAML was built
        return None
    loader = libyaml("- " * (MAX_READ_DEPTH + 1) + "x")
    next_event: Callable[[], Any] = loader.get_event
    try:
        while next_event() is not None:
            pass
    except yaml.MarkedYAMLError as err:
        return err.problem
    finally:
        loader.dispose()
    return None


def past_ceiling(err: yaml.MarkedYAMLError) -> bool:
    """Whether libyaml refused the text for nesting past its own ceiling (not a syntax error)."""
    return err.problem is not None and err.problem == ceiling_problem()
