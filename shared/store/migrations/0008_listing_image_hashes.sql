-- The perceptual hashes of every hashed listing image (marketplace listings and exhibitor
-- products alike), written by the matcher, so that a right registered later is searched
-- against what was seen before it (retro-hunt). One row per (listing, image); `hashes` is
-- the JSON list of the image's region hashes as the hasher produced them; `position` is the
-- image's place among the listing's images.
CREATE TABLE listing_image_hashes (
    listing_id   TEXT NOT NULL,
    image_digest TEXT NOT NULL,
    position     BIGINT NOT NULL,
    hashes       TEXT NOT NULL,
    stored_at    TEXT NOT NULL,
    PRIMARY KEY (listing_id, image_digest)
);

-- Retro-hunts done: a right, as registered (`fingerprint` of its content), was searched
-- against every stored listing hash. A right changed since is hunted again.
CREATE TABLE retro_hunts (
    right_id     TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    matches      BIGINT NOT NULL,
    finished_at  TEXT NOT NULL,
    PRIMARY KEY (right_id, fingerprint)
);
