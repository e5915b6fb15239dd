"""Exact Kubernetes resource quantities (``k8s.io/apimachinery/pkg/api/resource``).

Requests and limits have to be compared exactly (``1Gi == 1024Mi``, ``0.5 == 500m``), so
values are ``decimal.Decimal`` built straight from the digits. Floats are never used, and
the global decimal context is never touched.

Acceptance follows the scanner and suffix table of ``ParseQuantity``. There are a few
deliberate differences, each of them a place where Kubernetes silently does something a
manifest author almost certainly did not intend:

* Text with no digit at all (``.``, ``+``, ``-``, ``e3``, ``.Ki``) is rejected. The
  documented grammar needs a digit; the Go scanner reads most of these as 0.
* A decimal exponent must fit in 32 bits. Go parses it as int64 and then truncates it to
  int32, so ``1e4294967296`` would become ``1``.
* Nothing is rounded up to 1n and nothing is capped at 2**63-1. The exact value comes
  back, and flagging out-of-range magnitudes is left to the caller.
"""

from __future__ import annotations

import decimal
import json
import math
import re
from typing import Final, NamedTuple

__all__ = ["QuantityError", "format_quantity", "parse_quantity", "quantity_from_manifest"]

# Kubernetes' own error texts, so that messages match what `kubectl apply` would print.
_FORMAT_ERROR: Final = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
_SUFFIX_ERROR: Final = "unable to parse quantity's suffix"
_NUMERIC_ERROR: Final = "unable to parse numeric part of quantity"

# Explicit ASCII sets: str.isdigit() and Decimal() would also accept e.g. U+0661, U+FF11.
_DIGITS: Final = "0123456789"
_SUFFIX_LETTERS: Final = "eEinumkKMGTP"
_DECIMAL_SI: Final[dict[str, int]] = {
    "n": -9,
    "u": -6,
    "m": -3,
    "": 0,
    "k": 3,
    "M": 6,
    "G": 9,
    "T": 12,
    "P": 15,
    "E": 18,
}
_BINARY_SI: Final[dict[str, int]] = {
    "Ki": 10,
    "Mi": 20,
    "Gi": 30,
    "Ti": 40,
    "Pi": 50,
    "Ei": 60,
}
_SUFFIX_FOR_SCALE: Final[dict[int, str]] = {scale: name for name, scale in _DECIMAL_SI.items()}
_BINARY_LARGEST_FIRST: Final = sorted(_BINARY_SI.items(), key=lambda item: -item[1])
_EXPONENT: Final = re.compile(r"[+-]?([0-9]+)")
_INT32_MAX: Final = 2**31 - 1
_INT64_MAX: Final = 2**63 - 1
# Go's unicode.IsSpace, which strings.TrimSpace uses. Python's str.strip() would also
# remove U+001C..U+001F, which Kubernetes keeps (and then rejects).
_GO_SPACE: Final = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# Loose shape of a number followed by a unit, used only to suggest fixes for unit typos.
_UNIT_TYPO: Final = re.compile(r"([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))([A-Za-z]+)")
# format_quantity: beyond these, plain digits get silly long, so "<digits>e<exp>" is used.
_PLAIN_FRACTION_LIMIT: Final = 30
_SI_EXPONENT_LIMIT: Final = 20
_BINARY_DIGIT_LIMIT: Final = 400


class QuantityError(ValueError):
    """A value Kubernetes would not take as a resource quantity.

    ``.value`` is the offending text, ``.reason`` is Kubernetes' wording and ``.hint`` is
    an optional suggested fix. They are kept apart so that reporters can render them as
    they like, and ``str()`` joins them into one line. ``shown`` replaces the quoted
    ``value`` in that line, so that non-strings appear as YAML would write them (``true``).
    """

    value: str
    reason: str
    hint: str | None

    def __init__(
        self, value: str, reason: str, hint: str | None = None, shown: str | None = None
    ) -> None:
        self.value = value
        self.reason = reason
        self.hint = hint
        self._shown = _quote(value) if shown is None else shown
        message = f"invalid quantity {self._shown}: {reason}"
        if hint:
            message = f"{message}; {hint}"
        super().__init__(message)

    def __reduce__(
        self,
    ) -> tuple[type[QuantityError], tuple[str, str, str | None, str]]:
        """Keep the error picklable, as exceptions cross process pools."""
        return (type(self), (self.value, self.reason, self.hint, self._shown))


