/* otel_privacy._wirecore: the compiled face of otel_privacy.wire (OTLP export requests, bytes -> bytes).
 *
 * The behaviour is exactly that of wire._PyWalker (the reference, and the fallback where this is not
 * built; the tests run both and compare their bytes): the same walk, the same emission, the same calls
 * into the Python engine (wire._Engine) for every value this file does not decide itself. Done here:
 * the wire format (validated as strictly as protobuf's own parser, so malformed bytes raise the
 * WireError the Python face raises), keep/drop/redact/hash dispatch per key, HMAC-SHA256 pseudonyms
 * (OpenSSL's SHA-256; without OpenSSL headers at build time the engine computes them), IPv4 truncation,
 * URLs of the common shape (split and reassembled here, scrub.url's decisions per host, path segment and
 * query key asked once), SQL statements through the SQL core's C API (scrub/_sqlcore_api.h, where that
 * core exports it), and a bounded memo from (kind, key, database system, value bytes) to the engine's
 * answer, whose effect on the record (changed-value count, tallies, derived attributes) is replayed on
 * every hit.
 *
 * Rare shapes are not handled here: a key written twice in one list, a key the detectors rewrite, a record
 * already carrying our summary attributes. Walker.redact then returns False and the Python walker takes the
 * request (same result, by construction). It returns None when protobuf would read the bytes differently
 * from a field-by-field walk (a singular field written twice, two oneof members): the caller normalises
 * them with protobuf and asks again.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "scrub/_sqlcore_api.h"

#ifndef WIRE_NO_OPENSSL
#define OPENSSL_API_COMPAT 0x10100000L
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <openssl/sha.h>
#pragma GCC diagnostic pop
#endif

enum { OK = 0, ERR = -1, BAIL = -2, NONCANON = -3 };
#define MAX_DEPTH 100             /* protobuf's: a message or group nested deeper is refused */
#define MEMO_SLOTS 8192           /* direct-mapped: a collision replaces, so the memo never grows */
#define MEMO_MAX_VALUE 1024
#define KEY_SLOTS 16384           /* open addressing; cleared between requests once half full */

/* value kinds, result codes and plan codes: the numbers wire.py uses */
enum { K_NONE, K_STR, K_BOOL, K_INT, K_DOUBLE, K_ARRAY, K_KVLIST, K_BYTES };
enum { R_SAME, R_DROPPED, R_NEW };
enum { A_KEEP, A_DROP, A_REDACT, A_HASH, A_IP, A_OTHER, A_URL, A_SQL };
#define F_SCALAR_PASSES 1
#define F_KEEP_BOOL 2
/* a key's role among the attributes of its record (scrub/bound.py): statements, and parameter containers whose
 * values are bound parameters when a statement is beside them */
#define ROLE_STATEMENT 1
#define ROLE_QUERY 2
#define ROLE_PARAMS 4

/* ---------------------------------------------------------------------------------------------------
 * Buffers
 * ------------------------------------------------------------------------------------------------- */
typedef struct { uint8_t *p; size_t n, cap; } Buf;

static int
buf_grow(Buf *b, size_t more)
{
    if (b->n + more <= b->cap)
        return OK;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + more)
        cap *= 2;
    uint8_t *p = PyMem_Realloc(b->p, cap);
    if (p == NULL) {
        PyErr_NoMemory();
        return ERR;
    }
    b->p = p;
    b->cap = cap;
    return OK;
}

static inline int
buf_put(Buf *b, const void *src, size_t n)
{
    if (buf_grow(b, n))
        return ERR;
    if (n)
        memcpy(b->p + b->n, src, n);
    b->n += n;
    return OK;
}

static inline size_t
varint_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static inline void
put_varint_at(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p = (uint8_t)v;
}

static inline int
buf_varint(Buf *b, uint64_t v)
{
    if (buf_grow(b, 10))
        return ERR;
    put_varint_at(b->p + b->n, v);
    b->n += varint_size(v);
    return OK;
}

/* tag (one byte: every field we write has a number below 16) + length + payload */
static int
buf_len_field(Buf *b, uint8_t tag, const void *payload, size_t n)
{
    if (buf_grow(b, 11 + n))
        return ERR;
    b->p[b->n++] = tag;
    put_varint_at(b->p + b->n, n);
    b->n += varint_size(n);
    if (n)
        memcpy(b->p + b->n, payload, n);
    b->n += n;
    return OK;
}

/* A nested message whose length is known once it is written: reserve the old length's size, patch after. */
typedef struct { size_t at, reserved; } Mark;

static int
begin_len(Buf *b, uint8_t tag, size_t guess, Mark *m)
{
    if (buf_grow(b, 11))
        return ERR;
    b->p[b->n++] = tag;
    m->at = b->n;
    m->reserved = varint_size(guess);
    b->n += m->reserved;
    return OK;
}

static int
end_len(Buf *b, Mark *m)
{
    size_t content = b->n - m->at - m->reserved;
    size_t need = varint_size(content);
    if (need != m->reserved) {
        if (need > m->reserved && buf_grow(b, need - m->reserved))
            return ERR;
        memmove(b->p + m->at + need, b->p + m->at + m->reserved, content);
        b->n = m->at + need + content;
    }
    put_varint_at(b->p + m->at, content);
    return OK;
}

