"""The command line: `python -m benchmarks.thumbnails --help`."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import benchmarks.thumbnails as package
from benchmarks.thumbnails.inputs import make_inputs
from benchmarks.thumbnails.load import supervisor_memory
from benchmarks.thumbnails.log import say
from benchmarks.thumbnails.report import jsonable, memory_text, table, versions
from benchmarks.thumbnails.rounds import run_case


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.thumbnails", description=(package.__doc__ or "").split("\n\n")[0]
    )
    p.add_argument("--seconds", type=float, default=5.0, help="seconds per measurement (default 5)")
    p.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="interleaved rounds; the best of each is reported (default 3)",
    )
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument(
        "--supervisor",
        action="store_true",
        help="also measure the real supervisor's RSS idle and under load",
    )
    p.add_argument(
        "--load-seconds",
        type=float,
        default=45.0,
        help="seconds of sustained thumbnail load (default 45)",
    )
    p.add_argument(
        "--no-throughput", action="store_true", help="skip the throughput table (with --supervisor)"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.seconds <= 0 or args.load_seconds <= 0 or args.rounds < 1:
        p.error("--seconds, --load-seconds and --rounds must be positive")
    missing = [t for t in ("vipsthumbnail", "pdftoppm") if shutil.which(t) is None]
    if missing and not args.no_throughput:
        p.error(f"needs {' and '.join(missing)} (libvips-tools, poppler-utils)")
    workdir = Path(tempfile.mkdtemp(prefix="civic-thumb-bench-"))
    try:
        say(f"generating inputs under {workdir}")
        cases = make_inputs(workdir)
        results: dict[str, Any] = {"machine": versions(), "seconds": args.seconds, "cases": []}
        if not args.no_throughput:
            results["cases"] = [run_case(c, workdir, args.seconds, args.rounds) for c in cases]
        if args.supervisor:
            results["supervisor"] = supervisor_memory(Path(cases[0].path), args.load_seconds)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        print(json.dumps(jsonable(results), indent=2))
        return 0
    out = [table(results["cases"])] if results["cases"] else []
    if "supervisor" in results:
        out.append(memory_text(results["supervisor"]))
    print("\n\n".join(out))
    return 0


if __name__ == "__main__":  # spawned workers import this module as __mp_main__: no run there
    sys.exit(main())
