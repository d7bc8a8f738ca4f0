"""Every child civic-supervisor knows, by name (the key under `queues:` in config.yaml).

Only spec modules are imported here: they declare queues, statements and settings without
importing worker code, so the parent never loads boto3, Pillow or a worker's bugs.
"""

from __future__ import annotations

from workers.bench.spec import SPEC as BENCH
from workers.notifications.spec import SPEC as NOTIFICATIONS
from workers.presign.spec import SPEC as PRESIGN
from workers.spec import WorkerSpec
from workers.thumbnails.spec import SPEC as THUMBNAILS

SPECS: dict[str, WorkerSpec] = {
    spec.name: spec for spec in (PRESIGN, THUMBNAILS, NOTIFICATIONS, BENCH)
}
