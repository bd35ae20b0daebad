-- Secret ballots are stored only as these per-poll counters, updated in the same
-- transaction as the voter's mark in the event log: no row per ballot, no time, no order,
-- nothing that joins a voter to a choice.
CREATE TABLE secret_tally (
    poll     INTEGER NOT NULL,
    question INTEGER NOT NULL,
    option   INTEGER NOT NULL,
    ballots  INTEGER NOT NULL,
    weight   INTEGER NOT NULL,
    PRIMARY KEY (poll, question, option)
);
