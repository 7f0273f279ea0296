-- 009_case_lists.sql — a case study's services and channels, as its tags
-- are in rec_case_tags: the case search counts them as facets and filters
-- by them (node/query.c) without reading the bodies. Derived by
-- node/index.c (index_case); PX_INDEX_VERSION 3 rebuilds stores indexed
-- before these tables existed. The text is the record's own (untrusted);
-- ASCII case is ignored when filtering, as for tags.
CREATE TABLE rec_case_services (
    service TEXT    NOT NULL COLLATE NOCASE,
    rid     INTEGER NOT NULL,
    PRIMARY KEY (service, rid)
) WITHOUT ROWID;

CREATE TABLE rec_case_channels (
    channel TEXT    NOT NULL COLLATE NOCASE,
    rid     INTEGER NOT NULL,
    PRIMARY KEY (channel, rid)
) WITHOUT ROWID;
