CREATE SCHEMA public;

COMMENT ON SCHEMA public IS 'standard public schema';

CREATE FUNCTION public.count_sender_campaigns() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        UPDATE senders s SET campaign_count = s.campaign_count + d.n
        FROM (SELECT sender_number, count(*) AS n FROM inserted GROUP BY sender_number) d
        WHERE s.phone_number = d.sender_number;
      ELSE
        UPDATE senders s SET campaign_count = s.campaign_count - d.n
        FROM (SELECT sender_number, count(*) AS n FROM deleted GROUP BY sender_number) d
        WHERE s.phone_number = d.sender_number;
      END IF;
      RETURN NULL;
    END
    $$;

CREATE FUNCTION public.record_campaign_event() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
      INSERT INTO campaign_events (campaign_id, status) VALUES (NEW.id, NEW.status);
      PERFORM pg_notify('herald_campaign_events', NEW.id::text);
      RETURN NULL;
    END $$;

CREATE FUNCTION public.record_message_events() RETURNS trigger
    LANGUAGE plpgsql
    SET enable_nestloop TO 'off'
    AS $$
    BEGIN
      INSERT INTO campaign_events (campaign_id, message_id, recipient, status, error_code, note)
      SELECT n.campaign_id, n.id, n.recipient, n.status, n.error_code,
             CASE WHEN o.status = 'UNKNOWN' THEN 'resolved_from_unknown' END
      FROM new_rows n JOIN old_rows o ON o.id = n.id
      WHERE o.status IS DISTINCT FROM n.status
      ORDER BY n.id;
      PERFORM pg_notify('herald_campaign_events', c.campaign_id::text)
      FROM (SELECT DISTINCT n.campaign_id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE o.status IS DISTINCT FROM n.status) c;
      RETURN NULL;
    END $$;

CREATE FUNCTION public.record_worker_session_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    DECLARE
      old_live integer := 0; old_paired integer := 0; new_live integer := 0; new_paired integer := 0;
    BEGIN
      IF TG_OP <> 'INSERT' AND OLD.worker_id IS NOT NULL THEN
        old_live := (OLD.status NOT IN ('STOPPED', 'EXPIRED', 'FAILED', 'WRONG_ACCOUNT'))::integer;
        old_paired := (OLD.status = 'STOPPED' AND OLD.connected_at IS NOT NULL)::integer;
      END IF;
      IF TG_OP <> 'DELETE' AND NEW.worker_id IS NOT NULL THEN
        new_live := (NEW.status NOT IN ('STOPPED', 'EXPIRED', 'FAILED', 'WRONG_ACCOUNT'))::integer;
        new_paired := (NEW.status = 'STOPPED' AND NEW.connected_at IS NOT NULL)::integer;
      END IF;
      IF TG_OP = 'UPDATE' AND OLD.worker_id IS NOT DISTINCT FROM NEW.worker_id THEN
        IF new_live <> old_live OR new_paired <> old_paired THEN
          INSERT INTO worker_session_changes VALUES (NEW.worker_id, new_live - old_live, new_paired - old_paired);
        END IF;
        RETURN NULL;
      END IF;
      IF old_live + old_paired > 0 THEN
        INSERT INTO worker_session_changes VALUES (OLD.worker_id, -old_live, -old_paired);
      END IF;
      IF new_live + new_paired > 0 THEN
        INSERT INTO worker_session_changes VALUES (NEW.worker_id, new_live, new_paired);
      END IF;
      RETURN NULL;
    END
    $$;

CREATE TABLE public.campaign_events (
    seq bigint NOT NULL,
    xid xid8 DEFAULT pg_current_xact_id() NOT NULL,
    campaign_id bigint NOT NULL,
    message_id bigint,
    recipient text,
    status text NOT NULL,
    error_code text,
    occurred_at timestamp with time zone DEFAULT now() NOT NULL,
    note text
);

ALTER TABLE public.campaign_events ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.campaign_events_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.campaign_media (
    campaign_id bigint NOT NULL,
    mimetype text NOT NULL,
    filename text NOT NULL,
    size_bytes integer NOT NULL,
    data bytea NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT campaign_media_size_bytes_check CHECK ((size_bytes > 0))
);