static uint64_t
hash_bytes(uint64_t h, const uint8_t *p, size_t n)
{
    /* a fast mixer for a bounded cache (collisions only evict; nothing here is a secret) */
    while (n >= 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        h = (h ^ x) * 0x9E3779B97F4A7C15ULL;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    uint64_t x = 0;
    memcpy(&x, p, n);
    h = (h ^ x ^ ((uint64_t)n << 56)) * 0x9E3779B97F4A7C15ULL;
    h ^= h >> 32;
    return h;
}

/* ---------------------------------------------------------------------------------------------------
 * The walker object
 * ------------------------------------------------------------------------------------------------- */
typedef struct {
    uint64_t hash;
    uint8_t *key;      /* NULL: free slot */
    size_t klen;
    int code, flags, renamed, role;
    PyObject *plan, *key_str, *action;  /* action: the plan's name (A_URL keys: what a change tallies) */
} KeyInfo;

typedef struct {
    uint64_t hash;
    uint8_t *blob;     /* key | db | value; NULL: free */
    size_t klen, dlen, vlen;
    char kind;
    int res;           /* R_* for values; for bodies: 1 = removed */
    PyObject *out;     /* bytes: new AnyValue (values, bodies) or new UTF-8 text (names, texts); may be NULL */
    long count;
    PyObject *actions; /* dict or NULL */
    PyObject *derived; /* tuple of (key, value, key bytes, AnyValue bytes) or NULL */
} MemoSlot;

typedef struct {
    PyObject_HEAD
    PyObject *engine, *wire_error;
    PyObject *m_key, *m_str_value, *m_any_value, *m_name, *m_text, *m_body, *m_resource, *m_scope,
             *m_merge, *m_hash_key, *m_url_host, *m_url_segment, *m_url_query_key, *m_holds_statement;
    PyObject *bound_plan;        /* the plan of a parameter container beside its statement */
    int summary_count;           /* 0: never, 1: where something changed, 2: always */
    int summary_policy_record, resource_summary;
    PyObject *fingerprint_any;   /* bytes: AnyValue{string_value: fingerprint} */
    PyObject *any_replacement;   /* bytes: AnyValue{string_value: replacement} */
    PyObject *replacement;       /* bytes: the replacement, UTF-8 */
    int native_redact, native_hash, hash_ready, hash_len, ipv4_prefix;
    PyObject *hash_prefix;       /* bytes */
#ifndef WIRE_NO_OPENSSL
    SHA256_CTX inner, outer;
#endif
    KeyInfo *keys;
    size_t keys_used;
    MemoSlot *memo;
    PyObject *db_raw[4], *db_obj[4];   /* recent database systems: raw UTF-8 -> lowered str */
    int db_next;
    PyObject *s_drop, *s_redact, *s_hash, *s_ip;
    /* the URL fast path (scrub.url on the common shape): the sanitiser's options */
    PyObject *url_repl, *url_id, *url_keep;   /* bytes, bytes, tuple of bytes */
    int url_template, url_drop_fragment;
    long n_url_native;            /* URL values sanitised here (tests check the fast path is taken) */
    /* SQL statements through the SQL core's C API (scrub/_sqlcore_api.h), without a Python round trip */
    const OtelSqlCoreApi *sql_api;  /* NULL: the engine's Python step obfuscates them */
    PyObject *sql_engine, *m_sql_dialect;
    int sql_summary, sql_relationships;
    long n_sql_native;
    Py_ssize_t max_len;
} Walker;

/* A record (RecordContext): its count, database system and derived attributes. */
typedef struct {
    long count;
    PyObject *db;         /* str or NULL */
    const char *dbp;
    Py_ssize_t dbn;
    PyObject *derived;    /* dict key -> (key bytes, AnyValue bytes), or NULL */
} Rec;

typedef struct {
    Walker *w;
    const uint8_t *buf;
    size_t len;
    Buf out, scratch, url;
    long changed, records;
    long n_drop, n_redact, n_hash, n_ip;
    PyObject *tallies;    /* dict or NULL */
    KeyInfo *overflow;    /* key infos that found no room in the table (freed with the request) */
    size_t n_overflow, cap_overflow;
} Req;

static int
wire_err(Req *r, const char *what, size_t at)
{
    PyErr_Format(r->w->wire_error, "not a valid OTLP export request: %s (byte %zu)", what, at);
    return ERR;
}

/* ---------------------------------------------------------------------------------------------------
 * Wire format, validated as protobuf's parser validates it
 * ------------------------------------------------------------------------------------------------- */
typedef struct { uint32_t fn; uint8_t wt; size_t ts, vs, ve; } Field;
typedef struct { Field *v; size_t n, cap; Field small[16]; } Fields;

static void fields_init(Fields *f) { f->v = f->small; f->n = 0; f->cap = 16; }
static void fields_free(Fields *f) { if (f->v != f->small) PyMem_Free(f->v); }

static int
fields_push(Fields *f, uint32_t fn, uint8_t wt, size_t ts, size_t vs, size_t ve)
{
    if (f->n == f->cap) {
        size_t cap = f->cap * 2;
        Field *v = PyMem_Malloc(cap * sizeof(Field));
        if (v == NULL) {
            PyErr_NoMemory();
            return ERR;
        }
        memcpy(v, f->v, f->n * sizeof(Field));
        if (f->v != f->small)
            PyMem_Free(f->v);
        f->v = v;
        f->cap = cap;
    }
    Field *x = &f->v[f->n++];
    x->fn = fn;
    x->wt = wt;
    x->ts = ts;
    x->vs = vs;
    x->ve = ve;
    return OK;
}

/* A varint of at most ``maxb`` bytes ending before ``end``. */
static inline int
rd_varint(Req *r, size_t *pos, size_t end, uint64_t *out, int maxb)
{
    const uint8_t *b = r->buf;
    size_t p = *pos;
    uint64_t v = 0;
    for (int i = 0; i < maxb; i++) {
        if (p >= end)
            return wire_err(r, "truncated varint", p);
        uint8_t c = b[p++];
        v |= (uint64_t)(c & 0x7F) << (7 * i);
        if (c < 0x80) {
            *pos = p;
            *out = v;
            return OK;
        }
    }
    return wire_err(r, "varint too long", p);
}

static int
rd_tag(Req *r, size_t *pos, size_t end, uint32_t *fn, uint8_t *wt)
{
    uint64_t tag;
    size_t at = *pos;
    if (rd_varint(r, pos, end, &tag, 5))
        return ERR;
    if (tag > 0xFFFFFFFFu || (tag >> 3) == 0)
        return wire_err(r, "invalid tag", at);
    *fn = (uint32_t)(tag >> 3);
    *wt = (uint8_t)(tag & 7);
    return OK;
}

static int skip_value(Req *r, size_t *pos, size_t end, uint32_t fn, uint8_t wt, int depth);

/* a group at nesting level ``depth``: everything up to its END_GROUP */
static int
skip_group(Req *r, size_t *pos, size_t end, uint32_t fn, int depth)
{
    if (depth > MAX_DEPTH)
        return wire_err(r, "nested too deeply", *pos);
    for (;;) {
        if (*pos >= end)
            return wire_err(r, "unterminated group", *pos);
        uint32_t f2;
        uint8_t wt;
        size_t at = *pos;
        if (rd_tag(r, pos, end, &f2, &wt))
            return ERR;
        if (wt == 4) {
            if (f2 != fn)
                return wire_err(r, "mismatched end group", at);
            return OK;
        }
        if (skip_value(r, pos, end, f2, wt, depth))
            return ERR;
    }
}

static int
skip_value(Req *r, size_t *pos, size_t end, uint32_t fn, uint8_t wt, int depth)
{
    uint64_t v;
    switch (wt) {
    case 0:
        return rd_varint(r, pos, end, &v, 10);
    case 1:
        if (end - *pos < 8)
            return wire_err(r, "truncated fixed64", *pos);
        *pos += 8;
        return OK;
    case 2:
        if (rd_varint(r, pos, end, &v, 5))
            return ERR;
        if (v > end - *pos)
            return wire_err(r, "length past the end", *pos);
        *pos += (size_t)v;
        return OK;
    case 3:
        return skip_group(r, pos, end, fn, depth + 1);
    case 5:
        if (end - *pos < 4)
            return wire_err(r, "truncated fixed32", *pos);
        *pos += 4;
        return OK;
    case 4:
        return wire_err(r, "end group without a start", *pos);
    default:
        return wire_err(r, "invalid wire type", *pos);
    }
}

/* The fields of the message at nesting level ``depth`` in buf[pos:end]. */
static int
parse_fields(Req *r, size_t pos, size_t end, int depth, Fields *out)
{
    if (depth > MAX_DEPTH)
        return wire_err(r, "nested too deeply", pos);
    while (pos < end) {
        size_t ts = pos;
        uint32_t fn;
        uint8_t wt;
        if (rd_tag(r, &pos, end, &fn, &wt))
            return ERR;
        size_t vs = pos;
        if (wt == 2) {
            uint64_t n;
            if (rd_varint(r, &pos, end, &n, 5))
                return ERR;
            if (n > end - pos)
                return wire_err(r, "length past the end", pos);
            vs = pos;
            pos += (size_t)n;
        }
        else if (skip_value(r, &pos, end, fn, wt, depth))
            return ERR;
        if (fields_push(out, fn, wt, ts, vs, pos))
            return ERR;
    }
    return OK;
}

static int
utf8_ok(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            if ((x & 0x8080808080808080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        int more;
        uint8_t lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF)
            more = 1;
        else if (c == 0xE0) {
            more = 2;
            lo = 0xA0;
        }
        else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
            more = 2;
        else if (c == 0xED) {
            more = 2;
            hi = 0x9F;
        }
        else if (c == 0xF0) {
            more = 3;
            lo = 0x90;
        }
        else if (c >= 0xF1 && c <= 0xF3)
            more = 3;
        else if (c == 0xF4) {
            more = 3;
            hi = 0x8F;
        }
        else
            return 0;
        if (i + (size_t)more >= n)
            return 0;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (int k = 2; k <= more; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
        }
        i += (size_t)more + 1;
    }
    return 1;
}

/* The schema: per message type, the fields that need checking (strings, messages, packed numbers). */
enum {
    M_REQT, M_REQL, M_REQM, M_RS, M_RL, M_RM, M_RESOURCE, M_ENTITYREF, M_KV, M_ANY, M_ARRAY, M_KVLIST,
    M_SCOPE, M_SS, M_SPAN, M_EVENT, M_LINK, M_STATUS, M_SL, M_LOG, M_SM, M_METRIC, M_GAUGE, M_SUM, M_HIST,
    M_EHIST, M_SUMMARY, M_NDP, M_EXEMPLAR, M_HDP, M_EHDP, M_BUCKETS, M_SDP, M_VAQ, M_COUNT
};
enum { S_STR = 1, S_MSG, S_RVARINT, S_RI64 };
typedef struct { uint8_t fn, kind, msg; } Spec;

#define END {0, 0, 0}
static const Spec SP_REQT[] = {{1, S_MSG, M_RS}, END};
static const Spec SP_REQL[] = {{1, S_MSG, M_RL}, END};
static const Spec SP_REQM[] = {{1, S_MSG, M_RM}, END};
static const Spec SP_RS[] = {{1, S_MSG, M_RESOURCE}, {2, S_MSG, M_SS}, {3, S_STR, 0}, END};
static const Spec SP_RL[] = {{1, S_MSG, M_RESOURCE}, {2, S_MSG, M_SL}, {3, S_STR, 0}, END};
static const Spec SP_RM[] = {{1, S_MSG, M_RESOURCE}, {2, S_MSG, M_SM}, {3, S_STR, 0}, END};
static const Spec SP_RESOURCE[] = {{1, S_MSG, M_KV}, {3, S_MSG, M_ENTITYREF}, END};
static const Spec SP_ENTITYREF[] = {{1, S_STR, 0}, {2, S_STR, 0}, {3, S_STR, 0}, {4, S_STR, 0}, END};
static const Spec SP_KV[] = {{1, S_STR, 0}, {2, S_MSG, M_ANY}, END};
static const Spec SP_ANY[] = {{1, S_STR, 0}, {5, S_MSG, M_ARRAY}, {6, S_MSG, M_KVLIST}, END};
static const Spec SP_ARRAY[] = {{1, S_MSG, M_ANY}, END};
static const Spec SP_KVLIST[] = {{1, S_MSG, M_KV}, END};
static const Spec SP_SCOPE[] = {{1, S_STR, 0}, {2, S_STR, 0}, {3, S_MSG, M_KV}, END};
static const Spec SP_SS[] = {{1, S_MSG, M_SCOPE}, {2, S_MSG, M_SPAN}, {3, S_STR, 0}, END};
static const Spec SP_SPAN[] = {{3, S_STR, 0}, {5, S_STR, 0}, {9, S_MSG, M_KV}, {11, S_MSG, M_EVENT},
                               {13, S_MSG, M_LINK}, {15, S_MSG, M_STATUS}, END};
static const Spec SP_EVENT[] = {{2, S_STR, 0}, {3, S_MSG, M_KV}, END};
static const Spec SP_LINK[] = {{3, S_STR, 0}, {4, S_MSG, M_KV}, END};
static const Spec SP_STATUS[] = {{2, S_STR, 0}, END};
static const Spec SP_SL[] = {{1, S_MSG, M_SCOPE}, {2, S_MSG, M_LOG}, {3, S_STR, 0}, END};
static const Spec SP_LOG[] = {{3, S_STR, 0}, {5, S_MSG, M_ANY}, {6, S_MSG, M_KV}, {12, S_STR, 0}, END};
static const Spec SP_SM[] = {{1, S_MSG, M_SCOPE}, {2, S_MSG, M_METRIC}, {3, S_STR, 0}, END};
static const Spec SP_METRIC[] = {{1, S_STR, 0}, {2, S_STR, 0}, {3, S_STR, 0}, {5, S_MSG, M_GAUGE},
                                 {7, S_MSG, M_SUM}, {9, S_MSG, M_HIST}, {10, S_MSG, M_EHIST},
                                 {11, S_MSG, M_SUMMARY}, {12, S_MSG, M_KV}, END};
static const Spec SP_GAUGE[] = {{1, S_MSG, M_NDP}, END};
static const Spec SP_SUM[] = {{1, S_MSG, M_NDP}, END};
static const Spec SP_HIST[] = {{1, S_MSG, M_HDP}, END};
static const Spec SP_EHIST[] = {{1, S_MSG, M_EHDP}, END};
static const Spec SP_SUMMARY[] = {{1, S_MSG, M_SDP}, END};
static const Spec SP_NDP[] = {{7, S_MSG, M_KV}, {5, S_MSG, M_EXEMPLAR}, END};
static const Spec SP_EXEMPLAR[] = {{7, S_MSG, M_KV}, END};
static const Spec SP_HDP[] = {{9, S_MSG, M_KV}, {6, S_RI64, 0}, {7, S_RI64, 0}, {8, S_MSG, M_EXEMPLAR}, END};
static const Spec SP_EHDP[] = {{1, S_MSG, M_KV}, {8, S_MSG, M_BUCKETS}, {9, S_MSG, M_BUCKETS},
                               {11, S_MSG, M_EXEMPLAR}, END};
static const Spec SP_BUCKETS[] = {{2, S_RVARINT, 0}, END};
static const Spec SP_SDP[] = {{7, S_MSG, M_KV}, {6, S_MSG, M_VAQ}, END};
static const Spec SP_VAQ[] = {END};

static const Spec *const SPECS[M_COUNT] = {
    SP_REQT, SP_REQL, SP_REQM, SP_RS, SP_RL, SP_RM, SP_RESOURCE, SP_ENTITYREF, SP_KV, SP_ANY, SP_ARRAY,
    SP_KVLIST, SP_SCOPE, SP_SS, SP_SPAN, SP_EVENT, SP_LINK, SP_STATUS, SP_SL, SP_LOG, SP_SM, SP_METRIC,
    SP_GAUGE, SP_SUM, SP_HIST, SP_EHIST, SP_SUMMARY, SP_NDP, SP_EXEMPLAR, SP_HDP, SP_EHDP, SP_BUCKETS,
    SP_SDP, SP_VAQ,
};

static int validate_message(Req *r, int type, size_t s, size_t e, int depth);

/* A field of a message of ``type`` at level ``depth``: strings must be UTF-8, messages valid, packed
 * numbers whole. A known field with another wire type than its own is an unknown field to protobuf. */
static int
validate_field(Req *r, int type, const Field *f, int depth)
{
    if (f->wt != 2)
        return OK;
    for (const Spec *sp = SPECS[type]; sp->fn; sp++) {
        if (sp->fn != f->fn)
            continue;
        switch (sp->kind) {
        case S_STR:
            if (!utf8_ok(r->buf + f->vs, f->ve - f->vs))
                return wire_err(r, "string field with bad UTF-8", f->vs);
            return OK;
        case S_MSG:
            return validate_message(r, sp->msg, f->vs, f->ve, depth + 1);
        case S_RI64:
            if ((f->ve - f->vs) % 8)
                return wire_err(r, "packed fixed64 of a wrong size", f->vs);
            return OK;
        case S_RVARINT: {
            size_t p = f->vs;
            uint64_t v;
            while (p < f->ve) {
                if (rd_varint(r, &p, f->ve, &v, 10))
                    return ERR;
            }
            return OK;
        }
        }
    }
    return OK;
}

static int
validate_message(Req *r, int type, size_t s, size_t e, int depth)
{
    Fields f;
    fields_init(&f);
    int rc = parse_fields(r, s, e, depth, &f);
    for (size_t i = 0; rc == OK && i < f.n; i++)
        rc = validate_field(r, type, &f.v[i], depth);
    fields_free(&f);
    return rc;
}

/* The one length-delimited field ``fn`` (NULL if none); two of them: protobuf merges or keeps the last. */
static int
single(Fields *f, uint32_t fn, Field **out)
{
    *out = NULL;
    for (size_t i = 0; i < f->n; i++) {
        if (f->v[i].fn == fn && f->v[i].wt == 2) {
            if (*out != NULL)
                return NONCANON;
            *out = &f->v[i];
        }
    }
    return OK;
}

static inline int
copy_field(Req *r, Buf *o, const Field *f)
{
    return buf_put(o, r->buf + f->ts, f->ve - f->ts);
}

/* ---------------------------------------------------------------------------------------------------
 * Calling the engine
 * ------------------------------------------------------------------------------------------------- */
static PyObject *
call(PyObject *m, PyObject **args, size_t n)
{
    return PyObject_Vectorcall(m, args, n, NULL);
}

static int
tally(Req *r, PyObject *name, long n)
{
    if (r->tallies == NULL && (r->tallies = PyDict_New()) == NULL)
        return ERR;
    PyObject *old = PyDict_GetItemWithError(r->tallies, name);
    if (old == NULL && PyErr_Occurred())
        return ERR;
    PyObject *v = PyLong_FromLong((old ? PyLong_AsLong(old) : 0) + n);
    if (v == NULL)
        return ERR;
    int rc = PyDict_SetItem(r->tallies, name, v);
    Py_DECREF(v);
    return rc ? ERR : OK;
}

/* replay a step's effect on the record: count, tallies, derived attributes (first value per key wins) */
static int
replay(Req *r, Rec *rec, long count, PyObject *actions, PyObject *derived)
{
    rec->count += count;
    if (actions != NULL && actions != Py_None) {
        PyObject *k, *v;
        Py_ssize_t pos = 0;
        while (PyDict_Next(actions, &pos, &k, &v)) {
            long n = PyLong_AsLong(v);
            if (n == -1 && PyErr_Occurred())
                return ERR;
            if (tally(r, k, n))
                return ERR;
        }
    }
    if (derived != NULL && derived != Py_None) {
        if (rec->derived == NULL && (rec->derived = PyDict_New()) == NULL)
            return ERR;
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(derived); i++) {
            PyObject *item = PyTuple_GET_ITEM(derived, i);
            PyObject *k = PyTuple_GET_ITEM(item, 0);
            int has = PyDict_Contains(rec->derived, k);
            if (has < 0)
                return ERR;
            if (!has) {
                PyObject *pair = PyTuple_Pack(2, PyTuple_GET_ITEM(item, 2), PyTuple_GET_ITEM(item, 3));
                if (pair == NULL || PyDict_SetItem(rec->derived, k, pair)) {
                    Py_XDECREF(pair);
                    return ERR;
                }
                Py_DECREF(pair);
            }
        }
    }
    return OK;
}

static void
memo_clear_slot(MemoSlot *m)
{
    PyMem_Free(m->blob);
    m->blob = NULL;
    Py_CLEAR(m->out);
    Py_CLEAR(m->actions);
    Py_CLEAR(m->derived);
}

static MemoSlot *
memo_find(Walker *w, char kind, const uint8_t *k, size_t kn, const char *d, size_t dn, const uint8_t *v, size_t vn,
          uint64_t *hash_out)
{
    uint64_t h = hash_bytes((uint64_t)(unsigned char)kind * 0x100000001B3ULL, k, kn);
    h = hash_bytes(h ^ 0xA5, (const uint8_t *)d, dn);
    h = hash_bytes(h ^ 0x5A, v, vn);
    *hash_out = h;
    MemoSlot *m = &w->memo[h & (MEMO_SLOTS - 1)];
    if (m->blob != NULL && m->hash == h && m->kind == kind && m->klen == kn && m->dlen == dn && m->vlen == vn &&
        memcmp(m->blob, k, kn) == 0 && memcmp(m->blob + kn, d, dn) == 0 && memcmp(m->blob + kn + dn, v, vn) == 0)
        return m;
    return NULL;
}

static void
memo_store(Walker *w, uint64_t h, char kind, const uint8_t *k, size_t kn, const char *d, size_t dn,
           const uint8_t *v, size_t vn, int res, PyObject *out, long count, PyObject *actions, PyObject *derived)
{
    MemoSlot *m = &w->memo[h & (MEMO_SLOTS - 1)];
    uint8_t *blob = PyMem_Malloc(kn + dn + vn + 1);
    if (blob == NULL)
        return;  /* not remembering is always correct */
    memo_clear_slot(m);
    memcpy(blob, k, kn);
    memcpy(blob + kn, d, dn);
    memcpy(blob + kn + dn, v, vn);
    m->blob = blob;
    m->hash = h;
    m->kind = kind;
    m->klen = kn;
    m->dlen = dn;
    m->vlen = vn;
    m->res = res;
    Py_XINCREF(out);
    m->out = out;
    m->count = count;
    m->actions = (actions == Py_None) ? NULL : Py_XNewRef(actions);
    m->derived = (derived == Py_None) ? NULL : Py_XNewRef(derived);
}

/* the result tuple's tail: (count, actions, derived, cacheable) starting at ``at`` */
static int
tail_of(PyObject *t, Py_ssize_t at, long *count, PyObject **actions, PyObject **derived, int *cacheable)
{
    if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != at + 4) {
        PyErr_SetString(PyExc_TypeError, "wire engine: unexpected result");
        return ERR;
    }
    *count = PyLong_AsLong(PyTuple_GET_ITEM(t, at));
    if (*count == -1 && PyErr_Occurred())
        return ERR;
    *actions = PyTuple_GET_ITEM(t, at + 1);
    *derived = PyTuple_GET_ITEM(t, at + 2);
    *cacheable = PyObject_IsTrue(PyTuple_GET_ITEM(t, at + 3));
    return *cacheable < 0 ? ERR : OK;
}

static PyObject *
str_any(const char *s, Py_ssize_t n)
{
    /* AnyValue{string_value: s} */
    PyObject *b = PyBytes_FromStringAndSize(NULL, 1 + (Py_ssize_t)varint_size((uint64_t)n) + n);
    if (b == NULL)
        return NULL;
    uint8_t *p = (uint8_t *)PyBytes_AS_STRING(b);
    *p++ = 0x0a;
    put_varint_at(p, (uint64_t)n);
    p += varint_size((uint64_t)n);
    memcpy(p, s, (size_t)n);
    return b;
}

static PyObject *
db_arg(Rec *rec)
{
    return rec->db ? rec->db : Py_None;
}

/* A text step (span names 'n', free text 't') through the memo: the new text as UTF-8 bytes (new reference). */
static int
text_step(Req *r, Rec *rec, char kind, const uint8_t *text, size_t n, PyObject **out)
{
    Walker *w = r->w;
    uint64_t h = 0;
    MemoSlot *m = n <= MEMO_MAX_VALUE ? memo_find(w, kind, (const uint8_t *)"", 0, rec->dbp, (size_t)rec->dbn, text, n, &h) : NULL;
    if (m != NULL) {
        *out = Py_NewRef(m->out);
        return replay(r, rec, m->count, m->actions, m->derived);
    }
    PyObject *s = PyUnicode_DecodeUTF8((const char *)text, (Py_ssize_t)n, "strict");
    if (s == NULL)
        return ERR;
    PyObject *args[2] = {s, db_arg(rec)};
    PyObject *t = call(kind == 'n' ? w->m_name : w->m_text, args, 2);
    Py_DECREF(s);
    if (t == NULL)
        return ERR;
    long count;
    PyObject *actions, *derived;
    int cacheable;
    PyObject *utf8 = NULL;
    int rc = tail_of(t, 1, &count, &actions, &derived, &cacheable);
    if (rc == OK) {
        utf8 = PyUnicode_AsUTF8String(PyTuple_GET_ITEM(t, 0));
        if (utf8 == NULL)
            rc = ERR;
    }
    if (rc == OK) {
        if (cacheable && n <= MEMO_MAX_VALUE)
            memo_store(w, h, kind, (const uint8_t *)"", 0, rec->dbp, (size_t)rec->dbn, text, n, 0, utf8, count, actions, derived);
        rc = replay(r, rec, count, actions, derived);
    }
    Py_DECREF(t);
    if (rc != OK) {
        Py_XDECREF(utf8);
        return rc;
    }
    *out = utf8;
    return OK;
}

