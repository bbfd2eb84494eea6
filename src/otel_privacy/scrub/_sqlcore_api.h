/* The C API of otel_privacy.scrub._sqlcore, for other extensions (the wire core, _wirecore.c) that obfuscate
 * db.statement values without a round trip through Python.
 *
 * What it gives is exactly SqlObfuscator.obfuscate(statement, dialect) of the obfuscator the engine belongs
 * to (same options, same max_length, same two bounded caches, same SqlResult objects): the Python face and
 * this one are one engine, so their results are identical by construction.
 *
 * Getting it (once, e.g. when the walker is built; the GIL held):
 *
 *     #include "scrub/_sqlcore_api.h"
 *     const OtelSqlCoreApi *api = PyCapsule_Import(OTEL_SQLCORE_CAPSULE, 0);
 *     if (api == NULL || api->version != OTEL_SQLCORE_API_VERSION)  -> PyErr_Clear(), use the Python step
 *
 * and the engine from Python: `SqlObfuscator.c_engine` (the Redactor's is `redactor.sql.c_engine`); it is
 * None when the C core is not in use (not built, or switched off: `sql._sqlcore is None`, as the tests do to
 * run the Python reference) — then keep calling the Python step. Hold a reference to the engine for as long
 * as the pointer is used.
 *
 * Every function must be called with the GIL held; none releases it, none runs Python code.
 */
#ifndef OTEL_SQLCORE_API_H
#define OTEL_SQLCORE_API_H

#include <Python.h>

#define OTEL_SQLCORE_CAPSULE "otel_privacy.scrub._sqlcore._C_API"
#define OTEL_SQLCORE_API_VERSION 1

typedef struct {
    int version;  /* OTEL_SQLCORE_API_VERSION */

    /* 1 if obj is a _sqlcore.Engine, else 0. */
    int (*is_engine)(PyObject *obj);

    /* SqlObfuscator.obfuscate(statement, dialect) of the engine's obfuscator.
     *   statement: a str (anything else gives the failed result);
     *   dialect:   a str, one of sql.DIALECTS ("generic", "postgresql", "mysql", …); any other value reads as
     *              "generic". (The Redactor passes `policy.sql.dialect or dialect_for_system(db.system) or
     *              "generic"`.)
     * Returns a NEW reference to a sql.SqlResult. Never NULL and never raises: a failure inside (out of memory,
     * a bug) gives sql.FAILED (statement "?", nothing of the input kept — fail closed), counted in the
     * obfuscator's `errors`, as in Python. */
    PyObject *(*obfuscate)(PyObject *engine, PyObject *statement, PyObject *dialect);

    /* The fields of a result obfuscate returned, as BORROWED references (valid while the result is held):
     *   statement: str (the obfuscated statement, truncated to max_length + "…" when longer);
     *   operation: str or None;   tables: tuple of str;   summary: str or None;   joins: tuple of str.
     * Any pointer may be NULL (that field is not wanted).
     * Returns 1 if the result is sql.FAILED (the caller counts the error: Redactor._obfuscate_sql does
     * `self._error("sql:obfuscate", …)`), 0 for any other result, -1 (no exception set) if `result` is not a
     * SqlResult. */
    int (*fields)(PyObject *engine, PyObject *result, PyObject **statement, PyObject **operation,
                  PyObject **tables, PyObject **summary, PyObject **joins);
} OtelSqlCoreApi;

#endif /* OTEL_SQLCORE_API_H */
