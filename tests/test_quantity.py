"""Tests for sidecar_lint.quantity: Kubernetes' quantity grammar, exact values and messages.

The Kubernetes cases come from the upstream ParseQuantity tests and the documented grammar.
Expected values are written out by hand as Decimals or ints so that the parser is never its
own oracle.
"""

from __future__ import annotations

import importlib.util
import pickle
import re
from decimal import Decimal
from fractions import Fraction

import pytest

from sidecar_lint.quantity import (
    QuantityError,
    format_quantity,
    parse_quantity,
    quantity_from_manifest,
)

FORMAT_ERROR = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
SUFFIX_ERROR = "unable to parse quantity's suffix"
NUMERIC_ERROR = "unable to parse numeric part of quantity"

KI, MI, GI, TI, PI, EI = (1 << 10, 1 << 20, 1 << 30, 1 << 40, 1 << 50, 1 << 60)

VALID: list[tuple[str, Decimal | int]] = [
    # plain numbers, signs, leading zeros
    ("0", 0),
    ("00", 0),
    ("-0", 0),
    ("+0", 0),
    ("0.0", 0),
    ("-0.0Ki", 0),
    ("1", 1),
    ("+1", 1),
    ("-1", -1),
    ("007", 7),
    ("0.5", Decimal("0.5")),
    ("-0.5", Decimal("-0.5")),
    ("9.01", Decimal("9.01")),
    ("9223372036854775807", 2**63 - 1),
    ("9223372036854775808", 2**63),  # above int64: parses, flagged elsewhere
    ("123456789012345678901234567890", 123456789012345678901234567890),
    # trailing and leading dot
    ("1.", 1),
    ("1.G", 10**9),
    ("5.Ki", 5 * KI),
    (".001", Decimal("0.001")),
    (".0001k", Decimal("0.1")),
    ("-.5", Decimal("-0.5")),
    ("+.5Ki", 512),
    (".5e1", 5),
    ("1.e3", 1000),
    # every decimal SI suffix
    ("1n", Decimal("1e-9")),
    ("1u", Decimal("1e-6")),
    ("1m", Decimal("0.001")),
    ("1k", 1000),
    ("1M", 10**6),
    ("1G", 10**9),
    ("1T", 10**12),
    ("1P", 10**15),
    ("1E", 10**18),
    ("12E", 12 * 10**18),
    ("500m", Decimal("0.5")),
    ("10.035M", 10035000),
    ("0.1n", Decimal("1e-10")),  # below Kubernetes' nano resolution: kept exact, not rounded
    # every binary SI suffix
    ("1Ki", KI),
    ("1Mi", MI),
    ("1Gi", GI),
    ("1Ti", TI),
    ("1Pi", PI),
    ("1Ei", EI),
    ("9Ei", 9 * EI),
    ("-1Ei", -EI),
    ("100.035Ki", Decimal("102435.84")),
    ("0.5Mi", 512 * KI),
    ("0.05Gi", Decimal("53687091.2")),
    ("0.025Ti", Decimal("27487790694.4")),
    ("1.5Gi", 1536 * MI),
    ("0.000000000001Ki", Decimal("1.024e-9")),  # Kubernetes rounds this up to 2n
    ("9223372036854775807Ki", (2**63 - 1) * KI),
    # decimal exponents
    ("1e3", 1000),
    ("1E3", 1000),
    ("1e+3", 1000),
    ("1E+6", 10**6),
    ("1e-3", Decimal("0.001")),
    ("1E-3", Decimal("0.001")),
    ("1e0", 1),
    ("1e-0", 1),
    ("1e03", 1000),
    ("1e" + "0" * 5000 + "3", 1000),  # long exponent text, small value
    ("1.2e3", 1200),
    ("1.3E+6", 1300000),
    ("1.40e9", 1400000000),
    ("1.53E12", 1530000000000),
    ("1.6e15", 1600000000000000),
    ("1.7E18", 1700000000000000000),
    ("0.5e0", Decimal("0.5")),
    ("0.5e-1", Decimal("0.05")),
    ("0.5e-2", Decimal("0.005")),
    ("-3.01e3", -3010),
    ("1e-20", Decimal("1e-20")),
    ("1e30", 10**30),
    ("1e2147483647", Decimal("1e2147483647")),
    ("1e-2147483647", Decimal("1e-2147483647")),
    # long digit strings stay exact (well past 28 digits and the int() digit limit)
    ("1" * 60 + "Ei", int("1" * 60) * EI),
    ("0." + "0" * 40 + "1", Decimal("1e-41")),
    ("1" * 5000, Decimal("1" * 5000)),
]

