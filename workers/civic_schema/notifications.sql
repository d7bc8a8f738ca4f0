-- Civic OS notifications as the notifications worker sees it (templates, notifications,
-- preferences, email jobs and their producers). Applies after files.sql, which creates metadata.civic_os_users,
-- metadata.files and public.uuid_generate_v7(). Producers insert River jobs with plain SQL
-- and no pg_notify, exactly like Civic OS; the RPCs keep Civic OS signatures but skip
-- permission checks.

CREATE DOMAIN public.email_address AS varchar(255)
  CHECK (VALUE ~* '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$');
CREATE DOMAIN public.phone_number AS varchar(10) CHECK (VALUE ~ '^\d{10}$');

CREATE TABLE metadata.civic_os_users_private (
  id uuid PRIMARY KEY REFERENCES metadata.civic_os_users (id) ON DELETE CASCADE,
  display_name text NOT NULL,
  phone public.phone_number,
  email varchar(255),
  first_name text,
  last_name text,
  locale varchar(10),
  last_login_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE metadata.notification_templates (
  id serial PRIMARY KEY,
  name varchar(100) NOT NULL UNIQUE,
  description text,
  subject_template text NOT NULL,
  html_template text NOT NULL,
  text_template text NOT NULL,
  sms_template text,
  entity_type varchar(100),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  is_bulk boolean NOT NULL DEFAULT false
);

CREATE TABLE metadata.notification_preferences (
  user_id uuid NOT NULL REFERENCES metadata.civic_os_users (id) ON DELETE CASCADE,
  channel varchar(20) NOT NULL CHECK (channel IN ('email', 'sms')),
  enabled boolean NOT NULL DEFAULT true,
  email_address public.email_address,
  phone_number public.phone_number,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  sms_opted_out boolean NOT NULL DEFAULT false,
  bulk_email_unsubscribed_templates text[] DEFAULT '{}',
  PRIMARY KEY (user_id, channel)
);

-- New users get an email preference (with their address when it is a valid one) and, when a
-- phone is set, an SMS preference that starts disabled (SMS is opt-in).
CREATE FUNCTION public.create_default_notification_preferences() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = metadata, public AS $$
BEGIN
  INSERT INTO metadata.notification_preferences (user_id, channel, enabled, email_address)
  VALUES (NEW.id, 'email', true,
          CASE WHEN NEW.email ~* '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$'
               THEN NEW.email END)
  ON CONFLICT (user_id, channel) DO NOTHING;
  IF NEW.phone IS NOT NULL THEN
    INSERT INTO metadata.notification_preferences (user_id, channel, enabled)
    VALUES (NEW.id, 'sms', false)
    ON CONFLICT (user_id, channel) DO NOTHING;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER create_default_notification_preferences_trigger
  AFTER INSERT ON metadata.civic_os_users_private
  FOR EACH ROW EXECUTE FUNCTION public.create_default_notification_preferences();

CREATE TABLE metadata.notifications (
  id bigserial PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES metadata.civic_os_users (id) ON DELETE CASCADE,
  template_name varchar(100) NOT NULL REFERENCES metadata.notification_templates (name),
  entity_type varchar(100),
  entity_id varchar(100),
  entity_data jsonb,
  channels text[] NOT NULL DEFAULT '{email}',
  status varchar(20) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  sent_at timestamptz,
  error_message text,
  channels_sent text[],
  channels_failed text[],
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT valid_channels CHECK (channels <> '{}' AND channels <@ ARRAY['email', 'sms']::text[])
);

CREATE FUNCTION public.enqueue_notification_job() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = metadata, public AS $$
BEGIN
  INSERT INTO metadata.river_job (kind, args, queue, priority, max_attempts, scheduled_at, state)
  VALUES ('send_notification',
          jsonb_build_object('notification_id', NEW.id::text, 'user_id', NEW.user_id::text,
                             'template_name', NEW.template_name, 'entity_type', NEW.entity_type,
                             'entity_id', NEW.entity_id, 'entity_data', NEW.entity_data,
                             'channels', NEW.channels),
          'notifications', 1, 5, now(), 'available');
  RETURN NEW;
END
$$;

CREATE TRIGGER enqueue_notification_job_trigger
  AFTER INSERT ON metadata.notifications
  FOR EACH ROW EXECUTE FUNCTION public.enqueue_notification_job();

CREATE FUNCTION public.create_notification(
  p_user_id uuid, p_template_name varchar, p_entity_type varchar DEFAULT NULL,
  p_entity_id varchar DEFAULT NULL, p_entity_data jsonb DEFAULT NULL,
  p_channels text[] DEFAULT '{email}'
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = metadata, public AS $$
DECLARE
  v_id bigint;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM metadata.notification_templates WHERE name = p_template_name) THEN
    RAISE EXCEPTION 'Template "%" does not exist', p_template_name;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM metadata.civic_os_users WHERE id = p_user_id) THEN
    RAISE EXCEPTION 'User "%" does not exist', p_user_id;
  END IF;
  IF p_channels IS NULL OR cardinality(p_channels) = 0
     OR NOT (p_channels <@ ARRAY['email', 'sms']::text[]) THEN
    RAISE EXCEPTION 'Channels must be a non-empty subset of {email, sms}';
  END IF;
  INSERT INTO metadata.notifications (user_id, template_name, entity_type, entity_id, entity_data,
                                      channels)
  VALUES (p_user_id, p_template_name, p_entity_type, p_entity_id, p_entity_data, p_channels)
  RETURNING id INTO v_id;
  RETURN v_id;
