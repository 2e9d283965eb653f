"""Fuzzing kept in the test suite: whatever the input, archcalc answers or raises its own error, in bounded
time and memory (issue 18).

Three parts:

* a bounded campaign per input family (fixed seed: the same inputs on every run, a minute in all);
* every input that ever failed, stored in ``tests/fuzz_regressions/`` and run again;
* the inputs of the issue, made at full size here (some are megabytes), each with its message word for word
  and a time bound: the limits are checked *before* the work.

The long campaign (a million inputs, with the table of the issue) is ``python benchmarks/fuzz.py``.
"""

from __future__ import annotations

import os
import random
import resource
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fuzzing import CAMPAIGNS, REGRESSIONS, Case, load, make, run_one

from archcalc.cli import main
from archcalc.errors import ArchcalcError, KerasError, OutputError, SourceError, SpecError
from archcalc.limits import MAX_FILE_BYTES, MAX_LAYERS, MAX_LINE_LENGTH, MAX_NESTING, MAX_VERIFY_DEPTH
from archcalc.source import parse_text, read_file

SEED = 18
#: Inputs per campaign in CI: together about a minute on a laptop.
COUNTS = {"specs": 1200, "code": 600, "torch": 600, "sheets": 1000}
#: Seconds of CPU time one input may take (the campaign's hang bound is 5 s; CI machines are slower).
TIME_BOUND = 10.0
#: How much one input may grow the process's peak memory.
MEMORY_BOUND = 512 * 2**20


def _peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


@pytest.mark.parametrize("campaign", CAMPAIGNS)
def test_fuzz_campaign_raises_only_archcalc_errors(campaign: str) -> None:
    import fuzzing

    failures: list[str] = []
    known = _xfails()  # stored, listed in XFAIL with whose bug it is: reported there, not here
    for i in range(COUNTS[campaign]):
        case = make(campaign, SEED, i)
        if fuzzing.stored_name(case) in known:
            continue
        before = _peak()
        outcome, detail, _ = run_one(case, TIME_BOUND)
        grew = _peak() - before
        if grew > MEMORY_BOUND:
            outcome, detail = "memory", f"the peak memory grew by {grew / 2**20:.0f} MiB"
        if outcome in ("ok", "clean"):
            continue
        failures.append(f"{campaign} #{i}: {outcome}: {detail}")  # the code reader's too, since issue 12
    assert not failures, "\n".join(failures) + "\n(make one again: fuzzing.make(campaign, 18, i))"


def test_no_injection_payload_runs_when_pytorch_code_is_read() -> None:
    """Every payload (os.system, open, exec, pickles, dunder chains, decorators, metaclasses, a patched torch, ...)
    at module level, in ``__init__`` and in ``forward``: read or refused, never run, and torch never imported."""
    import fuzzing

    base = fuzzing.TORCH_SEEDS[0] if fuzzing.TORCH_SEEDS else fuzzing._torch_module(random.Random(1))
    lines = base.splitlines()
    places = [0, len(lines)] + [i + 1 for i, line in enumerate(lines)
                                if "super().__init__()" in line or line.strip().startswith("def forward")]
    failures = []
    for payload in fuzzing._payloads(str(fuzzing.PWNED)):
        for at in places:
            indent = " " * 8 if 0 < at < len(lines) else ""
            text = "\n".join(lines[:at] + [indent + line for line in payload.split("\n")] + lines[at:])
            outcome, detail, _ = run_one(Case("torch", text), TIME_BOUND)
            if outcome not in ("ok", "clean"):
                failures.append(f"{payload!r} at line {at}: {outcome}: {detail}")
    assert not failures, "\n".join(failures)
    assert not fuzzing.PWNED.exists()


def _xfails() -> dict[str, str]:
    listed = REGRESSIONS / "XFAIL"
    out = {}
    for line in (listed.read_text().splitlines() if listed.exists() else []):
        if line.strip() and not line.startswith("#"):
            name, _, reason = line.partition(" ")
            out[name] = reason.strip()
    return out