# (text, Kubernetes' reason)
INVALID: list[tuple[str, str]] = [
    # upstream's invalid list
    ("1.1.M", FORMAT_ERROR),
    ("1+1.0M", FORMAT_ERROR),
    ("0.1mi", SUFFIX_ERROR),
    ("0.1am", FORMAT_ERROR),
    ("aoeu", FORMAT_ERROR),
    (".5i", SUFFIX_ERROR),
    ("1i", SUFFIX_ERROR),
    ("-3.01i", SUFFIX_ERROR),
    ("-3.01e-", SUFFIX_ERROR),
    (" 1", FORMAT_ERROR),
    ("1 ", FORMAT_ERROR),
    # wrong units and case
    ("1K", SUFFIX_ERROR),
    ("1GB", FORMAT_ERROR),
    ("1kb", FORMAT_ERROR),
    ("1KB", FORMAT_ERROR),
    ("1KiB", FORMAT_ERROR),
    ("100mi", SUFFIX_ERROR),
    ("1ki", SUFFIX_ERROR),
    ("1KI", FORMAT_ERROR),
    ("1g", FORMAT_ERROR),
    ("1Zi", FORMAT_ERROR),
    ("1Z", FORMAT_ERROR),
    ("1kk", SUFFIX_ERROR),
    ("1Mii", SUFFIX_ERROR),
    ("1M1", SUFFIX_ERROR),
    ("1Ki1", SUFFIX_ERROR),
    ("1\u00b5", FORMAT_ERROR),  # micro sign
    ("1\u03bc", FORMAT_ERROR),  # Greek mu
    # whitespace
    ("0.5 Gi", FORMAT_ERROR),
    ("1 Ki", FORMAT_ERROR),
    ("\t1", FORMAT_ERROR),
    ("1\n", FORMAT_ERROR),
    ("1\u00a0", FORMAT_ERROR),
    # empty and digitless (the Go scanner reads most of these as 0; the grammar needs a digit)
    ("", FORMAT_ERROR),
    (".", NUMERIC_ERROR),
    ("+", NUMERIC_ERROR),
    ("-", NUMERIC_ERROR),
    ("e3", NUMERIC_ERROR),
    ("E3", NUMERIC_ERROR),
    (".Ki", NUMERIC_ERROR),
    ("+k", NUMERIC_ERROR),
    ("-.e-20", NUMERIC_ERROR),
    # malformed exponents
    ("1e", SUFFIX_ERROR),
    ("1e+", SUFFIX_ERROR),
    ("1e-", SUFFIX_ERROR),
    ("1E+", SUFFIX_ERROR),
    ("1.5e", SUFFIX_ERROR),
    ("1ee3", SUFFIX_ERROR),
    ("1Ee3", SUFFIX_ERROR),
    ("1me3", SUFFIX_ERROR),
    ("1e1.5", FORMAT_ERROR),
    ("1e.5", FORMAT_ERROR),
    ("1e3k", FORMAT_ERROR),
    ("1E3Ki", FORMAT_ERROR),
    ("1e+-3", FORMAT_ERROR),
    ("1e9223372036854775808", SUFFIX_ERROR),  # beyond int64: Kubernetes rejects too
    ("1e99999999999999999999", SUFFIX_ERROR),
    ("1e4294967296", SUFFIX_ERROR),  # Kubernetes would truncate this to int32 0, i.e. "1"
    ("1e-2147483649", SUFFIX_ERROR),
    # malformed numbers and signs
    ("1..5", FORMAT_ERROR),
    ("1-", SUFFIX_ERROR),
    ("++1", SUFFIX_ERROR),
    ("--1", SUFFIX_ERROR),
    ("+-1", SUFFIX_ERROR),
    ("1,5", FORMAT_ERROR),
    ("1_000", FORMAT_ERROR),
    ("0x10", FORMAT_ERROR),
    ("1/2", FORMAT_ERROR),
    ("\uff11", FORMAT_ERROR),  # fullwidth digit one: Decimal() would accept it
    ("\u0663", FORMAT_ERROR),  # Arabic-Indic three: so would str.isdigit()
    ("\u22121", FORMAT_ERROR),  # minus sign, not hyphen-minus
    ("1\x00", FORMAT_ERROR),
    ("Inf", FORMAT_ERROR),
    ("+Inf", FORMAT_ERROR),
    ("NaN", FORMAT_ERROR),
    ("Infinity", FORMAT_ERROR),
    ("true", FORMAT_ERROR),
]

