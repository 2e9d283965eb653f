"""Fair grading (issue 17, "Teaching"): the maximum is the exercise's, not the sheet's; one remark for a
sheet that leaves out every bias; two slips at once named; an exercise's own files are not answers.

The exercise is a real one (`exercise new --seed 7`, easy): 8 rows (the input and 7 layers, the soft-max
folded into FC-5) × 3 columns + 2 totals = 26 points, counted below from the blank `exercise new` writes.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from archcalc.cli import main
from archcalc.paper import parse_paper
from archcalc.teaching.answers import read_sheet, read_text
from archcalc.teaching.exercise import generate, write_exercises
from archcalc.teaching.grade import grade_sheet

DATA = Path(__file__).parent / "data" / "teaching"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def _key_as_answer(folder: Path, drop: tuple[str, ...] = ()) -> Path:
    """The exercise's key (without its working column) as a student's sheet, minus the rows named."""
    lines = (folder / "key.csv").read_text().splitlines()
    rows = list(csv.reader(io.StringIO("\n".join(lines[1:]))))
    out = io.StringIO()
    out.write(lines[0] + "\n")
    w = csv.writer(out, lineterminator="\n")
    for r in rows:
        if not r[0].startswith(drop) or not drop:
            w.writerow(r[:4])
    p = folder / f"answer-{len(drop)}.csv"
    p.write_text(out.getvalue())
    return p


def test_the_maximum_comes_from_the_exercise(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Before: the key scored 26/26, without its TOTAL row 24/24, without the input row too 21/21 (100%
    each time). Now the maximum stays 26 and what is left out costs its points and is listed."""
    write_exercises(tmp_path, [7], "easy")
    rows = len((tmp_path / "answers.csv").read_text().splitlines()) - 3  # less the spec line, header, TOTAL
    assert rows == len(generate(7, "easy").network.nodes) == 8
    spec = str(tmp_path / "spec.txt")
    full, no_total, no_input = (_key_as_answer(tmp_path, d) for d in ((), ("TOTAL",), ("TOTAL", "input")))
    scores = []
    for p in (full, no_total, no_input):
        obj = json.loads(run(["check", str(p), "--spec", spec, "--format", "json"], capsys)[1])
        scores.append((obj["score"], obj["max_score"], obj["missing_rows"]))
    totals = [{"row": None, "layer": "TOTAL memory"}, {"row": None, "layer": "TOTAL params"}]
    assert scores == [(26, 26, []), (24, 26, totals), (21, 26, [{"row": 0, "layer": "input 64x64x1"}, *totals])]
    assert rows * 3 + 2 == 26

    code, out, _ = run(["check", str(no_input), "--spec", spec], capsys)
    assert code == 1 and "Missing: row 0 `input 64x64x1`, TOTAL memory, TOTAL params" in out
    assert "TOTAL params: ✗ (not written)" in out and "Score: 21/26 (81%) — 5 wrong" in out
    obj = json.loads(run(["check", str(no_input), "--spec", spec, "--format", "gradescope"], capsys)[1])
    assert (obj["score"], obj["max_score"]) == (21, 26)
    assert "Missing: row 0 `input 64x64x1`, TOTAL memory, TOTAL params." in obj["output"]
    totals_test = next(t for t in obj["tests"] if t["name"] == "Totals")
    assert totals_test["max_score"] == 2 and totals_test["tags"] == ["missing-total"]
    assert "✗ TOTAL params: expected 80,293. No TOTAL params written" in totals_test["output"]


def test_a_left_out_column_costs_its_points() -> None:
    """A sheet without the memory column: its cells are blank, the maximum is still every column's."""
    net = parse_paper((DATA / "small_spec.txt").read_text())[0]
    text = ("layer,shape,params\ninput,32x32x3,0\nconv3-8,32x32x8,224\nconv3-16,30x30x16,1168\n"
            "maxpool3,14x14x16,0\nFC-10,10,31370\nTOTAL,,32762\n")
    r = grade_sheet(read_text(text, "csv"), net)
    assert (r.score, r.max_score) == (11, 17)
    assert {i.diagnosis for i in r.wrong} == {"blank", "missing-total"}
    asked = grade_sheet(read_text(text, "csv"), net, columns=("shape", "params"))  # what a teacher asked for
    assert asked.all_right and (asked.score, asked.max_score) == (11, 11)


