"""Output for people and for programs: tables that fit the terminal, `print(analysis)`, `compare`'s
precision and CSV, `list`'s one-line descriptions (issue 17)."""

from __future__ import annotations

import csv
import io
import re
import sys

import pytest

import archcalc
from archcalc import render
from archcalc.cli import main
from archcalc.source import bundled_files, description, read_file


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The command's exit code, stdout and stderr, the terminal's colour codes taken out."""
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), re.sub(r"\x1b\[[0-9;]*m", "", out), err


def header(lines: list[tuple[str, str]]) -> list[str]:
    return [h for h in render.HEADERS if h in lines[2][0]]


@pytest.mark.parametrize("spec", ["vgg16", "lenet5", "resnet50", "alexnet"])
@pytest.mark.parametrize("width", [40, 60, 72, 80, 96, 100, 110, 120, 160])
def test_the_table_fits_the_width_or_keeps_only_the_essential_columns(spec: str, width: int) -> None:
    a = archcalc.analyze(spec)
    wide = render.text_lines(a)
    lines = render.text_lines(a, width=width)
    kept = header(lines)
    dropped = [h for h in render.HEADERS if h not in kept]
    # Columns go in the documented order, never one of the four essential ones.
    assert set(dropped) == set(render.DROP_ORDER[:len(dropped)])
    table_width = len(lines[2][0].rstrip())
    if len(wide[2][0].rstrip()) <= width:  # it fitted already: nothing changes
        assert lines == wide
    else:
        assert table_width <= width or set(dropped) == set(render.DROP_ORDER)
        notice = " ".join(line.strip() for line, style in lines if style == "dim")
        assert notice.startswith(f"narrowed to {width} columns") and notice.endswith("--wide shows all")
    # The footer wraps: none of its lines is longer than the width (unless a single word is).
    footer = lines[lines.index(next(x for x in lines if "parameters:" in x[0])):]
    assert all(len(line) <= width or " " not in line.strip() for line, _ in footer)
    # The numbers are still archcalc's: the total parameters in full in the footer.
    assert f"{a.totals.params:,}" in " ".join(line for line, _ in footer)


def test_narrow_numbers_are_the_same_numbers_with_si_prefixes() -> None:
    a = archcalc.analyze("vgg16")
    narrow = render.text_lines(a, width=80)
    row = next(line for line, _ in narrow if line.split()[:2] == ["19", "FC-4096"])
    assert row.split()[3:5] == ["102.76", "M"]
    assert a.rows[18].params == 102_764_544


def test_summary_in_a_narrow_terminal_and_with_wide(capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(["summary", "vgg16"], capsys)
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "Activations and RF /stride left out: --wide shows all" in out
    code, out, _ = run(["summary", "vgg16", "--wide"], capsys)
    assert code == 0 and "Activations" in out and "RF /stride" in out and "left out" not in out


def test_piped_summary_is_complete(capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")  # ignored: the output is not a terminal
    code, out, _ = run(["summary", "vgg16"], capsys)
    assert code == 0 and all(h.split()[0] in out for h in render.HEADERS) and "left out" not in out


def test_print_of_an_analysis_shows_the_table(capsys) -> None:
    a = archcalc.analyze("lenet5")
    print(a)
    out = capsys.readouterr().out
    assert out == a.to_text() + "\n"
    assert "conv5-6" in out and "61,706" in out and out.startswith("lenet5  ·  input 32x32x1")
    assert repr(a).startswith("<Analysis lenet5:")


def test_compare_never_rounds_a_small_network_to_zero_million(capsys) -> None:
    _, out, _ = run(["compare", "lenet5", "vgg16", "--format", "markdown"], capsys)
    row = next(line for line in out.splitlines() if line.startswith("| parameters (millions)"))
    assert row.split("|")[2:4] == [" 0.0617 ", " 138 "]


def test_compare_csv_has_plain_numbers_with_units_in_the_names(capsys) -> None:
    code, out, _ = run(["compare", "vgg16", "lenet5", "--format", "csv"], capsys)
    rows = {r[0]: r[1:] for r in csv.reader(io.StringIO(out))}
    assert code == 0
    assert rows["parameters"] == ["138357544", "61706"]
    assert rows["activation memory (bytes)"] == ["60348320", "32856"]
    assert rows["MACs per example"][0] == "15470264320"
    a = archcalc.analyze("vgg16")
    assert int(rows["training memory (bytes)"][0]) == a.memory.training
    for name, values in rows.items():
        if name not in ("quantity", "input", "output"):
            assert all(float(v) >= 0 for v in values), name  # every cell a plain number


def test_list_descriptions_are_whole_sentences_and_one_line_in_a_terminal(capsys, monkeypatch) -> None:
    for f in bundled_files():
        text = description(read_file(f).text)
        assert not text or text.endswith((".", ")", "`")), (f.name, text)
        assert "(" not in text.split("`")[0] or "(weights" in text or "(...)" in text, (f.name, text)
    assert description("# Net (Author et al., Proc.\n# X 1998). Second.\nconv3-8") == "Net."
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setenv("COLUMNS", "140")
    code, out, _ = run(["list"], capsys)
    lines = out.splitlines()
    assert code == 0 and max(len(line) for line in lines) <= 140
    assert sum("alexnet" in line for line in lines) == 2  # one line a network


def test_explain_is_carried_in_json_and_csv(capsys) -> None:
    import json

    _, out, _ = run(["summary", "vgg16", "--format", "json", "--explain"], capsys)
    first = json.loads(out)["layers"][0]
    assert first["explain"][:2] == ["H = W: ⌊(224 + 2·1 − 3)/1⌋ + 1 = 224   ('same' pads 2)",
                                    "params = (3·3·3 + 1)·64 = 1,792"]
    _, out, _ = run(["summary", "vgg16", "--format", "json"], capsys)
    assert "explain" not in json.loads(out)["layers"][0]
    _, out, _ = run(["summary", "vgg16", "--format", "csv", "--explain"], capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["explain"].startswith("H = W: ⌊(224 + 2·1 − 3)/1⌋ + 1 = 224") and len(rows) == 21