EQUAL_GROUPS: list[tuple[str, ...]] = [
    ("1Gi", "1024Mi", "1048576Ki", "1073741824", "1.073741824G", "1073741824e0"),
    ("0.5", "500m", ".5", "500000u", "5e-1", "0.5e0", "500000000n"),
    ("1e3", "1k", "1E3", "1000", "1000000m", "1.e3", "0.001M"),
    ("1.5Gi", "1536Mi", "1572864Ki", "1610612736"),
    ("1", "1000m", "1000000u", "1000000000n", "1e0", "+1", "001.000"),
    ("1M", "1000k", "1e6", "0.001G"),
    ("1E", "1e18", "1000P", "1000000T"),
    ("12E", "12e18", "12000P"),
    ("1Ki", "1024", "1.024k"),
    ("0.5Gi", "512Mi"),
    ("1m", "1e-3", "1000u", "0.001"),
    ("1u", "1000n", "1e-6"),
    ("0", "-0", "0Ki", "0e9", "-0.000E", "0n"),
    ("-1Gi", "-1024Mi", "-1073741824"),
]

DIFFERENT_PAIRS: list[tuple[str, str]] = [
    ("1G", "1Gi"),
    ("1k", "1Ki"),
    ("1m", "1M"),
    ("1E", "1Ei"),
    ("1", "-1"),
    ("0.1n", "1n"),  # Kubernetes would round the first up to the second
    ("9223372036854775807", "9223372036854775808"),  # Kubernetes would cap the second
]


@pytest.mark.parametrize(("text", "expected"), VALID)
def test_valid_quantities_parse_exactly(text: str, expected: Decimal | int) -> None:
    value = parse_quantity(text)
    assert isinstance(value, Decimal)
    assert value == expected  # Decimal comparison is exact, never context-rounded
    if abs(value.adjusted()) < 10_000:  # Fraction(1e2147483647) would take forever
        assert Fraction(value) == Fraction(expected)


@pytest.mark.parametrize(("text", "reason"), INVALID)
def test_invalid_quantities_are_rejected(text: str, reason: str) -> None:
    with pytest.raises(QuantityError) as caught:
        parse_quantity(text)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.value == text
    assert error.reason == reason
    assert reason in str(error)


@pytest.mark.parametrize("group", EQUAL_GROUPS, ids=lambda group: group[0])
def test_equivalent_spellings_compare_equal(group: tuple[str, ...]) -> None:
    values = [parse_quantity(text) for text in group]
    assert all(value == values[0] for value in values), list(zip(group, values, strict=True))
    assert len({Fraction(value) for value in values}) == 1


@pytest.mark.parametrize(("left", "right"), DIFFERENT_PAIRS)
def test_distinct_quantities_differ(left: str, right: str) -> None:
    assert parse_quantity(left) != parse_quantity(right)