def test_memory_total_written_twice_scores_once() -> None:
    """`TOTAL memory: 24M * 4 bytes ~= 93MB` gives the total in values and in bytes: one total asked, so
    the bytes are checked (and reported) but not scored; in bytes only, they are the total."""
    net = parse_paper((DATA / "small_spec.txt").read_text())[0]
    rows = ("INPUT: [32x32x3] memory: 3072 params: 0\nCONV3-8: [32x32x8] memory: 8192 params: 224\n"
            "CONV3-16: [30x30x16] memory: 14400 params: 1168\nPOOL3: [14x14x16] memory: 3136 params: 0\n"
            "FC-10: [10] memory: 10 params: 31370\nTOTAL params: 32762\n")
    both = grade_sheet(read_text(rows + "TOTAL memory: 28810 * 4 bytes ~= 1MB\n"), net)
    assert [(i.field, i.right, i.max_points) for i in both.items if i.row is None] == [
        ("total_memory", True, 1), ("total_params", True, 1), ("total_memory_bytes", False, 0)]
    assert (both.score, both.max_score) == (17, 17) and not both.all_right
    only_bytes = grade_sheet(read_text(rows + "TOTAL memory: 115,240 bytes\n"), net)
    assert only_bytes.all_right and (only_bytes.score, only_bytes.max_score) == (17, 17)
    assert not only_bytes.missing


ADVICE = ("All 16 weighted layers count their weights only, without the biases: the sheet uses the weights-only "
          "convention (as the CS231n notes do). `archcalc check --no-bias` grades it that way.")


def test_a_sheet_without_any_bias_is_told_once(capsys: pytest.CaptureFixture[str]) -> None:
    """The CS231n VGG16 table graded with biases counted: one remark pointing at --no-bias, instead of
    sixteen identical "you counted the weights only" hints."""
    path = str(DATA / "cs231n_vgg16.txt")
    code, out, _ = run(["check", path, "--spec", "vgg16"], capsys)
    flat = " ".join(out.split())
    assert code == 1 and f"[1]–[16]: {ADVICE}" in flat
    assert "You counted the weights only" not in out and "Score: 51/68 (75%) — 18 wrong" in out
    assert "TOTAL memory (bytes): ✗ 93MB / image (only forward! ~*2 for bwd) [18] (checked, not scored: the memory " \
        "total counts once)" in flat
    obj = json.loads(run(["check", path, "--spec", "vgg16", "--format", "json"], capsys)[1])
    assert obj["advice"] == [ADVICE] and sum(i["diagnosis"] == "forgot-bias" for i in obj["items"]) == 16
    assert ADVICE in json.loads(run(["check", path, "--spec", "vgg16", "--format", "gradescope"], capsys)[1])["output"]
    code, out, _ = run(["check", path, "--spec", "vgg16", "--no-bias"], capsys)
    assert "weights only, without the biases" not in out
    # One forgotten bias among right ones is a slip of that layer, told there.
    code, out, _ = run(["check", str(DATA / "small_slips.md"), "--spec", str(DATA / "small_spec.txt")], capsys)
    assert "You counted the weights only" in out and "weights-only convention" not in out


def test_carried_shape_and_forgotten_bias_named_together() -> None:
    """conv3-16 written 32 channels deep; the conv5-10 after it then has 5·5·32·10 = 8,000 weights for the
    student (and 10 biases), against (5·5·16 + 1)·10 = 4,010."""
    net = parse_paper("input 16x16x3\nconv3-16\nconv5-10")[0]
    sheet = read_text("INPUT: [16x16x3]\nCONV3-16: [16x16x32] params: 448\nCONV5-10: [16x16x10] params: 5*5*32*10")
    item = next(i for i in grade_sheet(sheet, net).items if i.row == 2 and i.field == "params")
    assert item.diagnosis == "carried-forgot-bias"
    assert item.hint == ("two slips: 8,000 are the weights for the input shape you wrote before (the error is "
                         "there), and the 10 biases are left out; params = (5·5·16 + 1)·10 = 4,010")
    with_bias = read_text("INPUT: [16x16x3]\nCONV3-16: [16x16x32] params: 448\nCONV5-10: [16x16x10] params: 8010")
    assert next(i for i in grade_sheet(with_bias, net).items if i.row == 2 and i.field == "params").diagnosis \
        == "carried"


def test_check_an_exercise_folder_skips_its_spec_and_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ex = tmp_path / "ex7"
    write_exercises(ex, [7], "easy")
    code, out, err = run(["check", str(ex), "--spec", str(ex / "spec.txt")], capsys)
    assert err == (f"skipped {ex}/key.csv, {ex}/key.md, {ex}/spec.txt: the exercise's own spec and answer key, "
                   "not answers\n")
    assert code == 1 and "Score: 0/26 (0%) — 26 wrong" in out  # the blank answers.csv, not yet filled in
    (ex / "answers.csv").unlink()
    code, _, err = run(["check", str(ex), "--spec", str(ex / "spec.txt")], capsys)
    assert code == 2 and f"error: `{ex}` holds no answer files (only the exercise's spec and key)" in err
    # A folder of submissions where a student named a file spec.txt: no key beside it, so it is graded.
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "spec.txt").write_text(read_sheet(DATA / "cs231n_vgg16.txt").path and
                                   (DATA / "cs231n_vgg16.txt").read_text())
    code, out, err = run(["check", str(subs), "--spec", "vgg16", "--no-bias"], capsys)
    assert "skipped" not in err and "Score: 67/68" in out
