"""Thumbnail throughput against vipsthumbnail and pdftoppm, and the supervisor's memory under load.

    python -m benchmarks.thumbnails [--seconds N] [--rounds N] [--json]
                                    [--supervisor [--load-seconds N] [--no-throughput]]

Throughput: three generated inputs (a 12 MP JPEG photo, a 4 MP RGBA PNG, a 10-page A4 PDF
scanned at 300 dpi), each made into the thumbnail worker's three sizes, end to end (read the
file, write three files). "ours" calls what `ThumbnailHandler._make` calls
(`image_thumbnails` / `pdf_thumbnails` with the default limits). The references are the tools
the Go worker's libvips/poppler stack is built from:

- images: `vipsthumbnail IN -s BOXxBOX -o OUT.jpg[Q=q,strip,background=255]`, once per size
  (vipsthumbnail makes one size per run). "per job" runs three processes per image; "batched"
  gives each of the three runs ten input files, so process start is paid once per ten images.
  The stricter (faster) of the two is the reference in the ratio.
- PDF: `pdftoppm -r 300 -f 1 -l 1 -png -singlefile` (our worker thumbnails page 1 only, as the
  Go worker did), then `vipsthumbnail` of that PNG into the three sizes as PNG.

"N workers" is N processes (spawned, as the supervisor's children are exec'd), each running
jobs back to back; images/s is their sum. "3 threads" is one process with three threads: how
the thumbnails child runs its `max_workers: 3`. CPU ms/image includes waited-for subprocesses.
Each configuration runs `--rounds` times, interleaved, and the best round counts: on a shared
machine that is the round least disturbed by neighbours.

`--supervisor` also starts the real supervisor (embedded PostgreSQL, moto S3, its three
production children), reads the RSS of the parent and idle children, then keeps a backlog of
12 MP JPEG thumbnail jobs for `--load-seconds`, sampling the RSS of every process each 100 ms.

Modules: `inputs` (the generated files), `ours` and `reference` (one job each way), `workers`
(timed processes and threads), `rounds` (every configuration, best of the rounds), `rss` and
`load` (the supervisor under load), `report` (table and JSON), `__main__` (the command line).
"""
