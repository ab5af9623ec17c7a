"""Sample a running server with py-spy and say where its Python time goes."""

import subprocess
import sys
from collections import Counter
from pathlib import Path

_PY_SPY = Path(sys.executable).with_name("py-spy")
_RATE = 250  # samples per second


def available() -> bool:
    return _PY_SPY.exists()


def record(pid: int, seconds: float, raw: Path) -> str:
    """Sample the process and its children (uvicorn's workers) for `seconds`, only threads
    holding the GIL (`--gil`), without pausing them (`--nonblocking`); write the raw stacks to
    `raw` and their summary next to it, and return the summary."""
    subprocess.run(
        [
            str(_PY_SPY), "record", "--pid", str(pid), "--subprocesses", "--gil",
            "--nonblocking", f"--rate={_RATE}", f"--duration={seconds:g}",
            "--format=raw", f"--output={raw}",
        ],
        check=True, capture_output=True, timeout=seconds + 60,
    )  # fmt: skip
    summary = summarise(raw, _RATE * seconds)
    raw.with_suffix(".summary.txt").write_text(summary)
    return summary


def _package(frame: str) -> str:
    """`Session.execute (sqlalchemy/orm/session.py:2555)` -> `sqlalchemy`."""
    where = frame.rpartition("(")[2]
    first = where.split("/")[0]
    return first.split(".py")[0] if first.endswith(".py") or ".py:" in first else first


def summarise(raw: Path, ticks: float) -> str:
    """Where the GIL-holding thread spends its time: by package (self time), top functions
    (self time) and Fawtara's own functions (inclusive)."""
    own, packages, inclusive = (Counter[str]() for _ in range(3))
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples, frames = int(count), stack.split(";")
        # py-spy --subprocesses puts the (parent) process first: `process 123:"…"`.
        if frames[0].startswith("process "):
            frames = frames[1:]
        if not frames:
            continue
        own[frames[-1]] += samples
        packages[_package(frames[-1])] += samples
        for frame in set(frames):
            if "(fawtara/" in frame:
                inclusive[frame] += samples
    total = sum(own.values())
    if not total:
        return "[profile] no samples\n"
    lines = [
        f"[profile] {raw.name}: {total} samples while some thread held a GIL: "
        f"{total / ticks:.0%} of the time (summed over worker processes; 100% = one core "
        "busy running Python)",
        "  self time by package:",
        *(f"    {n / total:6.1%}  {name}" for name, n in packages.most_common(10)),
        "  self time, top functions:",
        *(f"    {n / total:6.1%}  {name}" for name, n in own.most_common(15)),
        "  Fawtara functions, inclusive:",
        *(f"    {n / total:6.1%}  {name}" for name, n in inclusive.most_common(12)),
    ]
    return "\n".join(lines) + "\n"
