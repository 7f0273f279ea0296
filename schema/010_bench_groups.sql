-- 010_bench_groups.sql — a summary of rec_benchmarks per group, so that
-- compare finds who reports an indicator without reading every result.
--
-- compare lists, beside the results of the period asked for, every group
-- (country; or country and centre, or country and service) that reports a
-- taking-part indicator in some other period, with its latest period. Read
-- from rec_benchmarks that is a GROUP BY over all of an indicator's results
-- (100,000 index entries and a sort for one target over a million
-- results); read from here it is one row per group.
--
-- One row per (indicator, country, centre, service, channel) that has a
-- result not retracted: how many (n), how many of them are also not
-- superseded (live), and the latest period_key among them. Kept by the
-- triggers below, so every path that writes rec_benchmarks (indexing,
-- supersede, its undoing, retraction, the migration itself) keeps it in
-- step; results are never un-retracted, and only a rebuild deletes them
-- (node/index.c empties this table with rec_benchmarks). Absent centre,
-- service and channel are '' here (record strings are never empty).
-- Derived data like the rest of the records index.
CREATE TABLE rec_bench_groups (
    indicator  TEXT    NOT NULL,
    country    TEXT    NOT NULL,
    centre     TEXT    NOT NULL,
    service    TEXT    NOT NULL,
    channel    TEXT    NOT NULL,
    n          INTEGER NOT NULL,
    live       INTEGER NOT NULL,
    latest_key INTEGER NOT NULL,
    PRIMARY KEY (indicator, country, centre, service, channel)
) WITHOUT ROWID;

INSERT INTO rec_bench_groups
    SELECT indicator, country, coalesce(centre, ''), coalesce(service, ''),
           coalesce(channel, ''), count(*), sum(superseded = 0), max(period_key)
    FROM rec_benchmarks WHERE retracted = 0
    GROUP BY indicator, country, coalesce(centre, ''), coalesce(service, ''),
             coalesce(channel, '');

CREATE TRIGGER rec_bench_groups_put AFTER INSERT ON rec_benchmarks
WHEN new.retracted = 0
BEGIN
    INSERT INTO rec_bench_groups
        VALUES (new.indicator, new.country, coalesce(new.centre, ''),
                coalesce(new.service, ''), coalesce(new.channel, ''), 1,
                new.superseded = 0, new.period_key)
    ON CONFLICT DO UPDATE SET n = n + 1, live = live + (new.superseded = 0),
        latest_key = max(latest_key, new.period_key);
END;

-- superseded set or cleared on a result that is not retracted
CREATE TRIGGER rec_bench_groups_live AFTER UPDATE OF superseded ON rec_benchmarks
WHEN old.retracted = 0 AND new.retracted = 0 AND old.superseded != new.superseded
BEGIN
    UPDATE rec_bench_groups SET live = live + (new.superseded = 0) - (old.superseded = 0)
    WHERE indicator = new.indicator AND country = new.country
      AND centre = coalesce(new.centre, '') AND service = coalesce(new.service, '')
      AND channel = coalesce(new.channel, '');
END;

-- a retraction: one result fewer; the latest period found again if it was
-- this one's; the group gone with its last result
CREATE TRIGGER rec_bench_groups_retract AFTER UPDATE OF retracted ON rec_benchmarks
WHEN old.retracted = 0 AND new.retracted != 0
BEGIN
    UPDATE rec_bench_groups SET n = n - 1, live = live - (old.superseded = 0),
        latest_key = CASE WHEN old.period_key < latest_key THEN latest_key ELSE coalesce(
            (SELECT max(b.period_key) FROM rec_benchmarks b
             WHERE b.indicator = new.indicator AND b.retracted = 0
               AND b.country = new.country AND coalesce(b.centre, '') = coalesce(new.centre, '')
               AND coalesce(b.service, '') = coalesce(new.service, '')
               AND coalesce(b.channel, '') = coalesce(new.channel, '')), 0) END
    WHERE indicator = new.indicator AND country = new.country
      AND centre = coalesce(new.centre, '') AND service = coalesce(new.service, '')
      AND channel = coalesce(new.channel, '');
    DELETE FROM rec_bench_groups
    WHERE indicator = new.indicator AND country = new.country
      AND centre = coalesce(new.centre, '') AND service = coalesce(new.service, '')
      AND channel = coalesce(new.channel, '') AND n <= 0;
END;
