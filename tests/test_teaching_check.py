"""`archcalc check`: every diagnosis on a handcrafted answer set, the CS231n table, formats, errors.

The expected numbers of the small spec (tests/data/teaching/small_spec.txt) are derived by hand in
its comments: conv3-8 'same' → 32x32x8, (3·3·3+1)·8 = 224; conv3-16 valid → 30x30x16, 1,168;
maxpool3/2 → ⌊27/2⌋+1 = 14 (ceil: 15); FC-10 on 14·14·16 = 3,136 → 31,370. Memory with the input:
3,072 + 8,192 + 14,400 + 3,136 + 10 = 28,810 values; without it 25,738; parameters 32,762.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from archcalc.cli import main
from archcalc.paper import parse_paper
from archcalc.teaching.answers import read_sheet, read_text
from archcalc.teaching.grade import Result, grade_sheet

DATA = Path(__file__).parent / "data" / "teaching"
SMALL = str(DATA / "small_spec.txt")


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def grade_file(name: str, *, count_bias: bool = True, spec: str = SMALL) -> Result:
    from archcalc.source import load

    return grade_sheet(read_sheet(DATA / name), load(spec)[0], count_bias=count_bias)


def marks(r: Result) -> dict[tuple[object, str], tuple[bool, str | None]]:
    return {(i.row, i.field): (i.right, i.diagnosis) for i in r.items}


# ---------------------------------------------------------------------------------------------
# The CS231n VGG16 table, as published in the notes ("VGGNet in detail"), weights only.

def test_cs231n_table_rows_all_right_with_no_bias() -> None:
    """Every row of the published table is right under the weights-only convention, including its
    rounded memory (3.2M for 3,211,264, 800K for 802,816, 150K for 150,528). Its TOTAL memory
    line is the notes' known erratum (cs231n/cs231n.github.io#88): the rows add up to ~15.2M
    values, not 24M — archcalc reports the wrong total and, apart, the addition slip."""
    r = grade_file("cs231n_vgg16.txt", count_bias=False, spec="vgg16")
    rows = [i for i in r.items if i.row is not None]
    assert len(rows) == 22 * 3 and all(i.right for i in rows)
    assert not r.missing and not r.extra
    totals = {i.field: i for i in r.items if i.row is None}
    assert totals["total_params"].right  # 138M: 138,344,128 weights (138,357,544 with biases)
    assert not totals["total_memory"].right and totals["total_memory"].expected == "15,237,608"
    assert not totals["total_memory_bytes"].right
    (slip,) = [s for s in r.slips if s.field == "total_memory"]
    assert slip.diagnosis == "addition-slip" and "24M" in (slip.hint or "")
    # 22 rows × 3 + the two totals asked; the total in bytes, written beside it, is checked, not scored.
    assert (r.score, r.max_score) == (67, 68) and totals["total_memory_bytes"].max_points == 0


def test_cs231n_table_with_biases_counted_flags_every_weighted_layer() -> None:
    r = grade_file("cs231n_vgg16.txt", spec="vgg16")
    wrong = [i for i in r.items if i.row is not None and not i.right]
    assert len(wrong) == 16 and {i.field for i in wrong} == {"params"}
    assert {i.diagnosis for i in wrong} == {"forgot-bias"}
    first = next(i for i in wrong if i.row == 1)
    assert first.expected == "1,792" and "1,728 + 64 = 1,792" in (first.hint or "")


def test_cs231n_total_in_mib_labelled_mb() -> None:
    """15,237,608 values × 4 B = 60,950,432 B = 58.1 MiB = 61.0 MB: "58MB" is MiB written as MB."""
    text = (DATA / "cs231n_vgg16.txt").read_text().replace("24M * 4 bytes ~= 93MB", "15.2M * 4 bytes ~= 58MB")
    from archcalc.source import load

    r = grade_sheet(read_text(text), load("vgg16")[0], count_bias=False)
    totals = {i.field: i for i in r.items if i.row is None}
    assert totals["total_memory"].right
    assert totals["total_memory_bytes"].diagnosis == "mb-vs-mib"
    assert "is the size in MiB (2^20 bytes), written as MB" in (totals["total_memory_bytes"].hint or "")
    assert not r.slips


def test_kib_written_as_kb_is_named_with_its_own_prefix() -> None:
    """127,016 bytes = 124.04 KiB = 127.0 KB: "124KB" is KiB written as KB (not "MiB")."""
    spec = parse_paper("input 32x32x3\nconv3-16\nmaxpool\nconv3-32\nFC-10 activation=none")[0]
    sheet = read_text("INPUT: [32x32x3]  memory: 3072  weights: 0\n"
                      "CONV3-16: [32x32x16]  memory: 16384  weights: (3*3*3+1)*16 = 448\n"
                      "POOL2: [16x16x16]  memory: 4096  weights: 0\n"
                      "CONV3-32: [16x16x32]  memory: 8192  weights: (3*3*16+1)*32 = 4640\n"
                      "FC: [1x1x10]  memory: 10  weights: (8192+1)*10 = 81930\n"
                      "TOTAL memory: 31,754 * 4 bytes ~= 124KB / image\n")
    r = grade_sheet(sheet, spec)
    item = next(i for i in r.items if i.field == "total_memory_bytes")
    assert item.diagnosis == "mb-vs-mib"
    assert "is the size in KiB (2^10 bytes), written as KB" in (item.hint or "")


# ---------------------------------------------------------------------------------------------
# Each diagnosis, on answer sets made by hand for the small spec.

def test_right_answers_in_csv() -> None:
    r = grade_file("small_right.csv")
    assert r.all_right and (r.score, r.max_score) == (17, 17)


def test_alice_markdown_padding_bias_pooling_carried_consistent_total() -> None:
    m = marks(grade_file("small_slips.md"))
    assert m[(1, "shape")] == (False, "valid-instead-of-same")    # 30x30x8: (32-3)+1 without padding
    assert m[(1, "memory")] == (False, "valid-instead-of-same")   # 30·30·8 = 7,200
    assert m[(1, "params")] == (False, "forgot-bias")             # 216 = 3·3·3·8
    assert m[(2, "shape")] == (False, "carried")                  # 28 = 30 − 3 + 1, from her 30x30
    assert m[(2, "memory")] == (False, "carried")                 # 28·28·16 = 12,544
    assert m[(2, "params")] == (True, None)
    assert m[(3, "shape")] == (True, None)
    assert m[(3, "params")] == (False, "pooling-params")          # 144 = 3·3·16
    assert m[(4, "params")] == (True, None)
    # 216 + 1,168 + 144 + 31,370 = 32,898: her total adds up her rows; the rows are wrong.
    assert m[(None, "total_params")] == (False, "consistent-total")


def test_bob_yaml_channels_bytes_bias_per_input_same_ceil_carried_slip() -> None:
    r = grade_file("small_slips.yaml")
    m = marks(r)
    assert r.student == "Bob"
    assert m[(1, "shape")] == (False, "channels-first")           # [8, 32, 32]
    assert m[(1, "memory")] == (False, "bytes-for-values")        # 8,192 values × 4 bytes
    assert m[(1, "params")] == (False, "bias-per-input-channel")  # (3·3·3 + 3)·8 = 240
    assert m[(2, "shape")] == (False, "same-instead-of-valid")    # 32x32x16
    assert m[(2, "memory")] == (False, "same-instead-of-valid")   # 16,384
    # 15x15x16: ⌊(32 − 3)/2⌋ + 1 = 15 from his 32x32 — and ⌈(30 − 3)/2⌉ + 1 = 15 from the right 30x30.
    # The carried error comes first; the hint names the other reading.
    assert m[(3, "shape")] == (False, "carried")
    assert "rounding up would also give 15x15x16" in (next(i for i in r.items if i.row == 3).hint or "")
    assert m[(3, "memory")] == (False, "carried")                 # 15·15·16 = 3,600
    assert m[(4, "params")] == (False, "carried")                 # (15·15·16 + 1)·10 = 36,010
    assert m[(None, "total_memory")] == (True, None)              # 25,738: the layers without the input
    assert m[(None, "total_memory_bytes")] == (False, "values-for-bytes")
    assert m[(None, "total_params")][0] is False
    # 240 + 1,168 + 0 + 36,010 = 37,418, not the 32,898 he wrote: an addition slip, reported apart.
    (slip,) = r.slips
    assert slip.field == "total_params" and slip.diagnosis == "addition-slip" and "37,418" in (slip.hint or "")


def test_ceil_instead_of_floor_from_a_right_input() -> None:
    text = ("CONV3-8: [32x32x8] memory: 8192 params: 224\nCONV3-16: [30x30x16] memory: 14400 params: 1168\n"
            "POOL3: [15x15x16] memory: 15*15*16 params: 0\nFC-10: [10] memory: 10 params: 31370\n")
    r = grade_sheet(read_text(text), parse_paper(Path(SMALL).read_text())[0])
    m = marks(r)
    assert m[(3, "shape")] == (False, "ceil-instead-of-floor")    # ⌈(30 − 3)/2⌉ + 1 = 15
    assert m[(3, "memory")] == (False, "ceil-instead-of-floor")   # 15·15·16 = 3,600
    assert "H = W: ⌊(30 − 3)/2⌋ + 1 = 14" in (next(i for i in r.items if i.row == 3).hint or "")
    assert [i for i in r.items if not i.right and i.row and i.row != 3] == []


def test_carol_json_arithmetic_rounding_order_extra_row_mib() -> None:
    r = grade_file("small_more.json")
    m = marks(r)
    assert m[(1, "memory")] == (True, None)                       # 8K for 8,192
    assert m[(1, "params")] == (False, "arithmetic")              # 3·3·3·8 + 8 = 224, not 242
    assert m[(2, "memory")] == (False, "rounding")                # 15K for 14,400 (14K)
    assert m[(3, "shape")] == (False, "order")                    # 14x16x14
    assert m[(None, "total_params")] == (True, None)              # 32.8K for 32,762
    assert m[(None, "total_memory_bytes")] == (False, "mb-vs-mib")  # 115,240 B = 0.1099 MiB
    assert [n for n, _ in r.extra] == ["relu"]
    assert r.missing == [(0, "input 32x32x3")]  # Carol leaves out the input row
    rounding = next(i for i in r.items if i.diagnosis == "rounding")
    assert "14K" in (rounding.hint or "")


def test_missing_row_is_reported_and_counted() -> None:
    text = "layer,shape,memory,params\nconv3-8,32x32x8,8192,224\nmaxpool3,14x14x16,3136,0\nFC-10,10,10,31370\n"
    r = grade_sheet(read_text(text, "csv"), parse_paper(Path(SMALL).read_text())[0])
    assert r.missing == [(0, "input 32x32x3"), (2, "conv3-16 padding=valid"), (None, "TOTAL memory"),
                         (None, "TOTAL params")]
    assert [i.right for i in r.items if i.row == 2] == [False, False, False]
    # The maximum is the exercise's: 5 rows × 3 columns + 2 totals, whatever the sheet leaves out.
    assert r.score == 9 and r.max_score == 17


def test_no_bias_accepts_weights_only_and_with_bias() -> None:
    text = "layer,params\nconv3-8,216\nconv3-16,1168\nmaxpool3,0\nFC-10,31360\n"
    r = grade_sheet(read_text(text, "csv"), parse_paper(Path(SMALL).read_text())[0], count_bias=False,
                    columns=("params",), input_row=False)
    assert [i.field for i in r.wrong] == ["total_params"]  # the one cell asked for and not written
    assert any(i.note and "biases" in i.note for i in r.items)  # 1,168 includes the 16 biases


def test_suffix_rounding_rule_in_cells() -> None:
    net = parse_paper("input 224x224x3\nconv3-64")[0]
    ok = grade_sheet(read_text("CONV3-64: [224x224x64] memory: 3.2M weights: 1,792"), net)
    bad = grade_sheet(read_text("CONV3-64: [224x224x64] memory: 3.3M weights: 1,792"), net)
    assert all(i.right for i in ok.items if i.row == 1)
    assert marks(bad)[(1, "memory")] == (False, "rounding")


# ---------------------------------------------------------------------------------------------
# The command line.

def test_cli_table_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["check", str(DATA / "small_right.csv"), "--spec", SMALL], capsys)
    assert code == 0 and "Score: 17/17 (100%)" in out
    code, out, _ = run(["check", str(DATA / "small_slips.md"), "--spec", SMALL], capsys)
    assert code == 1
    assert "forgot-bias" in out and "You counted the weights only" in out


def test_cli_json_has_items_and_score(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["check", str(DATA / "small_slips.yaml"), "--spec", SMALL, "--format", "json"], capsys)
    obj = json.loads(out)
    assert code == 1
    assert obj["score"] == sum(i["points"] for i in obj["items"])
    assert obj["max_score"] == sum(i["max_points"] for i in obj["items"])
    first = next(i for i in obj["items"] if i["location"])  # the input row, missing, has none
    assert set(first) >= {"row", "layer", "field", "answer", "expected", "right", "diagnosis", "hint", "location"}
    assert first["location"].startswith(str(DATA / "small_slips.yaml") + ":3:")
    assert obj["addition_slips"][0]["diagnosis"] == "addition-slip"


def test_cli_gradescope_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["check", str(DATA / "small_slips.md"), "--spec", SMALL, "--format", "gradescope",
                        "--points", "10"], capsys)
    obj = json.loads(out)
    assert code == 1
    assert set(obj) >= {"score", "max_score", "output", "tests"} and obj["max_score"] == 10
    for t in obj["tests"]:
        assert set(t) >= {"name", "score", "max_score", "status", "output"}
        assert t["status"] in ("passed", "failed") and 0 <= t["score"] <= t["max_score"]
    assert abs(sum(t["score"] for t in obj["tests"]) - obj["score"]) < 1e-3
    layer1 = next(t for t in obj["tests"] if t["name"].startswith("Layer 1."))
    assert layer1["status"] == "failed" and "forgot-bias" in layer1["tags"]


def test_cli_csv_and_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["check", str(DATA / "small_slips.md"), "--spec", SMALL, "--format", "csv"], capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 1 and {r["diagnosis"] for r in rows} >= {"forgot-bias", "pooling-params"}
    code, out, _ = run(["check", str(DATA / "small_slips.md"), "--spec", SMALL, "--format", "markdown"], capsys)
    assert code == 1 and out.startswith("## small_slips:") and "| 1 | `conv3-8` | params | 216 | 224 | ✗ |" in out


def test_cli_many_files_one_line_each_and_scores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(DATA / n) for n in ("small_right.csv", "small_slips.md", "small_slips.yaml", "small_more.json")]
    scores = tmp_path / "scores.csv"
    code, out, _ = run(["check", *files, "--spec", SMALL, "--scores", str(scores)], capsys)
    lines = out.splitlines()
    assert code == 1 and len(lines) == 5 and lines[0].startswith("✓ small_right")
    assert "4 graded, 1 all right" in lines[-1]
    table = list(csv.DictReader(scores.open()))
    assert [r["student"] for r in table] == ["small_right", "small_slips", "Bob", "Carol"]
    assert table[0]["score"] == table[0]["max_score"] == "17"
    # The scores file is never overwritten without --force.
    code, _, err = run(["check", *files, "--spec", SMALL, "--scores", str(scores)], capsys)
    assert code == 2 and "will not write over" in err
    code, _, _ = run(["check", *files, "--spec", SMALL, "--scores", str(scores), "--force"], capsys)
    assert code == 1


# ---------------------------------------------------------------------------------------------
# Unreadable answers: exit 2, a location with a caret, and a hint; other students still graded.

def test_unreadable_value_points_at_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "dan.txt"
    p.write_text("CONV3-8: [32x32x8]  memory: 3..2K  weights: 224\n")
    code, _, err = run(["check", str(p), "--spec", SMALL], capsys)
    assert code == 2
    assert "cannot read the value `3..2K`" in err and f"{p}:1:29" in err and "^" in err and "hint:" in err


def test_unreadable_line_and_header(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "eve.txt"
    p.write_text("CONV3-8: [32x32x8]  memory: 8192  weights: 224\nI did not finish\n")
    code, _, err = run(["check", str(p), "--spec", SMALL], capsys)
    assert code == 2 and f"{p}:2:1" in err and "as a layer row" in err
    q = tmp_path / "frank.csv"
    q.write_text("lyr,shpe,mem0ry\nconv3-8,32x32x8,8192\n")
    code, _, err = run(["check", str(q), "--spec", SMALL], capsys)
    assert code == 2 and "names no column" in err and "hint:" in err


def test_one_unreadable_file_among_many(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01binary")
    code, out, err = run(["check", str(DATA / "small_right.csv"), str(bad), "--spec", SMALL], capsys)
    assert code == 2
    assert out.splitlines()[0].startswith("✓ small_right") and "unreadable" in out and "binary" in err


def test_missing_file_and_bad_spec(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["check", "nope.csv", "--spec", SMALL], capsys)
    assert code == 2 and "nope.csv" in err
    code, _, err = run(["check", str(DATA / "small_right.csv"), "--spec", "vgg61"], capsys)
    assert code == 2 and "did you mean" in err


def test_gradescope_for_an_unreadable_submission(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "answers.csv"
    p.write_text("layer,shape\nconv3-8,32xx32\n")
    code, out, _ = run(["check", str(p), "--spec", SMALL, "--format", "gradescope"], capsys)
    obj = json.loads(out)
    assert code == 2 and obj["score"] == 0 and "could not be read" in obj["output"] and "32xx32" in obj["output"]


def test_cs231n_variants_from_course_notes() -> None:
    """Bulleted rows with spaced arithmetic and `params:`, `// remarks`, "96MB/image"."""
    from archcalc.source import load

    text = ("- CONV3-64: [224x224x64] memory: 224 * 224 * 64=3.2M params: (3 * 3 * 3) * 64 = 1,728\n"
            "- CONV3-64: [224x224x64] memory: 224 * 224 * 64=3.2M params: (3 * 3 * 64) * 64 = 36,864\n"
            "\tPOOL2: [112x112x64]  memory:  112*112*64=800K   weights: 0  // no weights\n"
            "- Total memory: 24M * 4 bytes ~= 96MB/image (only forward ~*2 for bwd)\n")
    sheet = read_text(text)
    assert {k: c.text for k, c in sheet.totals.items()} == {
        "memory": "24M", "memory_bytes": "96MB/image (only forward ~*2 for bwd)"}
    r = grade_sheet(sheet, load("vgg16")[0], count_bias=False)
    assert all(i.right for i in r.items if i.row in (1, 2, 3))  # matched to the first layers, in order
    assert next(m for m in r.missing if m[0]) == (4, "conv3-128")


def test_keras_spec_and_keras_layer_names() -> None:
    """The published model.summary() of the bundled Keras MNIST tutorial: 320, 18,496, 31,370; 50,186."""
    from archcalc.source import load

    text = ("layer,output shape,param #\nConv2D,28x28x32,320\nMaxPooling2D,14x14x32,0\nConv2D,14x14x64,\"18,496\"\n"
            "MaxPooling2D,7x7x64,0\nFlatten,3136,0\nDense,10,\"31,370\"\nTotal,,\"50,186\"\n")
    r = grade_sheet(read_text(text, "csv"), load("keras_mnist")[0], columns=("shape", "params"), input_row=False)
    assert r.all_right and not r.missing and r.max_score == 6 * 2 + 1
    r = grade_sheet(read_text(text, "csv"), load("keras_mnist")[0])  # asked: every column, the input row
    assert r.missing == [(0, "input 28x28x1"), (None, "TOTAL memory")] and r.max_score == 7 * 3 + 2


def test_dtype_sets_the_bytes_per_value(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """float16: 25,738 values × 2 B = 51,476 B (28,810 with the input: 57,620 B)."""
    p = tmp_path / "half.yaml"
    p.write_text("layers:\n  - {name: conv3-8, memory: 8192}\ntotals:\n  memory: 25738\n  memory_bytes: 51476 bytes\n")
    code, out, _ = run(["check", str(p), "--spec", SMALL, "--dtype", "float16", "--format", "json"], capsys)
    obj = json.loads(out)
    assert code == 1  # the three other layers are missing
    totals = {i["field"]: i["right"] for i in obj["items"] if i["row"] is None}
    assert totals == {"total_memory": True, "total_memory_bytes": True, "total_params": False}
    _code, out, _ = run(["check", str(p), "--spec", SMALL, "--format", "json"], capsys)
    bytes_item = next(i for i in json.loads(out)["items"] if i["field"] == "total_memory_bytes")
    assert not bytes_item["right"]


def test_summary_does_not_load_the_teaching_modules() -> None:
    """`commands.py` is imported on every run; the grader, yaml and random only when used."""
    code = ("import sys\nfrom archcalc.cli import main\ntry:\n    main(['summary', 'vgg16', '--format', 'json'])\n"
            "except SystemExit:\n    pass\n"
            "bad = [m for m in ('archcalc.teaching.grade', 'archcalc.teaching.numbers', 'yaml', 'random', 'numpy')"
            " if m in sys.modules]\nprint(bad, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.strip() == "[]"


def test_a_specific_slip_wins_over_rounding() -> None:
    """1.7K for conv3-64 on RGB: 1,728 weights without the 64 biases, not a badly rounded 1,792."""
    net = parse_paper("input 224x224x3\nconv3-64")[0]
    m = marks(grade_sheet(read_text("CONV3-64: [224x224x64] memory: 3.2M weights: 1.7K"), net))
    assert m[(1, "params")] == (False, "forgot-bias")
    m = marks(grade_sheet(read_text("CONV3-64: [224x224x64] memory: 3.2M weights: 1.6K"), net))
    assert m[(1, "params")] == (False, "rounding")


def test_a_folder_is_graded_file_by_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    for name in ("small_right.csv", "small_slips.md"):
        shutil.copy(DATA / name, tmp_path / name)
    (tmp_path / ".hidden.csv").write_text("junk")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    code, out, _ = run(["check", str(tmp_path), "--spec", SMALL], capsys)
    assert code == 1 and [ln.split()[1] for ln in out.splitlines()[:2]] == ["small_right", "small_slips"]
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run(["check", str(empty), "--spec", SMALL], capsys)
    assert code == 2 and "holds no answer files" in err


def test_follow_through_credit_for_carried_cells(capsys: pytest.CaptureFixture[str]) -> None:
    """Alice: the two cells wrong only because of her layer-1 padding slip, and her total (which adds
    up her rows), earn half a point each with --carried-credit 0.5: 6 + 3 × 0.5 = 7.5."""
    r = grade_file("small_slips.md")
    carried = [i for i in r.items if i.diagnosis == "carried"]
    assert len(carried) == 2 and r.score == 6
    from archcalc.source import load

    half = grade_sheet(read_sheet(DATA / "small_slips.md"), load(SMALL)[0], carried_credit=0.5)
    assert half.score == 7.5 and not half.all_right and half.max_score == r.max_score
    code, out, _ = run(["check", str(DATA / "small_slips.md"), "--spec", SMALL, "--carried-credit", "0.5",
                        "--format", "gradescope"], capsys)
    obj = json.loads(out)
    assert code == 1 and obj["score"] == 7.5 and obj["max_score"] == 17  # 5 rows × 3 + 2 totals
    layer2 = next(t for t in obj["tests"] if t["name"].startswith("Layer 2."))
    assert layer2["score"] == 2 and layer2["status"] == "failed"  # 0.5 + 0.5 + 1


def test_params_given_in_bytes() -> None:
    """FC-10 has 31,370 parameters = 125,480 bytes in float32 (122.5 KiB)."""
    net = parse_paper(Path(SMALL).read_text())[0]
    text = "layer,params\nconv3-8,224\nconv3-16,1168\nmaxpool3,0\nFC-10,122.5 KiB\n"
    m = marks(grade_sheet(read_text(text, "csv"), net))
    assert m[(4, "params")] == (False, "bytes-for-values")


def test_bias_where_none_and_batchnorm_trainable_only() -> None:
    """conv3-16 bias=false on 8 channels: 3·3·8·16 = 1,152 (1,168 with biases); batchnorm of 16 channels:
    4·16 = 64 in Keras' count, of which γ and β (32) are trained."""
    net = parse_paper("input 32x32x8\nconv3-16 bias=false\nbatchnorm")[0]
    m = marks(grade_sheet(read_text("layer,params\nconv3-16,1168\nbatchnorm,32\n", "csv"), net))
    assert m[(1, "params")] == (False, "bias-where-none")
    assert m[(2, "params")] == (False, "trainable-only")
    assert marks(grade_sheet(read_text("layer,params\nconv3-16,1152\nbatchnorm,64\n", "csv"), net,
                             columns=("params",), input_row=False)) == {
        (1, "params"): (True, None), (2, "params"): (True, None), (None, "total_params"): (False, "missing-total")}


def test_console_script_exit_codes() -> None:
    """The real entry point, in a process of its own: 0 all right, 1 some wrong, 2 unreadable."""
    def status(*answers: str) -> int:
        code = "import sys\nfrom archcalc.cli import main\nmain(sys.argv[1:])"
        return subprocess.run([sys.executable, "-c", code, "check", *answers, "--spec", SMALL],
                              capture_output=True, text=True).returncode

    assert status(str(DATA / "small_right.csv")) == 0
    assert status(str(DATA / "small_slips.md")) == 1
    assert status(str(DATA / "small_right.csv"), str(DATA / "nope.csv")) == 2
