"""`archcalc exercise`: generated networks are valid, deterministic, and their keys grade 100%."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archcalc.analysis import analyze_network
from archcalc.cli import main
from archcalc.paper import parse_paper
from archcalc.teaching.answers import read_text
from archcalc.teaching.exercise import DIFFICULTIES, MAX_FC_WEIGHTS, blank_csv, generate, key_analysis, key_csv
from archcalc.teaching.grade import grade_sheet

DATA = Path(__file__).parent / "data" / "teaching"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


seeds = st.integers(0, 10**9)


def table(text: str) -> str:
    """A CSV the exercise commands wrote, without its `# spec: NAME` line."""
    first, rest = text.split("\n", 1)
    assert first.startswith("# spec: exercise-") or first == "# spec: small"
    return rest
levels = st.sampled_from(DIFFICULTIES)


@settings(max_examples=40, deadline=None)
@given(seeds, levels)
def test_generated_networks_are_valid_and_hand_sized(seed: int, difficulty: str) -> None:
    ex = generate(seed, difficulty)
    net = parse_paper(ex.spec)[0]  # the spec parses as written
    a = analyze_network(net)
    for r in a.rows:
        if len(r.output_shape) == 3:
            assert min(r.output_shape[:2]) >= 1
        # Numbers a student multiplies by hand.
        assert r.weights <= (10**6 if difficulty == "easy" else MAX_FC_WEIGHTS)
    assert a.rows[-1].kind == "dense"


@settings(max_examples=25, deadline=None)
@given(seeds, levels)
def test_answer_key_grades_full_marks(seed: int, difficulty: str) -> None:
    ex = generate(seed, difficulty)
    r = grade_sheet(read_text(key_csv(key_analysis(ex.network)), "csv"), ex.network)
    assert r.all_right and r.score == r.max_score == 3 * (len(ex.network.nodes)) + 2


@settings(max_examples=40, deadline=None)
@given(seeds, levels, st.data())
def test_any_single_perturbed_cell_is_caught(seed: int, difficulty: str, data: st.DataObject) -> None:
    ex = generate(seed, difficulty)
    rows = list(csv.reader(io.StringIO(table(key_csv(key_analysis(ex.network), working=False)))))
    r_i = data.draw(st.integers(1, len(rows) - 1), label="row")
    is_total = rows[r_i][0] == "TOTAL"
    c_i = data.draw(st.sampled_from([2, 3] if is_total else [1, 2, 3]), label="column")
    delta = data.draw(st.integers(1, 50) | st.integers(-50, -1), label="delta")
    cell = rows[r_i][c_i]
    if c_i == 1:
        dims = [int(d) for d in cell.split("x")]
        k = data.draw(st.integers(0, len(dims) - 1), label="dim")
        dims[k] = dims[k] + delta if dims[k] + delta >= 1 else dims[k] + abs(delta)  # a size stays >= 1
        rows[r_i][c_i] = "x".join(map(str, dims))
    else:
        value = int(cell) + delta
        rows[r_i][c_i] = str(value if value >= 0 else int(cell) + abs(delta))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    r = grade_sheet(read_text(buf.getvalue(), "csv"), ex.network)
    wrong = r.wrong
    assert len(wrong) == 1, [(i.row, i.field, i.answer) for i in wrong]
    field = {1: "shape", 2: "memory", 3: "params"}[c_i]
    assert wrong[0].field == (f"total_{field}" if is_total else field)
    assert wrong[0].answer == rows[r_i][c_i]
    if not is_total and c_i > 1:  # a changed row no longer adds up to the (right) total
        assert r.slips and r.slips[0].field == f"total_{field}"


def test_same_seed_same_exercise_in_a_fresh_interpreter() -> None:
    """String seeds hash with SHA-512, not Python's salted hash(): another process agrees."""
    code = "from archcalc.teaching.exercise import generate; print(generate(42, 'hard').spec, end='')"
    env_runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                               env={"PYTHONHASHSEED": str(s), "PATH": ""}).stdout for s in (1, 2)]
    assert env_runs[0] == env_runs[1] == generate(42, "hard").spec
    assert generate(42, "hard").spec != generate(43, "hard").spec