class _Parts(NamedTuple):
    """The pieces the Kubernetes scanner splits a quantity into."""

    negative: bool
    digits: str  # integer digits followed by fraction digits, as written
    fraction_length: int
    suffix: str


class _Failure(NamedTuple):
    """Why text was rejected. Kept internal so probing candidate fixes is cheap."""

    reason: str
    hint: str | None = None


def parse_quantity(text: str) -> decimal.Decimal:
    """Parse ``text`` with Kubernetes' strict grammar and return its exact value.

    Surrounding whitespace is an error, as in ``ParseQuantity``. Manifest values are
    trimmed by the unmarshaller first: use :func:`quantity_from_manifest` for those.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_quantity() needs a str, not {type(text).__name__}")
    result = _decode(text)
    if isinstance(result, _Failure):
        raise QuantityError(text, result.reason, result.hint or _suggest(text))
    return result


#: Quantities already decoded, by their text: a tree writes the same few ("100m", "128Mi")
#: thousands of times. Decimals are immutable, so sharing them is safe.
_DECODED: dict[str, decimal.Decimal] = {}
_DECODED_MAX = 10_000


def quantity_from_manifest(value: object) -> decimal.Decimal:
    """Convert a decoded YAML/JSON value to an exact quantity, as the API server would.

    Strings are trimmed as Kubernetes' unmarshaller does (but inner spaces stay errors).
    ints and finite floats are taken as written: a float goes through ``repr`` so that
    ``0.1`` means 0.1 and not its binary approximation. Anything else is rejected.
    """
    if isinstance(value, str):
        known = _DECODED.get(value)
        if known is not None:
            return known
        stripped = value.strip(_GO_SPACE)
        result = _decode(stripped)
        if isinstance(result, _Failure):
            raise QuantityError(value, result.reason, result.hint or _suggest(stripped))
        if len(_DECODED) < _DECODED_MAX:
            _DECODED[value] = result
        return result
    if isinstance(value, bool):  # before int: bool is an int subclass
        rendered = "true" if value else "false"
        raise QuantityError(rendered, _not_a_quantity("a boolean"), shown=rendered)
    if isinstance(value, int):
        return decimal.Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            rendered = _yaml_float(value)
            raise QuantityError(rendered, "a quantity must be a finite number", shown=rendered)
        result = decimal.Decimal(repr(value))
        return decimal.Decimal(0) if result.is_zero() else result
    if value is None:
        raise QuantityError(
            "null",
            _not_a_quantity("null"),
            'set a quantity such as "500m" or remove the key',
            shown="null",
        )
    rendered = _render(value)
    if isinstance(value, (list, tuple)):
        kind = "a list"
    elif isinstance(value, dict):
        kind = "a mapping"
    else:
        kind = f"a {type(value).__name__}"
    raise QuantityError(rendered, _not_a_quantity(kind), shown=rendered)


def format_quantity(value: decimal.Decimal, binary: bool = False) -> str:
    """Render ``value`` compactly for messages, in Kubernetes' canonical style.

    Picks the largest suffix that leaves a whole mantissa (``0.5`` is ``500m``, ``2000``
    is ``2k``). With ``binary`` it prefers Ki..Ei when they divide exactly and are no
    longer than the decimal form (``1Gi``, but ``1T`` rather than ``976562500Ki``). The
    output is never rounded: if no suffix fits, it falls back to plain digits, or to
    ``<digits>e<exp>`` for extreme exponents. ``parse_quantity`` reads every result back
    to the same value, as long as the exponent fits Kubernetes' 32 bits.
    """
    if not isinstance(value, decimal.Decimal):
        raise TypeError(f"format_quantity() needs a Decimal, not {type(value).__name__}")
    if not value.is_finite():
        raise ValueError(f"cannot format non-finite quantity {value}")
    if value.is_zero():
        return "0"
    sign, digit_tuple, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite values always have an int exponent
    written = "".join(map(str, digit_tuple))
    digits = written.rstrip("0")
    exponent += len(written) - len(digits)
    prefix = "-" if sign else ""
    decimal_form = _format_decimal(digits, exponent)
    if binary and exponent >= 0 and len(digits) + exponent <= _BINARY_DIGIT_LIMIT:
        whole = int(digits) * 10**exponent
        for suffix, power in _BINARY_LARGEST_FIRST:
            quotient, remainder = divmod(whole, 1 << power)
            if remainder == 0:
                binary_form = f"{quotient}{suffix}"
                if len(binary_form) <= len(decimal_form):
                    return prefix + binary_form
                break
    return prefix + decimal_form


def _decode(text: str) -> decimal.Decimal | _Failure:
    """Scan and evaluate ``text``, giving the value or the reason it is not one."""
    parts = _scan(text) if text else None
    if parts is None:
        return _Failure(_FORMAT_ERROR)
    scales = _interpret_suffix(parts.suffix)
    if isinstance(scales, _Failure):
        return scales
    if not parts.digits:
        return _Failure(_NUMERIC_ERROR, 'a quantity needs at least one digit; write "0" for zero')
    power_of_ten, power_of_two = scales
    sign = "-" if parts.negative else ""
    # Built from the digits as written: Decimal(str) is exact whatever the context says.
    value = decimal.Decimal(f"{sign}{parts.digits}E{power_of_ten - parts.fraction_length}")
    if power_of_two:
        value = _exact_context(len(parts.digits)).multiply(
            value, decimal.Decimal(1 << power_of_two)
        )
    return decimal.Decimal(0) if value.is_zero() else value


def _scan(text: str) -> _Parts | None:
    """Split ``text`` the way Kubernetes' scanner does, or return None if it would fail.

    Shape: optional sign, digits, optional ``.`` and digits, then letters from
    ``eEinumkKMGTP``, an optional sign and digits, and nothing else.
    """
    end = len(text)
    pos = 0
    negative = False
    if pos < end and text[pos] in "+-":
        negative = text[pos] == "-"
        pos += 1
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    whole = text[start:pos]
    fraction = ""
    if pos < end and text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        fraction = text[start:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_LETTERS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos != end:
        return None
    return _Parts(negative, whole + fraction, len(fraction), text[suffix_start:])


def _interpret_suffix(suffix: str) -> tuple[int, int] | _Failure:
    """Map a suffix to (power of ten, power of two), as Kubernetes' suffixer does."""
    if suffix in _DECIMAL_SI:
        return _DECIMAL_SI[suffix], 0
    if suffix in _BINARY_SI:
        return 0, _BINARY_SI[suffix]
    if len(suffix) > 1 and suffix[0] in "eE":
        match = _EXPONENT.fullmatch(suffix, 1)
        if match is None:
            return _Failure(_SUFFIX_ERROR)
        # Trim before int(): CPython refuses to convert very long digit strings.
        significant = match.group(1).lstrip("0") or "0"
        if len(significant) > 19:
            return _Failure(_SUFFIX_ERROR, "the exponent is out of range")
        exponent = -int(significant) if suffix[1] == "-" else int(significant)
        if not -_INT64_MAX - 1 <= exponent <= _INT64_MAX:
            return _Failure(_SUFFIX_ERROR, "the exponent is out of range")
        if not -_INT32_MAX <= exponent <= _INT32_MAX:
            return _Failure(
                _SUFFIX_ERROR, "the exponent is out of range (Kubernetes would truncate it)"
            )
        return exponent, 0
    return _Failure(_SUFFIX_ERROR)


