/* SQLite (the amalgamation, built in with this file) on an in-memory
   database: creates a table with an index, inserts N rows in one
   transaction, then runs an aggregate, N/10 index lookups (of existing keys), an ORDER BY
   with LIMIT and a GROUP BY, printing each result.
   Usage: sqlite_bench N */
#include <stdio.h>
#include <stdlib.h>
#include "sqlite3.h"

static sqlite3 *db;

/* Built with SQLITE_OS_OTHER: no files, so the only VFS opens nothing (an
   in-memory database and its journal never reach it); randomness and the
   clock are constants, so every engine prints the same. */
static int vfs_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags, int *out) {
    return SQLITE_CANTOPEN;
}
static int vfs_delete(sqlite3_vfs *v, const char *name, int sync) { return SQLITE_IOERR_DELETE; }
static int vfs_access(sqlite3_vfs *v, const char *name, int flags, int *res) {
    *res = 0;
    return SQLITE_OK;
}
static int vfs_fullpath(sqlite3_vfs *v, const char *name, int n, char *out) {
    sqlite3_snprintf(n, out, "%s", name);
    return SQLITE_OK;
}
static int vfs_random(sqlite3_vfs *v, int n, char *out) {
    for (int i = 0; i < n; i++)
        out[i] = (char)(i * 37 + 11);
    return n;
}
static int vfs_sleep(sqlite3_vfs *v, int us) { return us; }
static int vfs_time(sqlite3_vfs *v, double *t) {
    *t = 2440587.5;
    return SQLITE_OK;
}
static int vfs_error(sqlite3_vfs *v, int n, char *out) { return 0; }
static sqlite3_vfs mem_vfs = {
    1, sizeof(sqlite3_file), 512, 0, "none", 0, vfs_open, vfs_delete, vfs_access,
    vfs_fullpath, 0, 0, 0, 0, vfs_random, vfs_sleep, vfs_time, vfs_error,
};
int sqlite3_os_init(void) { return sqlite3_vfs_register(&mem_vfs, 1); }
int sqlite3_os_end(void) { return SQLITE_OK; }

static void check(int rc, const char *what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        printf("%s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

static int print_row(void *tag, int n, char **vals, char **names) {
    printf("%s:", (const char *)tag);
    for (int i = 0; i < n; i++)
        printf(" %s", vals[i] ? vals[i] : "NULL");
    printf("\n");
    return 0;
}

static void query(const char *tag, const char *sql) {
    check(sqlite3_exec(db, sql, print_row, (void *)tag, NULL), tag);
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    sqlite3_stmt *st;
    unsigned x = 12345;
    check(sqlite3_open(":memory:", &db), "open");
    check(sqlite3_exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, "
                           "v REAL, s TEXT); CREATE INDEX t_k ON t(k);",
                       NULL, NULL, NULL), "create");
    check(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), "begin");
    check(sqlite3_prepare_v2(db, "INSERT INTO t(k, v, s) VALUES(?, ?, ?)", -1, &st, NULL),
          "prepare insert");
    for (int i = 0; i < n; i++) {
        char s[24];
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        snprintf(s, sizeof s, "name%u", x % 997);
        sqlite3_bind_int(st, 1, (int)(x % 100003));
        sqlite3_bind_double(st, 2, (double)(x % 10000) / 7.0);
        sqlite3_bind_text(st, 3, s, -1, SQLITE_TRANSIENT);
        check(sqlite3_step(st), "insert");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    check(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), "commit");
    query("count", "SELECT count(*), sum(k), printf('%.3f', avg(v)), min(s), max(s) FROM t");
    check(sqlite3_prepare_v2(db, "SELECT count(*), coalesce(sum(id), 0) FROM t WHERE k = ?",
                             -1, &st, NULL), "prepare lookup");
    long long hits = 0, ids = 0;
    x = 12345;      /* the keys of every tenth row, by the same sequence */
    for (int i = 0; i < n / 10; i++) {
        for (int j = 0; j < 10; j++) {
            x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        }
        sqlite3_bind_int(st, 1, (int)(x % 100003));
        check(sqlite3_step(st), "lookup");
        hits += sqlite3_column_int64(st, 0);
        ids += sqlite3_column_int64(st, 1);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    printf("lookups: %d %lld %lld\n", n / 10, hits, ids);
    query("top", "SELECT id, k, s FROM t ORDER BY v DESC, id LIMIT 3");
    query("groups", "SELECT count(*), max(n) FROM (SELECT s, count(*) AS n FROM t GROUP BY s)");
    sqlite3_close(db);
    return 0;
}
