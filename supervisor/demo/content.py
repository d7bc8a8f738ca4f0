"""What the demo's Civic OS instance holds: residents, issues, and the notification template.

The template uses Civic OS's Go template syntax (`.Entity`, `.Metadata`, `markdown`) so the
emails in the sink look like the ones Civic OS sends when an issue changes status.
"""

from __future__ import annotations

TEMPLATE = "issue_status_changed"
SUBJECT = "[{{.Metadata.site_name}}] Issue #{{.Entity.id}} is now {{.Entity.status}}"
HTML = (
    '<p>Hello,</p><p><a href="{{.Metadata.site_url}}/view/issues/{{.Entity.id}}">'
    "{{.Entity.display_name}}</a> is now <strong>{{.Entity.status}}</strong>.</p>"
    "{{if .Entity.note}}{{markdown .Entity.note}}{{end}}"
)
TEXT = (
    'Issue #{{.Entity.id}} "{{.Entity.display_name}}" is now {{.Entity.status}}.\n'
    "{{.Metadata.site_url}}/view/issues/{{.Entity.id}}"
)
NAMES = (
    "Ada Lovelace",
    "Grace Hopper",
    "Alan Turing",
    "Edsger Dijkstra",
    "Barbara Liskov",
    "Donald Knuth",
    "Frances Allen",
    "Ken Thompson",
)
"""Residents; each gets a `<first>.<n>@example.org` address (a reserved domain)."""
ISSUES = (
    "Pothole on Main St",
    "Streetlight out at 5th & Elm",
    "Graffiti on the library wall",
    "Blocked storm drain",
    "Missing stop sign",
)
STATUSES = ("Received", "In progress", "Resolved")
NOTE = "Crew *scheduled*: see the [map](https://example.org/map)."