def test_ordering_is_exact() -> None:
    assert parse_quantity("1G") < parse_quantity("1Gi")
    assert parse_quantity("999999999999999999999n") < parse_quantity("1T")
    assert parse_quantity("1000000000000000000001n") > parse_quantity("1T")
    assert parse_quantity("0.1n") > 0
    assert parse_quantity("-1n") < 0


def test_results_do_not_depend_on_the_global_decimal_context() -> None:
    import decimal

    with decimal.localcontext() as context:
        context.prec = 3
        context.traps[decimal.Inexact] = True
        assert parse_quantity("123456789.123456789Ei") == Fraction("123456789.123456789") * EI
        assert parse_quantity("-1234567890123456789012345678901234567890") == -(
            1234567890123456789012345678901234567890
        )
        assert format_quantity(Decimal("1234567890123456789012345")) == "1234567890123456789012345"


def test_negative_zero_is_plain_zero() -> None:
    assert str(parse_quantity("-0")) == "0"
    assert str(parse_quantity("-0.000Ki")) == "0"
    assert format_quantity(parse_quantity("-0m")) == "0"


def test_parse_quantity_requires_text() -> None:
    with pytest.raises(TypeError):
        parse_quantity(1)  # type: ignore[arg-type]


# -- messages and hints --------------------------------------------------------------------

HINTS: list[tuple[str, str]] = [
    ("1GB", 'did you mean "1G" or "1Gi"?'),
    ("1gb", 'did you mean "1G" or "1Gi"?'),
    ("1Mb", 'did you mean "1M" or "1Mi"?'),
    ("1GiB", 'did you mean "1Gi"?'),
    ("1KiB", 'did you mean "1Ki"?'),
    ("100mi", 'did you mean "100Mi"?'),
    ("0.1mi", 'did you mean "0.1Mi"?'),
    ("1gi", 'did you mean "1Gi"?'),
    ("1ki", 'did you mean "1Ki"?'),
    ("1KI", 'did you mean "1Ki"?'),
    ("1K", 'did you mean "1k" or "1Ki"?'),
    ("1kb", 'did you mean "1k" or "1Ki"?'),
    ("1KB", 'did you mean "1k" or "1Ki"?'),
    ("2g", 'did you mean "2G" or "2Gi"?'),
    ("-1.5TB", 'did you mean "-1.5T" or "-1.5Ti"?'),
    ("0.5 Gi", 'remove the space: "0.5Gi"'),
    ("1 Ki", 'remove the space: "1Ki"'),
    ("100 mi", 'did you mean "100Mi"?'),
    ("1.5 GB", 'did you mean "1.5G" or "1.5Gi"?'),
    (" 1", 'remove the surrounding whitespace: "1"'),
    ("1 ", 'remove the surrounding whitespace: "1"'),
    ("\t500m\n", 'remove the surrounding whitespace: "500m"'),
    (".", 'write "0" for zero'),
    ("1e4294967296", "the exponent is out of range"),
]

NO_HINT = ["aoeu", "1.1.M", "1+1.0M", "1i", ".5i", "1e", "1Zi", "", "1,5", "1B", "1e3k"]


@pytest.mark.parametrize(("text", "hint"), HINTS)
def test_hints_for_common_mistakes(text: str, hint: str) -> None:
    with pytest.raises(QuantityError) as caught:
        parse_quantity(text)
    assert caught.value.hint is not None
    assert hint in caught.value.hint
    assert hint in str(caught.value)


@pytest.mark.parametrize("text", NO_HINT)
def test_no_hint_when_the_fix_is_not_obvious(text: str) -> None:
    with pytest.raises(QuantityError) as caught:
        parse_quantity(text)
    assert caught.value.hint is None
    assert str(caught.value) == f'invalid quantity "{text}": {caught.value.reason}'


def test_message_names_the_value_and_reads_like_kubernetes() -> None:
    with pytest.raises(QuantityError) as caught:
        parse_quantity("1GB")
    assert str(caught.value) == (
        f'invalid quantity "1GB": {FORMAT_ERROR}; did you mean "1G" or "1Gi"?'
    )
    with pytest.raises(QuantityError) as caught:
        parse_quantity("100mi")
    assert str(caught.value) == f'invalid quantity "100mi": {SUFFIX_ERROR}; did you mean "100Mi"?'


