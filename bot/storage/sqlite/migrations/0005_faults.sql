-- Keeping working on a bad day: what a send attempt recorded before it left, reconciling sends
-- whose outcome is unknown, fallbacks that know where they came from, a per-sender inbound
-- budget, and caps on automatic answers and relay loops.

-- When the last send attempt began (written with the claim, before the request leaves): an
-- unknown outcome is looked up at the provider from this moment on.
ALTER TABLE outbox ADD COLUMN attempted_at TEXT;
-- When an 'unknown' row is next reconciled; NULL once reconciling has given up (reported).
ALTER TABLE outbox ADD COLUMN reconcile_at TEXT;
-- Lookups made for an unknown row, and whether it was sent again blind (Telegram, once).
ALTER TABLE outbox ADD COLUMN checks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN resent INTEGER NOT NULL DEFAULT 0;
-- The row a fallback (another channel, or the managers) stands in for.
ALTER TABLE outbox ADD COLUMN fallback_of INTEGER REFERENCES outbox(id);
CREATE INDEX outbox_unknown ON outbox (reconcile_at) WHERE status = 'unknown';
CREATE INDEX outbox_fallback ON outbox (fallback_of) WHERE fallback_of IS NOT NULL;

-- Messages beyond a sender's inbound budget are stored at once and handled after everyone
-- else's; rows of one sender still keep their order.
ALTER TABLE inbound ADD COLUMN deferred INTEGER NOT NULL DEFAULT 0;
CREATE INDEX inbound_waiting ON inbound (deferred, id) WHERE handled_at IS NULL;
CREATE INDEX inbound_deferred ON inbound (channel, address, id)
    WHERE handled_at IS NULL AND deferred = 1;

-- The last time each automatic answer (an acknowledgement, the unknown-sender reply…) went to
-- an address: the same one goes at most once per window.
CREATE TABLE auto_answers (
    channel  TEXT NOT NULL,
    address  TEXT NOT NULL,
    key      TEXT NOT NULL,
    sent_at  TEXT NOT NULL,
    PRIMARY KEY (channel, address, key)
);

-- Relay exchanges on one thread in the current window; a thread that loops is paused.
CREATE TABLE relay_loops (
    setting_id    INTEGER NOT NULL REFERENCES settings(id),
    code          TEXT NOT NULL,
    window_start  TEXT NOT NULL,
    exchanges     INTEGER NOT NULL,
    paused_until  TEXT,
    PRIMARY KEY (setting_id, code)
);
