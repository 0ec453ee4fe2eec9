-- Telegram beside SMS: where each person prefers messages, which outbox rows are essential
-- (they fall back to SMS when Telegram cannot be reached), the relay thread an outbox row
-- belongs to (so a Telegram reply to it finds the thread), and one-time invite codes.

-- NULL: never chosen (every reachable contact gets messages); 'sms', 'telegram' or 'both'.
ALTER TABLE carers ADD COLUMN channel_pref TEXT;
ALTER TABLE staff ADD COLUMN channel_pref TEXT;

ALTER TABLE outbox ADD COLUMN essential INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN thread TEXT;

-- A one-time code that links whoever opens the bot's deep link with it to one person.
-- Only a hash of the code is kept, so a copy of the database cannot be used to link.
CREATE TABLE invites (
    id           INTEGER PRIMARY KEY,
    setting_id   INTEGER NOT NULL REFERENCES settings(id),
    code_hash    TEXT NOT NULL UNIQUE,
    person_kind  TEXT NOT NULL CHECK (person_kind IN ('carer', 'staff')),
    person_id    INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_at      TEXT,
    used_by      TEXT                       -- the channel address that used it
);