END
$$;

-- v0-59-0: multi-recipient email with no notifications row; no grants to API roles.
CREATE FUNCTION metadata.send_email(
  p_to_addresses text[], p_template_name varchar, p_cc_addresses text[] DEFAULT '{}',
  p_entity_type varchar DEFAULT NULL, p_entity_id varchar DEFAULT NULL,
  p_entity_data jsonb DEFAULT NULL, p_reply_to text DEFAULT NULL
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = metadata, public AS $$
DECLARE
  v_address text;
  v_job_id bigint;
BEGIN
  IF p_to_addresses IS NULL OR cardinality(p_to_addresses) = 0 THEN
    RAISE EXCEPTION 'At least one TO address is required';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM metadata.notification_templates WHERE name = p_template_name) THEN
    RAISE EXCEPTION 'Template "%" does not exist', p_template_name;
  END IF;
  FOREACH v_address IN ARRAY p_to_addresses || COALESCE(p_cc_addresses, '{}') LOOP
    IF position('@' IN COALESCE(v_address, '')) = 0 THEN
      RAISE EXCEPTION 'Invalid email address: %', v_address;
    END IF;
  END LOOP;
  IF p_reply_to IS NOT NULL AND p_reply_to <> '' AND position('@' IN p_reply_to) = 0 THEN
    RAISE EXCEPTION 'Invalid reply_to address: %', p_reply_to;
  END IF;
  INSERT INTO metadata.river_job (kind, args, queue, priority, max_attempts, scheduled_at, state)
  VALUES ('send_email',
          jsonb_build_object('to', to_jsonb(p_to_addresses),
                             'cc', to_jsonb(COALESCE(p_cc_addresses, '{}')),
                             'template_name', p_template_name, 'entity_type', p_entity_type,
                             'entity_id', p_entity_id,
                             'entity_data', COALESCE(p_entity_data, '{}'::jsonb),
                             'reply_to', COALESCE(p_reply_to, '')),
          'notifications', 2, 5, now(), 'available')
  RETURNING id INTO v_job_id;
  RETURN v_job_id;
END
$$;

-- v0-70-0: bulk-email tracking.
CREATE TABLE metadata.notification_tracking_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  recipient_email text NOT NULL,
  template_name varchar(100) NOT NULL,
  entity_type varchar(100),
  entity_id varchar(100),
  entity_data_snapshot jsonb,
  unsubscribed boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE metadata.notification_events (
  id bigserial PRIMARY KEY,
  tracking_token uuid NOT NULL
    REFERENCES metadata.notification_tracking_tokens (id) ON DELETE CASCADE,
  event_type varchar(20) NOT NULL
    CHECK (event_type IN ('open', 'click', 'unsubscribe', 'bounce')),
  event_data jsonb DEFAULT '{}',
  ip_address text,
  user_agent text,
  suspected_bot boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE metadata.notification_settings (
  id int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  organization_address text,
  unsubscribe_reason_text text DEFAULT 'You received this email based on your registration.',
  tracking_enabled boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO metadata.notification_settings (id) VALUES (1);

-- Template validation and preview (same queue, priority 4, 3 attempts).
CREATE TABLE metadata.template_validation_results (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  subject_template text,
  html_template text,
  text_template text,
  sms_template text,
  status varchar(20) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'completed')),
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz
);

