"""The filters of the docs hook's ``archcalc-run`` markers (docs/hooks/archcalc_docs.py), and the reference pages
that use them: every output they show is generated, from a spec file that exists."""

from __future__ import annotations

import doctest
import importlib.util
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = ["spec-language.md", "formulas.md"]


@pytest.fixture(scope="module")
def hook() -> ModuleType:
    pytest.importorskip("mkdocs")
    path = DOCS / "hooks" / "archcalc_docs.py"
    spec = importlib.util.spec_from_file_location("docs_hooks_archcalc_docs_filters", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def block(hook: ModuleType, marker: str, expected: int = 0) -> tuple[str, str]:
    """The ``$ archcalc ...`` line and the output of a marker's block."""
    text = hook.run_block(marker, expected)
    assert text.startswith("```text\n$ archcalc ") and text.endswith("\n```")
    command, _, output = text[len("```text\n"):-len("\n```")].partition("\n")
    return command, output


def test_the_hooks_examples_run(hook: ModuleType) -> None:
    assert doctest.testmod(hook).failed == 0


def test_a_marker_without_filters_is_shown_as_written(hook: ModuleType) -> None:
    command, output = block(hook, "summary tiny.txt")
    assert command == "$ archcalc summary tiny.txt"
    assert output.startswith("tiny  ·  input 28x28x1") and "memory, training" in output


def test_markers_split_on_bars_with_shell_quoting(hook: ModuleType) -> None:
    assert hook.parse_marker("summary a.txt | grep 'a|b' | lines 1-2") == (
        ["summary", "a.txt"], [["grep", "a|b"], ["lines", "1-2"]])
    assert hook.parse_marker("summary a.txt --net x") == (["summary", "a.txt", "--net", "x"], [])
    for bad in ("summary a.txt |", "| head 2", "summary 'a.txt", "summary a.txt | | head 2"):
        with pytest.raises(hook.PluginError):
            hook.parse_marker(bad)


def test_head_and_grep_are_shown_as_the_shell_command(hook: ModuleType) -> None:
    command, output = block(hook, "compare cifar_vgg.txt tiny.txt --format csv | head 2")
    assert command == "$ archcalc compare cifar_vgg.txt tiny.txt --format csv | head -n 2"
    assert output == "quantity,cifar-vgg,tiny\ninput,32x32x3,28x28x1"
    command, output = block(hook, "compare cifar_vgg.txt tiny.txt --format csv | grep '^(MACs per|layers,)'")
    assert command == "$ archcalc compare cifar_vgg.txt tiny.txt --format csv | grep -E '^(MACs per|layers,)'"
    assert [line.split(",")[0] for line in output.splitlines()] == ["layers", "MACs per example"]


@pytest.mark.skipif(not shutil.which("grep"), reason="no grep")
def test_grep_prints_what_grep_prints(hook: ModuleType) -> None:
    text = hook.run(["compare", "vgg16", "vgg19", "--format", "csv"])
    regex = "quantity|MACs|FLOPs"
    real = subprocess.run(["grep", "-E", regex], input=text, capture_output=True, text=True, check=True).stdout
    assert hook.grep(text.rstrip(), [regex])[0] == real.rstrip("\n")


JQ_PROGRAMS = [
    ([], ".totals, .memory"),
    (["-c"], ".layers[] | [.index, .name, .receptive_field.size, .receptive_field.stride]"),
    ([], ".layers[0]"),
    (["-c"], ".layers[-1].output_shape"),
    (["-c"], "[.layers[].params]"),
    ([], '.["totals"].macs'),
    ([], ".settings | .[]"),
    ([], ".nothing"),
    (["-c"], "."),
]


@pytest.mark.parametrize(("flags", "program"), JQ_PROGRAMS)
def test_json_prints_what_jq_prints(hook: ModuleType, flags: list[str], program: str) -> None:
    text = hook.run(["summary", "tiny.txt", "--format", "json"])
    out, command = hook.json_filter(text, [*flags, program])
    assert command == shlex.join(["jq", *flags, program])
    if shutil.which("jq"):
        real = subprocess.run(["jq", *flags, program], input=text, capture_output=True, text=True, check=True)
        assert out == real.stdout.rstrip("\n")


def test_json_shows_the_jq_command(hook: ModuleType) -> None:
    command, output = block(hook, "summary tiny.txt --format json | json -c '.layers[] | [.index, .params]'")
    assert command == "$ archcalc summary tiny.txt --format json | jq -c '.layers[] | [.index, .params]'"
    assert output.splitlines()[0] == "[1,320]" and len(output.splitlines()) == 4
    command, output = block(hook, "summary tiny.txt --format json | json .totals.params")
    assert command == "$ archcalc summary tiny.txt --format json | jq .totals.params" and output.isdigit()


@pytest.mark.parametrize("program", [".a | length", "..", ".a[1:2]", ".a +", "[.a", ".a]", "map(.x)", ".a.[0"])
def test_json_refuses_what_it_does_not_know(hook: ModuleType, program: str) -> None:
    with pytest.raises(hook.PluginError):
        hook.jq(program, {"a": [1, 2]})


def test_json_needs_json_and_indexable_values(hook: ModuleType) -> None:
    with pytest.raises(hook.PluginError, match="--format json"):
        hook.json_filter("not json", [".a"])
    with pytest.raises(hook.PluginError, match="cannot index"):
        hook.jq(".a.b", {"a": 3})
    assert hook.jq(".a[5], .b.c, .[\"a\"][0]", {"a": [1]}) == [None, None, 1]


def test_table_leaves_out_the_footer_of_each_network(hook: ModuleType) -> None:
    full = hook.run(["summary", "grammar.txt"])
    command, output = block(hook, "summary grammar.txt | table")
    assert command == "$ archcalc summary grammar.txt   # (excerpt: the table)"
    assert output.count("Total") == 2 and "tiny-b  ·  input 32x32x3" in output
    assert "memory, training" not in output and "parameters:" not in output
    assert "\n      Total" in output and output.rstrip().splitlines()[-1].lstrip().startswith("Total")
    assert "Total" in full and full.count("memory, training") == 2


def test_footer_keeps_the_footer_only(hook: ModuleType) -> None:
    command, output = block(hook, "summary tiny.txt --fit-memory 1GiB | footer")
    assert command == "$ archcalc summary tiny.txt --fit-memory 1GiB   # (excerpt: the footer)"
    assert output.lstrip().startswith("parameters:") and "fits in" in output.splitlines()[-1]
    assert "Layer" not in output and "Total" not in output


def test_working_keeps_the_plain_text_of_explain(hook: ModuleType) -> None:
    command, output = block(hook, "summary tiny.txt --format markdown --explain | working")
    assert command == "$ archcalc summary tiny.txt --format markdown --explain   # (excerpt: the working)"
    assert output.startswith("tiny: input 28x28x1\n  1. conv3-32") and "```" not in output and "|" not in output


def test_layers_keeps_rows_of_a_table_and_blocks_of_the_working(hook: ModuleType) -> None:
    command, output = block(hook, "summary vgg16 | layers 1-2,20-")
    assert command == "$ archcalc summary vgg16   # (excerpt: layers 1-2 and 20-end)"
    rows = [line.split()[0] for line in output.splitlines() if re.match(r"\s+(\d+|…)(\s|$)", line)]
    assert rows == ["1", "2", "…", "20", "21"]
    assert "Total" in output and "memory, training" in output  # everything that is not a layer stays
    command, output = block(hook, "summary tiny.txt --format markdown --explain | working | layers 2")
    assert command.endswith("# (excerpt: the working, layers 2)")
    assert output.splitlines()[:3] == ["tiny: input 28x28x1", "  …", "  2. maxpool  ->  14x14x32"]
    assert output.splitlines()[-1] == "  …" and "conv3-32" not in output


def test_lines_keeps_numbered_lines(hook: ModuleType) -> None:
    full = hook.run(["summary", "tiny.txt"]).rstrip().splitlines()
    command, output = block(hook, "summary tiny.txt | lines 1,5-6")
    assert command == "$ archcalc summary tiny.txt   # (excerpt: lines 1 and 5-6)"
    assert [line.strip() for line in output.splitlines()] == [full[0].strip(), "…", full[4].strip(), full[5].strip(),
                                                              "…"]


def test_status_shows_the_exit_code(hook: ModuleType) -> None:
    command, output = block(hook, "summary broken.txt | status", 2)
    assert command == '$ archcalc summary broken.txt; echo "exit code $?"'
    assert output.startswith("error: unknown layer kind") and output.endswith("\nexit code 2")


@pytest.mark.parametrize("marker", [
    "summary tiny.txt | table | head 3",  # the command shown would not print this
    "summary tiny.txt | status | table",
    "summary tiny.txt | head 3 | status",
    "summary tiny.txt | sort",
    "summary tiny.txt | grep NOTHING_MATCHES",
    "summary tiny.txt | lines 900-",
    "summary tiny.txt | lines a-b",
    "summary tiny.txt | head 0",
    "summary tiny.txt --format markdown | working",
    "summary tiny.txt --format json | table",
    "summary tiny.txt --format json | layers 1",
    "summary tiny.txt | table extra",
])
def test_a_filter_that_cannot_do_its_job_fails_the_build(hook: ModuleType, marker: str) -> None:
    with pytest.raises(hook.PluginError):
        hook.run_block(marker)


def test_markers_with_filters_are_replaced_in_pages(hook: ModuleType) -> None:
    page = "A\n<!-- archcalc-run: summary tiny.txt | table -->\n<!-- archcalc-run[2]: summary broken.txt | status -->\n"
    out = hook.on_page_markdown(page, None, None, None)
    assert "$ archcalc summary tiny.txt   # (excerpt: the table)" in out and "exit code 2\n```" in out
    # Each marker stays (invisible), its output under it up to the end marker: GitHub shows the same.
    assert out.count(hook.END) == 2 and out.index("<!-- archcalc-run[2]") > out.index(hook.END)


@pytest.mark.parametrize("page", PAGES)
def test_reference_pages_show_only_generated_outputs(hook: ModuleType, page: str) -> None:
    text = (DOCS / page).read_text()
    by_hand = hook.REGION.sub("", text)  # the page without the generated regions
    assert not re.search(r"^\$ archcalc", by_hand, re.M), "an output pasted by hand: use an archcalc-run marker"
    markers = re.findall(r"<!-- archcalc-run(?:\[\d+\])?: (\S+) (\S+)", text)
    assert markers
    for _, spec in markers:  # a file of docs/examples/ or a bundled spec
        assert (DOCS / "examples" / spec).exists() or "." not in spec, spec
    for name in re.findall(r"^<!-- archcalc-include\[\w+\]: docs/examples/(\S+) -->", text, re.M):
        assert (DOCS / "examples" / name).exists(), name
        assert f"[`{name}`](examples/{name})" in text  # the listing links the file it shows
