-- A timer row names the flow that set it, which takes it when it is due (as an event under
-- the person's lock); the thank-you for good news used to be named by its rule alone.
UPDATE reminders
SET flow = 'celebration', rule = 'wow_thanks'
WHERE flow = 'wow_thanks' AND fired_at IS NULL AND cancelled_at IS NULL;
