-- Daily updates, celebrations and news from home; how each carer wants updates; summaries.

-- Whether photos of the child may be sent to the family (families.csv photo_consent).
ALTER TABLE children ADD COLUMN photo_consent INTEGER NOT NULL DEFAULT 0;

-- How a carer wants daily updates: 'instant' (each as it happens), 'evening' (one summary a
-- day at summary_time), 'weekly' (one on summary_day at summary_time) or 'essentials' (none).
ALTER TABLE carers ADD COLUMN update_mode TEXT NOT NULL DEFAULT 'instant';
ALTER TABLE carers ADD COLUMN summary_time TEXT NOT NULL DEFAULT '17:30';
ALTER TABLE carers ADD COLUMN summary_day INTEGER NOT NULL DEFAULT 4;  -- 0 = Monday

-- What was said about a child: a staff update or celebration, or good news from home.
CREATE TABLE news (
    id          INTEGER PRIMARY KEY,
    setting_id  INTEGER NOT NULL REFERENCES settings(id),
    child_id    INTEGER NOT NULL REFERENCES children(id),
    kind        TEXT NOT NULL CHECK (kind IN ('update', 'celebration', 'home', 'concern')),
    author      TEXT NOT NULL,              -- 'staff:3' or 'carer:12'
    body        TEXT NOT NULL,              -- the message as the family reads it (first language)
    photo       TEXT,                       -- a Telegram file id
    created_at  TEXT NOT NULL
);
CREATE INDEX news_child ON news (child_id, created_at);

-- An update waiting for a carer's summary; sent once, by the scheduler, when due.
CREATE TABLE digest_items (
    id          INTEGER PRIMARY KEY,
    setting_id  INTEGER NOT NULL REFERENCES settings(id),
    carer_id    INTEGER NOT NULL REFERENCES carers(id),
    child_name  TEXT NOT NULL,
    text        TEXT NOT NULL,              -- rendered in the carer's language when queued
    due_at      TEXT NOT NULL,              -- UTC
    sent_at     TEXT
);
CREATE INDEX digest_due ON digest_items (due_at) WHERE sent_at IS NULL;

-- Outbox rows may carry a photo and may wait for a family's quiet hours to end.
ALTER TABLE outbox ADD COLUMN photo TEXT;

-- Periodic work done once per period (a week's keeping-in-touch lists), even across restarts.
CREATE TABLE scheduled_runs (
    name     TEXT NOT NULL,
    period   TEXT NOT NULL,                 -- e.g. '2026-W48'
    ran_at   TEXT NOT NULL,
    PRIMARY KEY (name, period)
);
