-- The hash-chained event log: the source of truth for every congress change.
CREATE TABLE events (
    seq       INTEGER PRIMARY KEY,
    at_us     INTEGER NOT NULL,
    actor     TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    payload   TEXT    NOT NULL,
    prev_hash BLOB    NOT NULL,
    hash      BLOB    NOT NULL
);

-- Small values every node shares (the signing key for sign-in links and cookies).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
