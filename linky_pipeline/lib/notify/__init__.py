"""Notifications: the outbox, alert rules, templates, SMTP and signed-webhook channels."""
