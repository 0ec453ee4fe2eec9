-- Wrong reply codes are counted per staff member from the audit log (and a pause is looked up
-- by action and subject) on every staff message that names a code: index both lookups.
CREATE INDEX audit_actor_action ON audit (actor, action, at);
CREATE INDEX audit_action_subject ON audit (action, subject, at);
