-- Reminders people see: what a timer row is about (its kind and event), when its event is, so
-- a reminder found due after the event (or long after its time) is recorded as missed, never
-- sent late; and reviews of a child's plan, with each family's answers and views.

ALTER TABLE reminders ADD COLUMN kind TEXT;       -- 'review' …; NULL for a flow's own timer
ALTER TABLE reminders ADD COLUMN subject TEXT;    -- the event ('review:17'): moved or cancelled together
ALTER TABLE reminders ADD COLUMN about TEXT;      -- the child or event as people read it
ALTER TABLE reminders ADD COLUMN event_at TEXT;   -- UTC; a reminder is never sent after it
ALTER TABLE reminders ADD COLUMN missed_at TEXT;  -- found due too late to be useful
CREATE INDEX reminders_subject ON reminders (subject) WHERE subject IS NOT NULL;
DROP INDEX reminders_due;
CREATE INDEX reminders_due ON reminders (due_at)
    WHERE fired_at IS NULL AND cancelled_at IS NULL AND missed_at IS NULL;

CREATE TABLE reviews (
    id            INTEGER PRIMARY KEY,
    setting_id    INTEGER NOT NULL REFERENCES settings(id),
    number        INTEGER NOT NULL,            -- read out as P-1001
    child_id      INTEGER NOT NULL REFERENCES children(id),
    at            TEXT NOT NULL,               -- UTC
    place         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    with_staff    TEXT NOT NULL DEFAULT '[]',  -- staff ids invited besides key person and SENCo
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    moved_at      TEXT,
    cancelled_at  TEXT,
    interpreter   TEXT,                        -- the language an interpreter was asked for
    views_sent_at TEXT,                        -- the family's views went to the staff
    summary       TEXT,
    summary_at    TEXT,
    UNIQUE (setting_id, number)
);
CREATE INDEX reviews_child ON reviews (child_id);

CREATE TABLE review_families (
    review_id        INTEGER NOT NULL REFERENCES reviews(id),
    carer_id         INTEGER NOT NULL REFERENCES carers(id),
    answer           TEXT,        -- come, another_time, interpreter, bring
    answer_words     TEXT,        -- which times suit, whom they bring
    answered_at      TEXT,
    views_done_at    TEXT,
    summary_answer   TEXT,        -- agree, add, question
    summary_words    TEXT,
    summary_at       TEXT,
    PRIMARY KEY (review_id, carer_id)
);

CREATE TABLE review_views (
    review_id  INTEGER NOT NULL REFERENCES reviews(id),
    carer_id   INTEGER NOT NULL REFERENCES carers(id),
    question   TEXT NOT NULL,     -- going_well, worries, next
    answer     TEXT,              -- NULL when skipped
    photo      TEXT,              -- a Telegram file id
    at         TEXT NOT NULL,
    PRIMARY KEY (review_id, carer_id, question)
);
