-- 008_version_components.sql — indicator versions written the SDMX way
-- (RECORDS.md, "Indicator versions").
--
-- rec_indicators.version and the indicator_version columns of
-- rec_benchmarks and rec_aggregates now hold the version's key (components
-- c0.c1.c2 as c0 * 10^12 + c1 * 10^6 + c2; integer 2, "2" and "2.0" share
-- one key), so that equality and ORDER BY follow the one comparison rule.
-- The columns below keep the version as written, for display: an INTEGER
-- when the record wrote a number, TEXT when it wrote "1.2.0" (declared
-- without a type so SQLite keeps whichever it was given). Derived by
-- node/index.c (PX_INDEX_VERSION 3 rebuilds stores indexed before).
ALTER TABLE rec_indicators ADD COLUMN version_written;
ALTER TABLE rec_benchmarks ADD COLUMN indicator_version_written;
ALTER TABLE rec_aggregates ADD COLUMN indicator_version_written;
