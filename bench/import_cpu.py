"""Where an import's time goes, run after run: wall, this process's CPU (and of it the import's own thread),
the PostgreSQL backend's CPU, the load average. For comparing two versions of the code back to back on a
shared machine, where the wall time moves with the load and the CPU seconds much less.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/imp_bench .venv/bin/python bench/import_cpu.py \
        bench/out/dms_100k.csv [--runs 3] [--code /work/main]

Each run imports the file into a new store. `--code DIR` imports with another checkout's code (e.g. main).
"critical path" is the import thread's CPU plus the backend's: the wall time a quiet machine could reach
if everything else (another thread of this process, the reader process) ran beside them, or the reader
process's CPU when that is larger. The reader's CPU and peak RSS are those of the children waited for
(`getrusage(RUSAGE_CHILDREN)`: the largest child's peak), shown when a reader process ran.
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args()
    path = args.path.resolve()
    # That checkout's bench helpers, which put that checkout first on the path for Django.
    sys.path.insert(0, str(args.code.resolve() / "bench"))
    os.chdir(args.code)
    from bench_import import production_like
    from common import backend_cpu_seconds, bench_store, setup_django

    setup_django()
    production_like()
    from huifang.archive.importing.services import dms_import_file

    for run in range(1, args.runs + 1):
        store = bench_store(f"CPU{int(time.time() * 1000) % 10**9}")
        backend, cpu, thread_cpu = backend_cpu_seconds(), time.process_time(), time.thread_time()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        reader_cpu = children.ru_utime + children.ru_stime
        started = time.perf_counter()
        batch = dms_import_file(store=store, path=path, actor=None)
        wall = time.perf_counter() - started
        cpu, thread_cpu = time.process_time() - cpu, time.thread_time() - thread_cpu
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        reader_cpu = children.ru_utime + children.ru_stime - reader_cpu
        backend = None if backend is None else backend_cpu_seconds() - backend
        figures = f"run {run}: {batch.status}, {batch.rows_total:,} rows, wall {wall:.1f} s, Python CPU {cpu:.1f} s "
        figures += f"(import thread {thread_cpu:.1f} s)"
        if reader_cpu > 0.05:
            figures += f", reader process CPU {reader_cpu:.1f} s"
        if backend is not None:
            figures += f", backend CPU {backend:.1f} s, critical path {max(thread_cpu + backend, reader_cpu):.1f} s"
        figures += f", peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
        if reader_cpu > 0.05:
            figures += f" (reader {children.ru_maxrss / 1024:.0f} MB)"
        print(f"{figures}, load {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