/* ---------------------------------------------------------------------------------------------------
 * Keys and attribute lists
 * ------------------------------------------------------------------------------------------------- */
static void
key_clear(KeyInfo *k)
{
    PyMem_Free(k->key);
    k->key = NULL;
    Py_CLEAR(k->plan);
    Py_CLEAR(k->key_str);
    Py_CLEAR(k->action);
}

static int
key_fill(Req *r, KeyInfo *k, const uint8_t *key, size_t n, uint64_t h)
{
    PyObject *s = PyUnicode_DecodeUTF8((const char *)key, (Py_ssize_t)n, "strict");
    if (s == NULL)
        return ERR;
    PyObject *args[1] = {s};
    PyObject *t = call(r->w->m_key, args, 1);
    if (t == NULL) {
        Py_DECREF(s);
        return ERR;
    }
    if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 5) {
        Py_DECREF(s);
        Py_DECREF(t);
        PyErr_SetString(PyExc_TypeError, "wire engine: unexpected key result");
        return ERR;
    }
    int renamed = PyUnicode_Compare(PyTuple_GET_ITEM(t, 3), s);
    if (renamed == -1 && PyErr_Occurred()) {
        Py_DECREF(s);
        Py_DECREF(t);
        return ERR;
    }
    uint8_t *copy = PyMem_Malloc(n + 1);
    if (copy == NULL) {
        Py_DECREF(s);
        Py_DECREF(t);
        PyErr_NoMemory();
        return ERR;
    }
    memcpy(copy, key, n);
    k->hash = h;
    k->key = copy;
    k->klen = n;
    k->code = (int)PyLong_AsLong(PyTuple_GET_ITEM(t, 0));
    k->flags = (int)PyLong_AsLong(PyTuple_GET_ITEM(t, 1));
    k->renamed = renamed != 0;
    k->role = (int)PyLong_AsLong(PyTuple_GET_ITEM(t, 4));
    k->plan = Py_NewRef(PyTuple_GET_ITEM(t, 2));
    k->key_str = s;
    Py_DECREF(t);
    if (PyErr_Occurred() || ((k->code == A_URL || k->code == A_SQL) && (k->action = PyObject_GetAttrString(k->plan, "action")) == NULL)) {
        key_clear(k);
        return ERR;
    }
    return OK;
}

static KeyInfo *
key_info(Req *r, const uint8_t *key, size_t n)
{
    Walker *w = r->w;
    uint64_t h = hash_bytes(0x243F6A8885A308D3ULL, key, n);
    size_t i = h & (KEY_SLOTS - 1);
    for (size_t probe = 0; probe < KEY_SLOTS; probe++, i = (i + 1) & (KEY_SLOTS - 1)) {
        KeyInfo *k = &w->keys[i];
        if (k->key == NULL) {
            if (w->keys_used >= KEY_SLOTS * 3 / 4)
                break;  /* full for this request: an overflow entry */
            if (key_fill(r, k, key, n, h))
                return NULL;
            w->keys_used++;
            return k;
        }
        if (k->hash == h && k->klen == n && memcmp(k->key, key, n) == 0)
            return k;
    }
    if (r->n_overflow == r->cap_overflow) {
        size_t cap = r->cap_overflow ? r->cap_overflow * 2 : 64;
        KeyInfo *v = PyMem_Realloc(r->overflow, cap * sizeof(KeyInfo));
        if (v == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        r->overflow = v;
        r->cap_overflow = cap;
    }
    KeyInfo *k = &r->overflow[r->n_overflow];
    memset(k, 0, sizeof(*k));
    if (key_fill(r, k, key, n, h))
        return NULL;
    r->n_overflow++;
    return k;
}

typedef struct {
    size_t ts, te, cs;       /* the KeyValue field: tag start, end, content start */
    size_t ks, ke;           /* its key */
    int has_value;
    size_t vts, vs, ve;      /* its value field: tag start, content */
    int kind;
    size_t ms, me;           /* the member that is set (for strings: the text) */
    size_t nfields;          /* fields in the AnyValue */
    uint64_t khash;
    int res;
    PyObject *newv;          /* R_NEW: the new AnyValue (bytes) */
} Entry;

typedef struct { Entry *v; size_t n, cap; Entry small[16]; } Entries;

static void entries_init(Entries *e) { e->v = e->small; e->n = 0; e->cap = 16; }

static void
entries_free(Entries *e)
{
    for (size_t i = 0; i < e->n; i++)
        Py_XDECREF(e->v[i].newv);
    if (e->v != e->small)
        PyMem_Free(e->v);
}

static Entry *
entries_add(Entries *e)
{
    if (e->n == e->cap) {
        size_t cap = e->cap * 2;
        Entry *v = PyMem_Malloc(cap * sizeof(Entry));
        if (v == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        memcpy(v, e->v, e->n * sizeof(Entry));
        if (e->v != e->small)
            PyMem_Free(e->v);
        e->v = v;
        e->cap = cap;
    }
    Entry *x = &e->v[e->n++];
    memset(x, 0, sizeof(*x));
    return x;
}

static const uint8_t ANY_WT[9] = {0xFF, 2, 0, 0, 1, 2, 2, 2, 0};
static const uint8_t ANY_KIND[9] = {0, K_STR, K_BOOL, K_INT, K_DOUBLE, K_ARRAY, K_KVLIST, K_BYTES, K_NONE};

/* An AnyValue at level ``depth``: validated, its kind and member found (two members: NONCANON). */
static int
any_value(Req *r, size_t s, size_t e, int depth, int *kind, size_t *ms, size_t *me, size_t *nfields)
{
    Fields f;
    fields_init(&f);
    int rc = parse_fields(r, s, e, depth, &f);
    int found = 0;
    *kind = K_NONE;
    *ms = *me = 0;
    for (size_t i = 0; rc == OK && i < f.n; i++) {
        Field *x = &f.v[i];
        rc = validate_field(r, M_ANY, x, depth);
        if (rc == OK && x->fn <= 8 && ANY_WT[x->fn] == x->wt) {
            if (found++) {
                rc = NONCANON;
                break;
            }
            *kind = ANY_KIND[x->fn];
            *ms = x->vs;
            *me = x->ve;
        }
    }
    *nfields = f.n;
    fields_free(&f);
    return rc;
}

static int
keys_equal(Req *r, const Entry *a, const Entry *b)
{
    return a->khash == b->khash && a->ke - a->ks == b->ke - b->ks &&
           memcmp(r->buf + a->ks, r->buf + b->ks, a->ke - a->ks) == 0;
}

/* The KeyValues of field ``number`` (each at level ``depth``), validated; a repeated key hands the request to
 * the Python walker (the reference merges the list first). */
static int
parse_entries(Req *r, Fields *f, uint32_t number, int depth, Entries *out)
{
    for (size_t i = 0; i < f->n; i++) {
        Field *x = &f->v[i];
        if (x->fn != number || x->wt != 2)
            continue;
        Fields kf;
        fields_init(&kf);
        int rc = parse_fields(r, x->vs, x->ve, depth, &kf);
        Field *key = NULL, *value = NULL;
        if (rc == OK)
            rc = single(&kf, 1, &key);
        if (rc == OK)
            rc = single(&kf, 2, &value);
        for (size_t j = 0; rc == OK && j < kf.n; j++) {
            if (&kf.v[j] != value)
                rc = validate_field(r, M_KV, &kf.v[j], depth);
        }
        Entry *en = rc == OK ? entries_add(out) : NULL;
        if (rc == OK && en == NULL)
            rc = ERR;
        if (rc == OK) {
            en->ts = x->ts;
            en->te = x->ve;
            en->cs = x->vs;
            if (key != NULL) {
                en->ks = key->vs;
                en->ke = key->ve;
            }
            else
                en->ks = en->ke = x->vs;
            en->khash = hash_bytes(7, r->buf + en->ks, en->ke - en->ks);
            if (value != NULL) {
                en->has_value = 1;
                en->vts = value->ts;
                en->vs = value->vs;
                en->ve = value->ve;
                rc = any_value(r, value->vs, value->ve, depth + 1, &en->kind, &en->ms, &en->me, &en->nfields);
            }
            else
                en->kind = K_NONE;
        }
        fields_free(&kf);
        if (rc != OK)
            return rc;
    }
    size_t n = out->n;
    if (n > 1) {
        if (n <= 48) {
            for (size_t i = 1; i < n; i++)
                for (size_t j = 0; j < i; j++)
                    if (keys_equal(r, &out->v[i], &out->v[j]))
                        return BAIL;
        }
        else {
            size_t cap = 128;
            while (cap < 2 * n)
                cap *= 2;
            size_t *t = PyMem_Calloc(cap, sizeof(size_t));
            if (t == NULL) {
                PyErr_NoMemory();
                return ERR;
            }
            int dup = 0;
            for (size_t i = 0; i < n && !dup; i++) {
                size_t s = out->v[i].khash & (cap - 1);
                while (t[s]) {
                    if (keys_equal(r, &out->v[t[s] - 1], &out->v[i])) {
                        dup = 1;
                        break;
                    }
                    s = (s + 1) & (cap - 1);
                }
                t[s] = i + 1;
            }
            PyMem_Free(t);
            if (dup)
                return BAIL;
        }
    }
    return OK;
}

static int
key_is(Req *r, const Entry *e, const char *s, size_t n)
{
    return e->ke - e->ks == n && memcmp(r->buf + e->ks, s, n) == 0;
}

/* Redactor.new_record: the database system named by the attributes, lowered. */
static int
db_system(Req *r, Entries *es, Rec *rec, Rec *inherit)
{
    static const char *names[2] = {"db.system.name", "db.system"};
    for (int k = 0; k < 2; k++) {
        size_t kn = strlen(names[k]);
        for (size_t i = 0; i < es->n; i++) {
            Entry *e = &es->v[i];
            if (!key_is(r, e, names[k], kn))
                continue;
            if (e->kind != K_STR || e->me == e->ms)
                break;
            Walker *w = r->w;
            const char *raw = (const char *)r->buf + e->ms;
            Py_ssize_t rn = (Py_ssize_t)(e->me - e->ms);
            for (int c = 0; c < 4; c++) {
                PyObject *cached = w->db_raw[c];
                if (cached && PyBytes_GET_SIZE(cached) == rn && memcmp(PyBytes_AS_STRING(cached), raw, rn) == 0) {
                    rec->db = Py_NewRef(w->db_obj[c]);
                    rec->dbp = PyUnicode_AsUTF8AndSize(rec->db, &rec->dbn);
                    return rec->dbp ? OK : ERR;
                }
            }
            PyObject *s = PyUnicode_DecodeUTF8(raw, rn, "strict");
            if (s == NULL)
                return ERR;
            PyObject *low = PyObject_CallMethod(s, "lower", NULL);
            Py_DECREF(s);
            if (low == NULL)
                return ERR;
            PyObject *rawb = PyBytes_FromStringAndSize(raw, rn);
            if (rawb == NULL) {
                Py_DECREF(low);
                return ERR;
            }
            int c = w->db_next;
            w->db_next = (c + 1) & 3;
            Py_XSETREF(w->db_raw[c], rawb);
            Py_XSETREF(w->db_obj[c], Py_NewRef(low));
            rec->db = low;
            rec->dbp = PyUnicode_AsUTF8AndSize(low, &rec->dbn);
            return rec->dbp ? OK : ERR;
        }
    }
    if (inherit != NULL && inherit->db != NULL) {
        rec->db = Py_NewRef(inherit->db);
        rec->dbp = inherit->dbp;
        rec->dbn = inherit->dbn;
        return OK;
    }
    rec->db = NULL;
    rec->dbp = "";
    rec->dbn = 0;
    return OK;
}

static void
rec_free(Rec *rec)
{
    Py_CLEAR(rec->db);
    Py_CLEAR(rec->derived);
}

static int
hash_setup(Walker *w)
{
#ifndef WIRE_NO_OPENSSL
    PyObject *key = PyObject_CallNoArgs(w->m_hash_key);
    if (key == NULL)
        return ERR;
    if (!PyBytes_Check(key)) {
        Py_DECREF(key);
        PyErr_SetString(PyExc_TypeError, "wire engine: hash key must be bytes");
        return ERR;
    }
    uint8_t k[64];
    memset(k, 0, sizeof k);
    Py_ssize_t kn = PyBytes_GET_SIZE(key);
    if (kn > 64)
        SHA256((const unsigned char *)PyBytes_AS_STRING(key), (size_t)kn, k);
    else
        memcpy(k, PyBytes_AS_STRING(key), (size_t)kn);
    Py_DECREF(key);
    uint8_t pad[64];
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x36;
    SHA256_Init(&w->inner);
    SHA256_Update(&w->inner, pad, 64);
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x5C;
    SHA256_Init(&w->outer);
    SHA256_Update(&w->outer, pad, 64);
    w->hash_ready = 1;
    return OK;
#else
    return ERR;
#endif
}

/* Redactor.pseudonymize on a string value: a value that already is a pseudonym stays. */
static int
native_hash(Req *r, const uint8_t *s, size_t n, PyObject **out)
{
    Walker *w = r->w;
    const char *prefix = PyBytes_AS_STRING(w->hash_prefix);
    size_t pn = (size_t)PyBytes_GET_SIZE(w->hash_prefix);
    if (n == pn + (size_t)w->hash_len && memcmp(s, prefix, pn) == 0) {
        size_t i = pn;
        for (; i < n; i++) {
            uint8_t c = s[i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
                break;
        }
        if (i == n) {
            *out = NULL;
            return OK;
        }
    }
#ifndef WIRE_NO_OPENSSL
    if (!w->hash_ready && hash_setup(w))
        return ERR;
    SHA256_CTX c = w->inner;
    uint8_t ih[32], d[32];
    SHA256_Update(&c, s, n);
    SHA256_Final(ih, &c);
    c = w->outer;
    SHA256_Update(&c, ih, 32);
    SHA256_Final(d, &c);
    char text[256];
    static const char hex[] = "0123456789abcdef";
    memcpy(text, prefix, pn);
    for (int i = 0; i < w->hash_len; i++)
        text[pn + i] = hex[(d[i / 2] >> (i % 2 ? 0 : 4)) & 15];
    *out = str_any(text, (Py_ssize_t)(pn + w->hash_len));
    return *out ? OK : ERR;
#else
    return ERR;
#endif
}

/* native_hash through the memo (kind 'h'): user ids repeat across records, and a lookup costs a tenth of
 * the two SHA-256 compressions */
static int
memo_hash(Req *r, const uint8_t *s, size_t n, PyObject **out)
{
    Walker *w = r->w;
    uint64_t h = 0;
    MemoSlot *m = n <= MEMO_MAX_VALUE ? memo_find(w, 'h', (const uint8_t *)"", 0, "", 0, s, n, &h) : NULL;
    if (m != NULL) {
        *out = Py_XNewRef(m->out);
        return OK;
    }
    if (native_hash(r, s, n, out))
        return ERR;
    if (n <= MEMO_MAX_VALUE)
        memo_store(w, h, 'h', (const uint8_t *)"", 0, "", 0, s, n, 0, *out, 0, NULL, NULL);
    return OK;
}

/* scrub.ip._truncate_v4 on a plain dotted quad; 0 when it is not one (the engine decides then). */
static int
ipv4(const uint8_t *s, size_t n, int prefix, char *out, size_t *outn)
{
    if (n < 7 || n > 15)
        return 0;
    uint32_t addr = 0;
    int octets = 0;
    size_t i = 0;
    while (i <= n) {
        size_t start = i;
        uint32_t v = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            v = v * 10 + (s[i] - '0');
            i++;
        }
        size_t len = i - start;
        if (len == 0 || len > 3 || (len > 1 && s[start] == '0') || v > 255)
            return 0;
        addr = addr << 8 | v;
        octets++;
        if (i == n)
            break;
        if (s[i] != '.' || octets == 4)
            return 0;
        i++;
    }
    if (octets != 4)
        return 0;
    uint32_t mask = prefix <= 0 ? 0 : prefix >= 32 ? 0xFFFFFFFFu : (0xFFFFFFFFu << (32 - prefix));
    addr &= mask;
    *outn = (size_t)snprintf(out, 16, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 255, (addr >> 8) & 255, addr & 255);
    return 1;
}

static int
set_new(Entry *e, PyObject *v)
{
    e->res = R_NEW;
    e->newv = v;
    return OK;
}

/* ---------------------------------------------------------------------------------------------------
 * URLs: scrub.url.UrlSanitizer.sanitize on the common shape, scheme://host[:port]/path?query (or a path
 * /a/b?query), byte for byte. The decisions that need the sanitiser's heuristics — how a host renders (IP
 * literals truncated), what a path segment becomes, what a query key is — are the sanitiser's own, asked
 * once per distinct host, segment and key and kept in the memo; only the split and the assembly are here.
 * Anything else (userinfo or an '@' anywhere, backslashes, tabs and newlines, non-ASCII, other schemes,
 * protocol-relative URLs, a kept fragment, an allow-listed query value, a secret-bearing path word followed
 * by more path, webhook hosts, a result longer than max_value_length) is left to the Python step.
 * ------------------------------------------------------------------------------------------------- */
enum { URL_DEFER = 0, URL_DONE = 1 };

/* A decision through the memo: kind 'H' (host), 'S' (path segment), 'Q' (query key). *out: a new reference to
 * bytes, or NULL (kept as written) — owned, so that no later store can free it under the caller; *bits: the flags
 * the engine gave. */
static int
url_decision(Req *r, char kind, const uint8_t *p, size_t n, PyObject **out, long *bits)
{
    Walker *w = r->w;
    uint64_t h = 0;
    MemoSlot *m = n <= MEMO_MAX_VALUE ? memo_find(w, kind, (const uint8_t *)"", 0, "", 0, p, n, &h) : NULL;
    if (m != NULL) {
        *out = Py_XNewRef(m->out);
        *bits = m->res;
        return OK;
    }
    PyObject *arg = PyUnicode_DecodeASCII((const char *)p, (Py_ssize_t)n, "strict");
    if (arg == NULL)
        return ERR;
    PyObject *args[1] = {arg};
    PyObject *t = call(kind == 'H' ? w->m_url_host : kind == 'S' ? w->m_url_segment : w->m_url_query_key, args, 1);
    Py_DECREF(arg);
    if (t == NULL) {  /* the Python step fails closed on its own (UrlSanitizer._sanitize): let it */
        PyErr_Clear();
        return BAIL;
    }
    PyObject *v = NULL;
    long b;
    if (kind == 'Q') {
        b = PyLong_AsLong(t);
    }
    else {
        if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 2 ||
            (PyTuple_GET_ITEM(t, 0) != Py_None && !PyBytes_Check(PyTuple_GET_ITEM(t, 0)))) {
            Py_DECREF(t);
            PyErr_SetString(PyExc_TypeError, "wire engine: unexpected URL decision");
            return ERR;
        }
        v = PyTuple_GET_ITEM(t, 0) == Py_None ? NULL : PyTuple_GET_ITEM(t, 0);
        b = PyObject_IsTrue(PyTuple_GET_ITEM(t, 1));
    }
    if (b < 0 || (b == -1 && PyErr_Occurred())) {
        Py_DECREF(t);
        return ERR;
    }
    if (n > MEMO_MAX_VALUE) {  /* not remembered: the result must outlive t */
        Py_DECREF(t);
        return BAIL;
    }
    memo_store(w, h, kind, (const uint8_t *)"", 0, "", 0, p, n, (int)b, v, 0, NULL, NULL);
    Py_DECREF(t);
    m = memo_find(w, kind, (const uint8_t *)"", 0, "", 0, p, n, &h);
    if (m == NULL)  /* the store failed (no memory): the Python step decides */
        return BAIL;
    *out = Py_XNewRef(m->out);
    *bits = m->res;
    return OK;
}

static int
url_is_keep(Walker *w, const uint8_t *p, size_t n)
{
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(w->url_keep); i++) {
        PyObject *k = PyTuple_GET_ITEM(w->url_keep, i);
        if ((size_t)PyBytes_GET_SIZE(k) == n && memcmp(PyBytes_AS_STRING(k), p, n) == 0)
            return 1;
    }
    return 0;
}

