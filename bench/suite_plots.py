"""The performance suite's plots (PNG, matplotlib): throughput against connections per operation,
latency and throughput against store size, the servers' memory, uvicorn against granian."""

import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt
import operations
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from suite_report import BACKEND_NAMES
from suite_results import Cell, Results

WORKER_COLOURS = {1: "tab:blue", 2: "tab:orange"}
BACKEND_COLOURS = {"sqlite": "tab:green", "postgres": "tab:purple"}
SERVER_COLOURS = {"uvicorn": "tab:blue", "granian": "tab:red"}
DPI = 110


def draw(results: Results, folder: Path) -> dict[str, Path]:
    """Draw every plot the results allow into `folder`; {title: path}."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()  # plots of a previous run that this one does not make again
    plots = {}
    for backend in ("sqlite", "postgres"):
        cells = [c for c in results.cells if c.part == "ops" and c.backend == backend]
        if cells:
            title = f"Throughput against connections, {BACKEND_NAMES[backend]}"
            plots[title] = _throughput(cells, backend, folder / f"throughput-{backend}.png")
    if results.sizes:
        plots["Latency and throughput against store size"] = _sizes(
            results, folder / "store-size.png"
        )
    if any(run.memory for c in results.cells for run in c.fawtara):
        plots["Server memory under load"] = _memory(results, folder / "memory.png")
    if any(c.part == "servers" for c in results.cells):
        plots["uvicorn against granian"] = _servers(results, folder / "servers.png")
    return plots


def _thousands(value: float, _position: int) -> str:
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def _throughput(cells: list[Cell], backend: str, path: Path) -> Path:
    names = [op.name for op in operations.OPERATIONS if any(c.operation == op.name for c in cells)]
    columns = min(len(names), 4)
    rows = -(-len(names) // columns)
    figure, axes = plt.subplots(
        rows, columns, figsize=(4.2 * columns, 3.6 * rows), squeeze=False, sharey=True
    )
    for ax, name in zip(axes.flat, names, strict=False):
        mine = [c for c in cells if c.operation == name]
        for workers in sorted({c.workers for c in mine}):
            line = sorted((c for c in mine if c.workers == workers), key=lambda c: c.connections)
            x = [c.connections for c in line]
            colour = WORKER_COLOURS.get(workers, "tab:gray")
            fawtara = [c.rps() or math.nan for c in line]  # 0 has no place on a log scale
            ax.plot(x, fawtara, "o-", color=colour, label=f"Fawtara, {workers} worker(s)")
            ax.plot(
                x, [c.rps("baseline") for c in line], "s--", color=colour, alpha=0.55,
                label=f"baseline, {workers} worker(s)",
            )  # fmt: skip
            flagged = [c for c in line if c.flagged]
            if flagged:
                ax.plot(
                    [c.connections for c in flagged], [max(c.rps(), 1) for c in flagged], "x",
                    color="red", markersize=11, markeredgewidth=2.5, label="run with errors",
                )  # fmt: skip
        ax.set_title(name, fontsize=11)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(sorted({c.connections for c in mine}))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
        ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
        ax.grid(True, which="both", alpha=0.3)
        ax.set_xlabel("connections")
    for ax in axes[:, 0]:
        ax.set_ylabel("requests / second (log)")
    for ax in list(axes.flat)[len(names) :]:
        ax.axis("off")
    legend: dict[str, Any] = {}
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(label, handle)
    figure.legend(
        list(legend.values()), list(legend), loc="lower center", ncol=len(legend), frameon=False
    )
    title = (
        f"Fawtara (solid) and the same-bytes baseline (dashed), {BACKEND_NAMES[backend]}, "
        "by worker count"
    )
    return _save(figure, path, title, bottom=0.05)


def _sizes(results: Results, path: Path) -> Path:
    names = [n for n in ("get", "list") if any(c.operation == n for c in results.sizes)]
    figure, axes = plt.subplots(2, len(names), figsize=(5.5 * len(names), 7), squeeze=False)
    for column, name in enumerate(names):
        latency, throughput = axes[0, column], axes[1, column]
        for backend in ("sqlite", "postgres"):
            cells = sorted(
                (c for c in results.sizes if c.backend == backend and c.operation == name),
                key=lambda c: c.size,
            )
            if not cells:
                continue
            x = [c.size for c in cells]
            colour = BACKEND_COLOURS[backend]
            label = BACKEND_NAMES[backend]
            latency.plot(x, [c.p50() for c in cells], "o-", color=colour, label=f"{label} p50")
            latency.plot(x, [c.p99() for c in cells], "s--", color=colour, label=f"{label} p99")
            throughput.plot(x, [c.rps() for c in cells], "o-", color=colour, label=label)
        latency.set_title(f"{name}: latency", fontsize=11)
        latency.set_ylabel("ms")
        throughput.set_title(f"{name}: throughput", fontsize=11)
        throughput.set_ylabel("requests / second")
        throughput.yaxis.set_major_formatter(FuncFormatter(_thousands))
        for ax in (latency, throughput):
            ax.set_xscale("log")
            ax.set_xlabel("invoices in the store (log)")
            ax.set_ylim(bottom=0)
            ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=8)
    first = results.sizes[0]
    where = f"{first.workers} worker(s), {first.connections} connections"
    return _save(figure, path, f"Fawtara as the store grows ({where})")


def _memory(results: Results, path: Path) -> Path:
    keys = sorted(
        {(c.backend, c.server, c.workers) for c in results.cells},
        key=lambda k: (k[0] != "sqlite", k[1] != "uvicorn", k[2]),
    )
    medians, peaks, largest, rest = [], [], [], []
    for key in keys:
        runs = [
            run.memory
            for c in results.cells
            if (c.backend, c.server, c.workers) == key
            for run in c.fawtara
            if run.memory is not None
        ]
        medians.append(max((m.median_total_mb for m in runs), default=0))
        peaks.append(max((m.peak_total_mb for m in runs), default=0))
        largest.append(max((m.peak_process_mb for m in runs), default=0))
        rest.append(
            max(
                (s.rest_mb for s in results.servers if (s.backend, s.server, s.workers) == key),
                default=0,
            )
        )
    figure, ax = plt.subplots(figsize=(max(6.0, 1.6 * len(keys) + 2), 4.5))
    width = 0.2
    x = range(len(keys))
    bars = (
        ("at rest", rest, "tab:gray"),
        ("highest median under load", medians, "tab:blue"),
        ("peak, all processes", peaks, "tab:red"),
        ("peak, largest process", largest, "tab:orange"),
    )
    for i, (label, values, colour) in enumerate(bars):
        positions = [p + (i - 1.5) * width for p in x]
        drawn = ax.bar(positions, values, width, label=label, color=colour)
        ax.bar_label(drawn, fmt="%.0f", fontsize=7)
    ax.set_xticks(list(x))
    ax.set_xticklabels([f"{BACKEND_NAMES[b]}\n{s}, {w} worker(s)" for b, s, w in keys], fontsize=9)
    ax.set_ylabel("RSS, MB")
    ax.set_ylim(top=max([*peaks, *rest, 1.0]) * 1.3)  # room for the legend above the bars
    ax.legend(fontsize=8, loc="upper center", ncol=len(bars))
    ax.grid(True, axis="y", alpha=0.3)
    return _save(figure, path, "Fawtara's server processes: RSS during the operations' runs")


def _servers(results: Results, path: Path) -> Path:
    """One row per operation (their scales differ a hundredfold): requests/second and p99 of
    each server, per backend and worker count; a run with errors is marked."""
    cells = [c for c in results.cells if c.part == "servers"]
    names = [n for n in ("get", "create") if any(c.operation == n for c in cells)]
    names += sorted({c.operation for c in cells} - set(names))
    groups = sorted({(c.backend, c.workers) for c in cells}, key=lambda k: (k[0] != "sqlite", k[1]))
    servers = sorted({c.server for c in cells}, key=lambda s: s != "uvicorn")
    width = 0.8 / len(servers)
    figure, axes = plt.subplots(
        len(names), 2, figsize=(max(8.0, 2.4 * len(groups) + 4), 3.4 * len(names)), squeeze=False
    )
    for row, name in enumerate(names):
        rps_ax, p99_ax = axes[row]
        for i, server in enumerate(servers):
            found = [
                next((c for c in cells if (c.backend, c.workers, c.operation, c.server)
                      == (*group, name, server)), None)
                for group in groups
            ]  # fmt: skip
            positions = [p + (i - (len(servers) - 1) / 2) * width for p in range(len(groups))]
            colour = SERVER_COLOURS.get(server, "tab:gray")
            _bars(rps_ax, positions, found, "rps", width, server, colour, "{:,.0f}")
            _bars(p99_ax, positions, found, "p99", width, server, colour, "{:.1f}")
        labels = [f"{BACKEND_NAMES[b]}, {w} worker(s)" for b, w in groups]
        for ax, title in ((rps_ax, "requests / second"), (p99_ax, "p99, ms")):
            ax.set_xticks(range(len(groups)))
            ax.set_xticklabels(labels, fontsize=9)
            ax.set_title(f"{name}: {title}", fontsize=11)
            ax.grid(True, axis="y", alpha=0.3)
            ax.margins(y=0.15)
        rps_ax.legend(fontsize=8)
    title = "Fawtara under uvicorn and granian, 64 connections (red figures: runs with errors)"
    return _save(figure, path, title)


def _save(figure: Figure, path: Path, title: str, bottom: float = 0.0) -> Path:
    figure.suptitle(title, fontsize=12)
    figure.tight_layout(rect=(0, bottom, 1, 0.95))
    figure.savefig(path, dpi=DPI)
    plt.close(figure)
    return path


def _bars(
    ax: Axes, positions: list[float], cells: list[Cell | None], figure: str, width: float,
    label: str, colour: str, fmt: str,
) -> None:  # fmt: skip
    values = [getattr(c, figure)() if c else 0.0 for c in cells]
    drawn = ax.bar(positions, values, width, label=label, color=colour)
    texts = ax.bar_label(drawn, labels=[fmt.format(v) for v in values], fontsize=7)
    for text, cell in zip(texts, cells, strict=True):
        if cell is not None and cell.flagged:
            text.set_color("red")
            text.set_text(f"{text.get_text()} (errors)")
