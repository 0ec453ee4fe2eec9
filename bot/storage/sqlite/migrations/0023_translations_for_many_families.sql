-- Staff words to many families (a broadcast, one task per language): how a translation reaches
-- them, as JSON (the catalog wrapper, the words' place in it, each carer). NULL for a task of
-- one conversation, which keeps carer_id and thread as before.

ALTER TABLE translation_tasks ADD COLUMN families TEXT;
