"""The greeter's handlers, imported only inside its child."""

from __future__ import annotations

import json
import os
import time
from typing import Any

from workers.errors import JobCancel
from workers.job import Handler, Job, JobContext


def make_handlers(settings: dict[str, Any]) -> dict[str, Handler]:
    """Built once per child; a bad setting raised here stops the child's start, clearly."""
    own = settings["greeter"]
    greeting: str = own["greeting"]
    if not greeting:
        raise ValueError("greeter.greeting (GREETER_GREETING) must not be empty")

    def greet(job: Job, ctx: JobContext) -> None:
        who = job.args.get("who") if isinstance(job.args, dict) else None
        if not isinstance(who, str) or not who:
            raise JobCancel("args.who must be a non-empty string")  # can never work: no retry
        time.sleep(own["pause"])
        text = f"{greeting}, {who}"
        ctx.write("record", job_id=job.id, text=text.upper() if own["style"] == "shout" else text)

    def inspect(job: Job, ctx: JobContext) -> None:
        """Records what this child can see: its settings sections and its environment."""
        seen = {
            "sections": sorted(settings),
            "api_key": own["api_key"],
            "env": sorted(k for k in os.environ if not k.startswith("LC_")),
            "uid": os.getuid(),
        }
        ctx.write("record", job_id=job.id, text=json.dumps(seen))

    return {"greet": greet, "inspect": inspect}
