"""Notification workers: send_notification, send_email and template validation/preview."""
