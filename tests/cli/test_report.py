import io
import logging
import sys
from pathlib import Path

from kb.cli.report import Reporter, captured, captured_text, summary_line, try_blocks_run
from kb.content.catalogue import Catalogue
from kb.content.problems import Problem


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_captured_takes_stdout_stderr_and_log_records_in_order() -> None:
    log = logging.getLogger("kb_examples.s1.demo")
    root = logging.getLogger()
    handlers = root.handlers[:]
    with captured() as buffer:
        print("one")
        log.error("two")
        print("three", file=sys.stderr)
        log.debug("not shown: below the root's level")
    assert buffer.getvalue() == "one\nERROR kb_examples.s1.demo: two\nthree\n"
    assert root.handlers == handlers  # put back


def test_the_progress_line_is_rewritten_in_place_on_a_terminal(
    site_catalogue: Catalogue,
) -> None:
    terminal = Terminal()
    reporter = Reporter(terminal)
    entries = list(site_catalogue.entries.values())
    reporter.loading(1, 2)
    reporter.selected(entries)
    with reporter.checking(entries[0], 1):
        print("from the example")
    reporter.checked(entries[0], [])
    reporter.done()
    written = terminal.getvalue()
    assert written.startswith("\r\x1b[Kreading entries 1/2  0.0 s\r\x1b[K[1/2] ")
    assert written.endswith("\r\x1b[K")  # cleared at the end
    assert reporter.entries[0].output == "from the example\n"
    assert "from the example" not in written

    elsewhere = io.StringIO()
    quiet = Reporter(elsewhere)
    quiet.loading(1, 2)
    quiet.done()
    assert elsewhere.getvalue() == ""


def test_only_entries_with_problems_show_their_output(site_catalogue: Catalogue) -> None:
    reporter = Reporter(io.StringIO())
    greeting, farewell = site_catalogue.entries["greeting"], site_catalogue.entries["farewell"]
    problem = Problem(greeting.source.path, 30, 1, "KB601", "differs")
    for entry, problems in ((greeting, [problem]), (farewell, [])):
        with reporter.checking(entry, 1):
            print(f"output of {entry.slug}")
        reporter.checked(entry, problems)
    assert reporter.failing_output() == {greeting.source.path: "output of greeting\n"}
    summary = reporter.summary([problem])
    assert (summary["entries"], summary["try_blocks"], summary["problems"]) == (2, 7, 1)
    assert "output captured while checking" in captured_text(reporter.failing_output())


def test_try_blocks_of_an_example_that_did_not_start_did_not_run(
    site_catalogue: Catalogue,
) -> None:
    greeting = site_catalogue.entries["greeting"]
    assert try_blocks_run(greeting, []) == 7
    failed = Problem(Path("x.md"), 1, 1, "KB501", "does not import")
    assert try_blocks_run(greeting, [failed]) == 0
    assert try_blocks_run(site_catalogue.entries["farewell"], []) == 0


def test_the_summary_counts_and_times() -> None:
    passing = {
        "entries": 1,
        "try_blocks": 1,
        "problems": 0,
        "entries_with_problems": 0,
        "seconds": 2.04,
    }
    assert summary_line(passing) == "kb check: all 1 entry pass (1 try block run) in 2.0 s"
    failing = {
        "entries": 51,
        "try_blocks": 322,
        "problems": 3,
        "entries_with_problems": 2,
        "seconds": 9.96,
    }
    assert summary_line(failing) == (
        "kb check: 3 problems in 2 of 51 entries (322 try blocks run) in 10.0 s"
    )
