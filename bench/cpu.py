"""CPU used by process trees and by the whole machine, read from /proc
(Linux), so that a benchmark can say where the cores went: to the servers,
to its own load generator, or to whatever else runs on the machine."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def process_table() -> dict[int, tuple[int, float, float]]:
    """pid -> (parent pid, its own CPU seconds, those of its reaped children)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:  # it exited meanwhile
            continue
        # The command name, in parentheses, may hold spaces: split after it.
        fields = text[text.rindex(")") + 2 :].split()
        own = (int(fields[11]) + int(fields[12])) / TICKS
        reaped = (int(fields[13]) + int(fields[14])) / TICKS
        table[int(entry.name)] = (int(fields[1]), own, reaped)
    return table


def tree_seconds(table: dict[int, tuple[int, float, float]], root: int) -> float:
    """CPU seconds of `root` and every descendant, living or reaped."""
    children: dict[int, list[int]] = {}
    for pid, (parent, _own, _reaped) in table.items():
        children.setdefault(parent, []).append(pid)
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        if pid in table:
            _parent, own, reaped = table[pid]
            total += own + reaped
            stack.extend(children.get(pid, []))
    return total


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent not idle since boot."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / TICKS


class CpuMeter:
    """Shares of one core used between start() and stop(): by each named
    server's process tree (`roots()` names their root pids), by this
    process (`generator`) and by everything else on the machine (`other`)."""

    def __init__(self, roots: Callable[[], dict[str, int]]) -> None:
        self.roots = roots
        self.before: dict[str, float] = {}

    def snapshot(self) -> dict[str, float]:
        table = process_table()
        named = {name: tree_seconds(table, pid) for name, pid in self.roots().items()}
        _parent, own, _reaped = table[os.getpid()]
        return {**named, "generator": own, "machine": machine_busy_seconds()}

    def start(self) -> None:
        self.before = self.snapshot()

    def stop(self, seconds: float) -> dict[str, float]:
        after = self.snapshot()
        shares = {
            name: max(0.0, after[name] - self.before.get(name, after[name])) / seconds
            for name in after
        }
        servers = sum(value for name, value in shares.items() if name != "machine")
        shares["other"] = max(0.0, shares.pop("machine") - servers)
        return shares