static inline int
url_put_bytes(Buf *o, PyObject *b)
{
    return buf_put(o, PyBytes_AS_STRING(b), (size_t)PyBytes_GET_SIZE(b));
}

/* Two ASCII digits at p forming a number in [lo, hi]. */
static inline int
url_two_digits(const uint8_t *p, int lo, int hi)
{
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
        return 0;
    int v = (p[0] - '0') * 10 + (p[1] - '0');
    return v >= lo && v <= hi;
}

/* scrub.url._date_end on bytes: the path segment s[a:b] (4 digits) starts a date — a year 19xx/20xx, then a
 * two-digit month segment, then maybe a two-digit day segment — and the end of the date's last segment, or 0. */
static size_t
url_date_end(const uint8_t *s, size_t a, size_t b, size_t pe)
{
    if (b - a != 4 || !((s[a] == '1' && s[a + 1] == '9') || (s[a] == '2' && s[a + 1] == '0')))
        return 0;
    if (b + 3 > pe || s[b] != '/' || !url_two_digits(s + b + 1, 1, 12) || (b + 3 < pe && s[b + 3] != '/'))
        return 0;
    size_t m = b + 3;
    if (m + 3 <= pe && url_two_digits(s + m + 1, 1, 31) && (m + 3 == pe || s[m + 3] == '/'))
        return m + 3;
    return m;
}

/* UrlSanitizer._path(s[i:e], secret_path=False), then _query_fragment from e. */
static int
url_tail(Req *r, const uint8_t *s, size_t i, size_t n, Buf *o)
{
    Walker *w = r->w;
    size_t pe = i;
    while (pe < n && s[pe] != '?' && s[pe] != '#')
        pe++;
    /* the path: segments split at '/', each decided (digits templated here, the rest by the sanitiser) */
    size_t a = i;
    while (a <= pe && i < pe) {
        size_t b = a;
        while (b < pe && s[b] != '/')
            b++;
        size_t sn = b - a;
        if (sn == 0 || url_is_keep(w, s + a, sn)) {
            if (buf_put(o, s + a, sn))
                return ERR;
        }
        else {
            int digits = w->url_template;
            for (size_t k = a; digits && k < b; k++)
                digits = s[k] >= '0' && s[k] <= '9';
            size_t date = digits ? url_date_end(s, a, b, pe) : 0;
            if (date) {  /* /2026/12/03/: the year, month and day of a date are kept as written */
                if (buf_put(o, s + a, date - a))
                    return ERR;
                b = date;
            }
            else if (digits) {
                if (url_put_bytes(o, w->url_id))
                    return ERR;
            }
            else {
                PyObject *new;
                long secret;
                int rc = url_decision(r, 'S', s + a, sn, &new, &secret);
                if (rc != OK)
                    return rc == BAIL ? URL_DEFER : rc;
                if (secret && b < pe) {
                    Py_XDECREF(new);
                    return URL_DEFER;  /* /reset/<token>: what follows is read as secret (rare) */
                }
                rc = new != NULL ? url_put_bytes(o, new) : buf_put(o, s + a, sn);
                Py_XDECREF(new);
                if (rc)
                    return ERR;
            }
        }
        if (b < pe && buf_put(o, "/", 1))
            return ERR;
        a = b + 1;
    }
    if (pe >= n || s[pe] == '#')
        return URL_DONE;  /* the fragment is dropped (a kept one was deferred) */
    /* the query: pairs split at '&', each key decided by the sanitiser, every value replaced */
    size_t qe = pe + 1;
    while (qe < n && s[qe] != '#')
        qe++;
    if (buf_put(o, "?", 1))
        return ERR;
    for (size_t p = pe + 1; p < qe;) {
        size_t b = p;
        while (b < qe && s[b] != '&')
            b++;
        if (b > p) {
            size_t eq = p;
            while (eq < b && s[eq] != '=')
                eq++;
            PyObject *unused;
            long bits;
            int rc = url_decision(r, 'Q', s + p, eq - p, &unused, &bits);
            if (rc != OK)
                return rc == BAIL ? URL_DEFER : rc;
            Py_XDECREF(unused);
            if (eq == b) {  /* a flag */
                if ((bits & 2) ? buf_put(o, s + p, eq - p) : url_put_bytes(o, w->url_repl))
                    return ERR;
            }
            else {
                const uint8_t *v = s + eq + 1;
                size_t vn = b - eq - 1;
                int kept_value = vn == 0 || ((Py_ssize_t)vn == PyBytes_GET_SIZE(w->url_repl) &&
                                             memcmp(v, PyBytes_AS_STRING(w->url_repl), vn) == 0);
                if (!kept_value && (bits & 4))
                    return URL_DEFER;  /* an allow-listed key: its value is checked for secrets in Python */
                if ((bits & 1) ? buf_put(o, s + p, eq - p) : url_put_bytes(o, w->url_repl))
                    return ERR;
                if (buf_put(o, "=", 1))
                    return ERR;
                if (kept_value ? buf_put(o, v, vn) : url_put_bytes(o, w->url_repl))
                    return ERR;
            }
        }
        if (b < qe && buf_put(o, "&", 1))
            return ERR;
        p = b + 1;
    }
    return URL_DONE;
}

