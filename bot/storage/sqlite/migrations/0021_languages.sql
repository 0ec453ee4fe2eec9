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

-- Translation tasks: words a member of staff with the translator role is asked to translate,
-- with a reference (T-1001) they answer with. direction 'to_staff': a family's words for the key
-- persons in deliver_to, who do not read that language; 'to_family': a member of staff's words
-- (deliver_to: them, author: their name) for the carer, about child_id, in thread; expired_at:
-- the English went instead. Staff ids are ';'-separated.
CREATE TABLE translation_numbers (
    setting_id  INTEGER PRIMARY KEY REFERENCES settings(id),
    last        INTEGER NOT NULL
);
CREATE TABLE translation_tasks (
    id             INTEGER PRIMARY KEY,
    setting_id     INTEGER NOT NULL REFERENCES settings(id),
    number         INTEGER NOT NULL,
    direction      TEXT NOT NULL CHECK (direction IN ('to_staff', 'to_family')),
    language       TEXT NOT NULL,
    words          TEXT NOT NULL,
    carer_id       INTEGER REFERENCES carers(id),
    carer          TEXT NOT NULL,
    children       TEXT NOT NULL,
    deliver_to     TEXT NOT NULL,
    translators    TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    translation    TEXT,
    translated_by  INTEGER REFERENCES staff(id),
    translated_at  TEXT,
    child_id       INTEGER REFERENCES children(id),
    thread         TEXT,
    author         TEXT,
    expired_at     TEXT,
    UNIQUE (setting_id, number)
);