def _exact_context(digit_count: int) -> decimal.Context:
    """A private context wide enough for digits times 2**60, trapping any rounding."""
    return decimal.Context(
        prec=digit_count + 20,
        Emax=decimal.MAX_EMAX,
        Emin=decimal.MIN_EMIN,
        traps=[decimal.InvalidOperation, decimal.Inexact, decimal.Rounded, decimal.Overflow],
    )


def _suggest(text: str) -> str | None:
    """Guess a fix for common slips (spaces, byte units, wrong case), only if it parses."""
    stripped = text.strip(_GO_SPACE)
    if stripped and stripped != text and _parses(stripped):
        return f"remove the surrounding whitespace: {_quote(stripped)}"
    compact = "".join(char for char in stripped if not char.isspace() and char not in _GO_SPACE)
    if compact != stripped and _parses(compact):
        return f"remove the space: {_quote(compact)}"
    fixes = _unit_fixes(compact)
    if fixes:
        return "did you mean " + " or ".join(map(_quote, fixes)) + "?"
    return None


def _unit_fixes(text: str) -> list[str]:
    """Rewrite unit typos: ``1GB`` to ``1G``/``1Gi``, ``100mi`` to ``100Mi``, ``1K`` to ``1k``."""
    match = _UNIT_TYPO.fullmatch(text)
    if match is None:
        return []
    number, unit = match.groups()
    core = unit[:-1] if len(unit) >= 2 and unit[-1] in "bB" else unit
    letter = core[0].upper()
    if letter not in "KMGTPE" or len(core) > 2 or core == "e":
        return []
    if len(core) == 2:
        if core[1] not in "iI":
            return []
        options = [letter + "i"]
    else:
        options = ["k" if letter == "K" else letter, letter + "i"]
    candidates = [number + option for option in options]
    return [candidate for candidate in candidates if candidate != text and _parses(candidate)]


