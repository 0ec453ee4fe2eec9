-- Visits: a professional's visit about a child (at the setting, at home or elsewhere), told to
-- the family in advance, with each carer's answer kept as theirs.

-- The last reference number given in each setting (references are V-<number>, from V-1).
CREATE TABLE visit_numbers (
    setting_id  INTEGER PRIMARY KEY REFERENCES settings(id),
    last        INTEGER NOT NULL
);

CREATE TABLE visits (
    id             INTEGER PRIMARY KEY,
    setting_id     INTEGER NOT NULL REFERENCES settings(id),
    number         INTEGER NOT NULL,           -- the reference is V-<number>
    child_id       INTEGER NOT NULL REFERENCES children(id),
    who            TEXT NOT NULL,              -- the professional's role, as written
    name           TEXT NOT NULL DEFAULT '',   -- their name, when known
    at             TEXT NOT NULL,              -- UTC
    why            TEXT NOT NULL,
    place          TEXT NOT NULL DEFAULT '',   -- where, as written ('' = at the setting)
    home           INTEGER NOT NULL DEFAULT 0, -- a home visit
    state          TEXT NOT NULL DEFAULT 'planned'
                   CHECK (state IN ('planned', 'confirmed', 'change_asked', 'cancelled')),
    recorded_by    INTEGER REFERENCES staff(id),
    recorded_at    TEXT NOT NULL,              -- UTC
    moved_at       TEXT,                       -- UTC, the last time it was moved
    cancelled_at   TEXT,                       -- UTC
    cancel_reason  TEXT,
    UNIQUE (setting_id, number)
);
CREATE INDEX visits_child ON visits (setting_id, child_id, at);

-- Who was sent what about a visit: the notice, a move, a cancellation, a reminder.
CREATE TABLE visit_notices (
    id        INTEGER PRIMARY KEY,
    visit_id  INTEGER NOT NULL REFERENCES visits(id),
    carer_id  INTEGER NOT NULL REFERENCES carers(id),
    kind      TEXT NOT NULL CHECK (kind IN ('notice', 'moved', 'cancelled', 'reminder')),
    sent_at   TEXT NOT NULL                    -- UTC
);
CREATE INDEX visit_notices_carer ON visit_notices (carer_id, sent_at);

-- Each carer's answers, as theirs: the choice, any words, the channel, when.
CREATE TABLE visit_answers (
    id           INTEGER PRIMARY KEY,
    visit_id     INTEGER NOT NULL REFERENCES visits(id),
    carer_id     INTEGER NOT NULL REFERENCES carers(id),
    answer       TEXT NOT NULL
                 CHECK (answer IN ('fine', 'questions', 'be_there', 'call', 'another_time')),
    words        TEXT NOT NULL DEFAULT '',
    channel      TEXT NOT NULL,
    answered_at  TEXT NOT NULL                 -- UTC
);
CREATE INDEX visit_answers_visit ON visit_answers (visit_id, id);
