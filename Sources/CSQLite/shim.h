#include <sqlite3.h>
/* SQLITE_TRANSIENT is a cast macro Swift does not import. */
static inline sqlite3_destructor_type kestrel_sqlite_transient(void) { return SQLITE_TRANSIENT; }
