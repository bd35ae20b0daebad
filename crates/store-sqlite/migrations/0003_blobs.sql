-- Files (uploaded documents, extracted text, renditions), addressed by the SHA-256 of their
-- bytes. Events name a blob by its hash; the same bytes are stored once.
CREATE TABLE blobs (
    sha256 BLOB PRIMARY KEY,
    bytes  BLOB NOT NULL
);
