"""docs/validation.md lists every packaged validation case and its results (the generated
sections are rewritten by docs/make_validation_page.py)."""

import re
from pathlib import Path

import pytest

from thermofatigue.validation import case_names

PAGE = Path(__file__).resolve().parents[1] / "docs" / "validation.md"


def _section(text, tag):
    match = re.search(rf"<!-- {tag}:begin -->\n(.*?)<!-- {tag}:end -->", text, re.S)
    assert match, f"markers of the {tag} section missing"
    return match.group(1)


@pytest.fixture(scope="module")
def page():
    if not PAGE.is_file():
        pytest.skip("docs/ not present (installed package)")
    return PAGE.read_text(encoding="utf-8")


def test_every_case_is_listed_and_has_results(page):
    listed = set(re.findall(r"^\| `([a-z0-9_]+)` \|", _section(page, "cases"), re.M))
    reported = set(re.findall(r"^\| ([a-z0-9_]+) \|", _section(page, "results"), re.M)) - {"case"}
    missing = set(case_names()) - (listed & reported)
    assert not missing, f"run python docs/make_validation_page.py: {sorted(missing)} missing"
    assert listed <= set(case_names()) and reported <= set(case_names())  # no stale cases


def test_the_page_reports_no_failure_and_names_what_is_not_validated(page):
    results = _section(page, "results")
    assert "| FAIL |" not in results and "FAILED" not in results
    assert "What is NOT validated yet" in page
    for missing in ("CalculiX", "Published board-level studies", "Convergence of the answer"):
        assert missing in page
