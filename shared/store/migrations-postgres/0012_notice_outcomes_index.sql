-- The actioner reads how an owner's recent notices on one platform ended before it files
-- automatically (the auto-filing pause): one look-up per auto-filed match, which without
-- this index scans every notice.
CREATE INDEX notices_owner_platform_updated ON notices (owner_id, platform, updated_at);
