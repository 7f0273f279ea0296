/* SPDX-License-Identifier: Apache-2.0 */
/*
 * migrations.h — the SQL migrations of schema/, embedded at build time by
 * cmake/embed_sql.cmake. Applied in order by store.c; each runs once.
 */
#ifndef PX_MIGRATIONS_H
#define PX_MIGRATIONS_H

typedef struct px_migration {
    int version;      /* the number the file name starts with */
    const char *name; /* file name, for messages */
    const char *sql;  /* NUL-terminated SQL text */
} px_migration;

extern const px_migration px_migrations[];
extern const int px_migration_count;

#endif
