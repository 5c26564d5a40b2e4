"""Time one `manage.py open_year` run and what the machine did meanwhile.

    python bench/open_year/measure.py DB_NAME -- manage.py open_year --year 2027 --carry-over

Runs the command (its environment is this process's), polling /proc every 0.2 s for the CPU
of the command and of the PostgreSQL backends serving DB_NAME, and the whole machine's busy
CPU; prints one JSON line: seconds, the command's summary line, and cores used by the
command, by its database backends and by everything else ("other": another benchmark or a
test run on the same machine makes the timing unfair, see bench/README.md)."""

import json
import os
import subprocess
import sys
import time

TICKS = os.sysconf("SC_CLK_TCK")


def busy_and_total() -> tuple[int, int]:
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def cpu_ticks(pid: int) -> int | None:
    """utime + stime of one process (children it waited for included), or None when gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return sum(int(v) for v in fields[11:15])


def backends(database: str) -> list[int]:
    """PostgreSQL backends serving `database` (their title names it)."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as cmdline:
                title = cmdline.read().decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres:") and f" {database} " in title:
            pids.append(int(name))
    return pids


def main() -> None:
    database, command = sys.argv[1], sys.argv[sys.argv.index("--") + 1 :]
    seen: dict[int, int] = {}  # pid → last CPU ticks seen (a backend ends with the command)
    busy0, total0 = busy_and_total()
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while process.poll() is None:
        for pid in backends(database):
            ticks = cpu_ticks(pid)
            if ticks is not None:
                seen[pid] = max(seen.get(pid, 0), ticks)
        time.sleep(0.2)
    seconds = time.monotonic() - started
    stdout, stderr = process.communicate()
    busy1, total1 = busy_and_total()
    # The command's own CPU, exact once it ended (children time of this process).
    usage = os.times()
    command_cpu = usage.children_user + usage.children_system
    database_cpu = sum(seen.values()) / TICKS
    machine_cores = (busy1 - busy0) / (total1 - total0) * os.cpu_count() if total1 > total0 else 0
    summary = [line for line in stdout.splitlines() if line.startswith("Opened")]
    print(
        json.dumps(
            {
                "ok": process.returncode == 0,
                "seconds": round(seconds, 2),
                "summary": summary[-1] if summary else "",
                "command_cores": round(command_cpu / seconds, 2),
                "database_cores": round(database_cpu / seconds, 2),
                "other_cores": round(
                    max(0.0, machine_cores - (command_cpu + database_cpu) / seconds), 2
                ),
                "stderr": stderr[-2000:],
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
