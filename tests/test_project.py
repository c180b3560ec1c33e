"""The project's own records agree with each other: the version, the changelog, the decisions, and
the benchmarks that ``make bench`` runs."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import seccoop

ROOT = Path(__file__).resolve().parents[1]


def test_the_version_has_one_source_and_every_reader_agrees() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "version" in declared, "the version is written in pyproject.toml, not derived"
    assert version("seccoop") == declared["version"], (
        "the installed package is older than pyproject.toml: reinstall it (make install)"
    )
    assert seccoop.__version__ == declared["version"]


def test_the_changelog_follows_keep_a_changelog_and_names_the_current_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", text, re.MULTILINE)
    assert headings[0] == ("Unreleased", "")
    released = headings[1:]
    assert released, "at least one released version"
    assert all(day for _name, day in released), "every release has its date"
    assert released[0][0] == seccoop.__version__, "the latest release is the package's version"
    assert released[-1][0] == "0.1.0"
    allowed = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
    assert set(re.findall(r"^### (.+)$", text, re.MULTILINE)) <= allowed


def test_every_decision_has_a_status_and_the_index_lists_it() -> None:
    folder = ROOT / "docs" / "decisions"
    index = (folder / "README.md").read_text(encoding="utf-8")
    decisions = sorted(folder.glob("[0-9][0-9][0-9][0-9]-*.md"))
    numbers = [int(path.name[:4]) for path in decisions]
    assert numbers == list(range(1, len(numbers) + 1)), "numbered in order, none missing"
    for path in decisions:
        status = re.search(r"^Status: (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
        assert status, f"{path.name} has no status line"
        assert re.match(
            r"(Accepted|Superseded by \[\d{4}\]|Accepted; amended by \[\d{4}\]"
            r"|Accepted; superseded in part by \[\d{4}\])",
            status.group(1),
        ), f"{path.name}: {status.group(1)}"
        assert f"]({path.name})" in index, f"the index does not list {path.name}"
        for other in re.findall(r"\[(\d{4})\]", status.group(1)):
            assert int(other) in numbers, f"{path.name} names a decision {other} that is not here"


def test_make_bench_runs_every_benchmark_and_each_says_what_it_measures() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    target = makefile[makefile.index("\nbench:") :].split("\n\n")[0]
    listed = set(re.findall(r"bench/(bench_\w+\.py)", target))
    present = {path.name for path in (ROOT / "bench").glob("bench_*.py")}
    assert listed == present
    for name in sorted(present):
        head = (ROOT / "bench" / name).read_text(encoding="utf-8").split('"""')[1]
        for word in ("Figure", "Reference", "Goal"):
            assert re.search(rf"^{word}s?\b", head, re.MULTILINE), f"{name} names no {word.lower()}"
