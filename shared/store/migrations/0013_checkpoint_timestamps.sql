-- RFC 3161 trusted timestamps over the evidence log's checkpoints (issue 20): a Time
-- Stamping Authority's token over the SHA-256 of a checkpoint's signed text, kept exactly
-- as the TSA sent it so `openssl ts -verify` can check it. At most one per checkpoint; a
-- checkpoint without one has only our own clock's time.
CREATE TABLE log_timestamps (
    size        INTEGER PRIMARY KEY,                 -- the checkpoint's tree size (log_checkpoints.size)
    tsa_url     TEXT NOT NULL,                       -- where the token came from
    query       TEXT NOT NULL,                       -- the TimeStampReq sent, DER, lower-case hex
    reply       TEXT NOT NULL,                       -- the TimeStampResp received, DER, lower-case hex
    gen_time    TEXT NOT NULL,                       -- the token's genTime (RFC 3339), as verified on receipt
    stamped_at  TEXT NOT NULL                        -- when we received it, by our clock
);