def _stored() -> list:
    xfails = _xfails()
    return [pytest.param(p, id=p.name, marks=[pytest.mark.xfail(reason=xfails[p.name], strict=False)]
                         if p.name in xfails else []) for p in sorted(REGRESSIONS.glob("*-*.*"))]


@pytest.mark.parametrize("path", _stored())
def test_stored_regression(path: Path) -> None:
    outcome, detail, _ = run_one(load(path), TIME_BOUND)
    assert outcome in ("ok", "clean"), f"{path.name}: {outcome}: {detail}"


def test_every_xfail_is_stored() -> None:
    assert set(_xfails()) <= {p.name for p in REGRESSIONS.iterdir()}


# ---------------------------------------------------------------------------------------------
# The issue's inputs, at full size: refused quickly, with messages that say the limit.

NINES = "9" * 4301
ISSUE_SPECS = [
    ("conv3-<4,301 nines>", f"input 8x8x1\nconv3-{NINES}",
     "a number of 4,301 digits is larger than any size archcalc reads (at most 18 digits, MAX_NUMBER_DIGITS)", 2),
    ("repeat of 4,301 nines", f"input 8x8x1\nconv3-4 x{NINES}",
     "a number of 4,301 digits is larger than any size archcalc reads (at most 18 digits, MAX_NUMBER_DIGITS)", 2),
    ("block call of 4,301 nines", f"block b(f)\n  conv3-{{f}}\ninput 8x8x1\nb({NINES})",
     "a number of 4,301 digits is larger than any size archcalc reads (at most 18 digits, MAX_NUMBER_DIGITS)", 4),
    ("input of 2,200-digit sizes", f"input {'9' * 2200}x{'9' * 2200}x1\nrelu",
     "a number of 2,200 digits is larger than any size archcalc reads (at most 18 digits, MAX_NUMBER_DIGITS)", 1),
    ("block arithmetic past 18 digits", "block b(f)\n  conv3-{f*f*f*f*f}\ninput 8x8x1\nb(99999)",
     "`{f*f*f*f*f}` is a number of more than 18 digits, larger than any size archcalc reads (MAX_NUMBER_DIGITS)", 2),
    ("add x1000 inside add x1000", "input 8x8x1\nadd x1000\n  identity\n  branch\n    add x1000\n      identity\n"
     "      branch\n        relu\n",
     "`add x1000` expands to 2,001,000 layers; the network grows past 100,000 layers, the most archcalc reads "
     "(MAX_LAYERS)", 2),
    ("ten blocks calling the previous x10", "block b0\n  relu\n" + "".join(
        f"block b{i}\n  b{i - 1} x10\n" for i in range(1, 10)) + "input 8x8x1\nb9\n",
     "`b5 x10` expands to 1,000,000 layers; the network grows past 100,000 layers, the most archcalc reads "
     "(MAX_LAYERS)", 14),
    ("a network just past the limit", "input 8x8x1\nrelu x60000\nrelu x40001\n",
     "network `<text>` would have 100,001 layers once its blocks and repeats are expanded; archcalc reads at most "
     "100,000 (MAX_LAYERS)", 1),
    ("merges nested 600 deep", "input 8x8x4\n" + "".join(
        f"{'  ' * 2 * i}add\n{'  ' * (2 * i + 1)}identity\n{'  ' * (2 * i + 1)}branch\n" for i in range(600))
     + "  " * 1200 + "relu\n",
     "this line is nested 101 levels deep; blocks and branches are nested too deeply to read (at most 100, "
     "MAX_NESTING)", 152),
    ("a block that calls itself through another", "block a\n  b\nblock b\n  a\ninput 8x8x1\na\n",
     "block `a` calls itself (a → b → a)", 4),
    ("a field of 3,000 minus signs", "block b(f)\n  conv3-{" + "-" * 3000 + "f}\ninput 8x8x1\nb(1)\n",
     "a `{...}` field of 3,001 characters is longer than archcalc reads (200, MAX_EXPRESSION_LENGTH)", 2),
    ("an argument of 9,000 tildes", "block b(f)\n  conv3-{f}\ninput 8x8x1\nb(" + "~" * 9000 + "1)\n",
     "an argument of 9,001 characters is longer than archcalc reads (200, MAX_EXPRESSION_LENGTH)", 4),
    ("a line of 20,000 characters", "input 8x8x1\nrelu" + " " * 20_000 + "x",
     "a line of 20,005 characters is longer than archcalc reads (10,000, MAX_LINE_LENGTH)", 2),
]


