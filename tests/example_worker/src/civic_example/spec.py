"""What the greeter worker declares. Import-light: the parent imports this module, so it
imports nothing but the contract (no HTTP clients, no heavy libraries)."""

from __future__ import annotations

from workers.spec import PeriodicJob, Section, Setting, WorkerSpec

GREETER = Section(
    "greeter",
    "settings of the example greeter worker",
    (
        Setting("greeting", "str", "hello", env=("GREETER_GREETING",), doc="what to say"),
        Setting("api_key", "str", "", env=("GREETER_API_KEY",), secret=True,
                doc="a secret only the greeter's child receives"),
        Setting("pause", "duration", 0.0, doc="how long each greeting takes"),
        Setting("style", "str", "plain", choices=("plain", "shout"), doc="plain or shout"),
    ),
)  # fmt: skip

SPEC = WorkerSpec(
    name="greeter",
    queue="greetings",
    kinds=("greet", "inspect"),
    max_workers=4,
    handlers="civic_example.handlers:make_handlers",
    statements={
        "record": (
            "INSERT INTO {schema}.civic_example_greetings (job_id, text)"
            " VALUES (%(job_id)s, %(text)s)"
        ),
    },
    sections=(GREETER,),
    env=("GREETER_REGION",),
    periodic=(PeriodicJob("greet", every=2.0, args={"who": "periodic"}),),
    queue_env={"max_workers": "GREETER_MAX_WORKERS"},
    enabled=False,
    doc="example worker from another package (tests)",
)
