"""An index build in its own process at a lower CPU priority, so that queries always win over it.

Built inside a serving worker, a build shares the worker's encoder (one lock) and its interpreter (one GIL) with
the queries: during a reindex one request waited 34 s. In a child process (`qi index`, niced by `build_nice`, one
encoder thread) the serving process keeps its encoder and its interpreter to itself, and the kernel gives the
queries the CPU first. The child swaps the new index in atomically; every worker then loads it (engine/index/live.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from engine.config import ROOT, Settings
from engine.errors import BuildFailed
from engine.index.store import read_manifest


def build_in_subprocess(settings: Settings, timeout: float = 3600) -> dict:
    """Run `qi index` for these settings in a niced child process; the new index's manifest."""
    args = [sys.executable, "-m", "engine.cli", "--db", settings.database_url, "--index-dir",
            str(settings.index_dir), "--encoder", settings.encoder, "index"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "QI_VECTOR_INDEX": settings.vector_index,
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    if settings.build_nice and shutil.which("nice"):  # coreutils' nice: no preexec_fn in a threaded server
        args = ["nice", "-n", str(settings.build_nice), *args]
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["(no output)"]
        raise BuildFailed(f"索引构建进程失败（退出码 {done.returncode}）：{tail[0]}")
    return read_manifest(settings.index_dir)