# The bounds below are CPU time of this process, not wall time: they catch work that is not bounded
# (backtracking, expansion), generously, and other jobs on a shared machine cannot make them fail.
@pytest.mark.parametrize(("text", "message", "line"), [pytest.param(t, m, n, id=i) for i, t, m, n in ISSUE_SPECS])
def test_issue_specs_are_refused_quickly_and_say_the_limit(text: str, message: str, line: int) -> None:
    start = time.process_time()
    with pytest.raises(SpecError) as e:
        parse_text(text)
    assert time.process_time() - start < 1.0
    assert e.value.message == message
    assert e.value.location is not None and e.value.location.line == line, e.value.render()
    assert e.value.hint


@pytest.mark.parametrize("spaces", [2_000, 5_000, 9_000])
def test_long_runs_of_spaces_are_read_in_linear_time(spaces: int) -> None:
    """`conv3-4` + 2,000 spaces + `x` took 8.8 s (cubic backtracking); in an answer sheet 10 s."""
    from archcalc.blocks import split_call
    from archcalc.teaching.answers import read_text

    start = time.process_time()
    assert split_call("conv3-4" + " " * spaces + "x") is None
    with pytest.raises(SpecError, match="needs a kernel size"):
        parse_text("input 8x8x1\nconv3-4" + " " * spaces + "x")
    with pytest.raises(SourceError, match="cannot read this line of `<text>` as a layer row"):
        read_text("CONV3-64: [224x224x64]" + " " * spaces + "x")
    with pytest.raises(SourceError):
        read_text("TOTAL memory: " + " " * spaces + "x" + " " * spaces + "y")
    assert time.process_time() - start < 1.0


def test_the_largest_legal_network_is_read_in_seconds() -> None:
    from archcalc.analysis import analyze_network

    start = time.process_time()
    net = parse_text(f"input 8x8x1\nrelu x{MAX_LAYERS - 1}")[0]
    assert len(net.nodes) == MAX_LAYERS
    assert analyze_network(net).totals.activations == 64 * (MAX_LAYERS - 1)
    assert time.process_time() - start < 30  # about 3 s on a laptop


def test_nesting_just_inside_the_limit_is_read() -> None:
    from archcalc.analysis import analyze_network

    depth = MAX_NESTING // 2 - 1  # a merge takes two levels: `add`, then `branch`
    text = "input 8x8x4\n" + "".join(f"{'  ' * 2 * i}add\n{'  ' * (2 * i + 1)}identity\n{'  ' * (2 * i + 1)}branch\n"
                                     for i in range(depth)) + "  " * 2 * depth + "relu\n"
    assert len(analyze_network(parse_text(text)[0]).rows) == depth + 1


# ---------------------------------------------------------------------------------------------
# Answer sheets of the issue.

def _sheet_error(text: str, fmt: str) -> ArchcalcError:
    from archcalc.paper import parse_paper
    from archcalc.teaching.answers import read_text
    from archcalc.teaching.grade import grade_sheet

    net = parse_paper((Path(__file__).parent / "data" / "teaching" / "small_spec.txt").read_text())[0]
    start = time.process_time()
    with pytest.raises(ArchcalcError) as e:
        grade_sheet(read_text(text, fmt), net)
    assert time.process_time() - start < 2.0
    e.value.render().encode("utf-8")  # printable
    return e.value


