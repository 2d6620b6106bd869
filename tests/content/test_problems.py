import json
import re
from pathlib import Path

import pytest

from kb.content.problems import EntryError, Problem, did_you_mean

ROOT = Path("/site")


def test_a_problem_reads_as_file_line_col_code_message() -> None:
    problem = Problem(
        ROOT / "content" / "cors.md", 7, 3, "KB401", "related entry 'x' does not exist"
    )
    assert problem.format() == "/site/content/cors.md:7:3: KB401 related entry 'x' does not exist"


def test_a_problem_is_shown_relative_to_a_folder_it_is_in() -> None:
    problem = Problem(ROOT / "content" / "cors.md", 1, 1, "KB102", "missing front matter")
    assert problem.format(ROOT) == "content/cors.md:1:1: KB102 missing front matter"
    # Outside the folder, the path is shown as it is rather than climbing out with "..".
    assert (
        problem.format(Path("/elsewhere"))
        == "/site/content/cors.md:1:1: KB102 missing front matter"
    )


def test_problems_sort_by_file_then_position() -> None:
    a_late = Problem(ROOT / "a.md", 9, 1, "KB101", "x")
    a_early = Problem(ROOT / "a.md", 2, 5, "KB601", "x")
    a_early_left = Problem(ROOT / "a.md", 2, 1, "KB601", "x")
    b_first = Problem(ROOT / "b.md", 1, 1, "KB100", "x")
    assert sorted([b_first, a_late, a_early, a_early_left]) == [
        a_early_left,
        a_early,
        a_late,
        b_first,
    ]


def test_a_problem_as_json() -> None:
    problem = Problem(ROOT / "a.md", 2, 1, "KB103", "invalid YAML")
    assert json.loads(json.dumps(problem.to_dict())) == {
        "path": "/site/a.md",
        "line": 2,
        "col": 1,
        "code": "KB103",
        "message": "invalid YAML",
    }


def test_an_entry_error_carries_its_problem_and_says_it() -> None:
    problem = Problem(ROOT / "a.md", 1, 1, "KB102", "missing front matter")
    with pytest.raises(
        EntryError, match=f"^{re.escape('/site/a.md:1:1: KB102 missing front matter')}$"
    ) as info:
        raise EntryError(problem)
    assert info.value.problem is problem


@pytest.mark.parametrize(
    ("word", "choices", "hint"),
    [
        ("Best Practice", ["Core Patterns", "Best Practices"], " (did you mean 'Best Practices'?)"),
        ("paginaton", ["pagination", "cors"], " (did you mean 'pagination'?)"),
        ("zzz", ["pagination", "cors"], ""),  # nothing close: no guess
        ("cors", [], ""),
    ],
)
def test_did_you_mean_names_the_closest_choice_only_when_close(
    word: str, choices: list[str], hint: str
) -> None:
    assert did_you_mean(word, choices) == hint


@pytest.mark.parametrize(
    ("message", "plain"),
    [
        (
            "The front matter has no `updated` date.",
            "The front matter has no `updated` date. (KB104)",
        ),
        ("try block 2: no request line", "Try block 2: no request line. (KB104)"),
        ("Is this a question?", "Is this a question? (KB104)"),
    ],
)
def test_plain_puts_the_code_after_a_sentence(message: str, plain: str) -> None:
    assert Problem(ROOT / "a.md", 3, 1, "KB104", message).plain() == plain
