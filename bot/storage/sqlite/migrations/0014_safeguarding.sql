-- Safeguarding: a family's message whose words suggest a child may be at risk of harm, sent to
-- the DSL at once. These rows are safeguarding records: kept as the setting's policy says and
-- never removed by the message retention purge (which deletes message bodies, not these).

-- The last reference number given in each setting (references read S-1001, S-1002, ...).
CREATE TABLE safeguarding_numbers (
    setting_id  INTEGER PRIMARY KEY REFERENCES settings(id),
    last        INTEGER NOT NULL
);

CREATE TABLE safeguarding (
    id               INTEGER PRIMARY KEY,
    setting_id       INTEGER NOT NULL REFERENCES settings(id),
    number           INTEGER NOT NULL,          -- the reference is 'S-' || number
    carer_id         INTEGER NOT NULL REFERENCES carers(id),
    children         TEXT NOT NULL,             -- JSON: the ids of the carer's children
    signs            TEXT NOT NULL,             -- JSON: the kinds of sign found
    words            TEXT NOT NULL,             -- the family's words, as sent
    told             TEXT NOT NULL,             -- JSON: the staff ids told at once
    raised_at        TEXT NOT NULL,             -- UTC
    acknowledged_at  TEXT,                      -- UTC
    acknowledged_by  INTEGER REFERENCES staff(id),
    escalated_at     TEXT,                      -- UTC: sent on, not acknowledged in time
    UNIQUE (setting_id, number)
);