LAUGHS = ('a: &a [{name: x, params: "1"}, 2, 3, 4, 5, 6, 7, 8, 9]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)) + "layers: *i\n")
ISSUE_SHEETS = [
    ("csv-cr", "\rH", "csv", "the header of `<text>` names no column archcalc grades: `H`"),
    ("csv-cell-140k", "layer,shape,memory,params\nconv3-8," + "1" * 140_000 + ",1,1\n", "csv",
     "line 2 of `<text>` has 140,012 characters, more than archcalc reads (10,000, MAX_LINE_LENGTH)"),
    ("json-1000-deep", '{"layers": ' + "[" * 1000 + "]" * 1000 + "}", "json",
     "`<text>` nests brackets 21 deep, more than archcalc reads (20, MAX_SHEET_DEPTH)"),
    ("yaml-block-400-deep", "layers:\n" + "".join("  " * i + "- \n" for i in range(400)), "yaml",
     "`<text>` holds values nested more than 20 deep (MAX_SHEET_DEPTH) once its aliases (`*name`) are expanded"),
    ("yaml-self-alias", "layers: &a [*a]\n", "yaml",
     "`<text>` holds values nested more than 20 deep (MAX_SHEET_DEPTH) once its aliases (`*name`) are expanded"),
    ("yaml-billion-laughs", LAUGHS, "yaml",
     "`<text>` holds more than 50,000 values (MAX_SHEET_NODES) once its aliases (`*name`) are expanded"),
    ("text-lone-surrogate", "CONV3-8: [8x8x8] params: 1\ud800", "cs231n",
     "`<text>` holds a lone surrogate U+D800, which is not a character"),
    ("power-past-10^120", "layer,shape,memory,params\nconv3-8,[8x8x8],512,(10**64)**6\n", "csv",
     "cannot read the value `(10**64)**6`: it is larger than any number archcalc reads (about 10^120, MAX_VALUE_BITS)"),
    ("tower-of-powers", "layer,shape,memory,params\nconv3-8,[8x8x8],512,(((9**64)**64)**64)**64\n", "csv",
     "cannot read the value `(((9**64)**64)**64)**64`: it is larger than any number archcalc reads (about 10^120, "
     "MAX_VALUE_BITS)"),
    ("csv-100k-rows", "layer,shape,memory,params\n" + "conv3-8,[8x8x8],512,224\n" * 100_000, "csv",
     "`<text>` has 100,002 lines, more than archcalc reads in a sheet (20,000: MAX_SHEET_ROWS rows and as many "
     "comments)"),
    ("json-100k-rows", '{"layers": [' + ", ".join(['{"name": "conv3-8", "params": 224}'] * 100_000) + "]}", "json",
     "`<text>` is too big to be a sheet: 600,002 separators (`,` `:` `-` `[` `{` and line ends) where a sheet holds "
     "at most 50,000 values (MAX_SHEET_NODES)"),
]


@pytest.mark.parametrize(("text", "fmt", "message"), [pytest.param(t, f, m, id=i) for i, t, f, m in ISSUE_SHEETS])
def test_issue_sheets_are_refused_quickly_and_say_why(text: str, fmt: str, message: str) -> None:
    assert _sheet_error(text, fmt).message == message


def test_a_lone_surrogate_escape_in_json_is_refused() -> None:
    """libyaml (PyYAML's fast reader) refuses the escape itself; the pure-Python reader reads it, and
    archcalc refuses the value."""
    e = _sheet_error('{"layers": [{"name": "\\ud800", "params": "1"}]}', "json")
    assert e.message in ("`<text>` is not valid JSON: found invalid Unicode character escape code",
                         "a lone surrogate (half a UTF-16 pair), which is not a character")


def test_a_field_like_0_inf_gives_no_python_warning() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(SpecError) as e:
            parse_text("block b(f)\n  conv3-{0.inf}\ninput 8x8x1\nb(1)\n")
    assert e.value.message == "cannot read `{0.inf}`"


def test_a_value_like_0_inf_mb_gives_no_python_warning() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        e = _sheet_error("layer,shape,memory,params\nconv3-8,[8x8x8],0.infMB,1\n", "csv")
    assert e.message.startswith("cannot read the value `0.infMB`")


def test_a_block_called_with_1inf0_gives_no_python_warning() -> None:
    """Found by the campaign (seed 31, spec 54,391): `inception_b(1inf0)` printed Python's SyntaxWarning."""
    import warnings

    with warnings.catch_warnings(record=True) as seen:  # "error" would turn it into a SyntaxError, caught
        warnings.simplefilter("always")
        with pytest.raises(SpecError):
            parse_text("block inner(n)\n  conv3-{n}\nblock outer(f)\n  inner({f})\ninput 8x8x1\nouter(1inf0)\n")
    assert [str(w.message) for w in seen] == []


# ---------------------------------------------------------------------------------------------
# Files: what cannot be read, or must not be written.

def test_a_fifo_and_devices_are_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "spec.txt"
    os.mkfifo(fifo)
    with pytest.raises(SourceError) as e:
        read_file(fifo)
    assert e.value.message == f"`{fifo}` is a named pipe (FIFO), not a file archcalc reads"
    for device in ("/dev/zero", "/dev/urandom"):
        with pytest.raises(SourceError) as e:
            read_file(Path(device))
        assert e.value.message == f"`{device}` is a character device, not a file archcalc reads"


def test_a_file_past_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "comments.txt"
    with open(big, "wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used
    with pytest.raises(SourceError) as e:
        read_file(big)
    assert e.value.message == (f"`{big}` is {MAX_FILE_BYTES + 1:,} bytes, more than archcalc reads "
                               f"({MAX_FILE_BYTES:,} bytes, MAX_FILE_BYTES)")


def test_a_folder_of_the_path_that_cannot_be_entered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root every folder can be entered: the refusal of `stat` is simulated."""
    from archcalc.source import resolve

    def denied(self: Path, *args: object, **kwargs: object) -> os.stat_result:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "stat", denied)
    with pytest.raises(SourceError) as e:
        resolve(str(tmp_path / "locked" / "spec.txt"))
    assert e.value.message == (f"cannot read `{tmp_path / 'locked' / 'spec.txt'}`: permission denied (on the file "
                               "or a folder of its path)")


def test_a_dangling_symlink_is_not_replaced_without_force(tmp_path: Path) -> None:
    from archcalc.files import check_target

    link = tmp_path / "net.py"
    link.symlink_to(tmp_path / "missing" / "elsewhere.py")
    with pytest.raises(OutputError) as e:
        check_target(link)
    assert e.value.message == (f"`{link}` already exists (a symbolic link to a missing file); archcalc does not "
                               "overwrite it")
    assert check_target(link, overwrite=True) == link


def test_verify_refuses_a_deep_chain_before_importing_tensorflow() -> None:
    from archcalc.analysis import analyze_network
    from archcalc.bridge.verify import verify

    net = parse_text(f"input 8x8x1\nrelu x{MAX_VERIFY_DEPTH}")[0]
    with pytest.raises(KerasError) as e:
        verify(net, analyze_network(net))
    assert e.value.message == (f"network `<text>` is {MAX_VERIFY_DEPTH + 1:,} layers deep; verify builds at most "
                               f"{MAX_VERIFY_DEPTH:,} layers one after the other (MAX_VERIFY_DEPTH)")


@pytest.mark.parametrize("command", [["export", "-o", "net.keras"], ["export", "-o", "net.h5"],
                                     ["train", "-d", "digits", "-o", "run"]])
def test_export_and_train_refuse_a_deep_chain_before_importing_tensorflow(tmp_path: Path, command: list[str]) -> None:
    """The limit `verify` has: Keras recurses a few calls a layer to build and to save a model."""
    (tmp_path / "deep.txt").write_text(f"input 8x8x1\nrelu x{MAX_VERIFY_DEPTH}\nflatten\nfc-10\nsoftmax\n")
    probe = ("import sys\nfrom archcalc.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n"
             "    print(e.code, 'tensorflow' in sys.modules, 'keras' in sys.modules)\n")
    p = subprocess.run([sys.executable, "-c", probe, command[0], "deep.txt", *command[1:]], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert p.stdout == "2 False False\n"
    assert p.stderr.splitlines() == [
        f"error: network `deep` is {MAX_VERIFY_DEPTH + 3:,} layers deep; {command[0]} builds at most "
        f"{MAX_VERIFY_DEPTH:,} layers one after the other (MAX_VERIFY_DEPTH)",
        "hint: Keras builds a model by recursing a few calls a layer, and deeper recursion risks the process's "
        f"stack; {command[0]} a shorter network with the same kinds of layers"]
    assert sorted(x.name for x in tmp_path.iterdir()) == ["deep.txt"]  # nothing written


def _archcalc(*args: str, stdin: str | None = None) -> list[str]:
    return [sys.executable, "-c", "from archcalc.cli import main; main()", *args]


def test_a_closed_pipe_ends_quietly_with_exit_0() -> None:
    """`archcalc summary resnet152 | head -1` exited 1 ("a check failed") with no message."""
    for fmt in ("table", "json"):
        p = subprocess.Popen(_archcalc("summary", "resnet152", "--format", fmt), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        assert p.stdout is not None
        p.stdout.readline()
        p.stdout.close()  # as `head -1` does
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
        assert err == b""


def test_check_gives_a_hostile_sheet_a_zero_and_grades_the_others(tmp_path: Path) -> None:
    data = Path(__file__).parent / "data" / "teaching"
    (tmp_path / "alice.csv").write_text((data / "small_right.csv").read_text())
    (tmp_path / "bob.yaml").write_text(LAUGHS)
    (tmp_path / "carol.csv").write_bytes(b"\rH")
    fifo = tmp_path / "dan.csv"
    os.mkfifo(fifo)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    r = subprocess.run(_archcalc("check", str(tmp_path), "--spec", str(data / "small_spec.txt")),
                       capture_output=True, text=True, timeout=120)
    lines = r.stdout.splitlines()
    assert r.returncode == 2
    assert lines[0].startswith("✓ alice")
    assert lines[1].startswith("✗ bob                     0        0.0%   unreadable: ")
    assert "holds more than 50,000 values (MAX_SHEET_NODES)" in lines[1]
    assert lines[2].startswith("✗ carol                   0        0.0%   unreadable: ")
    assert lines[-1] == "1 graded, 1 all right, mean 100.0%, 2 unreadable"  # a FIFO is no answer file: skipped


def test_gradescope_gets_a_zero_and_the_reason_for_a_hostile_sheet(tmp_path: Path) -> None:
    import json

    sheet = tmp_path / "answers.yaml"
    sheet.write_text("layers: &a [*a]\n")
    data = Path(__file__).parent / "data" / "teaching"
    r = subprocess.run(_archcalc("check", str(sheet), "--spec", str(data / "small_spec.txt"), "--format",
                                 "gradescope"), capture_output=True, text=True, timeout=120)
    results = json.loads(r.stdout)
    assert r.returncode == 2 and results["score"] == 0
    assert "nested more than 20 deep (MAX_SHEET_DEPTH)" in results["output"]


def test_store_and_load_keep_an_input_exactly(tmp_path: Path) -> None:
    from fuzzing import store

    case = Case("sheets", "layer,params\n\ud800\r\n", "csv")
    path = store(case, tmp_path)
    assert path.name.startswith("sheets-csv-") and path.suffix == ".csv"
    assert load(path) == case


def test_the_limits_are_documented() -> None:
    import archcalc.limits as L

    page = (Path(__file__).parent.parent / "docs" / "limits.md").read_text()
    missing = [name for name in L.__all__ if f"`{name}`" not in page]
    assert not missing and f"{MAX_LINE_LENGTH:,}" in page


def test_a_kill_during_the_first_checkpoint_is_resumable_and_leaves_no_temporary(tmp_path: Path) -> None:
    """A kill while the first checkpoint was written left an empty `.epoch-0001.*.keras` and no state:
    `--resume` refused the folder, and the empty file outlived even a successful run."""
    from archcalc.training.report import CHECKPOINT, check_output_dir
    from archcalc.training.run import killed_in_first_checkpoint, remove_temporaries

    out = tmp_path / "run"
    (out / CHECKPOINT).mkdir(parents=True)
    (out / CHECKPOINT / ".epoch-0001.k2j4x9.keras").write_bytes(b"")
    (out / ".model.a8d7q1.keras").write_bytes(b"")  # a kill while the final model was written
    assert killed_in_first_checkpoint(out / CHECKPOINT)
    assert check_output_dir(out, force=False, resume=True) == out / CHECKPOINT
    with pytest.raises(OutputError) as e:
        check_output_dir(out, force=False, resume=False)
    assert (e.value.hint or "").startswith("it holds an interrupted run: add --resume to continue it")
    remove_temporaries(out / CHECKPOINT, out)
    assert sorted(p.name for p in out.rglob("*")) == [CHECKPOINT]


def test_an_output_in_a_folder_that_cannot_be_entered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from archcalc.files import check_target

    def denied(self: Path, *args: object, **kwargs: object) -> os.stat_result:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "stat", denied)
    with pytest.raises(OutputError) as e:
        check_target(tmp_path / "locked" / "net.py")
    target = tmp_path / "locked" / "net.py"
    assert e.value.message == f"cannot write `{target}`: permission denied (on a folder of its path)"


def test_a_dangling_symlink_as_an_output_folder_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`mkdir` on a link to nothing says only "File exists": archcalc names the link and its target,
    for `exercise new --out` and for `train --output` (before any data or TensorFlow is loaded)."""
    link = tmp_path / "out"
    link.symlink_to(tmp_path / "gone")
    def code_of(args: list[str]) -> int | str | None:
        with pytest.raises(SystemExit) as exit_:
            main(args)
        return exit_.value.code

    code = code_of(["exercise", "new", "--seed", "3", "--out", str(link)])
    err = capsys.readouterr().err
    assert code == 2 and f"cannot create the folder `{link}`: it is a symbolic link to `{tmp_path / 'gone'}`" in err
    assert "File exists" not in err and not (tmp_path / "gone").exists()
    code = code_of(["train", "lenet5", "--dataset", "mnist", "--output", str(link / "run")])
    err = capsys.readouterr().err
    assert code == 2 and f"cannot create the output folder `{link / 'run'}`: `{link}` is a symbolic link" in err
    assert not (tmp_path / "gone").exists() and "Traceback" not in err


@pytest.mark.parametrize("args", [["summary", "lenet5"], ["summary", "lenet5", "--explain"],
                                  ["profile", "lenet5", "--no-run"]])
def test_a_batch_past_the_limit_is_refused(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """`--batch 10^20` printed exabytes with exit 0 and a 300-digit batch 300-digit byte counts; the
    largest batch (2^31 - 1) is still computed."""
    from archcalc import web
    from archcalc.analysis import analyze_network
    from archcalc.limits import MAX_BATCH

    for batch, code in ((10**20, 2), (10**300, 2), (MAX_BATCH + 1, 2), (MAX_BATCH, 0)):
        with pytest.raises(SystemExit) as exit_:
            main([*args, "--batch", str(batch)])
        out, err = capsys.readouterr()
        assert exit_.value.code == code, err
        if code:
            assert err.startswith(f"error: the batch size {batch:.3g} is more than archcalc computes with "
                                  "(2,147,483,647)") and not out
    net = parse_text("input 8x8\nconv3-4\n", "n.txt")[0]
    with pytest.raises(ArchcalcError, match="more than archcalc computes with"):
        analyze_network(net, batch=MAX_BATCH + 1)
    assert "more than archcalc computes with" in web.calculate("input 8x8\nconv3-4", batch=10**20)["error"]["text"]