def test_message_makes_control_characters_visible() -> None:
    with pytest.raises(QuantityError) as caught:
        parse_quantity("1\n")
    assert '"1\\n"' in str(caught.value)


def test_error_survives_pickling() -> None:
    with pytest.raises(QuantityError) as caught:
        quantity_from_manifest(" 1GB ")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert isinstance(copy, QuantityError)
    assert (copy.value, copy.reason, copy.hint, str(copy)) == (
        caught.value.value,
        caught.value.reason,
        caught.value.hint,
        str(caught.value),
    )


def test_every_suggestion_parses() -> None:
    for text, _ in HINTS:
        with pytest.raises(QuantityError) as caught:
            parse_quantity(text)
        assert caught.value.hint is not None
        for suggestion in re.findall(r'"([^"]*)"', caught.value.hint):
            parse_quantity(suggestion)


# -- manifest values -----------------------------------------------------------------------

MANIFEST_VALID: list[tuple[object, Decimal | int]] = [
    (1, 1),
    (0, 0),
    (-1, -1),
    (10**30, 10**30),
    (2**63, 2**63),
    (0.5, Decimal("0.5")),
    (0.1, Decimal("0.1")),  # via repr, not the float's binary expansion
    (0.3, Decimal("0.3")),
    (1.5, Decimal("1.5")),
    (-0.0, 0),
    (1e9, 10**9),
    (1e21, 10**21),
    (1e-7, Decimal("1e-7")),
    (123456789.123, Decimal("123456789.123")),
    ("1e9", 10**9),  # YAML 1.1 reads 1e9 as a string
    ("500m", Decimal("0.5")),
    (" 1 ", 1),
    ("\t500m\n", Decimal("0.5")),
    ("  1Gi\r\n", GI),
    ("\u00a01Gi\u3000", GI),  # Go's TrimSpace removes Unicode spaces too
    ("\u20281k\u2029", 1000),
]

MANIFEST_INVALID: list[tuple[object, str]] = [
    (True, "not a boolean"),
    (False, "not a boolean"),
    (None, "not null"),
    ([], "not a list"),
    (["1"], "not a list"),
    ((1,), "not a list"),
    ({}, "not a mapping"),
    ({"cpu": 1}, "not a mapping"),
    (b"1", "not a bytes"),
    (Decimal("1"), "not a Decimal"),
    (float("inf"), "finite"),
    (float("-inf"), "finite"),
    (float("nan"), "finite"),
    ("", FORMAT_ERROR),
    ("   ", FORMAT_ERROR),
    ("0.5 Gi", FORMAT_ERROR),
    (" 0.5 Gi ", FORMAT_ERROR),
    ("1GB", FORMAT_ERROR),
    ("\x1c1", FORMAT_ERROR),  # str.strip() would remove this; Go's TrimSpace does not
    ("\u200b1", FORMAT_ERROR),  # zero-width space is not whitespace either
    ("1e", SUFFIX_ERROR),
    (".", NUMERIC_ERROR),
]


@pytest.mark.parametrize(("value", "expected"), MANIFEST_VALID, ids=repr)
def test_manifest_values_convert_exactly(value: object, expected: Decimal | int) -> None:
    result = quantity_from_manifest(value)
    assert isinstance(result, Decimal)
    assert result == expected
    assert Fraction(result) == Fraction(expected)


@pytest.mark.parametrize(("value", "fragment"), MANIFEST_INVALID, ids=repr)
def test_manifest_values_that_are_not_quantities(value: object, fragment: str) -> None:
    with pytest.raises(QuantityError) as caught:
        quantity_from_manifest(value)
    assert fragment in str(caught.value)


