CREATE SCHEMA public;

COMMENT ON SCHEMA public IS 'standard public schema';

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
    CONSTRAINT campaigns_check CHECK ((((((pending_messages + sending_messages) + sent_messages) + failed_messages) + unknown_messages) = total_messages)),
    CONSTRAINT campaigns_failed_messages_check CHECK ((failed_messages >= 0)),
    CONSTRAINT campaigns_pending_messages_check CHECK ((pending_messages >= 0)),
    CONSTRAINT campaigns_sending_messages_check CHECK ((sending_messages >= 0)),
    CONSTRAINT campaigns_sent_messages_check CHECK ((sent_messages >= 0)),
    CONSTRAINT campaigns_status_check CHECK ((status = ANY (ARRAY['PENDING'::text, 'IN_PROGRESS'::text, 'COMPLETED'::text, 'COMPLETED_WITH_ERRORS'::text]))),
    CONSTRAINT campaigns_total_messages_check CHECK ((total_messages > 0)),
    CONSTRAINT campaigns_unknown_messages_check CHECK ((unknown_messages >= 0))
);

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
    CONSTRAINT messages_status_check CHECK ((status = ANY (ARRAY['PENDING'::text, 'SENDING'::text, 'SENT'::text, 'FAILED'::text, 'UNKNOWN'::text])))
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
    CONSTRAINT senders_message_delay_check CHECK ((message_delay >= (0)::numeric)),
    CONSTRAINT senders_phone_number_check CHECK ((phone_number ~ '^[0-9]+$'::text)),
    CONSTRAINT senders_sender_switch_delay_check CHECK ((sender_switch_delay >= (0)::numeric))
);

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

ALTER TABLE ONLY public.campaigns
    ADD CONSTRAINT campaigns_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.delay_settings
    ADD CONSTRAINT delay_settings_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.messages
    ADD CONSTRAINT messages_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.rate_limits
    ADD CONSTRAINT rate_limits_pkey PRIMARY KEY (key);

ALTER TABLE ONLY public.secrets
    ADD CONSTRAINT secrets_pkey PRIMARY KEY (name);

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

ALTER TABLE ONLY public.workers
    ADD CONSTRAINT workers_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.workers
    ADD CONSTRAINT workers_url_key UNIQUE (url);

CREATE INDEX campaigns_created_idx ON public.campaigns USING btree (created_at DESC);

CREATE INDEX campaigns_sender_created_idx ON public.campaigns USING btree (sender_number, created_at DESC);

CREATE INDEX campaigns_status_idx ON public.campaigns USING btree (status);

CREATE INDEX messages_campaign_idx ON public.messages USING btree (campaign_id, id);

CREATE INDEX messages_pending_idx ON public.messages USING btree (sender_number, id) WHERE (status = 'PENDING'::text);

CREATE INDEX messages_sending_idx ON public.messages USING btree (sender_number) WHERE (status = 'SENDING'::text);

CREATE INDEX messages_sent_at_idx ON public.messages USING btree (sent_at) WHERE (sent_at IS NOT NULL);

CREATE INDEX messages_waha_id_idx ON public.messages USING btree (waha_message_id) WHERE (waha_message_id IS NOT NULL);

CREATE INDEX senders_lease_idx ON public.senders USING btree (lease_expires_at) WHERE (lease_owner IS NOT NULL);

CREATE UNIQUE INDEX sessions_worker_name_idx ON public.sessions USING btree (worker_id, waha_session) WHERE (worker_id IS NOT NULL);

CREATE INDEX workers_next_probe_idx ON public.workers USING btree (next_probe_at);

ALTER TABLE ONLY public.campaigns
    ADD CONSTRAINT campaigns_sender_number_fkey FOREIGN KEY (sender_number) REFERENCES public.senders(phone_number);

ALTER TABLE ONLY public.messages
    ADD CONSTRAINT messages_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES public.campaigns(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.sender_tokens
    ADD CONSTRAINT sender_tokens_phone_number_fkey FOREIGN KEY (phone_number) REFERENCES public.senders(phone_number) ON DELETE CASCADE;

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_phone_number_fkey FOREIGN KEY (phone_number) REFERENCES public.senders(phone_number);

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_worker_id_fkey FOREIGN KEY (worker_id) REFERENCES public.workers(id) ON DELETE SET NULL;
