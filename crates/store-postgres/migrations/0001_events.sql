-- The hash-chained event log: the source of truth for every congress change.
CREATE TABLE events (
    seq       BIGINT PRIMARY KEY,
    at_us     BIGINT NOT NULL,
    actor     TEXT   NOT NULL,
    kind      TEXT   NOT NULL,
    payload   TEXT   NOT NULL,
    prev_hash BYTEA  NOT NULL,
    hash      BYTEA  NOT NULL
);

-- Small values every node shares (the signing key for sign-in links and cookies).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);
