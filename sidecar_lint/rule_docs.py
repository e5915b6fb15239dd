"""Render rule documentation from the catalogue: one source for every surface.

``--list-rules``, ``--explain``, the README rule table and (later) SARIF rule
help all come from here, so the docs cannot drift from the rules.
"""

from __future__ import annotations

from collections.abc import Sequence

from sidecar_lint.rule_catalogue import RuleMeta

README_START = "<!-- rules:start -->"
README_END = "<!-- rules:end -->"


def rules_listing(rules: Sequence[RuleMeta]) -> str:
    """A plain table for the terminal."""
    width = max((len(r.name) for r in rules), default=4)
    lines = [f"{'code':<6}  {'name':<{width}}  {'severity':<8}  title"]
    lines += [f"{r.code:<6}  {r.name:<{width}}  {r.severity.value:<8}  {r.title}" for r in rules]
    return "\n".join(lines) + "\n"


def explain(rule: RuleMeta) -> str:
    """Everything about one rule, in the order a reader needs it."""
    out = [
        f"{rule.code} {rule.name} ({rule.severity.value})",
        "",
        rule.title,
        "",
        "Why this matters",
        _indent(rule.rationale),
        "",
        "How to fix it",
        _indent(rule.remediation),
    ]
    out += ["", "Automatic fix", _indent(fix_summary(rule))]
    if rule.params:
        out += ["", "Parameters"]
        out += [f"  {k} (default {p.default!r}): {p.description}" for k, p in rule.params.items()]
    for label, examples in (("Bad", rule.examples.bad), ("Good", rule.examples.good)):
        for ex in examples:
            version = f" (Kubernetes {ex.kubernetes_version})" if ex.kubernetes_version else ""
            out += ["", f"{label}: {ex.title}{version}", _indent(ex.manifest)]
    if rule.references:
        out += ["", "References"] + [f"  {r}" for r in rule.references]
    return "\n".join(out).rstrip() + "\n"


def explain_markdown(rule: RuleMeta, all_examples: bool = False) -> str:
    """The same content as Markdown (README anchors, SARIF ``help.markdown``)."""
    out = [
        f"### {rule.code} `{rule.name}`",
        "",
        f"**{rule.title}** — default severity: {rule.severity.value}",
        "",
        rule.rationale.strip(),
        "",
        "**Fix:** " + rule.remediation.strip(),
        "",
        "**Automatic fix:** " + fix_summary(rule),
    ]
    for label, examples in (("Bad", rule.examples.bad), ("Good", rule.examples.good)):
        for ex in examples if all_examples else examples[:1]:
            version = f" (Kubernetes {ex.kubernetes_version})" if ex.kubernetes_version else ""
            out += [
                "",
                f"{label} — {ex.title}{version}:",
                "",
                "```yaml",
                ex.manifest.rstrip(),
                "```",
            ]
    return "\n".join(out) + "\n"


def fix_summary(rule: RuleMeta) -> str:
    """Whether ``--fix`` can fix the rule's findings, how, and how safely (from its rule file)."""
    if not rule.fixes:
        return "none; the findings are fixed by hand."
    parts = [
        f"{fix.description.strip()} ({fix.applicability}: "
        + ("applied by --fix" if fix.applicability == "safe" else "needs --fix --unsafe-fixes")
        + ")"
        for fix in rule.fixes.values()
    ]
    return " ".join(parts)


def readme_table(rules: Sequence[RuleMeta]) -> str:
    """The README's rule table (between the ``rules:start``/``rules:end`` markers)."""
    rows = ["| code | name | severity | fix | what it catches |", "|---|---|---|---|---|"]
    rows += [
        f"| [{r.code}](docs/rules.md#{r.code.lower()}-{r.name}) | `{r.name}` | "
        f"{r.severity.value} | {_fix_column(r)} | {r.title} |"
        for r in rules
    ]
    return "\n".join(rows)


def _fix_column(rule: RuleMeta) -> str:
    """``safe``, ``unsafe`` or both: what ``--fix`` can do for the rule (blank: nothing)."""
    kinds = dict.fromkeys(f.applicability for f in rule.fixes.values())
    return ", ".join(sorted(kinds, key=("safe", "unsafe").index))


def rules_reference(rules: Sequence[RuleMeta]) -> str:
    """docs/rules.md: every rule's full documentation, one section each."""
    head = [
        "# Rules",
        "",
        "Generated from the files in `rules/` by `python scripts/update_readme.py`; "
        "`sidecar-lint --explain CODE` prints the same text.",
        "",
    ]
    body = []
    for rule in rules:
        text = explain_markdown(rule, all_examples=True)
        if rule.params:
            text += "\n**Parameters** (set under `rules.<code>.params` in the configuration):\n\n"
            text += "\n".join(
                f"- `{k}` (default `{p.default!r}`): {p.description.strip()}"
                for k, p in rule.params.items()
            )
            text += "\n"
        body.append(text)
    return "\n".join(head) + "\n".join(body)


def update_readme(text: str, rules: Sequence[RuleMeta]) -> str:
    """Replace the table between the markers; raise if they are missing."""
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        raise ValueError("README has no rules:start/rules:end markers")
    return text[: start + len(README_START)] + "\n" + readme_table(rules) + "\n" + text[end:]


def _indent(text: str) -> str:
    return "\n".join(("    " + line) if line.strip() else "" for line in text.rstrip().splitlines())
