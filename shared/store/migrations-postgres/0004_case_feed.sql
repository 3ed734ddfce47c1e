-- The notifier's read position in each platform's case-event feed (`GET /case-events?after=`):
-- the last sequence number it has published, so a restart resumes where it stopped.
CREATE TABLE case_feeds (
    platform    TEXT COLLATE "C" PRIMARY KEY,
    last_seq    BIGINT NOT NULL
);
-- Dead letters are outbox rows in state 'dead' (reason in last_error); this finds them.
CREATE INDEX deliveries_state ON deliveries (state, platform);
