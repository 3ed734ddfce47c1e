-- Retro-hunts of word marks recorded before titles were hunted (0008 hunted images only):
-- forgetting them makes the matchers hunt those marks again, now over stored titles too.
-- A hunt is idempotent (one match per listing and right), so hunting again is safe.
DELETE FROM retro_hunts
WHERE right_id IN (SELECT id FROM rights WHERE kind = 'word_mark');