def test_difficulties_differ_in_what_they_use() -> None:
    specs = {d: "".join(generate(s, d).spec for s in range(30)) for d in DIFFICULTIES}
    assert "stride=2" not in specs["easy"] and "padding=valid" not in specs["easy"]
    assert "stride=2" in specs["medium"] and "conv1-" in specs["medium"] + specs["hard"]
    assert "dilation=2" in specs["hard"] and "batchnorm" in specs["hard"] and "global-avgpool" in specs["hard"]


def test_blank_table_has_every_layer_and_a_total() -> None:
    ex = generate(5, "medium")
    text = blank_csv(key_analysis(ex.network))
    assert text.startswith(f"# spec: {ex.name}\n")
    rows = list(csv.reader(io.StringIO(table(text))))
    assert rows[0] == ["layer", "output shape", "memory", "params"]
    assert len(rows) == 1 + len(ex.network.nodes) + 1 and rows[-1][0] == "TOTAL"
    assert all(c == "" for r in rows[1:] for c in r[1:])


def test_exercise_new_writes_files_and_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ex"
    code, stdout, _ = run(["exercise", "new", "--seed", "7", "--difficulty", "medium", "--out", str(out)], capsys)
    assert code == 0 and sorted(p.name for p in out.iterdir()) == ["answers.csv", "key.csv", "key.md", "spec.txt"]
    assert (out / "spec.txt").read_text() == generate(7, "medium").spec
    # The key grades 100% from the command line; the blank table grades 0 and exits 1.
    code, stdout, _ = run(["check", str(out / "key.csv"), "--spec", str(out / "spec.txt")], capsys)
    assert code == 0 and "(100%)" in stdout
    code, stdout, _ = run(["check", str(out / "answers.csv"), "--spec", str(out / "spec.txt")], capsys)
    assert code == 1 and "(0%)" in stdout
    (out / "notes.txt").write_text("mine")
    code, _, err = run(["exercise", "new", "--seed", "8", "--out", str(out)], capsys)
    assert code == 2 and "not empty" in err and (out / "spec.txt").read_text() == generate(7, "medium").spec
    code, _, _ = run(["exercise", "new", "--seed", "8", "--out", str(out), "--force"], capsys)
    assert code == 0 and (out / "notes.txt").read_text() == "mine"
    assert (out / "spec.txt").read_text() == generate(8, "easy").spec


def test_exercise_new_for_a_class(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(["exercise", "new", "--seed", "100", "--count", "3", "--out", str(tmp_path / "class")], capsys)
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "class").iterdir()) == ["exercise-100", "exercise-101", "exercise-102"]


def test_exercise_new_prints_spec_and_blank_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["exercise", "new", "--seed", "3"], capsys)
    assert code == 0 and out.startswith(generate(3, "easy").spec) and "| layer | output shape |" in out
    code, _, _ = run(["exercise", "new", "--difficulty", "insane"], capsys)
    assert code == 2


def test_solve_formats(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["exercise", "solve", str(DATA / "small_spec.txt"), "--format", "json"], capsys)
    obj = json.loads(out)
    assert code == 0 and obj["totals"] == {"memory": 28810, "memory_without_input": 25738, "params": 32762}
    assert obj["rows"][3]["output_shape"] == [14, 14, 16]
    assert "H = W: ⌊(30 − 3)/2⌋ + 1 = 14" in obj["rows"][3]["working"]
    code, out, _ = run(["exercise", "solve", str(DATA / "small_spec.txt"), "--format", "markdown"], capsys)
    assert "| 4 | `FC-10 activation=softmax` | 10 | 10 | 31,370 |" in out and "params = (3,136 + 1)·10 = 31,370" in out
    code, out, _ = run(["exercise", "solve", "vgg16", "--format", "csv", "--no-bias"], capsys)
    rows = list(csv.DictReader(io.StringIO(out.split("\n", 1)[1])))
    assert rows[1]["params"] == "1728" and rows[-1]["params"] == "138344128"
    code, out, _ = run(["exercise", "solve", str(DATA / "small_spec.txt")], capsys)
    assert code == 0 and "31,370" in out and "working" in out


