-- Inbound rows move to their own file (`<name>-inbound.db`), so that acknowledging a webhook
-- never waits for the worker's transaction on this one. Here stays the record of which
-- inbound rows were handled, written in the same transaction as their effects: a row marked
-- here is never handled again, even if the process died before the inbound file was marked.
-- The old table is renamed; its rows are copied to the inbound file when the database is
-- opened, and then it is dropped.
ALTER TABLE inbound RENAME TO inbound_legacy;
DROP INDEX IF EXISTS inbound_unhandled;
DROP INDEX IF EXISTS inbound_waiting;
DROP INDEX IF EXISTS inbound_deferred;

CREATE TABLE inbound_handled (
    inbound_id   INTEGER PRIMARY KEY,        -- the row's id in the inbound file
    channel      TEXT NOT NULL,
    address      TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    handled_at   TEXT NOT NULL,
    error        TEXT                        -- the error class name when handling failed
);
CREATE INDEX inbound_handled_address ON inbound_handled (channel, address, received_at);
