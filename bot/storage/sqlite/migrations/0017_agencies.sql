-- Outside agencies and referrals: what was shared with an agency about a child and which
-- carers were told; referrals with each carer's consent, questions and views (word for word),
-- with the time and channel of each answer. Kept apart from messages: the retention purge
-- of message bodies does not touch these tables.

CREATE TABLE agency_contacts (
    id           INTEGER PRIMARY KEY,
    setting_id   INTEGER NOT NULL REFERENCES settings(id),
    child_id     INTEGER NOT NULL REFERENCES children(id),
    agency       TEXT NOT NULL,
    what         TEXT NOT NULL,
    happens_on   TEXT,                       -- YYYY-MM-DD, the setting's day; NULL: not given
    planned      INTEGER NOT NULL DEFAULT 0, -- 1: not yet happened (the family told before)
    recorded_by  TEXT NOT NULL,              -- the audit actor
    recorded_at  TEXT NOT NULL               -- UTC
);
CREATE INDEX agency_contacts_child ON agency_contacts (setting_id, child_id, id);

-- The last referral number given in each setting (references are R-<number>, from R-1001).
CREATE TABLE referral_numbers (
    setting_id  INTEGER PRIMARY KEY REFERENCES settings(id),
    last        INTEGER NOT NULL
);

CREATE TABLE referrals (
    id          INTEGER PRIMARY KEY,
    setting_id  INTEGER NOT NULL REFERENCES settings(id),
    number      INTEGER NOT NULL,
    child_id    INTEGER NOT NULL REFERENCES children(id),
    to_whom     TEXT NOT NULL,
    why         TEXT NOT NULL,
    staff_id    INTEGER REFERENCES staff(id),  -- who made it from a phone; NULL: the command
    made_by     TEXT NOT NULL,
    made_at     TEXT NOT NULL,                 -- UTC
    sent_at     TEXT,                          -- UTC, sent to the service (with consent)
    sent_by     TEXT,
    UNIQUE (setting_id, number)
);

-- Whom a notice went to: a carer told about an agency contact, or asked about a referral.
CREATE TABLE agency_notices (
    id           INTEGER PRIMARY KEY,
    contact_id   INTEGER REFERENCES agency_contacts(id),
    referral_id  INTEGER REFERENCES referrals(id),
    carer_id     INTEGER NOT NULL REFERENCES carers(id),
    channels     TEXT NOT NULL,              -- ';'-separated
    told_at      TEXT NOT NULL,              -- UTC, queued in the same transaction
    CHECK ((contact_id IS NULL) != (referral_id IS NULL))
);
CREATE INDEX agency_notices_contact ON agency_notices (contact_id);
CREATE INDEX agency_notices_referral ON agency_notices (referral_id);

-- Each carer's answers to a referral, in order: yes, no, questions, withdrawn, views.
CREATE TABLE referral_answers (
    id           INTEGER PRIMARY KEY,
    referral_id  INTEGER NOT NULL REFERENCES referrals(id),
    carer_id     INTEGER NOT NULL REFERENCES carers(id),
    answer       TEXT NOT NULL
                 CHECK (answer IN ('yes', 'no', 'questions', 'withdrawn', 'views')),
    words        TEXT NOT NULL DEFAULT '',
    channel      TEXT NOT NULL,
    answered_at  TEXT NOT NULL               -- UTC
);
CREATE INDEX referral_answers_referral ON referral_answers (referral_id, id);
