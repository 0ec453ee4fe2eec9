-- Keyperson's first schema: people, channel addresses, conversations, inbound, outbox,
-- reply threads, reminders and the audit log. Every row belongs to a setting.

CREATE TABLE settings (
    id          INTEGER PRIMARY KEY,
    ref         TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    profile     TEXT NOT NULL,              -- the loaded setting.toml as JSON
    updated_at  TEXT NOT NULL
);

CREATE TABLE staff (
    id          INTEGER PRIMARY KEY,
    setting_id  INTEGER NOT NULL REFERENCES settings(id),
    ref         TEXT NOT NULL,
    name        TEXT NOT NULL,
    roles       TEXT NOT NULL,              -- ';'-separated
    phone       TEXT,                       -- E.164
    languages   TEXT NOT NULL DEFAULT '',   -- ';'-separated
    cover_ref   TEXT,
    UNIQUE (setting_id, ref)
);

CREATE TABLE children (
    id              INTEGER PRIMARY KEY,
    setting_id      INTEGER NOT NULL REFERENCES settings(id),
    ref             TEXT NOT NULL,
    first_name      TEXT NOT NULL,
    last_name       TEXT NOT NULL,
    date_of_birth   TEXT NOT NULL,
    room            TEXT NOT NULL DEFAULT '',
    key_person_ref  TEXT,
    send_status     TEXT NOT NULL DEFAULT 'none',
    UNIQUE (setting_id, ref)
);

CREATE TABLE carers (
    id          INTEGER PRIMARY KEY,
    setting_id  INTEGER NOT NULL REFERENCES settings(id),
    ref         TEXT NOT NULL,
    name        TEXT NOT NULL,
    phone       TEXT,
    language    TEXT NOT NULL DEFAULT 'en',
    UNIQUE (setting_id, ref)
);

CREATE TABLE child_carers (
    setting_id            INTEGER NOT NULL REFERENCES settings(id),
    child_id              INTEGER NOT NULL REFERENCES children(id),
    carer_id              INTEGER NOT NULL REFERENCES carers(id),
    relationship          TEXT NOT NULL,
    receives_information  INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (child_id, carer_id)
);
CREATE INDEX child_carers_carer ON child_carers (carer_id);

-- A person's address on one channel. Linked once the person has written from it.
CREATE TABLE contacts (
    id           INTEGER PRIMARY KEY,
    setting_id   INTEGER NOT NULL REFERENCES settings(id),
    channel      TEXT NOT NULL,
    address      TEXT NOT NULL,
    person_kind  TEXT NOT NULL CHECK (person_kind IN ('carer', 'staff')),
    person_id    INTEGER NOT NULL,
    linked_at    TEXT,
    unreachable  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (channel, address)
);
CREATE INDEX contacts_person ON contacts (person_kind, person_id);

-- Numbers that texted STOP: nothing but the confirmation goes to them until START.
CREATE TABLE opt_outs (
    channel  TEXT NOT NULL,
    address  TEXT NOT NULL,
    at       TEXT NOT NULL,
    PRIMARY KEY (channel, address)
);

-- Flow state, one row per conversation partner (channel + address).
CREATE TABLE conversations (
    channel     TEXT NOT NULL,
    address     TEXT NOT NULL,
    setting_id  INTEGER REFERENCES settings(id),
    flow        TEXT NOT NULL,
    state       TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (channel, address)
);

CREATE TABLE inbound (
    id           INTEGER PRIMARY KEY,
    channel      TEXT NOT NULL,
    external_id  TEXT NOT NULL,
    address      TEXT NOT NULL,
    payload      TEXT NOT NULL,             -- the parsed Inbound as JSON
    received_at  TEXT NOT NULL,
    handled_at   TEXT,
    error        TEXT,
    UNIQUE (channel, external_id)
);
CREATE INDEX inbound_unhandled ON inbound (id) WHERE handled_at IS NULL;

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    setting_id       INTEGER REFERENCES settings(id),
    channel          TEXT NOT NULL,
    address          TEXT NOT NULL,
    person_kind      TEXT,
    person_id        INTEGER,
    priority         INTEGER NOT NULL,
    body             TEXT NOT NULL,
    choices          TEXT NOT NULL DEFAULT '[]',
    ignore_stop      INTEGER NOT NULL DEFAULT 0, -- only the STOP confirmation itself
    status           TEXT NOT NULL DEFAULT 'queued',
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    provider_id      TEXT,
    error            TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX outbox_due ON outbox (priority, next_attempt_at, id) WHERE status = 'queued';
CREATE UNIQUE INDEX outbox_provider ON outbox (provider_id) WHERE provider_id IS NOT NULL;

-- A relay thread between one carer, one child and the staff who answer; `code` is what staff
-- type (without the '#') to reply.
CREATE TABLE threads (
    id          INTEGER PRIMARY KEY,
    setting_id  INTEGER NOT NULL REFERENCES settings(id),
    code        TEXT NOT NULL,
    carer_id    INTEGER NOT NULL REFERENCES carers(id),
    child_id    INTEGER NOT NULL REFERENCES children(id),
    updated_at  TEXT NOT NULL,
    UNIQUE (setting_id, code),
    UNIQUE (carer_id, child_id)
);

CREATE TABLE reminders (
    id            INTEGER PRIMARY KEY,
    setting_id    INTEGER NOT NULL REFERENCES settings(id),
    channel       TEXT NOT NULL,
    address       TEXT NOT NULL,
    flow          TEXT NOT NULL,
    due_at        TEXT NOT NULL,            -- UTC
    rule          TEXT NOT NULL,            -- the local wall-clock rule that made it
    payload       TEXT NOT NULL DEFAULT '{}',
    fired_at      TEXT,
    cancelled_at  TEXT
);
CREATE INDEX reminders_due ON reminders (due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;

CREATE TABLE audit (
    id          INTEGER PRIMARY KEY,
    setting_id  INTEGER REFERENCES settings(id),
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,              -- 'carer:12', 'staff:3', 'system', 'unknown'
    action      TEXT NOT NULL,
    subject     TEXT,
    details     TEXT NOT NULL DEFAULT '{}'
);
