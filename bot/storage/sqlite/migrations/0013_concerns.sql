-- Concerns: a family raises something important, it is routed to staff by topic, acknowledged,
-- answered and closed, and the family says whether they are happy with how it was dealt with.
-- Concerns are never removed by the message retention purge.

-- The last reference number given in each setting (references are C-<number>, from C-1001).
CREATE TABLE concern_numbers (
    setting_id  INTEGER PRIMARY KEY REFERENCES settings(id),
    last        INTEGER NOT NULL
);

CREATE TABLE concerns (
    id               INTEGER PRIMARY KEY,
    setting_id       INTEGER NOT NULL REFERENCES settings(id),
    number           INTEGER NOT NULL,          -- the reference is C-<number>
    child_id         INTEGER REFERENCES children(id),
    carer_id         INTEGER NOT NULL REFERENCES carers(id),
    topic            TEXT NOT NULL CHECK (topic IN ('development', 'care', 'complaint', 'safety')),
    urgency          TEXT NOT NULL CHECK (urgency IN ('today', 'week', 'no_rush')),
    words            TEXT NOT NULL,
    answer_by        TEXT NOT NULL CHECK (answer_by IN ('message', 'phone', 'meeting')),
    staff            TEXT NOT NULL DEFAULT '',  -- the staff it was routed to: ';'-separated ids
    stage            TEXT NOT NULL DEFAULT 'received'
                     CHECK (stage IN ('received', 'acknowledged', 'closed', 'reopened')),
    opened_at        TEXT NOT NULL,             -- UTC
    acknowledge_by   TEXT NOT NULL,             -- UTC
    acknowledged_at  TEXT,                      -- UTC, the first acknowledgement
    acknowledged_by  INTEGER REFERENCES staff(id),
    closed_at        TEXT,                      -- UTC
    summary          TEXT,
    satisfaction     TEXT CHECK (satisfaction IN ('yes', 'not_really', 'manager')),
    UNIQUE (setting_id, number)
);
CREATE INDEX concerns_open ON concerns (setting_id, stage, opened_at);

-- What was said on a concern after it was raised: the family's additions, staff's answers,
-- the summary it was closed with.
CREATE TABLE concern_notes (
    id          INTEGER PRIMARY KEY,
    concern_id  INTEGER NOT NULL REFERENCES concerns(id),
    kind        TEXT NOT NULL,                  -- 'family', 'answer', 'closed', 'satisfaction'
    words       TEXT NOT NULL,
    written_by  TEXT NOT NULL,                  -- the audit actor
    written_at  TEXT NOT NULL                   -- UTC
);
CREATE INDEX concern_notes_concern ON concern_notes (concern_id, id);
