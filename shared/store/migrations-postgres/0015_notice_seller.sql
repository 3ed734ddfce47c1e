-- Flood control: the actioner counts an owner's notices against one seller on one platform
-- filed in the last day (`[policy] max_notices_per_seller_per_day`), so the seller and the
-- filing time get columns of their own. Notices filed before this migration count from
-- their last update (no later than their filing: the cap errs towards review).
ALTER TABLE notices ADD COLUMN seller TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN filed_at TEXT COLLATE "C" NOT NULL DEFAULT '';
UPDATE notices SET seller = COALESCE(body::jsonb ->> 'seller', ''), filed_at = updated_at;
CREATE INDEX notices_owner_platform_seller ON notices (owner_id, platform, seller, filed_at);
