-- Inhabitants per cluster, year, target population and municipality,
-- uploaded as CSV (PUT replaces a cluster's year as a whole).
CREATE TABLE population_counts (
    id                 BIGSERIAL PRIMARY KEY,
    cluster_id         BIGINT NOT NULL REFERENCES clusters (id),
    year               INTEGER NOT NULL,
    target_population  TEXT NOT NULL REFERENCES target_populations (code),
    municipality       TEXT NOT NULL,
    count              BIGINT NOT NULL CHECK (count >= 0),
    created_at         TIMESTAMP NOT NULL,
    UNIQUE (cluster_id, year, target_population, municipality)
);