CREATE TABLE metadata.template_part_validation_results (
  id serial PRIMARY KEY,
  validation_id uuid NOT NULL
    REFERENCES metadata.template_validation_results (id) ON DELETE CASCADE,
  part_name varchar(20) NOT NULL CHECK (part_name IN ('subject', 'html', 'text', 'sms')),
  valid boolean NOT NULL,
  error_message text,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Both RPCs store the request and enqueue its job; only preview carries sample data.
CREATE FUNCTION metadata.enqueue_template_check(
  p_kind text, p_validation_id uuid, p_subject text, p_html text, p_text text, p_sms text,
  p_sample jsonb
) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = metadata, public AS $$
BEGIN
  IF num_nonnulls(p_subject, p_html, p_text, p_sms) = 0 THEN
    RAISE EXCEPTION 'At least one template part must be provided';
  END IF;
  INSERT INTO metadata.template_validation_results
    (id, subject_template, html_template, text_template, sms_template)
  VALUES (p_validation_id, p_subject, p_html, p_text, p_sms);
  INSERT INTO metadata.river_job (kind, args, queue, priority, max_attempts, scheduled_at, state)
  VALUES (p_kind,
          jsonb_build_object('validation_id', p_validation_id::text, 'subject_template', p_subject,
                             'html_template', p_html, 'text_template', p_text,
                             'sms_template', p_sms)
            || CASE WHEN p_kind = 'preview_template_parts'
                    THEN jsonb_build_object('sample_entity_data', p_sample)
                    ELSE '{}'::jsonb END,
          'notifications', 4, 3, now(), 'available');
  RETURN p_validation_id;
END
$$;

CREATE FUNCTION public.validate_template_parts(
  p_validation_id uuid DEFAULT gen_random_uuid(), p_subject_template text DEFAULT NULL,
  p_html_template text DEFAULT NULL, p_text_template text DEFAULT NULL,
  p_sms_template text DEFAULT NULL
) RETURNS TABLE (validation_id uuid)
LANGUAGE sql SECURITY DEFINER SET search_path = metadata, public AS $$
  SELECT metadata.enqueue_template_check('validate_template_parts', p_validation_id,
    p_subject_template, p_html_template, p_text_template, p_sms_template, NULL)
$$;

CREATE FUNCTION public.preview_template_parts(
  p_validation_id uuid DEFAULT gen_random_uuid(), p_subject_template text DEFAULT NULL,
  p_html_template text DEFAULT NULL, p_text_template text DEFAULT NULL,
  p_sms_template text DEFAULT NULL,
  p_sample_entity_data jsonb DEFAULT '{"display_name": "Example Entity", "id": 1}'
) RETURNS TABLE (validation_id uuid)
LANGUAGE sql SECURITY DEFINER SET search_path = metadata, public AS $$
  SELECT metadata.enqueue_template_check('preview_template_parts', p_validation_id,
    p_subject_template, p_html_template, p_text_template, p_sms_template, p_sample_entity_data)
$$;

-- v0-38-0 (optional in §6): static assets for the templates' staticAsset function.
CREATE TABLE metadata.static_assets (
  id uuid PRIMARY KEY DEFAULT public.uuid_generate_v7(),
  slug varchar(100) NOT NULL UNIQUE,
  display_name varchar(200) NOT NULL,
  alt_text text,
  original_file_id uuid NOT NULL REFERENCES metadata.files (id),
  desktop_file_id uuid REFERENCES metadata.files (id),
  tablet_file_id uuid REFERENCES metadata.files (id),
  mobile_file_id uuid REFERENCES metadata.files (id),
  crop_state jsonb,
  created_by uuid REFERENCES metadata.civic_os_users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
