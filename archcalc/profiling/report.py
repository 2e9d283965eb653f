"""Renderers of a :class:`.profile.Profile`: a terminal table, JSON, CSV and Markdown. Formatting only."""

from __future__ import annotations

import csv
import io
import json
import math

from ..render import human_bytes
from .profile import Profile


def _seconds(s: float | None) -> str:
    if s is None or not math.isfinite(s):
        return "-"
    if s >= 1:
        return f"{s:,.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:,.1f} ms"
    return f"{s * 1e6:,.0f} µs"


def _rate(x: float | None) -> str:
    return "-" if not x or not math.isfinite(x) else f"{x:,.1f}"


def rows(p: Profile) -> list[tuple[str, str, str, str]]:
    """(quantity, estimate, measured, estimate / measured) of the comparison table."""
    m, meas, r = p.analysis.memory, p.measured, p.roofline
    mem_ratio = f"{m.training / meas.peak_bytes:.2f}" if meas and meas.fits and meas.peak_bytes else "-"
    out = [("peak training memory", human_bytes(m.training),
            human_bytes(meas.peak_bytes) if meas and meas.fits else ("did not fit" if meas else "not measured"),
            mem_ratio)]
    est_t = r.step_seconds if r else None
    meas_t = meas.median_step_seconds if meas and meas.fits else None
    t_ratio = f"{est_t / meas_t:.2f}" if est_t and meas_t else "-"
    out.append(("step time", _seconds(est_t) + (" (roofline)" if r else ""),
                _seconds(meas_t) + (f" (median of {len(meas.step_seconds)})" if meas_t and meas else ""), t_ratio))
    out.append(("images per second", _rate(r.images_per_second if r else None),
                _rate(meas.images_per_second if meas and meas.fits else None), "-"))
    return out


def notes(p: Profile) -> list[str]:
    """The lines under the table: what the estimate is made of, how it was measured, the roofline's device."""
    m = p.analysis.memory
    model = m.model
    assert model is not None
    b = human_bytes
    where = f"the {model.peak_phase} pass at layer {model.peak_layer} ({p.analysis.rows[model.peak_layer - 1].name})"
    lines = [
        f"estimate ({model.convention}): weights {b(model.parameters)} + gradients {b(model.gradients)} "
        f"+ {m.optimizer} state {b(model.optimizer_state)} + its temporaries {b(model.optimizer_temporaries)} "
        f"+ framework {b(model.framework)}",
        f"  + at the peak, in {where}: input {b(model.input)} + saved activations {b(model.saved)} "
        f"+ gradients in flight {b(model.gradients_in_flight)} + workspace {b(model.workspace)}",
    ]
    if model.assumed:
        lines.append("  kinds without a memory rule, taken to keep input and output: " + ", ".join(model.assumed))
    if p.measured is not None:
        meas = p.measured
        lines.append(f"measured: {meas.method}; {len(meas.step_seconds)} timed steps after "
                     f"{meas.detail.get('warmup_steps', '?')} warm-up step(s), in a fresh process"
                     + (f" (stopped: {meas.detail['stopped']})" if "stopped" in meas.detail else ""))
    r = p.roofline
    if r is not None:
        lines.append(f"roofline: {r.device}: {r.peak_flops / 1e12:,.3g} TFLOP/s, {r.bandwidth / 1e9:,.0f} GB/s "
                     f"({r.source})")
        if r.dominant is not None:
            share = r.dominant.seconds / r.step_seconds if r.step_seconds else 0
            lines.append(f"  dominant layer: {r.dominant.index} {r.dominant.name} ({r.dominant.bound}-bound, "
                         f"{share:.0%} of the estimated step)")
    f = p.fit
    if f is not None:
        lines.append(f"fit in {b(f.budget)}: predicted batch {f.predicted:,}"
                     + (f"; measured: {f.batch:,} fits" if f.runs else " (not measured)")
                     + (f", {f.smallest_not_fitting:,} does not" if f.smallest_not_fitting else "")
                     + (f"; next power of two: {f.verdict()}" if f.runs else ""))
        for run in f.runs:
            ok = run.fits and run.peak_bytes <= f.budget
            lines.append(f"  batch {run.batch:,}: " + (b(run.peak_bytes) if run.fits else
                                                    run.detail.get("stopped", run.method))
                         + (": fits" if ok else ": does not fit"))
    lines.extend(p.notes)
    return lines


def title(p: Profile) -> str:
    m = p.analysis.memory
    dev = p.measured.detail.get("cpu_name") or p.measured.detail.get("gpu_name") if p.measured else None
    return (f"{p.analysis.network}  ·  batch {m.batch}  ·  {p.analysis.settings['dtype']}  ·  {m.optimizer}  ·  "
            f"{dev or p.device}")


def rich_parts(p: Profile) -> list:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title(p), title_justify="left", header_style="bold", pad_edge=False, box=None)
    for c, j in (("", "left"), ("estimate", "right"), ("measured", "right"), ("estimate / measured", "right")):
        table.add_column(c, justify=j)  # type: ignore[arg-type]
    for row in rows(p):
        table.add_row(*row)
    return [table, Text("\n".join(notes(p)))]


def json_text(p: Profile) -> str:
    return json.dumps(p.to_dict(), indent=2, default=str) + "\n"


CSV_COLUMNS = ("network", "batch", "dtype", "optimizer", "device", "convention", "estimate_bytes", "measured_bytes",
               "estimate_over_measured", "roofline_step_seconds", "measured_step_seconds", "images_per_second",
               "roofline_device", "dominant_layer", "fit_budget", "fit_predicted", "fit_batch")


def csv_text(p: Profile) -> str:
    d = p.to_dict()
    meas, roof, fit = d.get("measured") or {}, d.get("roofline") or {}, d.get("fit_memory") or {}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    w.writerow([d["network"], d["batch"], d["dtype"], d["optimizer"], d["device"], d["convention"],
                d["estimate"]["training_total"], meas.get("peak_bytes", ""), d.get("estimate_over_measured", ""),
                roof.get("step_seconds", ""), meas.get("median_step_seconds", ""), meas.get("images_per_second", ""),
                roof.get("device", ""), (roof.get("dominant") or {}).get("name", ""), fit.get("budget", ""),
                fit.get("predicted", ""), fit.get("batch", "")])
    return buf.getvalue()


def markdown_text(p: Profile) -> str:
    lines = [f"**{title(p)}**", "", "| | estimate | measured | estimate / measured |", "|---|---:|---:|---:|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows(p)]
    lines += ["", *(f"- {n.strip()}" for n in notes(p))]
    return "\n".join(lines) + "\n"