/* UrlSanitizer.sanitize(s) into o (URL_DONE), or URL_DEFER for a shape it leaves to Python. */
static int
url_fast(Req *r, const uint8_t *s, size_t n, Buf *o)
{
    Walker *w = r->w;
    if (n == 0)
        return URL_DEFER;
    for (size_t k = 0; k < n; k++) {
        uint8_t c = s[k];
        if (c >= 0x80 || c == '@' || c == '\\' || c == '\t' || c == '\n' || c == '\r' ||
            (c == '#' && !w->url_drop_fragment))
            return URL_DEFER;
    }
    if (s[0] == '/')  /* a path (request target); "//host" is protocol-relative */
        return n > 1 && s[1] == '/' ? URL_DEFER : url_tail(r, s, 0, n, o);
    /* scheme: one of WHATWG's special ones, then slashes, then host[:port] */
    size_t i = 0;
    while (i < n && ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z'))
        i++;
    if (i + 1 >= n || s[i] != ':' || s[i + 1] != '/')
        return URL_DEFER;
    static const char *special[] = {"http", "https", "ws", "wss", "ftp"};
    int ok = 0;
    for (int k = 0; k < 5 && !ok; k++) {
        if (strlen(special[k]) == i) {
            ok = 1;
            for (size_t c = 0; c < i && ok; c++)
                ok = (s[c] | 0x20) == special[k][c];
        }
    }
    if (!ok)
        return URL_DEFER;
    size_t j = i + 1;
    while (j < n && s[j] == '/')
        j++;
    size_t e = j;
    while (e < n && s[e] != '/' && s[e] != '?' && s[e] != '#')
        e++;
    if (e == j)
        return URL_DEFER;
    PyObject *host;
    long secret;
    int rc = url_decision(r, 'H', s + j, e - j, &host, &secret);
    if (rc != OK)
        return rc == BAIL ? URL_DEFER : rc;
    if (secret) {
        Py_XDECREF(host);
        return URL_DEFER;  /* webhook hosts: every path segment is read as secret */
    }
    rc = buf_put(o, s, j) || (host != NULL ? url_put_bytes(o, host) : buf_put(o, s + j, e - j));
    Py_XDECREF(host);
    if (rc)
        return ERR;
    return url_tail(r, s, e, n, o);
}

/* ---------------------------------------------------------------------------------------------------
 * SQL: Redactor._statement_step / _sql_step through the SQL core's C API, for the records whose database
 * system routes every statement to one SQL dialect (the engine's sql_dialect, asked once per key action and
 * system, memoised). The obfuscator is the Redactor's own (same options, caches and results), so the output
 * is the Python step's by construction; a failed obfuscation, a statement over max_value_length and joins
 * to report are left to the Python step.
 * ------------------------------------------------------------------------------------------------- */
static PyObject *S_SUMMARY_KEY, *S_OPERATION_KEY, *S_COLLECTION_KEY;  /* str */
static PyObject *B_SUMMARY_KEY, *B_OPERATION_KEY, *B_COLLECTION_KEY;  /* bytes */

/* RecordContext.derive(key, text): the first value of a key wins */
static int
derive_str(Rec *rec, PyObject *key, PyObject *key_bytes, PyObject *text)
{
    if (rec->derived == NULL && (rec->derived = PyDict_New()) == NULL)
        return ERR;
    int has = PyDict_Contains(rec->derived, key);
    if (has)
        return has < 0 ? ERR : OK;
    Py_ssize_t n;
    const char *u = PyUnicode_AsUTF8AndSize(text, &n);
    if (u == NULL)
        return ERR;
    PyObject *any = str_any(u, n);
    if (any == NULL)
        return ERR;
    PyObject *pair = PyTuple_Pack(2, key_bytes, any);
    Py_DECREF(any);
    if (pair == NULL)
        return ERR;
    int rc = PyDict_SetItem(rec->derived, key, pair);
    Py_DECREF(pair);
    return rc ? ERR : OK;
}

static int
sql_value(Req *r, Rec *rec, KeyInfo *ki, Entry *e, int *done)
{
    Walker *w = r->w;
    *done = 0;
    /* the dialect for (action, system): memo kind 'D' */
    Py_ssize_t an;
    const char *action = PyUnicode_AsUTF8AndSize(ki->action, &an);
    if (action == NULL)
        return ERR;
    uint64_t h = 0;
    MemoSlot *m = memo_find(w, 'D', (const uint8_t *)action, (size_t)an, rec->dbp, (size_t)rec->dbn,
                            (const uint8_t *)"", 0, &h);
    PyObject *dialect;  /* owned: the slot may be evicted by any later store */
    if (m != NULL)
        dialect = Py_XNewRef(m->out);
    else {
        PyObject *args[2] = {ki->action, db_arg(rec)};
        PyObject *d = call(w->m_sql_dialect, args, 2);
        if (d == NULL)
            return ERR;
        if (d != Py_None && !PyUnicode_Check(d)) {
            Py_DECREF(d);
            PyErr_SetString(PyExc_TypeError, "wire engine: sql_dialect must give a str or None");
            return ERR;
        }
        memo_store(w, h, 'D', (const uint8_t *)action, (size_t)an, rec->dbp, (size_t)rec->dbn, (const uint8_t *)"",
                   0, 0, d == Py_None ? NULL : d, 0, NULL, NULL);
        Py_DECREF(d);
        m = memo_find(w, 'D', (const uint8_t *)action, (size_t)an, rec->dbp, (size_t)rec->dbn, (const uint8_t *)"",
                      0, &h);
        if (m == NULL)
            return OK;  /* not remembered (no memory): the engine decides */
        dialect = Py_XNewRef(m->out);
    }
    if (dialect == NULL)
        return OK;
    PyObject *text = PyUnicode_DecodeUTF8((const char *)r->buf + e->ms, (Py_ssize_t)(e->me - e->ms), "strict");
    if (text == NULL) {
        Py_DECREF(dialect);
        return ERR;
    }
    PyObject *res = w->sql_api->obfuscate(w->sql_engine, text, dialect);
    Py_DECREF(dialect);
    if (res == NULL) {  /* (never, by its contract) */
        PyErr_Clear();
        Py_DECREF(text);
        return OK;
    }
    PyObject *statement = NULL, *operation = NULL, *tables = NULL, *summary = NULL, *joins = NULL;
    int failed = w->sql_api->fields(w->sql_engine, res, &statement, &operation, &tables, &summary, &joins);
    int rc = OK;
    if (failed != 0 || !PyUnicode_Check(statement) || PyUnicode_GET_LENGTH(statement) > w->max_len ||
        (w->sql_relationships && joins != NULL && PyTuple_Check(joins) && PyTuple_GET_SIZE(joins) > 0))
        goto out;  /* counted as an error, truncated, or joins to report: the Python step */
    if (w->sql_summary) {
        if (summary != NULL && summary != Py_None && PyObject_IsTrue(summary) == 1)
            rc = derive_str(rec, S_SUMMARY_KEY, B_SUMMARY_KEY, summary);
        if (rc == OK && operation != NULL && operation != Py_None && PyObject_IsTrue(operation) == 1)
            rc = derive_str(rec, S_OPERATION_KEY, B_OPERATION_KEY, operation);
        if (rc == OK && tables != NULL && PyTuple_Check(tables) && PyTuple_GET_SIZE(tables) == 1)
            rc = derive_str(rec, S_COLLECTION_KEY, B_COLLECTION_KEY, PyTuple_GET_ITEM(tables, 0));
        if (rc != OK)
            goto out;
    }
    *done = 1;
    w->n_sql_native++;
    e->res = R_SAME;
    int same = PyUnicode_Compare(statement, text);
    if (same == -1 && PyErr_Occurred()) {
        rc = ERR;
        goto out;
    }
    if (same != 0) {
        Py_ssize_t n;
        const char *u = PyUnicode_AsUTF8AndSize(statement, &n);
        PyObject *v = u ? str_any(u, n) : NULL;
        if (v == NULL) {
            rc = ERR;
            goto out;
        }
        set_new(e, v);
        rec->count++;
        rc = tally(r, ki->action, 1);
    }
out:
    Py_DECREF(res);
    Py_DECREF(text);
    return rc;
}

/* A string value of a URL key: Redactor._url_step and _finish, and the record's count and tally. OK and
 * *done = 1 when decided here; *done = 0 leaves it to the engine. */
static int
url_value(Req *r, Rec *rec, KeyInfo *ki, Entry *e, int *done)
{
    Walker *w = r->w;
    const uint8_t *s = r->buf + e->ms;
    size_t n = e->me - e->ms;
    r->url.n = 0;
    *done = 0;
    int rc = url_fast(r, s, n, &r->url);
    if (rc != URL_DONE)
        return rc == URL_DEFER ? OK : rc;
    if ((Py_ssize_t)r->url.n > w->max_len)
        return OK;  /* _finish would truncate it */
    *done = 1;
    w->n_url_native++;
    e->res = R_SAME;
    if (r->url.n == n && memcmp(r->url.p, s, n) == 0)
        return OK;
    PyObject *v = str_any((const char *)r->url.p, (Py_ssize_t)r->url.n);
    if (v == NULL)
        return ERR;
    set_new(e, v);
    rec->count++;
    return tally(r, ki->action, 1);
}

/* A value through the engine and the memo ('s': strings, 'a': any other value; 'p': any value of a parameter
 * container beside its statement, by the bound plan). */
static int
engine_value(Req *r, Rec *rec, KeyInfo *ki, Entry *e, int bound)
{
    Walker *w = r->w;
    const uint8_t *raw = e->has_value ? r->buf + e->vs : (const uint8_t *)"";
    size_t rn = e->has_value ? e->ve - e->vs : 0;
    char kind = bound ? 'p' : e->kind == K_STR ? 's' : 'a';
    uint64_t h = 0;
    MemoSlot *m = rn <= MEMO_MAX_VALUE ? memo_find(w, kind, ki->key, ki->klen, rec->dbp, (size_t)rec->dbn, raw, rn, &h)
                                       : NULL;
    if (m != NULL) {
        e->res = m->res;
        if (m->res == R_NEW)
            e->newv = Py_NewRef(m->out);
        return replay(r, rec, m->count, m->actions, m->derived);
    }
    PyObject *t;
    if (kind == 's') {
        PyObject *text = PyUnicode_DecodeUTF8((const char *)r->buf + e->ms, (Py_ssize_t)(e->me - e->ms), "strict");
        if (text == NULL)
            return ERR;
        PyObject *args[4] = {ki->plan, ki->key_str, db_arg(rec), text};
        t = call(w->m_str_value, args, 4);
        Py_DECREF(text);
    }
    else {
        PyObject *b = PyBytes_FromStringAndSize((const char *)raw, (Py_ssize_t)rn);
        if (b == NULL)
            return ERR;
        PyObject *args[4] = {bound ? w->bound_plan : ki->plan, ki->key_str, db_arg(rec), b};
        t = call(w->m_any_value, args, 4);
        Py_DECREF(b);
    }
    if (t == NULL)
        return ERR;
    long count;
    PyObject *actions, *derived;
    int cacheable;
    int rc = tail_of(t, 2, &count, &actions, &derived, &cacheable);
    PyObject *newv = NULL;
    int res = 0;
    if (rc == OK) {
        res = (int)PyLong_AsLong(PyTuple_GET_ITEM(t, 0));
        if (res == R_NEW) {
            PyObject *v = PyTuple_GET_ITEM(t, 1);
            if (kind == 's') {
                Py_ssize_t n;
                const char *u = PyUnicode_AsUTF8AndSize(v, &n);
                newv = u ? str_any(u, n) : NULL;
            }
            else
                newv = Py_NewRef(v);
            if (newv == NULL)
                rc = ERR;
        }
    }
    if (rc == OK) {
        if (cacheable && rn <= MEMO_MAX_VALUE)
            memo_store(w, h, kind, ki->key, ki->klen, rec->dbp, (size_t)rec->dbn, raw, rn, res, newv, count, actions,
                       derived);
        rc = replay(r, rec, count, actions, derived);
    }
    Py_DECREF(t);
    if (rc != OK) {
        Py_XDECREF(newv);
        return rc;
    }
    e->res = res;
    e->newv = newv;
    return OK;
}

/* Appended KeyValues (derived attributes, the record summary): key bytes and AnyValue bytes. */
typedef struct { PyObject *items[16]; size_t n; } Appended;

static void
appended_free(Appended *a)
{
    for (size_t i = 0; i < a->n; i++)
        Py_DECREF(a->items[i]);
    a->n = 0;
}

static int
appended_add(Appended *a, PyObject *key, PyObject *value)
{
    if (a->n + 2 > 16)
        return BAIL;  /* more derived attributes than any step makes: the Python walker copes */
    a->items[a->n++] = Py_NewRef(key);
    a->items[a->n++] = Py_NewRef(value);
    return OK;
}

/* One entry by its key's plan (Redactor.redact_attributes' loop body). */
static int
entry_value(Req *r, Rec *rec, KeyInfo *ki, Entry *e)
{
    Walker *w = r->w;
    int kind = e->kind;
    int code = ki->code;
    e->res = R_SAME;
    if (code == A_KEEP)
        return OK;
    if ((kind == K_BOOL || kind == K_INT || kind == K_DOUBLE) && (ki->flags & F_SCALAR_PASSES))
        return OK;
    if (code == A_DROP) {
        e->res = R_DROPPED;
        rec->count++;
        r->n_drop++;
        return OK;
    }
    if (kind == K_NONE)
        return OK;  /* every other action leaves an empty value empty */
    if (code == A_REDACT && w->native_redact && kind != K_ARRAY && kind != K_BYTES) {
        if (kind == K_STR) {
            Py_ssize_t rn = PyBytes_GET_SIZE(w->replacement);
            if ((Py_ssize_t)(e->me - e->ms) == rn && memcmp(r->buf + e->ms, PyBytes_AS_STRING(w->replacement),
                                                             (size_t)rn) == 0)
                return OK;
        }
        else if (kind == K_BOOL && (ki->flags & F_KEEP_BOOL))
            return OK;
        set_new(e, Py_NewRef(w->any_replacement));
        rec->count++;
        r->n_redact++;
        return OK;
    }
    if (code == A_HASH && w->native_hash && kind == K_STR) {
        PyObject *v;
        if (memo_hash(r, r->buf + e->ms, e->me - e->ms, &v))
            return ERR;
        if (v != NULL) {
            set_new(e, v);
            rec->count++;
            r->n_hash++;
        }
        return OK;
    }
    if (code == A_SQL && kind == K_STR && w->sql_api != NULL) {
        int done;
        if (sql_value(r, rec, ki, e, &done))
            return ERR;
        if (done)
            return OK;
    }
    if (code == A_URL && kind == K_STR) {
        int done;
        if (url_value(r, rec, ki, e, &done))
            return ERR;
        if (done)
            return OK;
    }
    if (code == A_IP && kind == K_STR) {
        char text[16];
        size_t tn;
        if (ipv4(r->buf + e->ms, e->me - e->ms, w->ipv4_prefix, text, &tn)) {
            if (tn != e->me - e->ms || memcmp(text, r->buf + e->ms, tn) != 0) {
                PyObject *v = str_any(text, (Py_ssize_t)tn);
                if (v == NULL)
                    return ERR;
                set_new(e, v);
                rec->count++;
                r->n_ip++;
            }
            return OK;
        }
    }
    return engine_value(r, rec, ki, e, 0);
}

/* Does a statement-named key's text read as a statement (scrub.bound.holds_statement, memo kind 'q')? */
static int
holds_statement(Req *r, Entry *e, int *out)
{
    Walker *w = r->w;
    const uint8_t *raw = r->buf + e->vs;
    size_t rn = e->ve - e->vs;
    uint64_t h = 0;
    MemoSlot *m = rn <= MEMO_MAX_VALUE ? memo_find(w, 'q', (const uint8_t *)"", 0, "", 0, raw, rn, &h) : NULL;
    if (m != NULL) {
        *out = m->res;
        return OK;
    }
    PyObject *text = PyUnicode_DecodeUTF8((const char *)r->buf + e->ms, (Py_ssize_t)(e->me - e->ms), "strict");
    if (text == NULL)
        return ERR;
    PyObject *args[1] = {text};
    PyObject *t = call(w->m_holds_statement, args, 1);
    Py_DECREF(text);
    if (t == NULL)
        return ERR;
    int truth = PyObject_IsTrue(t);
    Py_DECREF(t);
    if (truth < 0)
        return ERR;
    if (rn <= MEMO_MAX_VALUE)
        memo_store(w, h, 'q', (const uint8_t *)"", 0, "", 0, raw, rn, truth, NULL, 0, NULL, NULL);
    *out = truth;
    return OK;
}

/* Redactor.redact_attributes over the entries (in a record), then the derived attributes it appends. Parameter
 * containers (ROLE_PARAMS) wait until the whole list is read: beside a statement their values are bound
 * parameters. */
static int
redact_entries(Req *r, Entries *es, Rec *rec, Appended *app)
{
    if (es->n == 0)
        return OK;
    int params = 0, statement = 0, queries = 0;
    for (size_t i = 0; i < es->n; i++) {
        Entry *e = &es->v[i];
        KeyInfo *ki = key_info(r, r->buf + e->ks, e->ke - e->ks);
        if (ki == NULL)
            return ERR;
        if (ki->renamed)
            return BAIL;
        if (ki->role) {
            if (ki->role == ROLE_PARAMS) {
                params = 1;
                e->res = R_SAME;
                continue;
            }
            if (ki->role == ROLE_STATEMENT)
                statement |= e->kind == K_STR && e->me > e->ms;
            else
                queries |= e->kind == K_STR;
        }
        int rc = entry_value(r, rec, ki, e);
        if (rc != OK)
            return rc;
    }
    if (params) {  /* (rare: a record with a container named like parameters) */
        for (size_t i = 0; i < es->n && !statement && queries; i++) {
            Entry *e = &es->v[i];
            if (e->kind != K_STR)
                continue;
            KeyInfo *ki = key_info(r, r->buf + e->ks, e->ke - e->ks);
            if (ki == NULL || (ki->role == ROLE_QUERY && holds_statement(r, e, &statement)))
                return ERR;
        }
        for (size_t i = 0; i < es->n; i++) {
            Entry *e = &es->v[i];
            KeyInfo *ki = key_info(r, r->buf + e->ks, e->ke - e->ks);
            if (ki == NULL)
                return ERR;
            if (ki->role != ROLE_PARAMS)
                continue;
            int rc = !statement ? entry_value(r, rec, ki, e) : e->kind == K_NONE ? OK : engine_value(r, rec, ki, e, 1);
            if (rc != OK)
                return rc;
        }
    }
    if (rec->derived != NULL && PyDict_GET_SIZE(rec->derived) > 0) {
        PyObject *k, *pair;
        Py_ssize_t pos = 0;
        while (PyDict_Next(rec->derived, &pos, &k, &pair)) {
            PyObject *kb = PyTuple_GET_ITEM(pair, 0);
            int present = 0;
            for (size_t i = 0; i < es->n && !present; i++)
                present = key_is(r, &es->v[i], PyBytes_AS_STRING(kb), (size_t)PyBytes_GET_SIZE(kb));
            if (!present) {
                int rc = appended_add(app, kb, PyTuple_GET_ITEM(pair, 1));
                if (rc != OK)
                    return rc;
            }
        }
        Py_CLEAR(rec->derived);
    }
    return OK;
}

static PyObject *S_COUNT_KEY, *S_POLICY_KEY;

static int
has_key(Req *r, Entries *es, PyObject *key)
{
    for (size_t i = 0; i < es->n; i++) {
        if (key_is(r, &es->v[i], PyBytes_AS_STRING(key), (size_t)PyBytes_GET_SIZE(key)))
            return 1;
    }
    return 0;
}

/* Redactor.record_summary appended; a record that already has a key it writes goes to the Python walker. */
static int
add_summary(Req *r, Entries *es, Rec *rec, Appended *app)
{
    Walker *w = r->w;
    int count = w->summary_count == 2 || (w->summary_count == 1 && rec->count > 0);
    if ((count && has_key(r, es, S_COUNT_KEY)) || (w->summary_policy_record && has_key(r, es, S_POLICY_KEY)))
        return BAIL;
    int rc = OK;
    if (count) {
        uint8_t any[11];
        any[0] = 0x18;
        put_varint_at(any + 1, (uint64_t)rec->count);
        PyObject *v = PyBytes_FromStringAndSize((const char *)any, 1 + (Py_ssize_t)varint_size((uint64_t)rec->count));
        if (v == NULL)
            return ERR;
        rc = appended_add(app, S_COUNT_KEY, v);
        Py_DECREF(v);
    }
    if (rc == OK && w->summary_policy_record)
        rc = appended_add(app, S_POLICY_KEY, w->fingerprint_any);
    return rc;
}

/* One entry, emitted as set_kv leaves it: copied, removed, or with its value replaced in place. */
static int
emit_entry(Req *r, Buf *o, Entry *e, uint8_t tag)
{
    if (e->res == R_SAME)
        return buf_put(o, r->buf + e->ts, e->te - e->ts);
    if (e->res == R_DROPPED)
        return OK;
    size_t nv = (size_t)PyBytes_GET_SIZE(e->newv);
    size_t value_field = 1 + varint_size(nv) + nv;
    size_t content = e->has_value ? (e->vts - e->cs) + value_field + (e->te - e->ve) : (e->te - e->cs) + value_field;
    if (buf_grow(o, 11 + content))
        return ERR;
    o->p[o->n++] = tag;
    if (buf_varint(o, content))
        return ERR;
    if (e->has_value) {
        if (buf_put(o, r->buf + e->cs, e->vts - e->cs) || buf_len_field(o, 0x12, PyBytes_AS_STRING(e->newv), nv) ||
            buf_put(o, r->buf + e->ve, e->te - e->ve))
            return ERR;
    }
    else if (buf_put(o, r->buf + e->cs, e->te - e->cs) || buf_len_field(o, 0x12, PyBytes_AS_STRING(e->newv), nv))
        return ERR;
    return OK;
}

static int
emit_appended(Buf *o, Appended *a, uint8_t tag)
{
    for (size_t i = 0; i < a->n; i += 2) {
        PyObject *k = a->items[i], *v = a->items[i + 1];
        size_t kn = (size_t)PyBytes_GET_SIZE(k), vn = (size_t)PyBytes_GET_SIZE(v);
        size_t content = (kn ? 1 + varint_size(kn) + kn : 0) + 1 + varint_size(vn) + vn;
        if (buf_grow(o, 11 + content))
            return ERR;
        o->p[o->n++] = tag;
        if (buf_varint(o, content))
            return ERR;
        if (kn && buf_len_field(o, 0x0a, PyBytes_AS_STRING(k), kn))
            return ERR;
        if (buf_len_field(o, 0x12, PyBytes_AS_STRING(v), vn))
            return ERR;
    }
    return OK;
}

/* the entry of KeyValue field ``f`` (entries are parsed in field order) */
static Entry *
entry_at(Entries *es, size_t *next, const Field *f)
{
    Entry *e = &es->v[*next];
    (*next)++;
    (void)f;
    return e;
}

static int
changed_text(PyObject *utf8, const uint8_t *old, size_t n)
{
    return (size_t)PyBytes_GET_SIZE(utf8) != n || memcmp(PyBytes_AS_STRING(utf8), old, n) != 0;
}

/* ---------------------------------------------------------------------------------------------------
 * Spans
 * ------------------------------------------------------------------------------------------------- */
typedef struct { size_t off, len; } Rendered;

/* An event into ``o``: Redactor.redact_span's loop over events. */
static int
walk_event(Req *r, Buf *o, size_t s, size_t e, int depth, Rec *span)
{
    Fields f;
    Entries es;
    Appended app = {.n = 0};
    Rec rec = {0};
    PyObject *new_name = NULL;
    fields_init(&f);
    entries_init(&es);
    Field *name_f = NULL;
    int rc = parse_fields(r, s, e, depth, &f);
    if (rc == OK)
        rc = single(&f, 2, &name_f);
    for (size_t i = 0; rc == OK && i < f.n; i++) {
        if (f.v[i].fn != 3)
            rc = validate_field(r, M_EVENT, &f.v[i], depth);
    }
    if (rc == OK)
        rc = parse_entries(r, &f, 3, depth + 1, &es);
    if (rc == OK)
        rc = db_system(r, &es, &rec, span);
    if (rc == OK && name_f != NULL && name_f->ve > name_f->vs)
        rc = text_step(r, &rec, 't', r->buf + name_f->vs, name_f->ve - name_f->vs, &new_name);
    if (rc == OK)
        rc = redact_entries(r, &es, &rec, &app);
    if (rc == OK) {
        span->count += rec.count;
        size_t next = 0;
        for (size_t i = 0; rc == OK && i < f.n; i++) {
            Field *x = &f.v[i];
            if (x == name_f && new_name != NULL && changed_text(new_name, r->buf + x->vs, x->ve - x->vs))
                rc = buf_len_field(o, 0x12, PyBytes_AS_STRING(new_name), (size_t)PyBytes_GET_SIZE(new_name));
            else if (x->fn == 3 && x->wt == 2)
                rc = emit_entry(r, o, entry_at(&es, &next, x), 0x1a);
            else
                rc = copy_field(r, o, x);
        }
        if (rc == OK)
            rc = emit_appended(o, &app, 0x1a);
    }
    Py_XDECREF(new_name);
    appended_free(&app);
    rec_free(&rec);
    entries_free(&es);
    fields_free(&f);
    return rc;
}

static int
walk_link(Req *r, Buf *o, size_t s, size_t e, int depth, Rec *span)
{
    Fields f;
    Entries es;
    Appended app = {.n = 0};
    Rec rec = {0};
    fields_init(&f);
    entries_init(&es);
    int rc = parse_fields(r, s, e, depth, &f);
    for (size_t i = 0; rc == OK && i < f.n; i++) {
        if (f.v[i].fn != 4)
            rc = validate_field(r, M_LINK, &f.v[i], depth);
    }
    if (rc == OK)
        rc = parse_entries(r, &f, 4, depth + 1, &es);
    if (rc == OK)
        rc = db_system(r, &es, &rec, NULL);
    if (rc == OK)
        rc = redact_entries(r, &es, &rec, &app);
    if (rc == OK) {
        span->count += rec.count;
        size_t next = 0;
        for (size_t i = 0; rc == OK && i < f.n; i++) {
            Field *x = &f.v[i];
            if (x->fn == 4 && x->wt == 2)
                rc = emit_entry(r, o, entry_at(&es, &next, x), 0x22);
            else
                rc = copy_field(r, o, x);
        }
        if (rc == OK)
            rc = emit_appended(o, &app, 0x22);
    }
    appended_free(&app);
    rec_free(&rec);
    entries_free(&es);
    fields_free(&f);
    return rc;
}

/* Redactor.redact_span: name (by the record's database system), attributes, events, links, status, summary. */
static int
walk_span(Req *r, Buf *o, size_t s, size_t e, int depth)
{
    Fields f;
    Entries es;
    Appended app = {.n = 0};
    Rec rec = {0};
    PyObject *new_name = NULL, *new_message = NULL;
    Fields sf;
    Field *name_f = NULL, *status_f = NULL, *msg_f = NULL;
    Rendered *rendered = NULL;
    size_t n_rendered = 0;
    r->records++;
    fields_init(&f);
    fields_init(&sf);
    entries_init(&es);
    r->scratch.n = 0;
    int rc = parse_fields(r, s, e, depth, &f);
    if (rc == OK)
        rc = single(&f, 5, &name_f);
    if (rc == OK)
        rc = single(&f, 15, &status_f);
    for (size_t i = 0; rc == OK && i < f.n; i++) {
        uint32_t fn = f.v[i].fn;
        if (fn != 9 && fn != 11 && fn != 13 && fn != 15)
            rc = validate_field(r, M_SPAN, &f.v[i], depth);
    }
    if (rc == OK)
        rc = parse_entries(r, &f, 9, depth + 1, &es);
    if (rc == OK)
        rc = db_system(r, &es, &rec, NULL);
    if (rc == OK && name_f != NULL && name_f->ve > name_f->vs)
        rc = text_step(r, &rec, 'n', r->buf + name_f->vs, name_f->ve - name_f->vs, &new_name);
    if (rc == OK)
        rc = redact_entries(r, &es, &rec, &app);
    /* events, then links, each rendered into the scratch buffer in the order the reference visits them */
    if (rc == OK && f.n) {
        rendered = PyMem_Calloc(f.n, sizeof(Rendered));
        if (rendered == NULL) {
            PyErr_NoMemory();
            rc = ERR;
        }
    }
    for (int pass = 0; pass < 2 && rc == OK; pass++) {
        uint32_t want = pass == 0 ? 11 : 13;
        for (size_t i = 0; rc == OK && i < f.n; i++) {
            Field *x = &f.v[i];
            if (x->fn != want || x->wt != 2)
                continue;
            size_t at = r->scratch.n;
            rc = pass == 0 ? walk_event(r, &r->scratch, x->vs, x->ve, depth + 1, &rec)
                           : walk_link(r, &r->scratch, x->vs, x->ve, depth + 1, &rec);
            rendered[i].off = at;
            rendered[i].len = r->scratch.n - at;
            n_rendered++;
        }
    }
    if (rc == OK && status_f != NULL) {
        rc = parse_fields(r, status_f->vs, status_f->ve, depth + 1, &sf);
        if (rc == OK)
            rc = single(&sf, 2, &msg_f);
        for (size_t i = 0; rc == OK && i < sf.n; i++)
            rc = validate_field(r, M_STATUS, &sf.v[i], depth + 1);
        if (rc == OK && msg_f != NULL && msg_f->ve > msg_f->vs) {
            rc = text_step(r, &rec, 't', r->buf + msg_f->vs, msg_f->ve - msg_f->vs, &new_message);
            if (rc == OK && !changed_text(new_message, r->buf + msg_f->vs, msg_f->ve - msg_f->vs))
                Py_CLEAR(new_message);
        }
    }
    if (rc == OK)
        rc = add_summary(r, &es, &rec, &app);
    if (rc == OK) {
        r->changed += rec.count;
        size_t next = 0;
        for (size_t i = 0; rc == OK && i < f.n; i++) {
            Field *x = &f.v[i];
            if (x == name_f && new_name != NULL && changed_text(new_name, r->buf + x->vs, x->ve - x->vs))
                rc = buf_len_field(o, 0x2a, PyBytes_AS_STRING(new_name), (size_t)PyBytes_GET_SIZE(new_name));
            else if (x->fn == 9 && x->wt == 2)
                rc = emit_entry(r, o, entry_at(&es, &next, x), 0x4a);
            else if ((x->fn == 11 || x->fn == 13) && x->wt == 2)
                rc = buf_len_field(o, x->fn == 11 ? 0x5a : 0x6a, r->scratch.p + rendered[i].off, rendered[i].len);
            else if (x == status_f && new_message != NULL) {
                size_t nm = (size_t)PyBytes_GET_SIZE(new_message);
                size_t content = (msg_f->ts - x->vs) + 1 + varint_size(nm) + nm + (x->ve - msg_f->ve);
                rc = buf_grow(o, 11 + content);
                if (rc == OK) {
                    o->p[o->n++] = 0x7a;
                    rc = buf_varint(o, content);
                }
                if (rc == OK)
                    rc = buf_put(o, r->buf + x->vs, msg_f->ts - x->vs);
                if (rc == OK)
                    rc = buf_len_field(o, 0x12, PyBytes_AS_STRING(new_message), nm);
                if (rc == OK)
                    rc = buf_put(o, r->buf + msg_f->ve, x->ve - msg_f->ve);
            }
            else
                rc = copy_field(r, o, x);
        }
        if (rc == OK)
            rc = emit_appended(o, &app, 0x4a);
    }
    (void)n_rendered;
    PyMem_Free(rendered);
    Py_XDECREF(new_name);
    Py_XDECREF(new_message);
    appended_free(&app);
    rec_free(&rec);
    entries_free(&es);
    fields_free(&sf);
    fields_free(&f);
    return rc;
}

/* ---------------------------------------------------------------------------------------------------
 * Log records
 * ------------------------------------------------------------------------------------------------- */
static int
walk_log(Req *r, Buf *o, size_t s, size_t e, int depth)
{
    Walker *w = r->w;
    Fields f;
    Entries es;
    Appended app = {.n = 0};
    Rec rec = {0};
    PyObject *new_body = NULL, *new_name = NULL;
    int body_removed = 0;
    Field *body_f = NULL, *name_f = NULL;
    r->records++;
    fields_init(&f);
    entries_init(&es);
    int rc = parse_fields(r, s, e, depth, &f);
    if (rc == OK)
        rc = single(&f, 5, &body_f);
    if (rc == OK)
        rc = single(&f, 12, &name_f);
    for (size_t i = 0; rc == OK && i < f.n; i++) {
        uint32_t fn = f.v[i].fn;
        if (fn != 5 && fn != 6)
            rc = validate_field(r, M_LOG, &f.v[i], depth);
    }
    if (rc == OK)
        rc = parse_entries(r, &f, 6, depth + 1, &es);
    if (rc == OK)
        rc = db_system(r, &es, &rec, NULL);
    if (rc == OK)
        rc = redact_entries(r, &es, &rec, &app);
    /* the event name (the field, else the last event.name attribute) may make the body conversation content:
     * such bodies go to the engine with it (Redactor._body_key), never through the plain text step */
    const uint8_t *ev = NULL;
    size_t evn = 0;
    if (name_f != NULL && name_f->ve > name_f->vs) {
        ev = r->buf + name_f->vs;
        evn = name_f->ve - name_f->vs;
    }
    else {
        for (size_t i = 0; i < es.n; i++) {
            Entry *x = &es.v[i];
            if (key_is(r, x, "event.name", 10)) {
                int str = x->kind == K_STR;
                ev = str ? r->buf + x->ms : NULL;
                evn = str ? x->me - x->ms : 0;
            }
        }
    }
    if (rc == OK && body_f != NULL) {
        int kind;
        size_t ms, me, nfields;
        rc = any_value(r, body_f->vs, body_f->ve, depth + 1, &kind, &ms, &me, &nfields);
        if (rc == OK && evn == 0 && kind == K_STR && nfields == 1) {
            /* a plain string body: the text step, re-encoded as the reference always re-encodes bodies */
            PyObject *text = NULL;
            if (me > ms)
                rc = text_step(r, &rec, 't', r->buf + ms, me - ms, &text);
            if (rc == OK) {
                new_body = text ? str_any(PyBytes_AS_STRING(text), PyBytes_GET_SIZE(text)) : str_any("", 0);
                if (new_body == NULL)
                    rc = ERR;
            }
            Py_XDECREF(text);
        }
        else if (rc == OK) {
            const uint8_t *raw = r->buf + body_f->vs;
            size_t rn = body_f->ve - body_f->vs;
            uint64_t h = 0;
            const uint8_t *mk = evn ? ev : (const uint8_t *)"";
            MemoSlot *m = rn <= MEMO_MAX_VALUE ? memo_find(w, 'b', mk, evn, rec.dbp, (size_t)rec.dbn, raw, rn, &h)
                                               : NULL;
            if (m != NULL) {
                body_removed = m->res;
                new_body = Py_XNewRef(m->out);
                rc = replay(r, &rec, m->count, m->actions, m->derived);
            }
            else {
                PyObject *b = PyBytes_FromStringAndSize((const char *)raw, (Py_ssize_t)rn);
                PyObject *name = evn ? PyUnicode_DecodeUTF8((const char *)ev, (Py_ssize_t)evn, "strict") : Py_NewRef(Py_None);
                PyObject *t = NULL;
                if (b == NULL || name == NULL)
                    rc = ERR;
                else {
                    PyObject *args[3] = {b, db_arg(&rec), name};
                    t = call(w->m_body, args, 3);
                    if (t == NULL)
                        rc = ERR;
                }
                Py_XDECREF(b);
                Py_XDECREF(name);
                long count;
                PyObject *actions, *derived;
                int cacheable;
                if (rc == OK)
                    rc = tail_of(t, 1, &count, &actions, &derived, &cacheable);
                if (rc == OK) {
                    PyObject *out = PyTuple_GET_ITEM(t, 0);
                    body_removed = out == Py_None;
                    new_body = body_removed ? NULL : Py_NewRef(out);
                    if (cacheable && rn <= MEMO_MAX_VALUE)
                        memo_store(w, h, 'b', mk, evn, rec.dbp, (size_t)rec.dbn, raw, rn, body_removed, new_body,
                                   count, actions, derived);
                    rc = replay(r, &rec, count, actions, derived);
                }
                Py_XDECREF(t);
            }
        }
    }
    if (rc == OK && name_f != NULL && name_f->ve > name_f->vs) {
        rc = text_step(r, &rec, 't', r->buf + name_f->vs, name_f->ve - name_f->vs, &new_name);
        if (rc == OK && !changed_text(new_name, r->buf + name_f->vs, name_f->ve - name_f->vs))
            Py_CLEAR(new_name);
    }
    if (rc == OK)
        rc = add_summary(r, &es, &rec, &app);
    if (rc == OK) {
        r->changed += rec.count;
        size_t next = 0;
        for (size_t i = 0; rc == OK && i < f.n; i++) {
            Field *x = &f.v[i];
            if (x == body_f) {
                if (!body_removed)
                    rc = buf_len_field(o, 0x2a, PyBytes_AS_STRING(new_body), (size_t)PyBytes_GET_SIZE(new_body));
            }
            else if (x == name_f && new_name != NULL)
                rc = buf_len_field(o, 0x62, PyBytes_AS_STRING(new_name), (size_t)PyBytes_GET_SIZE(new_name));
            else if (x->fn == 6 && x->wt == 2)
                rc = emit_entry(r, o, entry_at(&es, &next, x), 0x32);
            else
                rc = copy_field(r, o, x);
        }
        if (rc == OK)
            rc = emit_appended(o, &app, 0x32);
    }
    Py_XDECREF(new_body);
    Py_XDECREF(new_name);
    appended_free(&app);
    rec_free(&rec);
    entries_free(&es);
    fields_free(&f);
    return rc;
}

/* ---------------------------------------------------------------------------------------------------
 * Metrics
 * ------------------------------------------------------------------------------------------------- */

/* A list of point attributes, exemplar attributes or metric metadata: metrics_redaction.redact_point. */
static int
point_list(Req *r, Fields *f, uint32_t number, int depth, Entries *es, Appended *app, int *touched)
{
    Rec rec = {0};
    int rc = parse_entries(r, f, number, depth, es);
    if (rc == OK && es->n) {
        rc = db_system(r, es, &rec, NULL);
        if (rc == OK)
            rc = redact_entries(r, es, &rec, app);
        for (size_t i = 0; rc == OK && i < es->n; i++) {
            if (es->v[i].res != R_SAME) {
                r->changed++;
                *touched = 1;
            }
        }
        if (app->n)
            *touched = 1;
    }
    rec_free(&rec);
    return rc;
}

static int
emit_with_entries(Req *r, Buf *o, Fields *f, uint32_t number, Entries *es, Appended *app)
{
    uint8_t tag = (uint8_t)(number << 3 | 2);
    size_t next = 0;
    int rc = OK;
    for (size_t i = 0; rc == OK && i < f->n; i++) {
        Field *x = &f->v[i];
        if (x->fn == number && x->wt == 2)
            rc = emit_entry(r, o, entry_at(es, &next, x), tag);
        else
            rc = copy_field(r, o, x);
    }
    return rc == OK ? emit_appended(o, app, tag) : rc;
}

static int
walk_exemplar(Req *r, Buf *o, const Field *x, int depth, uint8_t tag)
{
    Fields f;
    Entries es;
    Appended app = {.n = 0};
    int touched = 0;
    fields_init(&f);
    entries_init(&es);
    int rc = parse_fields(r, x->vs, x->ve, depth, &f);
    for (size_t i = 0; rc == OK && i < f.n; i++) {
        if (f.v[i].fn != 7)
            rc = validate_field(r, M_EXEMPLAR, &f.v[i], depth);
    }
    if (rc == OK)
        rc = point_list(r, &f, 7, depth + 1, &es, &app, &touched);
    if (rc == OK) {
        if (!touched)
            rc = copy_field(r, o, x);
        else {
            Mark m;
            rc = begin_len(o, tag, x->ve - x->vs, &m);
            if (rc == OK)
                rc = emit_with_entries(r, o, &f, 7, &es, &app);
            if (rc == OK)
                rc = end_len(o, &m);
        }
    }
    appended_free(&app);
    entries_free(&es);
    fields_free(&f);
    return rc;
}

static int
walk_point(Req *r, Buf *o, size_t s, size_t e, int depth, int type, uint32_t attrs_no, uint32_t exemplars_no)
{
    Fields f;
    Entries es;
    Appended app = {.n = 0};
    int touched = 0;
    r->records++;
    fields_init(&f);
    entries_init(&es);
    int rc = parse_fields(r, s, e, depth, &f);
    for (size_t i = 0; rc == OK && i < f.n; i++) {
        uint32_t fn = f.v[i].fn;
        if (fn != attrs_no && (exemplars_no == 0 || fn != exemplars_no))
            rc = validate_field(r, type, &f.v[i], depth);
    }
    if (rc == OK)
        rc = point_list(r, &f, attrs_no, depth + 1, &es, &app, &touched);
    if (rc == OK) {
        uint8_t tag = (uint8_t)(attrs_no << 3 | 2);
        size_t next = 0;
        for (size_t i = 0; rc == OK && i < f.n; i++) {
            Field *x = &f.v[i];
            if (x->fn == attrs_no && x->wt == 2)
                rc = emit_entry(r, o, entry_at(&es, &next, x), tag);
            else if (exemplars_no && x->fn == exemplars_no && x->wt == 2)
                rc = walk_exemplar(r, o, x, depth + 1, (uint8_t)(exemplars_no << 3 | 2));
            else
                rc = copy_field(r, o, x);
        }
        if (rc == OK)
            rc = emit_appended(o, &app, tag);
    }
    appended_free(&app);
    entries_free(&es);
    fields_free(&f);
    return rc;
}

static int
walk_metric(Req *r, Buf *o, size_t s, size_t e, int depth)
{
    Fields f;
    Entries md;
    Appended app = {.n = 0};
    PyObject *new_desc = NULL;
    Field *desc_f = NULL, *data_f = NULL;
    int touched = 0;
    fields_init(&f);
    entries_init(&md);
    int rc = parse_fields(r, s, e, depth, &f);
    if (rc == OK)
        rc = single(&f, 2, &desc_f);
    for (size_t i = 0; rc == OK && i < f.n; i++) {
        Field *x = &f.v[i];
        uint32_t fn = x->fn;
        if (x->wt == 2 && (fn == 5 || fn == 7 || fn == 9 || fn == 10 || fn == 11)) {
            if (data_f != NULL)
                rc = NONCANON;
            data_f = x;
        }
        else if (fn != 12)
            rc = validate_field(r, M_METRIC, x, depth);
    }
    if (rc == OK && desc_f != NULL && desc_f->ve > desc_f->vs) {
        /* its own record (redact_text without one): not counted, its tallies merged */
        Rec drec = {0};
        drec.dbp = "";
        rc = text_step(r, &drec, 't', r->buf + desc_f->vs, desc_f->ve - desc_f->vs, &new_desc);
        rec_free(&drec);
        if (rc == OK && !changed_text(new_desc, r->buf + desc_f->vs, desc_f->ve - desc_f->vs))
            Py_CLEAR(new_desc);
    }
    if (rc == OK)
        rc = point_list(r, &f, 12, depth + 1, &md, &app, &touched);
    if (rc == OK) {
        size_t next = 0;
        for (size_t i = 0; rc == OK && i < f.n; i++) {
            Field *x = &f.v[i];
            if (x == desc_f && new_desc != NULL)
                rc = buf_len_field(o, 0x12, PyBytes_AS_STRING(new_desc), (size_t)PyBytes_GET_SIZE(new_desc));
            else if (x->fn == 12 && x->wt == 2)
                rc = emit_entry(r, o, entry_at(&md, &next, x), 0x62);
            else if (x == data_f) {
                int type, point_type = 0;
                uint32_t attrs_no = 7, ex_no = 5;
                switch (x->fn) {
                case 5: type = M_GAUGE; point_type = M_NDP; break;
                case 7: type = M_SUM; point_type = M_NDP; break;
                case 9: type = M_HIST; point_type = M_HDP; attrs_no = 9; ex_no = 8; break;
                case 10: type = M_EHIST; point_type = M_EHDP; attrs_no = 1; ex_no = 11; break;
                default: type = M_SUMMARY; point_type = M_SDP; ex_no = 0; break;
                }
                Fields df;
                fields_init(&df);
                Mark m;
                rc = parse_fields(r, x->vs, x->ve, depth + 1, &df);
                if (rc == OK)
                    rc = begin_len(o, (uint8_t)(x->fn << 3 | 2), x->ve - x->vs, &m);
                for (size_t j = 0; rc == OK && j < df.n; j++) {
                    Field *p = &df.v[j];
                    if (p->fn == 1 && p->wt == 2) {
                        Mark pm;
                        rc = begin_len(o, 0x0a, p->ve - p->vs, &pm);
                        if (rc == OK)
                            rc = walk_point(r, o, p->vs, p->ve, depth + 2, point_type, attrs_no, ex_no);
                        if (rc == OK)
                            rc = end_len(o, &pm);
                    }
                    else {
                        rc = validate_field(r, type, p, depth + 1);
                        if (rc == OK)
                            rc = copy_field(r, o, p);
                    }
                }
                if (rc == OK)
                    rc = end_len(o, &m);
                fields_free(&df);
            }
            else
                rc = copy_field(r, o, x);
        }
        if (rc == OK)
            rc = emit_appended(o, &app, 0x62);
    }
    Py_XDECREF(new_desc);
    appended_free(&app);
    entries_free(&md);
    fields_free(&f);
    return rc;
}

/* ---------------------------------------------------------------------------------------------------
 * Resource groups, scope groups, the request
 * ------------------------------------------------------------------------------------------------- */
static int
via_engine(Req *r, Buf *o, PyObject *method, const Field *x, int type, int depth)
{
    int rc = x ? validate_message(r, type, x->vs, x->ve, depth) : OK;
    if (rc != OK)
        return rc;
    /* no field: a resource group without a resource, which the reference gives the resource summary */
    PyObject *raw = x ? PyBytes_FromStringAndSize((const char *)r->buf + x->vs, (Py_ssize_t)(x->ve - x->vs))
                      : PyBytes_FromStringAndSize("", 0);
    if (raw == NULL)
        return ERR;
    PyObject *args[1] = {raw};
    PyObject *out = call(method, args, 1);
    Py_DECREF(raw);
    if (out == NULL)
        return ERR;
    if (!PyBytes_Check(out)) {
        Py_DECREF(out);
        PyErr_SetString(PyExc_TypeError, "wire engine: expected bytes");
        return ERR;
    }
    rc = buf_len_field(o, 0x0a, PyBytes_AS_STRING(out), (size_t)PyBytes_GET_SIZE(out));
    Py_DECREF(out);
    return rc;
}

static int
walk_scope_group(Req *r, Buf *o, size_t s, size_t e, int depth, int signal)
{
    static const int types[3] = {M_SS, M_SL, M_SM};
    Fields f;
    Field *scope = NULL;
    fields_init(&f);
    int rc = parse_fields(r, s, e, depth, &f);
    if (rc == OK)
        rc = single(&f, 1, &scope);
    for (size_t i = 0; rc == OK && i < f.n; i++) {
        Field *x = &f.v[i];
        if (x == scope)
            rc = via_engine(r, o, r->w->m_scope, x, M_SCOPE, depth + 1);
        else if (x->fn == 2 && x->wt == 2) {
            Mark m;
            rc = begin_len(o, 0x12, x->ve - x->vs, &m);
            if (rc == OK)
                rc = signal == 0 ? walk_span(r, o, x->vs, x->ve, depth + 1)
                   : signal == 1 ? walk_log(r, o, x->vs, x->ve, depth + 1)
                                 : walk_metric(r, o, x->vs, x->ve, depth + 1);
            if (rc == OK)
                rc = end_len(o, &m);
        }
        else {
            rc = validate_field(r, types[signal], x, depth);
            if (rc == OK)
                rc = copy_field(r, o, x);
        }
    }
    fields_free(&f);
    return rc;
}

static int
walk_group(Req *r, Buf *o, size_t s, size_t e, int depth, int signal)
{
    static const int types[3] = {M_RS, M_RL, M_RM};
    Fields f;
    Field *resource = NULL;
    fields_init(&f);
    int rc = parse_fields(r, s, e, depth, &f);
    if (rc == OK)
        rc = single(&f, 1, &resource);
    for (size_t i = 0; rc == OK && i < f.n; i++) {
        Field *x = &f.v[i];
        if (x == resource)
            rc = via_engine(r, o, r->w->m_resource, x, M_RESOURCE, depth + 1);
        else if (x->fn == 2 && x->wt == 2) {
            Mark m;
            rc = begin_len(o, 0x12, x->ve - x->vs, &m);
            if (rc == OK)
                rc = walk_scope_group(r, o, x->vs, x->ve, depth + 1, signal);
            if (rc == OK)
                rc = end_len(o, &m);
        }
        else {
            rc = validate_field(r, types[signal], x, depth);
            if (rc == OK)
                rc = copy_field(r, o, x);
        }
    }
    if (rc == OK && resource == NULL && r->w->resource_summary)
        rc = via_engine(r, o, r->w->m_resource, NULL, M_RESOURCE, depth + 1);
    fields_free(&f);
    return rc;
}

static int
walk_request(Req *r, int signal)
{
    Fields f;
    fields_init(&f);
    int rc = parse_fields(r, 0, r->len, 0, &f);
    for (size_t i = 0; rc == OK && i < f.n; i++) {
        Field *x = &f.v[i];
        if (x->fn == 1 && x->wt == 2) {
            Mark m;
            rc = begin_len(&r->out, 0x0a, x->ve - x->vs, &m);
            if (rc == OK)
                rc = walk_group(r, &r->out, x->vs, x->ve, 1, signal);
            if (rc == OK)
                rc = end_len(&r->out, &m);
        }
        else
            rc = copy_field(r, &r->out, x);
    }
    fields_free(&f);
    return rc;
}

/* ---------------------------------------------------------------------------------------------------
 * Python type
 * ------------------------------------------------------------------------------------------------- */
static int
merge_tallies(Req *r)
{
    Walker *w = r->w;
    struct { PyObject *name; long n; } native[4] = {
        {w->s_drop, r->n_drop}, {w->s_redact, r->n_redact}, {w->s_hash, r->n_hash}, {w->s_ip, r->n_ip}};
    for (int i = 0; i < 4; i++) {
        if (native[i].n && tally(r, native[i].name, native[i].n))
            return ERR;
    }
    if (r->tallies == NULL)
        return OK;
    PyObject *args[1] = {r->tallies};
    PyObject *res = call(w->m_merge, args, 1);
    if (res == NULL)
        return ERR;
    Py_DECREF(res);
    return OK;
}

static PyObject *
Walker_redact(Walker *w, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyLong_Check(args[0]) || !PyBytes_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "redact(signal: int, data: bytes)");
        return NULL;
    }
    int signal = (int)PyLong_AsLong(args[0]);
    if (signal < 0 || signal > 2) {
        PyErr_SetString(PyExc_ValueError, "signal must be 0, 1 or 2");
        return NULL;
    }
    if (w->keys_used > KEY_SLOTS / 2) {  /* keys are few; a flood of new ones starts the table afresh */
        for (size_t i = 0; i < KEY_SLOTS; i++)
            key_clear(&w->keys[i]);
        w->keys_used = 0;
    }
    Req r;
    memset(&r, 0, sizeof r);
    r.w = w;
    r.buf = (const uint8_t *)PyBytes_AS_STRING(args[1]);
    r.len = (size_t)PyBytes_GET_SIZE(args[1]);
    PyObject *data = args[1];
    Py_INCREF(data);
    int rc = buf_grow(&r.out, r.len + 256);
    if (rc == OK)
        rc = walk_request(&r, signal);
    if (rc == OK)
        rc = merge_tallies(&r);
    PyObject *result = NULL;
    if (rc == OK) {
        PyObject *out = PyBytes_FromStringAndSize((const char *)r.out.p, (Py_ssize_t)r.out.n);
        if (out != NULL) {
            result = Py_BuildValue("(Nll)", out, r.changed, r.records);
        }
    }
    else if (rc == BAIL)
        result = Py_NewRef(Py_False);
    else if (rc == NONCANON)
        result = Py_NewRef(Py_None);
    Py_DECREF(data);
    PyMem_Free(r.out.p);
    PyMem_Free(r.scratch.p);
    PyMem_Free(r.url.p);
    Py_XDECREF(r.tallies);
    for (size_t i = 0; i < r.n_overflow; i++)
        key_clear(&r.overflow[i]);
    PyMem_Free(r.overflow);
    return result;
}