CREATE TABLE public.campaigns (
    id bigint NOT NULL,
    sender_number text NOT NULL,
    template text NOT NULL,
    variables jsonb DEFAULT '{}'::jsonb NOT NULL,
    media_url text,
    status text DEFAULT 'PENDING'::text NOT NULL,
    total_messages integer NOT NULL,
    pending_messages integer NOT NULL,
    sending_messages integer DEFAULT 0 NOT NULL,
    sent_messages integer DEFAULT 0 NOT NULL,
    failed_messages integer DEFAULT 0 NOT NULL,
    unknown_messages integer DEFAULT 0 NOT NULL,
    duplicates_removed integer DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    started_at timestamp with time zone,
    completed_at timestamp with time zone,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    cancelled_messages integer DEFAULT 0 NOT NULL,
    send_at timestamp with time zone,
    callback_url text,
    suppressed_messages integer DEFAULT 0 NOT NULL,
    CONSTRAINT campaigns_cancelled_messages_check CHECK ((cancelled_messages >= 0)),
    CONSTRAINT campaigns_check CHECK ((((((((pending_messages + sending_messages) + sent_messages) + failed_messages) + unknown_messages) + cancelled_messages) + suppressed_messages) = total_messages)),
    CONSTRAINT campaigns_failed_messages_check CHECK ((failed_messages >= 0)),
    CONSTRAINT campaigns_pending_messages_check CHECK ((pending_messages >= 0)),
    CONSTRAINT campaigns_sending_messages_check CHECK ((sending_messages >= 0)),
    CONSTRAINT campaigns_sent_messages_check CHECK ((sent_messages >= 0)),
    CONSTRAINT campaigns_status_check CHECK ((status = ANY (ARRAY['PENDING'::text, 'IN_PROGRESS'::text, 'COMPLETED'::text, 'COMPLETED_WITH_ERRORS'::text, 'SCHEDULED'::text, 'PAUSED'::text, 'CANCELLED'::text]))),
    CONSTRAINT campaigns_suppressed_messages_check CHECK ((suppressed_messages >= 0)),
    CONSTRAINT campaigns_total_messages_check CHECK ((total_messages > 0)),
    CONSTRAINT campaigns_unknown_messages_check CHECK ((unknown_messages >= 0))
)
WITH (fillfactor='80');

ALTER TABLE public.campaigns ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.campaigns_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.delay_settings (
    id smallint DEFAULT 1 NOT NULL,
    message_delay numeric NOT NULL,
    sender_switch_delay numeric NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT delay_settings_id_check CHECK ((id = 1)),
    CONSTRAINT delay_settings_message_delay_check CHECK ((message_delay >= (0)::numeric)),
    CONSTRAINT delay_settings_sender_switch_delay_check CHECK ((sender_switch_delay >= (0)::numeric))
);

CREATE TABLE public.dispatchers (
    id text NOT NULL,
    started_at timestamp with time zone DEFAULT now() NOT NULL,
    heartbeat_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL
);