def _parses(text: str) -> bool:
    """Tell whether ``text`` is a valid quantity without building an exception."""
    return not isinstance(_decode(text), _Failure)


def _format_decimal(digits: str, exponent: int) -> str:
    """Format ``digits * 10**exponent`` (no trailing zeros in ``digits``) without loss."""
    if 0 <= exponent <= _SI_EXPONENT_LIMIT:
        scale = min(exponent - exponent % 3, 18)
        return digits + "0" * (exponent - scale) + _SUFFIX_FOR_SCALE[scale]
    if -9 <= exponent < 0:
        scale = -3 * ((2 - exponent) // 3)
        return digits + "0" * (exponent - scale) + _SUFFIX_FOR_SCALE[scale]
    if -_PLAIN_FRACTION_LIMIT <= exponent < 0:
        point = len(digits) + exponent
        if point > 0:
            return f"{digits[:point]}.{digits[point:]}"
        return "0." + "0" * -point + digits
    return f"{digits}e{exponent}"


def _not_a_quantity(kind: str) -> str:
    """The reason given for YAML/JSON values that are neither strings nor numbers."""
    return f"a quantity must be a string or a number, not {kind}"


def _quote(text: str) -> str:
    """Quote ``text`` as Go's %q would, near enough, so stray whitespace stays visible."""
    return json.dumps(text, ensure_ascii=False)


def _yaml_float(value: float) -> str:
    """Spell a non-finite float the way it appears in YAML."""
    if math.isnan(value):
        return ".nan"
    return ".inf" if value > 0 else "-.inf"


def _render(value: object, limit: int = 60) -> str:
    """Show an arbitrary decoded value briefly, for error messages (aliases never expanded)."""
    from sidecar_lint.bounded import bounded_text

    return bounded_text(value, limit)