def test_exercise_new_formats(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(["exercise", "new", "--seed", "4", "--format", "csv"], capsys)
    assert code == 0 and out == blank_csv(key_analysis(generate(4, "easy").network))
    code, out, _ = run(["exercise", "new", "--seed", "4", "--format", "json"], capsys)
    obj = json.loads(out)
    assert obj["spec"] == generate(4, "easy").spec and obj["blank"][0]["layer"].startswith("input ")
    code, out, _ = run(["exercise", "new", "--seed", "4", "--format", "json", "--out", str(tmp_path / "e")], capsys)
    assert sorted(Path(p).name for p in json.loads(out)) == ["answers.csv", "key.csv", "key.md", "spec.txt"]


def test_unwritable_places_are_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run(["exercise", "new", "--out", str(blocker / "sub")], capsys)
    assert code == 2 and "cannot create the folder" in err
    code, _, err = run(["check", str(DATA / "small_right.csv"), "--spec", str(DATA / "small_spec.txt"),
                        "--scores", str(tmp_path / "nowhere" / "s.csv")], capsys)
    assert code == 2 and "does not exist" in err
    code, _, err = run(["check", str(DATA), "--spec", str(DATA / "small_spec.txt"), "--format", "gradescope"], capsys)
    assert code == 2 and "grades one submission" in err


def test_check_against_a_folder_of_exercises(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each student has an exercise of their own; each sheet names it in its `# spec:` line."""
    run(["exercise", "new", "--seed", "20", "--count", "2", "--difficulty", "medium", "--out", str(tmp_path / "c")],
        capsys)
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "ann.csv").write_text((tmp_path / "c" / "exercise-20" / "key.csv").read_text())
    (subs / "ben.csv").write_text((tmp_path / "c" / "exercise-21" / "key.csv").read_text())
    (subs / "cat.csv").write_text((tmp_path / "c" / "exercise-21" / "answers.csv").read_text())
    code, out, _ = run(["check", str(subs), "--spec", str(tmp_path / "c")], capsys)
    lines = out.splitlines()
    assert code == 1 and lines[0].startswith("✓ ann") and lines[1].startswith("✓ ben") and "0.0%" in lines[2]
    # A sheet that names no exercise, or one that does not exist: that sheet's error, the others graded.
    (subs / "dan.csv").write_text(table((tmp_path / "c" / "exercise-20" / "key.csv").read_text()))
    (subs / "eve.csv").write_text("# spec: exercise-medium-22\n" + table(
        (tmp_path / "c" / "exercise-21" / "key.csv").read_text()))
    code, out, err = run(["check", str(subs), "--spec", str(tmp_path / "c")], capsys)
    assert code == 2 and "does not say which exercise" in err and "did you mean `exercise-medium-2" in err
    # Two specs defining the same network are refused.
    (tmp_path / "c" / "copy.txt").write_text((tmp_path / "c" / "exercise-20" / "spec.txt").read_text())
    code, _, err = run(["check", str(subs / "ann.csv"), "--spec", str(tmp_path / "c")], capsys)
    assert code == 2 and "define `exercise-medium-20`" in err


def test_without_a_seed_each_exercise_is_fresh_and_says_its_seed(capsys) -> None:
    """A teacher who forgot --seed gets a new exercise each time, and the seed to make it again."""
    import re

    specs = []
    for _ in range(3):
        code, out, err = run(["exercise", "new", "--format", "json"], capsys)
        seed = int(re.search(r"seed (\d+): `archcalc exercise new --seed \1 --difficulty easy`", err).group(1))
        assert code == 0 and json.loads(out)["seed"] == seed
        code, again, _ = run(["exercise", "new", "--format", "json", "--seed", str(seed)], capsys)
        assert json.loads(again)["spec"] == json.loads(out)["spec"]
        specs.append(json.loads(out)["spec"])
    assert len(set(specs)) > 1  # three draws from 999,999 seeds: equal only by a (1e-12) accident
