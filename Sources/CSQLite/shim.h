#ifndef CSQLITE_SHIM_H
#define CSQLITE_SHIM_H

// SQLite's public header, plus `static inline` wrappers for the macros and variadic
// functions Swift cannot import. Each wrapper says why it exists.

#include <sqlite3.h>

/// `SQLITE_TRANSIENT` is a macro casting -1 to a function pointer, which Swift cannot import.
/// Passing it to `sqlite3_bind_text64`/`sqlite3_bind_blob64` makes SQLite copy the bytes before
/// the call returns, so Swift buffers need only live for the duration of the call.
static inline sqlite3_destructor_type CSQLite_SQLITE_TRANSIENT(void) {
    return SQLITE_TRANSIENT;
}

/// `sqlite3_db_config` is variadic, and Swift cannot call C variadic functions.
/// This covers the "int, int*" options (`SQLITE_DBCONFIG_DEFENSIVE`, `SQLITE_DBCONFIG_DQS_DML`, ...):
/// it sets the option to `value` and returns the SQLite result code.
static inline int CSQLite_sqlite3_db_config_int(sqlite3 *db, int option, int value) {
    return sqlite3_db_config(db, option, value, (int *)0);
}

#endif
