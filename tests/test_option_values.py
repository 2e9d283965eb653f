"""Hostile option values and paths: clean errors (exit 2), never an internal error.

Found by running every command's options with hostile values (issue 18, "option values"): a file name
longer than the file system allows was an `OSError` wherever a command first looked at it (`--out`,
`-o`, `--scores`, `--plot`, `import`), `--input` of 5,000 digits passed Python's 4,300-digit limit,
a title or file name of bytes that are not UTF-8 crashed `draw`, and `check --spec /` walked the
whole disk (and failed on `/proc`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from archcalc.cli import main
from archcalc.limits import MAX_FOLDER_FILES

SPEC = "input 8x8x1\nconv3-4\n"
SHEET = "layer,output shape,memory,params\ninput,8x8x1,64,0\nconv3-4,8x8x4,256,40\nTOTAL,,320,40\n"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "s.txt").write_text(SPEC)
    (tmp_path / "a.csv").write_text(SHEET)
    monkeypatch.chdir(tmp_path)
    return tmp_path


LONG = "x" * 300


@pytest.mark.parametrize("args", [
    ["export", "s.txt", "-o", LONG + ".py"],
    ["draw", "s.txt", "-o", LONG + ".svg"],
    ["summary", "s.txt", "--plot", LONG + ".png"],
    ["exercise", "new", "--seed", "1", "--out", LONG],
    ["check", "a.csv", "--spec", "s.txt", "--scores", LONG],
    ["import", LONG + ".keras"],
], ids=["export", "draw", "summary --plot", "exercise new", "check --scores", "import"])
def test_a_file_name_too_long_for_the_file_system_is_a_usage_error(here: Path, args: list[str],
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(args, capsys)
    name = next(a for a in args if a.startswith("xxx"))
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"error: the file name `{'x' * 60}…` ({len(name):,} characters) is longer than the file system allows",
        "hint: give a shorter path (at most 255 bytes a name)"]


def test_an_input_shape_of_five_thousand_digits_is_not_a_shape(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["summary", "s.txt"], ["compare", "s.txt", "s.txt"], ["draw", "s.txt", "-o", "n.svg"]):
        code, _, err = run([*command, "--input", "9" * 5000], capsys)
        assert code == 2
        assert err.splitlines()[0] == f"error: `--input {'9' * 20}…` is not a shape: a size of 5,000 digits"


@pytest.mark.parametrize("suffix", ["svg", "png"])
def test_draw_shows_bytes_that_are_not_utf8_as_replacement_characters(here: Path, suffix: str,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    if suffix == "png":
        pytest.importorskip("matplotlib")
    name = os.fsdecode(b"net\xff.txt")  # how Python hands such a file name (or --title) to archcalc
    Path(name).write_text(SPEC)
    code, _, err = run(["draw", name, "-o", f"n.{suffix}", "--title", os.fsdecode(b"t\xfe")], capsys)
    assert code == 0, err
    if suffix == "svg":
        svg = (here / "n.svg").read_text(encoding="utf-8")
        assert ">t\ufffd</text>" in svg and "net\ufffd" in svg


def test_check_refuses_a_spec_folder_past_the_limit_before_reading_it(here: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    lib = here / "lib"
    lib.mkdir()
    for i in range(MAX_FOLDER_FILES + 1):
        (lib / f"n{i}.md").touch()
    code, _, err = run(["check", "a.csv", "--spec", "lib"], capsys)
    assert code == 2
    assert err.splitlines()[0] == (f"error: `lib` holds more than {MAX_FOLDER_FILES:,} files and folders, more than "
                                   "a folder of specs archcalc reads (MAX_FOLDER_FILES)")


def test_check_reads_a_spec_folder_without_its_hidden_parts_or_links_to_folders(
        here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = here / "lib"
    (lib / "week1").mkdir(parents=True)
    (lib / "week1" / "s.txt").write_text(SPEC)
    (lib / ".git").mkdir()
    (lib / ".git" / "s.txt").write_text(SPEC)  # a second `s` would be "two specs define `s`"
    (lib / "loop").symlink_to(lib)  # followed, it would never end
    (here / "answers.csv").write_text("# spec: s\n" + SHEET)
    code, out, err = run(["check", "answers.csv", "--spec", "lib"], capsys)
    assert code == 0, err
    assert "answers.csv (spec: s)" in out and "Score: 8/8 (100%)" in out


def test_summary_of_a_batch_of_five_thousand_digits_is_refused_by_the_option_parser(
        here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The fast path of `summary` (no typer) converted the digits itself, past Python's 4,300-digit limit."""
    code, out, err = run(["summary", "s.txt", "--batch", "9" * 5000], capsys)
    assert code == 2 and out == ""
    assert "Invalid value for '--batch' / '-b'" in err and "internal error" not in err


@pytest.mark.parametrize("option", [["--input", "1x32x" + "9" * 5000], ["--define", "n=32," + "9" * 5000],
                                    ["--define", "n=" + "9" * 30 + "x2"]])
def test_a_value_with_a_number_past_eighteen_digits_is_refused(here: Path, option: list[str],
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["summary", "s.txt", *option], capsys)
    digits = max(len(run_) for run_ in option[1].replace(",", "x").replace("=", "x").split("x"))
    what = "the input shape" if option[0] == "--input" else "the value of `n`"
    assert code == 2
    assert err.splitlines()[0] == (f"error: cannot read {what}: a number of {digits:,} digits is larger than any "
                                   "value archcalc reads (at most 18 digits, MAX_NUMBER_DIGITS)")


def test_a_decimal_with_a_long_fraction_is_still_a_value(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["summary", "s.txt", "--define", "rate=0.0035087719298245615"], capsys)
    assert code == 0, err


def test_an_input_of_superscript_digits_is_not_a_shape(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`²4` is digits to str.isdigit but no number to int() (found by the PyTorch fuzz campaign)."""
    code, _, err = run(["summary", "s.txt", "--input", "²4"], capsys)
    assert code == 2 and err.splitlines()[0] == "error: `--input ²4` is not a shape"


def test_import_refuses_a_keras_archive_whose_config_unpacks_past_the_limit(
        here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A zip bomb: Keras reads config.json whole (1.5 GB of it took 42 s and 5 GB). Refused before TensorFlow."""
    import sys
    import zipfile

    from archcalc.limits import MAX_MODEL_CONFIG_BYTES

    with zipfile.ZipFile(here / "bomb.keras", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("config.json", b'{"a": "' + b" " * MAX_MODEL_CONFIG_BYTES + b'"}')
    tensorflow_before = "tensorflow" in sys.modules
    code, out, err = run(["import", "bomb.keras"], capsys)
    assert code == 2 and out == ""
    assert err.splitlines()[0] == (f"error: `bomb.keras` holds `config.json` of {MAX_MODEL_CONFIG_BYTES + 9:,} bytes "
                                   "once unpacked, more than a model's description archcalc reads (67,108,864 bytes, "
                                   "MAX_MODEL_CONFIG_BYTES)")
    assert ("tensorflow" in sys.modules) == tensorflow_before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_import_refuses_a_fifo_or_a_device_without_blocking(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.mkfifo(here / "m.keras")
    (here / "zero.h5").symlink_to("/dev/zero")
    for name in ("m.keras", "zero.h5"):
        code, _, err = run(["import", name], capsys)
        assert code == 2
        assert err.splitlines()[0] == (f"error: `{name}` is not a regular file (a pipe or a device?), not a Keras "
                                       "model file")