CREATE TABLE public.idempotency_keys (
    sender_number text NOT NULL,
    key text NOT NULL,
    request_hash text NOT NULL,
    campaign_id bigint NOT NULL,
    response_status smallint NOT NULL,
    duplicate_recipients jsonb DEFAULT '[]'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.messages (
    id bigint NOT NULL,
    campaign_id bigint NOT NULL,
    sender_number text NOT NULL,
    recipient text NOT NULL,
    body text NOT NULL,
    status text DEFAULT 'PENDING'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    error_code text,
    error text,
    waha_message_id text,
    ack smallint,
    claimed_by text,
    sending_at timestamp with time zone,
    sent_at timestamp with time zone,
    delivered_at timestamp with time zone,
    read_at timestamp with time zone,
    finished_at timestamp with time zone,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    attempts_before_retry integer DEFAULT 0 NOT NULL,
    retry_at timestamp with time zone,
    resolve_after timestamp with time zone,
    resolve_checks integer DEFAULT 0 NOT NULL,
    CONSTRAINT messages_status_check CHECK ((status = ANY (ARRAY['PENDING'::text, 'SENDING'::text, 'SENT'::text, 'FAILED'::text, 'UNKNOWN'::text, 'CANCELLED'::text, 'SUPPRESSED'::text])))
);

ALTER TABLE public.messages ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.messages_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE UNLOGGED TABLE public.rate_limits (
    key text NOT NULL,
    window_start timestamp with time zone NOT NULL,
    hits integer NOT NULL
);

CREATE TABLE public.secrets (
    name text NOT NULL,
    value text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.sender_policy (
    id smallint DEFAULT 1 NOT NULL,
    policy jsonb NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT sender_policy_id_check CHECK ((id = 1)),
    CONSTRAINT sender_policy_policy_check CHECK ((jsonb_typeof(policy) = 'object'::text))
);

CREATE TABLE public.sender_policy_overrides (
    sender_number text NOT NULL,
    policy jsonb NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT sender_policy_overrides_policy_check CHECK ((jsonb_typeof(policy) = 'object'::text))
);

CREATE TABLE public.sender_sends (
    id bigint NOT NULL,
    sender_number text NOT NULL,
    message_id bigint NOT NULL,
    sent_at timestamp with time zone DEFAULT now() NOT NULL,
    result text,
    CONSTRAINT sender_sends_result_check CHECK ((result = ANY (ARRAY['OK'::text, 'FAILED'::text, 'NOT_ON_WHATSAPP'::text])))
);

ALTER TABLE public.sender_sends ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.sender_sends_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.sender_tokens (
    phone_number text NOT NULL,
    token_sha256 text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.senders (
    phone_number text NOT NULL,
    message_delay numeric,
    sender_switch_delay numeric,
    next_send_at timestamp with time zone DEFAULT now() NOT NULL,
    lease_owner text,
    lease_expires_at timestamp with time zone,
    last_sent_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    first_connected_at timestamp with time zone,
    burst_run integer DEFAULT 0 NOT NULL,
    jitter_seconds numeric DEFAULT 0 NOT NULL,
    held_reason text,
    paused_reason text,
    paused_details jsonb,
    paused_at timestamp with time zone,
    health_reset_at timestamp with time zone,
    campaign_count bigint DEFAULT 0 NOT NULL,
    CONSTRAINT senders_jitter_seconds_check CHECK ((jitter_seconds >= (0)::numeric)),
    CONSTRAINT senders_message_delay_check CHECK ((message_delay >= (0)::numeric)),
    CONSTRAINT senders_paused_reason_check CHECK ((paused_reason = 'HEALTH'::text)),
    CONSTRAINT senders_phone_number_check CHECK ((phone_number ~ '^[0-9]+$'::text)),
    CONSTRAINT senders_sender_switch_delay_check CHECK ((sender_switch_delay >= (0)::numeric))
)
WITH (fillfactor='80');

CREATE UNLOGGED TABLE public.session_openings (
    phone_number text NOT NULL,
    owner text NOT NULL,
    expires_at timestamp with time zone NOT NULL
);

CREATE TABLE public.sessions (
    phone_number text NOT NULL,
    worker_id bigint,
    waha_session text NOT NULL,
    status text NOT NULL,
    waha_status text,
    me_id text,
    push_name text,
    qr_expires_at timestamp with time zone,
    connected_at timestamp with time zone,
    phone_active_at timestamp with time zone,
    device_active_at timestamp with time zone,
    keepalive_at timestamp with time zone,
    last_error text,
    status_changed_at timestamp with time zone DEFAULT now() NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.suppressions (
    id bigint NOT NULL,
    sender_number text,
    recipient text NOT NULL,
    source text NOT NULL,
    keyword text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT suppressions_recipient_check CHECK ((recipient ~ '^[0-9]+$'::text)),
    CONSTRAINT suppressions_source_check CHECK ((source = ANY (ARRAY['OPT_OUT'::text, 'ADMIN'::text])))
);

ALTER TABLE public.suppressions ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.suppressions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.waha_webhook_events (
    event_id text NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.webhook_outbox_cursor (
    id smallint DEFAULT 1 NOT NULL,
    xid xid8 DEFAULT '0'::xid8 NOT NULL,
    seq bigint DEFAULT 0 NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT webhook_outbox_cursor_id_check CHECK ((id = 1))
);

CREATE TABLE public.worker_session_changes (
    worker_id bigint NOT NULL,
    live integer NOT NULL,
    paired_stopped integer NOT NULL
);

CREATE TABLE public.workers (
    id bigint NOT NULL,
    name text NOT NULL,
    url text NOT NULL,
    api_key text NOT NULL,
    capacity integer DEFAULT 10 NOT NULL,
    enabled boolean DEFAULT true NOT NULL,
    tier text,
    engine text,
    version text,
    healthy boolean DEFAULT false NOT NULL,
    last_seen_at timestamp with time zone,
    last_error text,
    consecutive_failures integer DEFAULT 0 NOT NULL,
    next_probe_at timestamp with time zone DEFAULT now() NOT NULL,
    last_sender_number text,
    last_send_done_at timestamp with time zone,
    inflight_sender_number text,
    inflight_until timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    breaker_failures integer DEFAULT 0 NOT NULL,
    breaker_window_started_at timestamp with time zone,
    degraded_until timestamp with time zone,
    live_sessions integer DEFAULT 0 NOT NULL,
    paired_stopped_sessions integer DEFAULT 0 NOT NULL,
    CONSTRAINT workers_capacity_check CHECK ((capacity > 0)),
    CONSTRAINT workers_tier_check CHECK ((tier = ANY (ARRAY['CORE'::text, 'PLUS'::text])))
);

ALTER TABLE public.workers ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.workers_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

ALTER TABLE ONLY public.campaign_events
    ADD CONSTRAINT campaign_events_pkey PRIMARY KEY (xid, seq);

ALTER TABLE ONLY public.campaign_media
    ADD CONSTRAINT campaign_media_pkey PRIMARY KEY (campaign_id);

ALTER TABLE ONLY public.campaigns
    ADD CONSTRAINT campaigns_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.delay_settings
    ADD CONSTRAINT delay_settings_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.dispatchers
    ADD CONSTRAINT dispatchers_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.idempotency_keys
    ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (sender_number, key);

ALTER TABLE ONLY public.messages
    ADD CONSTRAINT messages_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.rate_limits
    ADD CONSTRAINT rate_limits_pkey PRIMARY KEY (key);

ALTER TABLE ONLY public.secrets
    ADD CONSTRAINT secrets_pkey PRIMARY KEY (name);

ALTER TABLE ONLY public.sender_policy_overrides
    ADD CONSTRAINT sender_policy_overrides_pkey PRIMARY KEY (sender_number);

ALTER TABLE ONLY public.sender_policy
    ADD CONSTRAINT sender_policy_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.sender_sends
    ADD CONSTRAINT sender_sends_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.sender_tokens
    ADD CONSTRAINT sender_tokens_pkey PRIMARY KEY (phone_number);

ALTER TABLE ONLY public.sender_tokens
    ADD CONSTRAINT sender_tokens_token_sha256_key UNIQUE (token_sha256);

ALTER TABLE ONLY public.senders
    ADD CONSTRAINT senders_pkey PRIMARY KEY (phone_number);

ALTER TABLE ONLY public.session_openings
    ADD CONSTRAINT session_openings_pkey PRIMARY KEY (phone_number);

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (phone_number);

ALTER TABLE ONLY public.suppressions
    ADD CONSTRAINT suppressions_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.waha_webhook_events
    ADD CONSTRAINT waha_webhook_events_pkey PRIMARY KEY (event_id);

ALTER TABLE ONLY public.webhook_outbox_cursor
    ADD CONSTRAINT webhook_outbox_cursor_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.workers
    ADD CONSTRAINT workers_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.workers
    ADD CONSTRAINT workers_url_key UNIQUE (url);

CREATE INDEX campaign_events_campaign_idx ON public.campaign_events USING btree (campaign_id, xid, seq);

CREATE INDEX campaigns_claimable_idx ON public.campaigns USING btree (sender_number, id) WHERE (status = ANY (ARRAY['PENDING'::text, 'IN_PROGRESS'::text]));

CREATE INDEX campaigns_created_idx ON public.campaigns USING btree (created_at DESC, id DESC);

CREATE INDEX campaigns_scheduled_idx ON public.campaigns USING btree (send_at) WHERE (status = 'SCHEDULED'::text);

CREATE INDEX campaigns_sender_created_idx ON public.campaigns USING btree (sender_number, created_at DESC, id DESC);

CREATE INDEX campaigns_status_idx ON public.campaigns USING btree (status);

CREATE INDEX idempotency_keys_created_idx ON public.idempotency_keys USING btree (created_at);

CREATE INDEX messages_campaign_idx ON public.messages USING btree (campaign_id, id);

CREATE INDEX messages_campaign_pending_idx ON public.messages USING btree (campaign_id, id) WHERE (status = 'PENDING'::text);

CREATE INDEX messages_finished_at_idx ON public.messages USING btree (finished_at) WHERE (finished_at IS NOT NULL);

CREATE INDEX messages_pending_idx ON public.messages USING btree (sender_number, id) WHERE (status = 'PENDING'::text);

CREATE INDEX messages_sending_idx ON public.messages USING btree (sender_number) WHERE (status = 'SENDING'::text);

CREATE INDEX messages_sent_at_idx ON public.messages USING btree (sent_at) WHERE (sent_at IS NOT NULL);

CREATE INDEX messages_unknown_idx ON public.messages USING btree (finished_at) WHERE (status = 'UNKNOWN'::text);

CREATE INDEX messages_waha_id_idx ON public.messages USING btree (waha_message_id) WHERE (waha_message_id IS NOT NULL);

CREATE INDEX sender_sends_message_idx ON public.sender_sends USING btree (message_id);

CREATE INDEX sender_sends_sender_idx ON public.sender_sends USING btree (sender_number, sent_at DESC);

CREATE INDEX senders_lease_owner_idx ON public.senders USING btree (lease_owner) WHERE (lease_owner IS NOT NULL);

CREATE UNIQUE INDEX sessions_worker_name_idx ON public.sessions USING btree (worker_id, waha_session) WHERE (worker_id IS NOT NULL);

CREATE INDEX suppressions_recipient_idx ON public.suppressions USING btree (recipient);

CREATE UNIQUE INDEX suppressions_scope_idx ON public.suppressions USING btree (COALESCE(sender_number, ''::text), recipient);

CREATE INDEX waha_webhook_events_received_idx ON public.waha_webhook_events USING btree (received_at);

CREATE INDEX worker_session_changes_worker_idx ON public.worker_session_changes USING btree (worker_id);

CREATE INDEX workers_core_load_idx ON public.workers USING btree (((live_sessions + paired_stopped_sessions)), id) WHERE (enabled AND healthy AND (tier = 'CORE'::text));

CREATE INDEX workers_next_probe_idx ON public.workers USING btree (next_probe_at);

CREATE INDEX workers_plus_load_idx ON public.workers USING btree (capacity, live_sessions, id) WHERE (enabled AND healthy AND (tier IS DISTINCT FROM 'CORE'::text));

CREATE TRIGGER campaigns_count_delete AFTER DELETE ON public.campaigns REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION public.count_sender_campaigns();

CREATE TRIGGER campaigns_count_insert AFTER INSERT ON public.campaigns REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION public.count_sender_campaigns();

CREATE TRIGGER campaigns_status_event AFTER UPDATE OF status ON public.campaigns FOR EACH ROW WHEN ((old.status IS DISTINCT FROM new.status)) EXECUTE FUNCTION public.record_campaign_event();

CREATE TRIGGER messages_status_events AFTER UPDATE ON public.messages REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.record_message_events();

CREATE TRIGGER sessions_worker_load AFTER INSERT OR DELETE OR UPDATE OF worker_id, status, connected_at ON public.sessions FOR EACH ROW EXECUTE FUNCTION public.record_worker_session_change();

ALTER TABLE ONLY public.campaign_events
    ADD CONSTRAINT campaign_events_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES public.campaigns(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.campaign_media
    ADD CONSTRAINT campaign_media_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES public.campaigns(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.campaigns
    ADD CONSTRAINT campaigns_sender_number_fkey FOREIGN KEY (sender_number) REFERENCES public.senders(phone_number);

ALTER TABLE ONLY public.idempotency_keys
    ADD CONSTRAINT idempotency_keys_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES public.campaigns(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.messages
    ADD CONSTRAINT messages_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES public.campaigns(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.sender_policy_overrides
    ADD CONSTRAINT sender_policy_overrides_sender_number_fkey FOREIGN KEY (sender_number) REFERENCES public.senders(phone_number);

ALTER TABLE ONLY public.sender_tokens
    ADD CONSTRAINT sender_tokens_phone_number_fkey FOREIGN KEY (phone_number) REFERENCES public.senders(phone_number) ON DELETE CASCADE;

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_phone_number_fkey FOREIGN KEY (phone_number) REFERENCES public.senders(phone_number);

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_worker_id_fkey FOREIGN KEY (worker_id) REFERENCES public.workers(id) ON DELETE SET NULL;
