-- Concerns are one record from the first step: a family that stops halfway keeps what they gave
-- as a 'draft' for a day, offered again when they next raise a concern; after that it is closed
-- as 'abandoned' (never deleted). A concern may carry a photo (a Telegram file id), and the DSL
-- may name a carer as the subject of a safeguarding concern: that carer gets no updates on it.
-- SQLite cannot widen a CHECK in place, so both tables are rebuilt (children first, so no
-- foreign key is ever left dangling).

CREATE TABLE concerns_kept AS SELECT * FROM concerns;
CREATE TABLE concern_notes_kept AS SELECT * FROM concern_notes;
DROP TABLE concern_notes;
DROP TABLE concerns;

CREATE TABLE concerns (
    id               INTEGER PRIMARY KEY,
    setting_id       INTEGER NOT NULL REFERENCES settings(id),
    number           INTEGER NOT NULL,          -- the reference is C-<number>
    child_id         INTEGER REFERENCES children(id),
    carer_id         INTEGER NOT NULL REFERENCES carers(id),
    -- NULL only while a draft has not been given them yet.
    topic            TEXT CHECK (topic IN ('development', 'care', 'complaint', 'safety')),
    urgency          TEXT CHECK (urgency IN ('today', 'week', 'no_rush')),
    words            TEXT,
    answer_by        TEXT CHECK (answer_by IN ('message', 'phone', 'meeting')),
    staff            TEXT NOT NULL DEFAULT '',  -- the staff it was routed to: ';'-separated ids
    stage            TEXT NOT NULL DEFAULT 'received'
                     CHECK (stage IN ('draft', 'abandoned', 'received', 'acknowledged',
                                      'closed', 'reopened')),
    opened_at        TEXT NOT NULL,             -- UTC: raised (a draft: started)
    acknowledge_by   TEXT,                      -- UTC; NULL for a draft
    acknowledged_at  TEXT,                      -- UTC, the first acknowledgement
    acknowledged_by  INTEGER REFERENCES staff(id),
    closed_at        TEXT,                      -- UTC (closed, or a draft abandoned)
    summary          TEXT,
    satisfaction     TEXT CHECK (satisfaction IN ('yes', 'not_really', 'manager')),
    photo            TEXT,                      -- a Telegram file id sent with the words
    subject_carer_id INTEGER REFERENCES carers(id),  -- named by the DSL: told nothing more
    UNIQUE (setting_id, number)
);
CREATE INDEX concerns_open ON concerns (setting_id, stage, opened_at);
CREATE INDEX concerns_drafts ON concerns (carer_id, stage);

CREATE TABLE concern_notes (
    id          INTEGER PRIMARY KEY,
    concern_id  INTEGER NOT NULL REFERENCES concerns(id),
    kind        TEXT NOT NULL,                  -- 'family', 'answer', 'closed', 'satisfaction',
                                                -- 'subject'
    words       TEXT NOT NULL,
    written_by  TEXT NOT NULL,                  -- the audit actor
    written_at  TEXT NOT NULL,                  -- UTC
    photo       TEXT                            -- a Telegram file id sent with an addition
);
CREATE INDEX concern_notes_concern ON concern_notes (concern_id, id);

INSERT INTO concerns (id, setting_id, number, child_id, carer_id, topic, urgency, words,
    answer_by, staff, stage, opened_at, acknowledge_by, acknowledged_at, acknowledged_by,
    closed_at, summary, satisfaction)
SELECT id, setting_id, number, child_id, carer_id, topic, urgency, words, answer_by, staff,
    stage, opened_at, acknowledge_by, acknowledged_at, acknowledged_by, closed_at, summary,
    satisfaction FROM concerns_kept;
INSERT INTO concern_notes (id, concern_id, kind, words, written_by, written_at)
SELECT id, concern_id, kind, words, written_by, written_at FROM concern_notes_kept;
DROP TABLE concern_notes_kept;
DROP TABLE concerns_kept;
