"""Every SQL statement the notifications child may run, by name (registered in spec.py).

Plain strings only, so the parent can import them without loading worker code. Civic OS
tables live in schema `metadata`. No braces anywhere: the parent substitutes `{schema}`.
"""

from __future__ import annotations

_NOTIFICATION = """
SELECT status,
       (sent_at IS NOT NULL AND status <> 'sent') AS claimed,
       COALESCE(EXTRACT(EPOCH FROM now() - sent_at), 0)::float8 AS claim_age,
       COALESCE(channels_sent, ARRAY[]::text[]) AS channels_sent
FROM metadata.notifications WHERE id = %(id)s::bigint
"""

# The delivery claim: `sent_at` set while the status is not yet `sent` marks "an attempt is
# talking to SMTP/Telnyx now". Only one job can take it (the WHERE makes it atomic).
_CLAIM = """
UPDATE metadata.notifications
SET sent_at = now(), channels_sent = NULL, channels_failed = NULL
WHERE id = %(id)s::bigint AND status <> 'sent' AND sent_at IS NULL
RETURNING id
"""

_CHANNEL_SENT = """
UPDATE metadata.notifications
SET channels_sent = array_append(COALESCE(channels_sent, ARRAY[]::text[]), %(channel)s::text)
WHERE id = %(id)s::bigint AND status <> 'sent'
"""

_SENT = """
UPDATE metadata.notifications
SET status = 'sent', sent_at = now(), channels_sent = %(sent)s::text[],
    channels_failed = %(failed)s::text[], error_message = %(error)s
WHERE id = %(id)s::bigint
"""

# Failing releases the claim (sent_at NULL) so a retry may send; never downgrades `sent`.
_FAILED = """
UPDATE metadata.notifications
SET status = 'failed', sent_at = NULL, channels_sent = NULL,
    channels_failed = %(failed)s::text[], error_message = %(error)s
WHERE id = %(id)s::bigint AND status <> 'sent'
"""

_PREFERENCES = """
SELECT COALESCE(e.enabled, true) AS email_enabled,
       COALESCE(NULLIF(e.email_address::text, ''), NULLIF(cup.email::text, ''), '') AS email,
       (COALESCE(s.enabled, false) AND NOT COALESCE(s.sms_opted_out, false)) AS sms_enabled,
       COALESCE(cup.phone::text, '') AS phone
FROM (SELECT %(user_id)s::uuid AS id) AS u
LEFT JOIN metadata.civic_os_users_private AS cup ON cup.id = u.id
LEFT JOIN metadata.notification_preferences AS e ON e.user_id = u.id AND e.channel = 'email'
LEFT JOIN metadata.notification_preferences AS s ON s.user_id = u.id AND s.channel = 'sms'
"""

_TEMPLATE = """
SELECT subject_template, html_template, text_template,
       COALESCE(sms_template, '') AS sms_template, is_bulk
FROM metadata.notification_templates WHERE name = %(template_name)s
"""

_SMS_OPT_OUT = """
UPDATE metadata.notification_preferences SET sms_opted_out = true
WHERE user_id = %(user_id)s::uuid AND channel = 'sms'
"""

_TRACKING_SETTINGS = """
SELECT COALESCE(organization_address, '') AS organization_address,
       unsubscribe_reason_text AS reason, tracking_enabled
FROM metadata.notification_settings WHERE id = 1
"""

_TRACKING_SUPPRESSED = """
SELECT EXISTS (
    SELECT 1 FROM metadata.notification_tracking_tokens
    WHERE recipient_email = %(email)s AND template_name = %(template_name)s AND unsubscribed
) AS suppressed
"""

_TRACKING_TOKEN = """
INSERT INTO metadata.notification_tracking_tokens
    (recipient_email, template_name, entity_type, entity_id, entity_data_snapshot)
VALUES (%(email)s, %(template_name)s, %(entity_type)s, %(entity_id)s, %(entity_data)s::jsonb)
RETURNING id::text AS id
"""

# staticAsset: 'original' is the uncropped upload (renderer.go's own case); otherwise the crop
# for the breakpoint (desktop unless tablet/mobile), falling back to the original when NULL.
_STATIC_ASSET = """
SELECT f.s3_original_key AS key
FROM metadata.static_assets AS a
JOIN metadata.files AS f ON f.id = CASE %(breakpoint)s::text
    WHEN 'original' THEN a.original_file_id
    WHEN 'tablet' THEN COALESCE(a.tablet_file_id, a.original_file_id)
    WHEN 'mobile' THEN COALESCE(a.mobile_file_id, a.original_file_id)
    ELSE COALESCE(a.desktop_file_id, a.original_file_id) END
WHERE a.slug = %(slug)s
"""

_VALIDATION_EXISTS = """
SELECT status FROM metadata.template_validation_results WHERE id = %(validation_id)s::uuid
"""

_VALIDATION_PART = """
INSERT INTO metadata.template_part_validation_results
    (validation_id, part_name, valid, error_message)
VALUES (%(validation_id)s::uuid, %(part)s, %(valid)s, %(message)s)
"""

_VALIDATION_DONE = """
UPDATE metadata.template_validation_results SET status = 'completed', completed_at = now()
WHERE id = %(validation_id)s::uuid
"""

STATEMENTS: dict[str, str] = {
    "notification_state": _NOTIFICATION,
    "notification_claim": _CLAIM,
    "notification_channel_sent": _CHANNEL_SENT,
    "notification_sent": _SENT,
    "notification_failed": _FAILED,
    "preferences": _PREFERENCES,
    "template": _TEMPLATE,
    "sms_opt_out": _SMS_OPT_OUT,
    "tracking_settings": _TRACKING_SETTINGS,
    "tracking_suppressed": _TRACKING_SUPPRESSED,
    "tracking_token_insert": _TRACKING_TOKEN,
    "static_asset": _STATIC_ASSET,
    "validation_exists": _VALIDATION_EXISTS,
    "validation_part": _VALIDATION_PART,
    "validation_done": _VALIDATION_DONE,
}