def test_manifest_error_keeps_original_text_and_hints() -> None:
    with pytest.raises(QuantityError) as caught:
        quantity_from_manifest(" 0.5 Gi ")
    assert caught.value.value == " 0.5 Gi "
    assert caught.value.hint == 'remove the space: "0.5Gi"'


def test_manifest_rendering_of_non_strings() -> None:
    with pytest.raises(QuantityError) as caught:
        quantity_from_manifest(True)
    assert caught.value.value == "true"
    assert str(caught.value).startswith("invalid quantity true:")
    with pytest.raises(QuantityError) as caught:
        quantity_from_manifest(None)
    assert caught.value.value == "null"
    assert caught.value.hint is not None
    with pytest.raises(QuantityError) as caught:
        quantity_from_manifest(list(range(1000)))
    assert len(caught.value.value) <= 60


def test_strict_parser_does_not_strip() -> None:
    assert quantity_from_manifest(" 1Gi ") == GI
    with pytest.raises(QuantityError):
        parse_quantity(" 1Gi ")


# -- formatting ----------------------------------------------------------------------------

FORMATS: list[tuple[str, bool, str]] = [
    ("0", False, "0"),
    ("-0", False, "0"),
    ("0E+5", True, "0"),
    ("1", False, "1"),
    ("1.000", False, "1"),
    ("0.5", False, "500m"),
    ("-0.5", False, "-500m"),
    ("1.5", False, "1500m"),
    ("0.0005", False, "500u"),
    ("0.25", False, "250m"),
    ("1e-9", False, "1n"),
    ("1.5e-9", False, "0.0000000015"),
    ("1e-10", False, "0.0000000001"),
    ("1.0000000001", False, "1.0000000001"),
    ("1e-30", False, "0.000000000000000000000000000001"),
    ("1e-31", False, "1e-31"),
    ("2000", False, "2k"),
    ("1500", False, "1500"),
    ("123456", False, "123456"),
    ("1234000", False, "1234k"),
    ("1e9", False, "1G"),
    ("12e18", False, "12E"),
    ("1e20", False, "100E"),
    ("1e21", False, "1e21"),
    ("123e30", False, "123e30"),
    ("9223372036854775807", False, "9223372036854775807"),
    ("1073741824", False, "1073741824"),
    ("1073741824", True, "1Gi"),
    ("-1073741824", True, "-1Gi"),
    ("1024", True, "1Ki"),
    ("3072", True, "3Ki"),
    ("1610612736", True, "1536Mi"),
    ("524288", True, "512Ki"),
    ("1024000", True, "1024k"),  # shorter than 1000Ki
    ("10112000", True, "9875Ki"),  # as long as 10112k: ties go to the binary form
    ("1152921504606846976", True, "1Ei"),
    ("1000", True, "1k"),  # not a multiple of 1024
    ("512", True, "512"),
    ("0.5", True, "500m"),
    ("1e12", True, "1T"),  # 976562500Ki would be longer
    ("12e18", True, "12E"),
    ("102435.84", True, "102435840m"),
    ("1E+100000", True, "1e100000"),
]


@pytest.mark.parametrize(("text", "binary", "expected"), FORMATS)
def test_format_quantity(text: str, binary: bool, expected: str) -> None:
    assert format_quantity(Decimal(text), binary=binary) == expected


ROUND_TRIP_TEXTS = [
    *(text for text, _ in VALID),
    *(text for group in EQUAL_GROUPS for text in group),
    "123456789.987654321",
    "-0.000000000000000000000000000000000000000042",
    "31415926535897932384626433832795028841971",
    "7.77777777777777777777777777777Ei",
]


@pytest.mark.parametrize("binary", [False, True], ids=["decimal", "binary"])
@pytest.mark.parametrize("text", ROUND_TRIP_TEXTS)
def test_format_round_trips(text: str, binary: bool) -> None:
    value = parse_quantity(text)
    formatted = format_quantity(value, binary=binary)
    assert parse_quantity(formatted) == value
    assert len(formatted) <= len(format_quantity(value)) or not binary


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_format_rejects_non_finite(value: str) -> None:
    with pytest.raises(ValueError):
        format_quantity(Decimal(value))