static PyObject *
get_bytes_item(PyObject *d, const char *name)
{
    PyObject *v = PyDict_GetItemString(d, name);
    if (v == NULL) {
        PyErr_Format(PyExc_KeyError, "wire engine: native[%s]", name);
        return NULL;
    }
    return v;
}

static int
Walker_init(Walker *w, PyObject *args, PyObject *kwds)
{
    PyObject *engine, *wire_error;
    if (!PyArg_ParseTuple(args, "OO", &engine, &wire_error))
        return -1;
    w->engine = Py_NewRef(engine);
    w->wire_error = Py_NewRef(wire_error);
#define METHOD(field, name) if ((w->field = PyObject_GetAttrString(engine, name)) == NULL) return -1;
    METHOD(m_key, "key");
    METHOD(m_str_value, "str_value");
    METHOD(m_any_value, "any_value");
    METHOD(m_name, "name");
    METHOD(m_text, "text");
    METHOD(m_body, "body");
    METHOD(m_resource, "resource");
    METHOD(m_scope, "scope");
    METHOD(m_merge, "merge_actions");
    METHOD(m_hash_key, "hash_key");
    METHOD(m_url_host, "url_host");
    METHOD(m_url_segment, "url_segment");
    METHOD(m_url_query_key, "url_query_key");
    METHOD(m_holds_statement, "holds_statement");
    METHOD(bound_plan, "bound_plan");
#undef METHOD
    PyObject *v0;
    if ((v0 = PyObject_GetAttrString(engine, "summary_count")) == NULL)
        return -1;
    w->summary_count = (int)PyLong_AsLong(v0);
    Py_DECREF(v0);
    if ((v0 = PyObject_GetAttrString(engine, "summary_policy_record")) == NULL)
        return -1;
    w->summary_policy_record = PyObject_IsTrue(v0);
    Py_DECREF(v0);
    if ((v0 = PyObject_GetAttrString(engine, "resource_summary")) == NULL)
        return -1;
    w->resource_summary = PyObject_IsTrue(v0);
    Py_DECREF(v0);
    if (PyErr_Occurred())
        return -1;
    PyObject *fp = PyObject_GetAttrString(engine, "fingerprint");
    if (fp == NULL)
        return -1;
    Py_ssize_t n;
    const char *u = PyUnicode_AsUTF8AndSize(fp, &n);
    w->fingerprint_any = u ? str_any(u, n) : NULL;
    Py_DECREF(fp);
    if (w->fingerprint_any == NULL)
        return -1;
    PyObject *native = PyObject_GetAttrString(engine, "native");
    if (native == NULL)
        return -1;
    PyObject *v;
    int rc = -1;
    if ((v = get_bytes_item(native, "replacement")) == NULL)
        goto done;
    w->replacement = Py_NewRef(v);
    if ((w->any_replacement = str_any(PyBytes_AS_STRING(v), PyBytes_GET_SIZE(v))) == NULL)
        goto done;
    if ((v = get_bytes_item(native, "redact")) == NULL)
        goto done;
    w->native_redact = PyObject_IsTrue(v);
    if ((v = get_bytes_item(native, "hash")) == NULL)
        goto done;
    w->native_hash = PyObject_IsTrue(v);
#ifdef WIRE_NO_OPENSSL
    w->native_hash = 0;
#endif
    if ((v = get_bytes_item(native, "prefix")) == NULL)
        goto done;
    w->hash_prefix = Py_NewRef(v);
    if ((v = get_bytes_item(native, "length")) == NULL)
        goto done;
    w->hash_len = (int)PyLong_AsLong(v);
    if ((v = get_bytes_item(native, "ipv4_prefix")) == NULL)
        goto done;
    w->ipv4_prefix = (int)PyLong_AsLong(v);
    if (PyErr_Occurred())
        goto done;
    if ((v = get_bytes_item(native, "max_len")) == NULL)
        goto done;
    w->max_len = PyLong_AsSsize_t(v);
    if (PyErr_Occurred())
        goto done;
    {
        PyObject *nu = PyObject_GetAttrString(engine, "native_url");
        if (nu == NULL)
            goto done;
        PyObject *keep = PyDict_GetItemString(nu, "keep");
        PyObject *repl = PyDict_GetItemString(nu, "replacement"), *id = PyDict_GetItemString(nu, "id_placeholder");
        PyObject *tp = PyDict_GetItemString(nu, "template_paths"), *df = PyDict_GetItemString(nu, "drop_fragment");
        int bad = keep == NULL || !PyTuple_Check(keep) || repl == NULL || !PyBytes_Check(repl) || id == NULL ||
                  !PyBytes_Check(id) || tp == NULL || df == NULL;
        for (Py_ssize_t i = 0; !bad && i < PyTuple_GET_SIZE(keep); i++)
            bad = !PyBytes_Check(PyTuple_GET_ITEM(keep, i));
        if (!bad) {
            w->url_keep = Py_NewRef(keep);
            w->url_repl = Py_NewRef(repl);
            w->url_id = Py_NewRef(id);
            w->url_template = PyObject_IsTrue(tp);
            w->url_drop_fragment = PyObject_IsTrue(df);
        }
        Py_DECREF(nu);
        if (bad) {
            PyErr_SetString(PyExc_TypeError, "wire engine: native_url");
            goto done;
        }
    }
    {
        PyObject *ns = PyObject_GetAttrString(engine, "native_sql");
        if (ns == NULL)
            goto done;
        PyObject *eng = PyDict_GetItemString(ns, "engine");
        PyObject *sm = PyDict_GetItemString(ns, "summary"), *rel = PyDict_GetItemString(ns, "relationships");
        if (eng != NULL && eng != Py_None && sm != NULL && rel != NULL) {
            const OtelSqlCoreApi *api = PyCapsule_Import(OTEL_SQLCORE_CAPSULE, 0);
            if (api != NULL && api->version == OTEL_SQLCORE_API_VERSION && api->is_engine(eng)) {
                w->sql_api = api;
                w->sql_engine = Py_NewRef(eng);
                w->sql_summary = PyObject_IsTrue(sm);
                w->sql_relationships = PyObject_IsTrue(rel);
            }
            PyErr_Clear();  /* no capsule (an older SQL core): statements go to the engine */
        }
        Py_DECREF(ns);
        if (w->sql_api != NULL && (w->m_sql_dialect = PyObject_GetAttrString(engine, "sql_dialect")) == NULL)
            goto done;
    }
    if (w->hash_len > 64 || PyBytes_GET_SIZE(w->hash_prefix) > 128)
        w->native_hash = 0;
    w->keys = PyMem_Calloc(KEY_SLOTS, sizeof(KeyInfo));
    w->memo = PyMem_Calloc(MEMO_SLOTS, sizeof(MemoSlot));
    if (w->keys == NULL || w->memo == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    w->s_drop = PyUnicode_InternFromString("drop");
    w->s_redact = PyUnicode_InternFromString("redact");
    w->s_hash = PyUnicode_InternFromString("hash");
    w->s_ip = PyUnicode_InternFromString("ip");
    if (!w->s_drop || !w->s_redact || !w->s_hash || !w->s_ip)
        goto done;
    rc = 0;
done:
    Py_DECREF(native);
    return rc;
}

static void
Walker_dealloc(Walker *w)
{
    if (w->keys) {
        for (size_t i = 0; i < KEY_SLOTS; i++)
            key_clear(&w->keys[i]);
        PyMem_Free(w->keys);
    }
    if (w->memo) {
        for (size_t i = 0; i < MEMO_SLOTS; i++)
            memo_clear_slot(&w->memo[i]);
        PyMem_Free(w->memo);
    }
    for (int i = 0; i < 4; i++) {
        Py_XDECREF(w->db_raw[i]);
        Py_XDECREF(w->db_obj[i]);
    }
    Py_XDECREF(w->engine);
    Py_XDECREF(w->wire_error);
    Py_XDECREF(w->m_key);
    Py_XDECREF(w->m_str_value);
    Py_XDECREF(w->m_any_value);
    Py_XDECREF(w->m_name);
    Py_XDECREF(w->m_text);
    Py_XDECREF(w->m_body);
    Py_XDECREF(w->m_resource);
    Py_XDECREF(w->m_scope);
    Py_XDECREF(w->m_merge);
    Py_XDECREF(w->m_hash_key);
    Py_XDECREF(w->m_url_host);
    Py_XDECREF(w->m_url_segment);
    Py_XDECREF(w->m_url_query_key);
    Py_XDECREF(w->m_holds_statement);
    Py_XDECREF(w->bound_plan);
    Py_XDECREF(w->url_repl);
    Py_XDECREF(w->url_id);
    Py_XDECREF(w->url_keep);
    Py_XDECREF(w->sql_engine);
    Py_XDECREF(w->m_sql_dialect);
    Py_XDECREF(w->fingerprint_any);
    Py_XDECREF(w->any_replacement);
    Py_XDECREF(w->replacement);
    Py_XDECREF(w->hash_prefix);
    Py_XDECREF(w->s_drop);
    Py_XDECREF(w->s_redact);
    Py_XDECREF(w->s_hash);
    Py_XDECREF(w->s_ip);
    Py_TYPE(w)->tp_free((PyObject *)w);
}

static PyObject *
Walker_memo_size(Walker *w, PyObject *unused)
{
    long n = 0;
    for (size_t i = 0; i < MEMO_SLOTS; i++)
        n += w->memo[i].blob != NULL;
    return Py_BuildValue("(ll)", n, (long)MEMO_SLOTS);
}

static PyObject *
Walker_native_counts(Walker *w, PyObject *unused)
{
    return Py_BuildValue("{slsl}", "url", w->n_url_native, "sql", w->n_sql_native);
}

static PyMethodDef Walker_methods[] = {
    {"native_counts", (PyCFunction)Walker_native_counts, METH_NOARGS,
     "values decided in C that other builds ask the engine for: {'url': n, 'sql': n}"},
    {"redact", (PyCFunction)(void (*)(void))Walker_redact, METH_FASTCALL,
     "redact(signal, data) -> (bytes, changed, records), None (normalise first) or False (use the Python walker)"},
    {"memo_size", (PyCFunction)Walker_memo_size, METH_NOARGS, "(entries in use, slots): the memo is bounded"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject WalkerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "otel_privacy._wirecore.Walker",
    .tp_basicsize = sizeof(Walker),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Walker(engine, wire_error): the C face of otel_privacy.wire's walker",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Walker_init,
    .tp_dealloc = (destructor)Walker_dealloc,
    .tp_methods = Walker_methods,
};

#include "_wirespan.h"  /* span_request / span_result: PrivacySpanProcessor's way onto the walker */

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "_wirecore", "The compiled face of otel_privacy.wire.", -1, WIRESPAN_METHODS,
};

PyMODINIT_FUNC
PyInit__wirecore(void)
{
    if (PyType_Ready(&WalkerType) < 0)
        return NULL;
    S_COUNT_KEY = PyBytes_FromString("otel_privacy.redacted.count");
    S_POLICY_KEY = PyBytes_FromString("otel_privacy.policy");
    S_SUMMARY_KEY = PyUnicode_InternFromString("db.query.summary");
    S_OPERATION_KEY = PyUnicode_InternFromString("db.operation.name");
    S_COLLECTION_KEY = PyUnicode_InternFromString("db.collection.name");
    B_SUMMARY_KEY = PyBytes_FromString("db.query.summary");
    B_OPERATION_KEY = PyBytes_FromString("db.operation.name");
    B_COLLECTION_KEY = PyBytes_FromString("db.collection.name");
    if (!S_SUMMARY_KEY || !S_OPERATION_KEY || !S_COLLECTION_KEY || !B_SUMMARY_KEY || !B_OPERATION_KEY ||
        !B_COLLECTION_KEY)
        return NULL;
    if (S_COUNT_KEY == NULL || S_POLICY_KEY == NULL)
        return NULL;
    PyObject *m = PyModule_Create(&moduledef);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "Walker", (PyObject *)&WalkerType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
#ifdef WIRE_NO_OPENSSL
    PyModule_AddIntConstant(m, "NATIVE_HMAC", 0);
#else
    PyModule_AddIntConstant(m, "NATIVE_HMAC", 1);
#endif
    return m;
}
