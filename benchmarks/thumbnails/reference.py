"""One reference job: the tools the Go worker's libvips/poppler stack is built from."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from benchmarks.thumbnails.inputs import Case

PDFTOPPM = ("pdftoppm", "-r", "300", "-f", "1", "-l", "1", "-png", "-singlefile")
"""The Go worker's command: page 1 only, 300 dpi, PNG."""
BATCH = 10
"""Input files per vipsthumbnail run in the batched reference."""


def reference(case: Case, out: Path, batch: int) -> Callable[[], int]:
    """One reference job (or `batch` images at once): vipsthumbnail, or pdftoppm + vipsthumbnail."""
    from workers.thumbnails import SIZES

    inputs = _links(Path(case.path), out, batch)

    def images() -> int:
        for s in SIZES:
            target = f"{out}/%s-{s.name}.jpg[Q={s.jpeg_quality},strip,background=255]"
            _run("vipsthumbnail", *inputs, "-s", f"{s.box}x{s.box}", "-o", target)
        return len(inputs)

    def pdf() -> int:
        _run(*PDFTOPPM, case.path, f"{out}/page")
        for s in SIZES:
            target = f"{out}/%s-{s.name}.png[strip]"
            _run("vipsthumbnail", f"{out}/page.png", "-s", f"{s.box}x{s.box}", "-o", target)
        return 1

    return pdf if case.key == "pdf" else images


def _links(source: Path, out: Path, count: int) -> list[str]:
    """`count` names for one file: libvips caches operations by file name, so each is distinct."""
    names = []
    for i in range(count):
        link = out / f"in{i}{source.suffix}"
        link.symlink_to(source)
        names.append(str(link))
    return names


def _run(*argv: str) -> None:
    subprocess.run(argv, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