def test_format_requires_a_decimal() -> None:
    with pytest.raises(TypeError):
        format_quantity(0.5)  # type: ignore[arg-type]


# -- properties (hypothesis is a declared test dependency, but stay usable without it) -------

if importlib.util.find_spec("hypothesis") is not None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    SUFFIX_VALUES: dict[str, Fraction] = {
        "n": Fraction(1, 10**9),
        "u": Fraction(1, 10**6),
        "m": Fraction(1, 1000),
        "": Fraction(1),
        "k": Fraction(10**3),
        "M": Fraction(10**6),
        "G": Fraction(10**9),
        "T": Fraction(10**12),
        "P": Fraction(10**15),
        "E": Fraction(10**18),
        "Ki": Fraction(KI),
        "Mi": Fraction(MI),
        "Gi": Fraction(GI),
        "Ti": Fraction(TI),
        "Pi": Fraction(PI),
        "Ei": Fraction(EI),
    }

    digit_runs = st.text(alphabet="0123456789", max_size=30)

    @st.composite
    def quantities(draw: st.DrawFn) -> tuple[str, Fraction]:
        """A valid quantity text and its value, computed independently with Fractions."""
        sign = draw(st.sampled_from(["", "+", "-"]))
        whole = draw(digit_runs)
        has_point = draw(st.booleans())
        fraction = draw(digit_runs) if has_point else ""
        if not whole and not fraction:
            whole = draw(st.text(alphabet="0123456789", min_size=1, max_size=5))
        number = whole + ("." if has_point else "") + fraction
        magnitude = Fraction(int(whole + fraction or "0"), 10 ** len(fraction))
        if draw(st.booleans()):
            suffix = draw(st.sampled_from(sorted(SUFFIX_VALUES)))
            scale = SUFFIX_VALUES[suffix]
        else:
            exponent = draw(st.integers(min_value=-60, max_value=60))
            letter = draw(st.sampled_from(["e", "E"]))
            exponent_sign = "-" if exponent < 0 else draw(st.sampled_from(["", "+"]))
            suffix = f"{letter}{exponent_sign}{abs(exponent)}"
            scale = Fraction(10) ** exponent
        value = magnitude * scale
        return sign + number + suffix, -value if sign == "-" else value

    @settings(max_examples=400)
    @given(quantities(), st.booleans())
    def test_random_valid_quantities_parse_and_round_trip(
        case: tuple[str, Fraction], binary: bool
    ) -> None:
        text, expected = case
        value = parse_quantity(text)
        assert Fraction(value) == expected
        formatted = format_quantity(value, binary=binary)
        assert parse_quantity(formatted) == value
        assert quantity_from_manifest(f" {text}\t") == value

    # Independent statement of the documented grammar (exponents bounded to 32 bits).
    GRAMMAR = re.compile(
        r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)"
        r"(?:Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?([0-9]+)|[numkMGTPE])?"
    )

    @settings(max_examples=600)
    @given(st.text(alphabet="0123456789.+-eEinumkKMGTPBb \t", max_size=12))
    def test_random_text_is_accepted_exactly_by_the_grammar(text: str) -> None:
        match = GRAMMAR.fullmatch(text)
        in_grammar = match is not None and (
            match.group(1) is None or int(match.group(1)) <= 2**31 - 1
        )
        try:
            parse_quantity(text)
        except QuantityError as error:
            assert not in_grammar, f"{text!r} rejected: {error}"
        else:
            assert in_grammar, f"{text!r} accepted"

    @given(st.decimals(allow_nan=False, allow_infinity=False), st.booleans())
    def test_any_finite_decimal_round_trips(value: Decimal, binary: bool) -> None:
        formatted = format_quantity(value, binary=binary)
        assert parse_quantity(formatted) == value

    @given(st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False)))
    def test_manifest_numbers_match_their_text(number: int | float) -> None:
        assert quantity_from_manifest(number) == parse_quantity(repr(number).replace("+", ""))
