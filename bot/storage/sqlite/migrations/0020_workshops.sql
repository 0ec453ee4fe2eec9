-- Workshops: a manager adds one (W-<number>), invites an audience, families answer yes, no or
-- maybe; a "no" says what would help; "yes" past the capacity waits in line for a place.

CREATE TABLE workshops (
    id            INTEGER PRIMARY KEY,
    setting_id    INTEGER NOT NULL REFERENCES settings(id),
    number        INTEGER NOT NULL,               -- the reference is W-<number>
    title         TEXT NOT NULL,
    starts_at     TEXT NOT NULL,                  -- UTC
    ends_at       TEXT,                           -- UTC
    place         TEXT NOT NULL,
    online        TEXT,                           -- a web address to join from home
    capacity      INTEGER CHECK (capacity IS NULL OR capacity > 0),
    audience      TEXT NOT NULL DEFAULT 'all',
    status        TEXT NOT NULL DEFAULT 'added'
                  CHECK (status IN ('added', 'invited', 'cancelled')),
    reason        TEXT,                           -- why it was cancelled, as the manager wrote it
    created_at    TEXT NOT NULL,
    invited_at    TEXT,
    cancelled_at  TEXT,
    UNIQUE (setting_id, number)
);

-- One row per carer invited (a shared phone is invited once, as the carer it is reached as).
CREATE TABLE workshop_guests (
    workshop_id   INTEGER NOT NULL REFERENCES workshops(id),
    carer_id      INTEGER NOT NULL REFERENCES carers(id),
    invited_at    TEXT NOT NULL,
    answer        TEXT CHECK (answer IN ('yes', 'no', 'maybe', 'waiting')),
    answered_at   TEXT,
    waiting_since TEXT,                           -- when they joined the waiting list
    line          INTEGER,                        -- their turn on it: lower goes first
    help          TEXT CHECK (help IN ('time', 'online', 'childcare', 'interpreter', 'other')),
    help_words    TEXT,                           -- "something else", in their words
    PRIMARY KEY (workshop_id, carer_id)
);
CREATE INDEX workshop_guests_answer ON workshop_guests (workshop_id, answer, line);
