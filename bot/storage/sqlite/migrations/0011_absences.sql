-- Absences: a carer tells the setting a child is not coming in.

-- The rooms a member of staff works in (';'-separated, as families.csv names them in `room`):
-- the room's staff are told when one of its children is away. Empty: no room on file.
ALTER TABLE staff ADD COLUMN rooms TEXT NOT NULL DEFAULT '';

-- One row per child per report. Days are the setting's local calendar days (YYYY-MM-DD);
-- last_day NULL: the family did not know yet how long.
CREATE TABLE absences (
    id           INTEGER PRIMARY KEY,
    setting_id   INTEGER NOT NULL REFERENCES settings(id),
    child_id     INTEGER NOT NULL REFERENCES children(id),
    reason       TEXT NOT NULL CHECK (reason IN ('ill', 'appointment', 'holiday', 'other')),
    first_day    TEXT NOT NULL,
    last_day     TEXT,
    reported_by  TEXT NOT NULL,             -- the audit actor: carer:<id>
    reported_at  TEXT NOT NULL              -- UTC
);
CREATE INDEX absences_days ON absences (setting_id, first_day);
