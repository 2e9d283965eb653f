"""Whatever a student hands in, `check` answers with a grade or an ArchcalcError, never a traceback."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archcalc.errors import ArchcalcError
from archcalc.paper import parse_paper
from archcalc.teaching.answers import read_text
from archcalc.teaching.grade import grade_sheet

NET = parse_paper((Path(__file__).parent / "data" / "teaching" / "small_spec.txt").read_text())[0]
cells = st.text(st.sampled_from(list("0123456789xX*,.()-+/=~ KMGBibyte^e_%$a")), max_size=15)
names = st.sampled_from(["conv3-8", "CONV3-16", "POOL2", "FC", "relu", "input", "", "x", "TOTAL", "FC-10"])


def _text(rows: list[tuple[str, str, str, str]], fmt: str) -> str:
    if fmt == "cs231n":
        return "\n".join(f"{n}: [{a}] memory: {b} weights: {c}" if n != "TOTAL"
                         else f"TOTAL memory: {b}\nTOTAL params: {c}" for n, a, b, c in rows)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["layer", "shape", "memory", "params"])
        w.writerows(rows)
        return buf.getvalue()
    if fmt == "markdown":
        return "| layer | shape | memory | params |\n|---|---|---|---|\n" + "\n".join(
            "| " + " | ".join(x.replace("|", "") for x in r) + " |" for r in rows)
    return "layers:\n" + "\n".join(
        f"  - {{name: {json.dumps(n)}, output_shape: {json.dumps(a)}, memory: {json.dumps(b)}, "
        f"params: {json.dumps(c)}}}" for n, a, b, c in rows)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(names, cells, cells, cells), min_size=1, max_size=7),
       st.sampled_from(["cs231n", "csv", "markdown", "yaml"]))
def test_random_tables_grade_or_raise_archcalc_errors(rows: list[tuple[str, str, str, str]], fmt: str) -> None:
    try:
        r = grade_sheet(read_text(_text(rows, fmt), fmt), NET)
    except ArchcalcError as e:
        assert e.message and e.render()
    else:
        assert 0 <= r.score <= r.max_score


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(st.sampled_from(list("0123456789xX*,.|:[]()-+/=~ KMGBib\n\tconvpolFCTOTALmemoryparams#{}\"'-_e^")),
               max_size=120),
       st.sampled_from(["cs231n", "csv", "markdown", "yaml", "json"]))
def test_random_text_grades_or_raises_archcalc_errors(text: str, fmt: str) -> None:
    try:
        grade_sheet(read_text(text, fmt), NET)
    except ArchcalcError as e:
        assert e.message
