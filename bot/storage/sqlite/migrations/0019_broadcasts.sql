-- Broadcasts: a manager's message to all families or a segment, queued in one transaction
-- with its outbox rows, so that a restart loses none and sends each once.

CREATE TABLE broadcasts (
    id              INTEGER PRIMARY KEY,
    setting_id      INTEGER NOT NULL REFERENCES settings(id),
    number          INTEGER NOT NULL,           -- read out as B-<number>
    text            TEXT NOT NULL,              -- the staff's words, as written
    audience        TEXT NOT NULL,              -- as typed, normalised (bot.domain.audience)
    confirm         INTEGER NOT NULL DEFAULT 0, -- "please reply 1 to say you have seen this"
    urgent          INTEGER NOT NULL DEFAULT 0, -- essential: through quiet hours, never past STOP
    sent_by         TEXT NOT NULL,              -- 'staff:3', or 'cli'
    created_at      TEXT NOT NULL,
    queued_at       TEXT,                       -- NULL while a request from a phone waits
    remind_at       TEXT,                       -- when those who have not confirmed are reminded
    families        INTEGER NOT NULL DEFAULT 0, -- reached, when it was queued
    carers          INTEGER NOT NULL DEFAULT 0,
    opted_out       INTEGER NOT NULL DEFAULT 0, -- carers not sent it, by reason
    unreachable     INTEGER NOT NULL DEFAULT 0,
    no_information  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (setting_id, number)
);
CREATE INDEX broadcasts_requested ON broadcasts (id) WHERE queued_at IS NULL;

-- Each phone or chat holder a broadcast went to, and when they said they had seen it.
CREATE TABLE broadcast_recipients (
    broadcast_id  INTEGER NOT NULL REFERENCES broadcasts(id),
    carer_id      INTEGER NOT NULL REFERENCES carers(id),
    confirmed_at  TEXT,
    PRIMARY KEY (broadcast_id, carer_id)
);
CREATE INDEX broadcast_recipients_carer ON broadcast_recipients (carer_id)
    WHERE confirmed_at IS NULL;

-- The broadcast an outbox row belongs to, and whether it is the reminder to confirm (queued
-- with the broadcast, held until its time, and withdrawn when the family confirms).
ALTER TABLE outbox ADD COLUMN broadcast_id INTEGER REFERENCES broadcasts(id);
ALTER TABLE outbox ADD COLUMN reminder INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, person_id) WHERE broadcast_id IS NOT NULL;
