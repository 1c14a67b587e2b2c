"""axe-core (the npm package pinned in tools/a11y/, installed by `npm ci`) run inside the page under test."""

from pathlib import Path

AXE = (
    Path(__file__).resolve().parent.parent.parent
    / "tools"
    / "a11y"
    / "node_modules"
    / "axe-core"
    / "axe.min.js"
)
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_source() -> str:
    if not AXE.exists():
        raise AssertionError("axe-core is missing: cd tools/a11y && npm ci (make test does it)")
    return AXE.read_text()


def serious_violations(page) -> list[str]:
    """Serious and critical WCAG 2.1 A/AA violations (labels, contrast, names, landmarks) on the page as it is.
    The page's context must bypass CSP (tests only): the site's policy rightly forbids an injected script."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    found = []
    for violation in result["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return found
