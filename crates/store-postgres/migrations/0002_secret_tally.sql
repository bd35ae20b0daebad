-- Secret ballots are stored only as these per-poll counters, updated in the same
-- transaction as the voter's mark in the event log: no row per ballot, no time, no order,
-- nothing that joins a voter to a choice.
CREATE TABLE secret_tally (
    poll     BIGINT NOT NULL,
    question BIGINT NOT NULL,
    option   BIGINT NOT NULL,
    ballots  BIGINT NOT NULL,
    weight   BIGINT NOT NULL,
    PRIMARY KEY (poll, question, option)
);
