-- Leavers and shared phones.

-- Children, carers and carer-child links that families.csv no longer has, once an import with
-- --remove-missing marked them left. Their rows stay (records are kept as the retention policy
-- says) but they get nothing more; a later file that lists them again clears the mark.
ALTER TABLE children ADD COLUMN left_at TEXT;
ALTER TABLE carers ADD COLUMN left_at TEXT;
ALTER TABLE child_carers ADD COLUMN left_at TEXT;

-- Whose contacts reach a carer. Usually their own; when two carers of the same children share
-- one phone (mum and dad on one mobile), the phone is one contact, filed under one of them,
-- and the other is reached through it: every message for either goes to the phone once, and
-- the phone's channel choice, update mode and STOP are the phone's. Carers who left are not
-- reached at all.
CREATE VIEW carer_reach AS
SELECT ca.id AS carer_id, COALESCE(k.person_id, ca.id) AS reached_as
FROM carers ca
LEFT JOIN contacts k ON k.channel = 'sms' AND k.address = ca.phone
    AND k.person_kind = 'carer' AND k.setting_id = ca.setting_id
WHERE ca.left_at IS NULL;
