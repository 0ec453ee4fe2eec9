-- The last "your message has gone to ..." each carer was sent, so that a family writing several
-- messages in a row is told once, not after every message: the same acknowledgement is not
-- given again until staff answer the carer or a few hours have passed.
CREATE TABLE acknowledgements (
    carer_id  INTEGER PRIMARY KEY REFERENCES carers(id),
    what      TEXT NOT NULL,              -- which acknowledgement: its message and to whom
    at        TEXT NOT NULL               -- UTC
);
