-- `frontier_add` numbers each new URL MAX(seq) + 1 over the whole frontier; without an
-- index on seq that is a scan per inserted URL. With it, the maximum is one index probe.
CREATE INDEX frontier_seq ON frontier (seq);
