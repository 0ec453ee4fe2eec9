-- Languages: what families write in, and the switch question asked once in 30 days.

-- One row per carer: the language their last determined messages agreed on (and how many in a
-- row), and the switch question asked last. Times are UTC.
CREATE TABLE language_history (
    carer_id        INTEGER PRIMARY KEY REFERENCES carers(id),
    seen_language   TEXT,
    seen_count      INTEGER NOT NULL DEFAULT 0,
    asked_language  TEXT,
    asked_at        TEXT,
    answer          TEXT CHECK (answer IN ('yes', 'no')),
    answered_at     TEXT
);
