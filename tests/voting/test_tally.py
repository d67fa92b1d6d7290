"""The command-line tally: ``python -m yishi.voting.tally FILE --rule RULE``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from yishi.voting import tally

DATA = Path(__file__).resolve().parent.parent / "data" / "pabulib"
EXPECTED = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))
REPO = Path(__file__).resolve().parents[2]




@pytest.mark.parametrize("rule", ["greedy", "mes", "mes-greedy", "mes-add1", "mes-add1-greedy"])
def test_prints_the_selection_one_id_per_line(capsys, rule: str) -> None:
    name = "Netherlands_Assen_2024.pb"
    assert tally.main([str(DATA / name), "--rule", rule]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == EXPECTED[name]["rules"][rule]["selected"]
    assert err == ""


APPROVAL_FILES = sorted(
    name for name, entry in EXPECTED.items()
    if name != "_about" and "vote_type;approval" in (DATA / name).read_text(encoding="utf-8-sig")
    or name.startswith("Poland_Zabrze")
)


@pytest.mark.parametrize("name", APPROVAL_FILES)
@pytest.mark.parametrize("rule", ["greedy", "mes-greedy", "mes-add1-greedy"])
def test_every_copied_file_gives_the_reference_selection(capsys, name: str, rule: str) -> None:
    """The command line's own reader (not the full parser: see test_pabulib) on every approval
    and choose-1 file copied from the shared set gives pabutools' selection."""
    assert tally.main([str(DATA / name), "--rule", rule]) == 0
    assert capsys.readouterr().out.splitlines() == EXPECTED[name]["rules"][rule]["selected"]


@pytest.mark.parametrize("argv", [
    ["F", "--rule", "mes"], ["--rule", "mes", "F"], ["F", "--rule=mes"], ["--rule=mes", "F"],
])
def test_plain_arguments_skip_argparse(argv: list[str]) -> None:
    assert tally._plain_arguments(argv) == ("F", "mes")


@pytest.mark.parametrize("argv", [[], ["F", "G"], ["F", "--rule"], ["F", "--rule", "nope"],
                                  ["-h"], ["F", "--ru", "mes"], ["F", "--rule", "mes", "x"]])
def test_anything_else_goes_to_argparse(argv: list[str]) -> None:
    assert tally._plain_arguments(argv) is None


def test_choose_one_file(capsys) -> None:
    name = "Poland_Zabrze_2021_Biskupice.pb"
    assert tally.main([str(DATA / name), "--rule", "mes-greedy"]) == 0
    assert capsys.readouterr().out.splitlines() == EXPECTED[name]["rules"]["mes-greedy"]["selected"]


@pytest.mark.parametrize(
    ("name", "kind"),
    [("Switzerland_Zurich_S5R.pb", "ordinal"), ("Switzerland_Zurich_D10.pb", "cumulative")],
)
def test_unsupported_vote_type_is_a_clear_error(capsys, name: str, kind: str) -> None:
    assert tally.main([str(DATA / name), "--rule", "mes"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert f"{kind} votes are not supported by rule mes" in err
    assert "Traceback" not in err


def test_bad_file_is_a_clear_error(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.pb"
    bad.write_text(
        "META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\n1;x\nVOTES\nvoter_id;vote\n"
    )
    assert tally.main([str(bad), "--rule", "greedy"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"error: {bad}:6: cost of project '1' is not a number: 'x'"


def test_missing_file(tmp_path: Path, capsys) -> None:
    assert tally.main([str(tmp_path / "nope.pb"), "--rule", "greedy"]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_runs_as_a_module_without_traceback(tmp_path: Path) -> None:
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "yishi.voting.tally",
            str(DATA / "Poland_Warszawa_2017_Nadwisle.pb"),
            "--rule",
            "mes",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert (
        ok.stdout.split()
        == EXPECTED["Poland_Warszawa_2017_Nadwisle.pb"]["rules"]["mes"]["selected"]
    )
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "yishi.voting.tally",
            str(DATA / "Switzerland_Zurich_S5R.pb"),
            "--rule",
            "greedy",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
