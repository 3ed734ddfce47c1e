-- A notifier claims the deliveries it is about to attempt, so two notifiers never send the
-- same notice at once: `claimed_by` names the notifier instance, `claimed_until` (RFC 3339
-- UTC text, like every time in this schema) is when the claim lapses if the claimant dies
-- without finishing. NULL in both: nobody holds it.
ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;
ALTER TABLE deliveries ADD COLUMN claimed_until TEXT;
