/* SQL obfuscation and summaries in C: the passes of otel_privacy.scrub.sql, one for one.
 *
 * sql.py is the reference (and the fallback where this is not built; the tests run both and compare them
 * on generated statements): scan (one hand-written scanner per reading), union (mask whatever any reading
 * hides where the readings disagree), classify ("…" as a name or a string), emit (literals → ?), collapse
 * (IN lists, VALUES rows) and the summary. Each function is named after its Python twin and follows it step
 * by step; where Python asks a regex, this loops over the same character set.
 *
 * The passes over characters live in _sqlcore_impl.h, compiled twice: for Py_UCS1 (statements of PyUnicode's
 * 1-byte kind — ASCII and Latin-1, nearly all SQL — read where they lie, without a copy) and for Py_UCS4 (the
 * others, copied once). The obfuscated statement is built in the same width.
 *
 * The reading tables stay in Python (sql._DIALECT_READINGS is passed in), so there is one source for them;
 * the keyword tables are here, and keyword_sets() hands them back for a test that compares them with sql.py's.
 *
 *   Engine(dialects, options, relationships, max_length, cache_size, SqlResult, FAILED).obfuscate(text, dialect)
 *       SqlObfuscator.obfuscate in one call: the statement cache (raw statement → result), the passes, the shape
 *       cache (obfuscated statement → result: a known shape with fresh literals costs the passes and a hash of
 *       the output, no str is made) and, for a new shape, the summary and the SqlResult. Both caches are bounded
 *       LRUs (entries and characters). Never raises: a failure is FAILED, counted in Engine.errors.
 *       The same call is exported for other extensions as a capsule (_sqlcore_api.h), for the wire core.
 *   tokenize(text, readings, dq_mode, options) -> (statement, tokens packed as int32 (kind, offset, length))
 *   summarize(statement, tokens, relationships[, objects]) -> (operation, tables, summary, joins)
 *       the passes alone, for tests. The summary is computed without Python objects in between (summary_native)
 *       where its fixed arrays suffice and names are Latin-1, else with them (summary_of; `objects` forces it).
 * Never reads or writes outside its buffers on any input; errors inside are Python exceptions (MemoryError,
 * a ValueError for 2**30 characters or more), which the engine turns into FAILED (fail closed).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>  /* (PyMemberDef: the offsets of SqlResult's slots) */
#undef T_STRING  /* (ours is a token kind) */
#include <stdint.h>
#include <string.h>

#include "_sqlcore_api.h"


/* reading flags (sql.BS … sql.DQS) */
#define F_BS 1
#define F_EBS 2
#define F_NEST 4
#define F_HASH 8
#define F_SLASH2 16
#define F_DOLLAR 32
#define F_DTAG 64
#define F_QQ 128
#define F_TRIPLE 256
#define F_BRACKET 512
#define F_DQS 1024

/* token kinds (sql.T_*) and output token kinds (sql.O_*) */
enum { T_WS, T_WORD, T_NUMBER, T_STRING, T_COMMENT, T_DQ, T_QIDENT, T_PARAM, T_OP };
enum { O_WS, O_WORD, O_Q, O_PARAM, O_IDENT, O_OP, O_COMMENT };
enum { DQ_NAME, DQ_STRING, DQ_CLASSIFY };

/* tokenize() options */
#define OPT_COLLAPSE 1
#define OPT_BOOLEANS 2
#define OPT_KEEP_COMMENTS 4

/* -- growable arrays ------------------------------------------------------------------------------ */
/* int32 offsets: tokenize() refuses statements of 2 GiB or more (a ValueError: the caller fails closed) */
typedef struct { int32_t kind, s, e; } Tok;
typedef struct { Tok *v; Py_ssize_t n, cap; } Toks;

/* Room for one more element of `size` bytes in *v (n used of *cap), doubling. (The callers test n == cap
 * first: the common case costs a comparison, not a call.) */
static int
grow(void **v, Py_ssize_t n, Py_ssize_t *cap, size_t size)
{
    if (n < *cap)
        return 0;
    Py_ssize_t c = *cap ? *cap * 2 : 64;
    void *p = PyMem_Realloc(*v, (size_t)c * size);
    if (p == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *v = p;
    *cap = c;
    return 0;
}

static inline int
toks_push(Toks *t, int kind, Py_ssize_t s, Py_ssize_t e)
{
    if (t->n == t->cap && grow((void **)&t->v, t->n, &t->cap, sizeof(Tok)) < 0)
        return -1;
    t->v[t->n++] = (Tok){kind, (int32_t)s, (int32_t)e};
    return 0;
}

static void
toks_free(Toks *t)
{
    PyMem_Free(t->v);
    t->v = NULL;
    t->n = t->cap = 0;
}

/* -- character classes (sql._CLASS and the runs) --------------------------------------------------- */
/* ASCII classes, a table (filled at import); every code point >= 128 is a word character */
enum { CL_WS = 1, CL_ALPHA = 2, CL_DIGIT = 4, CL_WORDX = 8, CL_HEX = 16, CL_TRIGGER = 32 };
static unsigned char CLS[128];

static void
classes_init(void)
{
    for (int c = 0; c < 128; c++) {
        unsigned char k = 0;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
            k |= CL_WS;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
            k |= CL_ALPHA;
        if (c >= '0' && c <= '9')
            k |= CL_DIGIT;
        if (c == '_' || c == '$')
            k |= CL_WORDX;
        if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
            k |= CL_HEX;
        if (c && strchr("\\/#$qQ'\"[", c) != NULL)
            k |= CL_TRIGGER;  /* a character relevant_flags looks at */
        CLS[c] = k;
    }
}

static inline int is_ws(Py_UCS4 c) { return c < 128 && (CLS[c] & CL_WS); }
static inline int is_alpha(Py_UCS4 c) { return c < 128 && (CLS[c] & CL_ALPHA); }
static inline int is_digit(Py_UCS4 c) { return c >= '0' && c <= '9'; }
static inline int is_hex(Py_UCS4 c) { return c < 128 && (CLS[c] & CL_HEX); }
/* sql._is_word_char */
static inline int is_word_char(Py_UCS4 c) { return c >= 128 || (CLS[c] & (CL_ALPHA | CL_DIGIT | CL_WORDX)); }
/* _WORD_RUN ('#' continues a word unless it starts a comment) and _WORD_RUN_NOHASH */
static inline int word_cont(Py_UCS4 c, int hash) { return is_word_char(c) || (!hash && c == '#'); }
/* _TAG_RUN */
static inline int tag_char(Py_UCS4 c) { return c >= 128 || (CLS[c] & (CL_ALPHA | CL_DIGIT)) || c == '_'; }
static inline Py_UCS4 ascii_up(Py_UCS4 c) { return (c >= 'a' && c <= 'z') ? c - 32 : c; }

/* A keyword list with each keyword's length, and a mask of the lengths present (most words are rejected by it) */
typedef struct { const char *const *w; unsigned char len[64]; uint64_t mask; } Kws;

static void
kws_init(Kws *k)
{
    for (int i = 0; k->w[i] != NULL; i++) {
        k->len[i] = (unsigned char)strlen(k->w[i]);
        k->mask |= (uint64_t)1 << k->len[i];
    }
}

/* -- ambiguity (sql.union) ------------------------------------------------------------------------------ */
static inline int maskable(int k) { return k == T_NUMBER || k == T_STRING || k == T_COMMENT || k == T_DQ; }

typedef struct { Py_ssize_t s, e; int k; } Span;

static int
span_cmp(const void *a, const void *b)
{
    const Span *x = a, *y = b;
    if (x->s != y->s)
        return x->s < y->s ? -1 : 1;
    if (x->e != y->e)
        return x->e < y->e ? -1 : 1;
    return (x->k > y->k) - (x->k < y->k);
}

/* index of the last base token starting at or before pos (bisect_right(starts, pos) - 1) */
static Py_ssize_t
token_at(const Toks *base, Py_ssize_t pos)
{
    Py_ssize_t lo = 0, hi = base->n;
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi) / 2;
        if (pos < base->v[mid].s)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo - 1;
}

/* Replaces *base (streams[0]) by the union of the streams. */
static int
union_streams(Toks *streams, int count, Toks *out)
{
    const Toks *base = &streams[0];
    Py_ssize_t m = 0;
    for (int r = 0; r < count; r++)
        for (Py_ssize_t i = 0; i < streams[r].n; i++)
            if (maskable(streams[r].v[i].kind))
                m++;
    Span *spans = PyMem_Malloc((size_t)(m ? m : 1) * sizeof(Span));
    Span *regions = PyMem_Malloc((size_t)(m ? m : 1) * sizeof(Span));
    if (spans == NULL || regions == NULL) {
        PyMem_Free(spans);
        PyMem_Free(regions);
        PyErr_NoMemory();
        return -1;
    }
    m = 0;
    for (int r = 0; r < count; r++)
        for (Py_ssize_t i = 0; i < streams[r].n; i++) {
            Tok t = streams[r].v[i];
            if (maskable(t.kind)) {
                spans[m].s = t.s;
                spans[m].e = t.e;
                spans[m].k = t.kind;
                m++;
            }
        }
    qsort(spans, (size_t)m, sizeof(Span), span_cmp);
    Py_ssize_t nreg = 0, i = 0;
    while (i < m) {
        Py_ssize_t s = spans[i].s, e = spans[i].e, j = i + 1;
        int all_comments = spans[i].k == T_COMMENT;
        while (j < m && spans[j].s < e) {
            if (spans[j].e > e)
                e = spans[j].e;
            all_comments = all_comments && spans[j].k == T_COMMENT;
            j++;
        }
        int agreed = j - i == count;
        for (Py_ssize_t x = i + 1; agreed && x < j; x++)
            if (span_cmp(&spans[x], &spans[i]) != 0)
                agreed = 0;
        if (!agreed) {
            Py_ssize_t first = token_at(base, s), last = token_at(base, e - 1);
            s = base->v[first].s;
            e = base->v[last].e;
            int kind = all_comments ? T_COMMENT : T_STRING;
            if (nreg && s < regions[nreg - 1].e) {
                Span *prev = &regions[nreg - 1];
                if (e > prev->e)
                    prev->e = e;
                if (kind == T_STRING)
                    prev->k = T_STRING;
            }
            else {
                regions[nreg].s = s;
                regions[nreg].e = e;
                regions[nreg].k = kind;
                nreg++;
            }
        }
        i = j;
    }
    PyMem_Free(spans);
    Py_ssize_t r = 0;
    for (Py_ssize_t x = 0; x < base->n; x++) {
        Tok t = base->v[x];
        while (r < nreg && regions[r].e <= t.s)
            r++;
        if (r < nreg && regions[r].s <= t.s) {
            if (regions[r].s == t.s && toks_push(out, regions[r].k, regions[r].s, regions[r].e) < 0) {
                PyMem_Free(regions);
                return -1;
            }
            continue;
        }
        if (toks_push(out, t.kind, t.s, t.e) < 0) {
            PyMem_Free(regions);
            return -1;
        }
    }
    PyMem_Free(regions);
    return 0;
}

/* -- keyword tables (the frozensets of sql.py; keyword_sets() returns them for a comparison test) ----- */
static const char *const NAME_AFTER[] = {"FROM", "JOIN", "INTO", "UPDATE", "TABLE", "AS", "INDEX", "VIEW", "REFERENCES",
                                         "EXISTS", "ONLY", "WITH", "RECURSIVE", "TRUNCATE", "DATABASE", "SCHEMA", NULL};
static const char *const NAMELIST_AFTER[] = {"KEY", "UNIQUE", "CONFLICT", "USING", NULL};
static const char *const TABLE_KW[] = {"INTO", "TABLE", "REFERENCES", NULL};
static const char *const CLAUSES[] = {"SELECT", "FROM", "WHERE", "SET", "GROUP", "ORDER", "HAVING", "VALUES", "JOIN",
                                      "ON", "USING", "LIMIT", "RETURNING", "INTO", "UPDATE", "WINDOW", "UNION",
                                      "EXCEPT", "INTERSECT", NULL};
static const char *const SIGN_KEYWORDS[] = {"AND", "OR", "NOT", "BETWEEN", "WHERE", "THEN", "ELSE", "WHEN", "SELECT",
                                            "RETURN", "IN", "IS", "LIKE", "VALUES", "SET", "LIMIT", "OFFSET", "BY",
                                            "ON", "HAVING", "CASE", "DEFAULT", "INTERVAL", "TOP", "ALL", "ANY",
                                            "SOME", "EXISTS", NULL};
static const char *const OPERATIONS[] = {"SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "REPLACE",
                                         "CREATE", "DROP", "ALTER", "TRUNCATE", "CALL", "EXEC", "EXECUTE", "BEGIN",
                                         "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "SET", "SHOW", "GRANT",
                                         "REVOKE", "DESCRIBE", "EXPLAIN", "COPY", "VACUUM", "ANALYZE", "PRAGMA", "USE",
                                         "LOCK", "START", "DECLARE", "FETCH", "CLOSE", "PREPARE", "DEALLOCATE",
                                         "LISTEN", "NOTIFY", "REFRESH", "BATCH", NULL};
static const char *const RESERVED_OPERATIONS[] = {"SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", NULL};
static const char *const TARGET_KW[] = {"FROM", "JOIN", "INTO", "UPDATE", "TABLE", NULL};
static const char *const KEYWORD_SET[] = {"SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "FROM", "JOIN", "INTO",
                                          "TABLE", "USING", NULL};
static const char *const USING_OPERATIONS[] = {"MERGE", "DELETE", NULL};
static const char *const SKIP_AFTER_TARGET_KW[] = {"ONLY", "IF", "NOT", "EXISTS", "LATERAL", "TEMPORARY", "TEMP",
                                                   "UNLOGGED", "LOW_PRIORITY", "IGNORE", "DELAYED", "HIGH_PRIORITY",
                                                   "QUICK", NULL};
static const char *const NOT_TABLES[] = {"SELECT", "VALUES", "SET", "WHERE", "DUAL", "UNNEST", "GENERATE_SERIES",
                                         "LATERAL", "JSON_TABLE", "TABLE", NULL};
static const char *const ALIAS_STOP[] = {"WHERE", "JOIN", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "OUTER", "ON",
                                         "USING", "SET", "VALUES", "GROUP", "ORDER", "LIMIT", "HAVING", "UNION",
                                         "SELECT", "RETURNING", "NATURAL", "OFFSET", "FOR", "WINDOW", "DEFAULT",
                                         "EXCEPT", "INTERSECT", "AS", "USE", "FORCE", "WITH", "STRAIGHT_JOIN",
                                         "PARTITION", "TABLESAMPLE", "DO", NULL};
static const char *const NOT_KEYWORD_AFTER[] = {"FOR", "ON", "KEY", "NO", NULL};
static const char *const STRING_PREFIXES[] = {"N", "E", "X", "B", "NQ", NULL};

/* (the lists with their lengths: kws_init at import) */
static Kws K_NAME_AFTER = {NAME_AFTER, {0}, 0};
static Kws K_NAMELIST_AFTER = {NAMELIST_AFTER, {0}, 0};
static Kws K_TABLE_KW = {TABLE_KW, {0}, 0};
static Kws K_CLAUSES = {CLAUSES, {0}, 0};
static Kws K_SIGN_KEYWORDS = {SIGN_KEYWORDS, {0}, 0};
static Kws K_OPERATIONS = {OPERATIONS, {0}, 0};
static Kws K_RESERVED_OPERATIONS = {RESERVED_OPERATIONS, {0}, 0};
static Kws K_TARGET_KW = {TARGET_KW, {0}, 0};
static Kws K_KEYWORD_SET = {KEYWORD_SET, {0}, 0};
static Kws K_USING_OPERATIONS = {USING_OPERATIONS, {0}, 0};
static Kws K_SKIP_AFTER_TARGET_KW = {SKIP_AFTER_TARGET_KW, {0}, 0};
static Kws K_NOT_TABLES = {NOT_TABLES, {0}, 0};
static Kws K_ALIAS_STOP = {ALIAS_STOP, {0}, 0};
static Kws K_NOT_KEYWORD_AFTER = {NOT_KEYWORD_AFTER, {0}, 0};
static Kws K_STRING_PREFIXES = {STRING_PREFIXES, {0}, 0};

/* -- obfuscation (sql.emit) ----------------------------------------------------------------------------- */
/* An output token: kind and a slice of the output buffer. */
typedef struct { int32_t kind, off, len; } OTok;
typedef struct { OTok *v; Py_ssize_t n, cap; } OToks;

static inline int
otoks_push(OToks *t, int kind, Py_ssize_t off, Py_ssize_t len)
{
    if (t->n == t->cap && grow((void **)&t->v, t->n, &t->cap, sizeof(OTok)) < 0)
        return -1;
    t->v[t->n++] = (OTok){kind, (int32_t)off, (int32_t)len};
    return 0;
}

enum { LEVEL_QUERY, LEVEL_EXPR, LEVEL_NAMES };
enum { CLAUSE_NONE, CLAUSE_FROM, CLAUSE_SET, CLAUSE_OTHER };

/* -- the passes over the characters, in two widths (_sqlcore_impl.h) -------------------------------------- */
#define SQ_CH Py_UCS1
#define SQ(name) name##_1
#include "_sqlcore_impl.h"
#undef SQ_CH
#undef SQ
#define SQ_CH Py_UCS4
#define SQ(name) name##_4
#include "_sqlcore_impl.h"
#undef SQ_CH
#undef SQ
typedef Py_UCS4 ch;  /* (below: statements of 2- and 4-byte kinds, and the summary's Python-object path) */

/* The statement as a UCS-4 array: into small (n < 1024) or a new block (*s != small: free it). */
static ch *
ucs4_of(PyObject *text, ch *small)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (n >= INT32_MAX / 2) {  /* (the output, with "(?)" added, must fit int32 offsets too) */
        PyErr_SetString(PyExc_ValueError, "tokenize: statement too long");
        return NULL;
    }
    return n < 1024 ? PyUnicode_AsUCS4(text, small, 1024, 0) : PyUnicode_AsUCS4Copy(text);
}

/* tokenize(text, readings, dq_mode, options) -> (statement, tokens packed as int32 (kind, offset, length)) */
static PyObject *
tokenize(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4 || !PyUnicode_Check(args[0]) || !PyTuple_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "tokenize(text: str, readings: tuple[int, ...], dq_mode: int, options: int)");
        return NULL;
    }
    int dq_mode = PyLong_AsLong(args[2]);
    long options = PyLong_AsLong(args[3]);
    if (PyErr_Occurred())
        return NULL;
    Py_ssize_t nread = PyTuple_GET_SIZE(args[1]);
    if (nread < 1 || nread > MAX_READINGS) {
        PyErr_SetString(PyExc_ValueError, "tokenize: 1 to 64 readings");
        return NULL;
    }
    int readings[MAX_READINGS];
    for (Py_ssize_t r = 0; r < nread; r++) {
        long flags = PyLong_AsLong(PyTuple_GET_ITEM(args[1], r));
        if (flags == -1 && PyErr_Occurred())
            return NULL;
        readings[r] = (int)flags;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(args[0]);
    if (n >= INT32_MAX / 2) {  /* (the output, with "(?)" added, must fit int32 offsets too) */
        PyErr_SetString(PyExc_ValueError, "tokenize: statement too long");
        return NULL;
    }
    PyObject *result = NULL, *statement = NULL, *packed = NULL;
    ch small[1024], *s = NULL;
    Obf_1 o1 = {0};
    Obf_4 o4 = {0};
    const OToks *toks;
    if (PyUnicode_KIND(args[0]) == PyUnicode_1BYTE_KIND) {  /* scanned where it lies */
        if (obfuscate_tokens_1(PyUnicode_1BYTE_DATA(args[0]), n, readings, (int)nread, dq_mode, options, &o1) < 0)
            goto done;
        statement = str_of_1(o1.text.v != NULL ? o1.text.v : SPACE_1, o1.text.n);
        toks = &o1.toks;
    }
    else {
        if ((s = ucs4_of(args[0], small)) == NULL)
            goto done;
        if (obfuscate_tokens_4(s, n, readings, (int)nread, dq_mode, options, &o4) < 0)
            goto done;
        statement = str_of_4(o4.text.v != NULL ? o4.text.v : SPACE_4, o4.text.n);
        toks = &o4.toks;
    }
    if (statement == NULL)
        goto done;
    packed = PyBytes_FromStringAndSize(NULL, toks->n * (Py_ssize_t)sizeof(OTok));
    if (packed == NULL)
        goto done;
    if (toks->n)
        memcpy(PyBytes_AS_STRING(packed), toks->v, (size_t)toks->n * sizeof(OTok));
    result = PyTuple_Pack(2, statement, packed);
done:
    Py_XDECREF(statement);
    Py_XDECREF(packed);
    obf_free_1(&o1);
    obf_free_4(&o4);
    if (s != NULL && s != small)
        PyMem_Free(s);
    return result;
}

/* -- summary (sql._summarize) ----------------------------------------------------------------------------- */
typedef struct {
    const ch *s;         /* the statement */
    Py_ssize_t n;        /* significant tokens */
    const int32_t *kind, *off, *len;
    char *after_dot;
} Sig;

static inline int sig_op(const Sig *g, Py_ssize_t i, ch c)
{
    return i < g->n && g->kind[i] == O_OP && g->len[i] == 1 && g->s[g->off[i]] == c;
}
static inline int sig_word_in(const Sig *g, Py_ssize_t i, const Kws *kws)
{
    return i < g->n && g->kind[i] == O_WORD && word_in_4(g->s, g->off[i], g->off[i] + g->len[i], kws);
}
static inline int sig_word_is(const Sig *g, Py_ssize_t i, const char *kw)
{
    return i < g->n && g->kind[i] == O_WORD && word_eq_4(g->s, g->off[i], g->off[i] + g->len[i], kw);
}
static inline int sig_ident(const Sig *g, Py_ssize_t i)
{
    return i < g->n && (g->kind[i] == O_IDENT || g->kind[i] == O_WORD);
}

/* sql._unquote of token i: appended to b */
static int
add_unquoted(const Sig *g, Py_ssize_t i, Buf_4 *b)
{
    const ch *p = g->s + g->off[i];
    Py_ssize_t len = g->len[i];
    if (len && (p[0] == '"' || p[0] == '`' || p[0] == '['))
        return len >= 2 ? buf_add_4(b, p + 1, len - 2) : 0;
    return buf_add_4(b, p, len);
}

static PyObject *
buf_str(const Buf_4 *b)
{
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, b->v ? b->v : SPACE_4, b->n);
}

/* sql._qualified: the name (unquoted parts joined by dots) as a new str in *name, the index after it; -1 if
 * no name starts at i (and *name NULL). -2: an error. */
static Py_ssize_t
qualified(const Sig *g, Py_ssize_t i, PyObject **name)
{
    *name = NULL;
    if (!sig_ident(g, i))
        return -1;
    Buf_4 b = {0};
    if (add_unquoted(g, i, &b) < 0)
        goto fail;
    i++;
    while (i + 1 < g->n && sig_op(g, i, '.') && sig_ident(g, i + 1)) {
        if (buf_addc_4(&b, '.') < 0 || add_unquoted(g, i + 1, &b) < 0)
            goto fail;
        i += 2;
    }
    *name = buf_str(&b);
    PyMem_Free(b.v);
    return *name == NULL ? -2 : i;
fail:
    PyMem_Free(b.v);
    return -2;
}

/* sql._target: the table at i; returns the index after name and alias, -1 if none, -2 on error */
static Py_ssize_t
target(const Sig *g, Py_ssize_t i, PyObject **name, Py_ssize_t *alias)
{
    *alias = -1;
    while (i + 1 < g->n && sig_word_in(g, i, &K_SKIP_AFTER_TARGET_KW) && sig_ident(g, i + 1)
           && !word_in_4(g->s, g->off[i + 1], g->off[i + 1] + g->len[i + 1], &K_ALIAS_STOP))
        i++;
    Py_ssize_t j = qualified(g, i, name);
    if (j < 0)
        return j;
    if (j == i + 1 && sig_word_in(g, i, &K_NOT_TABLES)) {
        Py_CLEAR(*name);
        return -1;
    }
    Py_ssize_t k = sig_word_is(g, j, "AS") ? j + 1 : j;
    if (sig_ident(g, k) && !sig_word_in(g, k, &K_ALIAS_STOP)) {
        *alias = k;
        return k + 1;
    }
    return j;
}

static PyObject *
upper_str(const Sig *g, Py_ssize_t i)
{
    Buf_4 b = {0};
    for (Py_ssize_t x = 0; x < g->len[i]; x++)
        if (buf_addc_4(&b, ascii_up(g->s[g->off[i] + x])) < 0) {
            PyMem_Free(b.v);
            return NULL;
        }
    PyObject *r = buf_str(&b);
    PyMem_Free(b.v);
    return r;
}

static PyObject *
lower_of(PyObject *str)
{
    return PyObject_CallMethod(str, "lower", NULL);
}

/* sql._ctes */
static int
ctes_of(const Sig *g, PyObject *names)
{
    for (Py_ssize_t i = 0; i < g->n; i++) {
        int is_with = sig_word_is(g, i, "WITH");
        if (!is_with && !sig_op(g, i, ','))
            continue;
        Py_ssize_t j = i + 1;
        if (is_with && sig_word_is(g, j, "RECURSIVE"))
            j++;
        if (!sig_ident(g, j))
            continue;
        Py_ssize_t name = j++;
        if (sig_op(g, j, '(')) {
            Py_ssize_t k = j + 1;
            while (k < g->n && !sig_op(g, k, '(') && !sig_op(g, k, ')'))
                k++;
            if (!sig_op(g, k, ')'))
                continue;
            j = k + 1;
        }
        if (!sig_word_is(g, j, "AS"))
            continue;
        j++;
        if (sig_word_is(g, j, "NOT"))
            j++;
        if (sig_word_is(g, j, "MATERIALIZED"))
            j++;
        if (sig_op(g, j, '(')) {
            Buf_4 b = {0};
            if (add_unquoted(g, name, &b) < 0) {
                PyMem_Free(b.v);
                return -1;
            }
            PyObject *str = buf_str(&b);
            PyMem_Free(b.v);
            PyObject *low = str ? lower_of(str) : NULL;
            Py_XDECREF(str);
            if (low == NULL || PySet_Add(names, low) < 0) {
                Py_XDECREF(low);
                return -1;
            }
            Py_DECREF(low);
        }
    }
    return 0;
}

/* sql._join's resolve(col) */
static PyObject *
resolve(PyObject *col, PyObject *aliases)
{
    Py_ssize_t len = PyUnicode_GET_LENGTH(col);
    Py_ssize_t dot = PyUnicode_FindChar(col, '.', 0, len, -1);
    if (dot == -2)
        return NULL;
    if (dot <= 0) {  /* no owner ("" before a leading dot counts as none) */
        if (dot < 0) {
            Py_INCREF(col);
            return col;
        }
        return PyUnicode_Substring(col, 1, len);
    }
    PyObject *owner = PyUnicode_Substring(col, 0, dot);
    PyObject *column = PyUnicode_Substring(col, dot + 1, len);
    PyObject *low = owner ? lower_of(owner) : NULL;
    PyObject *r = NULL;
    if (column != NULL && low != NULL) {
        PyObject *table = PyDict_GetItemWithError(aliases, low);
        if (table != NULL || !PyErr_Occurred())
            r = PyUnicode_FromFormat("%U.%U", table != NULL ? table : owner, column);
    }
    Py_XDECREF(owner);
    Py_XDECREF(column);
    Py_XDECREF(low);
    return r;
}

static int
str_in(PyObject *str, const char *const *kws)
{
    for (; *kws != NULL; kws++)
        if (PyUnicode_CompareWithASCIIString(str, *kws) == 0)
            return 1;
    return 0;
}

static PyObject *
unique_tuple(PyObject *list)
{
    PyObject *d = PyDict_New();
    if (d == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); i++)
        if (PyDict_SetItem(d, PyList_GET_ITEM(list, i), Py_None) < 0) {
            Py_DECREF(d);
            return NULL;
        }
    PyObject *keys = PyDict_Keys(d);
    Py_DECREF(d);
    if (keys == NULL)
        return NULL;
    PyObject *t = PyList_AsTuple(keys);
    Py_DECREF(keys);
    return t;
}

#define CHECK(x) do { if ((x) < 0) goto done; } while (0)
#define CHECKP(x) do { if ((x) == NULL) goto done; } while (0)

/* (operation, tables, summary, joins) of the obfuscated statement s and its ntok tokens */
static PyObject *
summary_of(const ch *s, const OTok *toks, Py_ssize_t ntok, int relationships)
{
    PyObject *result = NULL, *parts = NULL, *tables = NULL, *joins = NULL, *ctes = NULL, *aliases = NULL;
    PyObject *first_op = NULL, *name = NULL, *dedup = NULL;
    int32_t *kind = PyMem_Malloc((size_t)(ntok + 1) * 3 * sizeof(int32_t));
    char *after_dot = PyMem_Malloc((size_t)ntok + 1);
    if (kind == NULL || after_dot == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Sig g = {s, 0, kind, kind + ntok + 1, kind + 2 * (ntok + 1), after_dot};
    int32_t *gk = kind, *go = kind + ntok + 1, *gl = kind + 2 * (ntok + 1);
    int prev_dot = 0;
    for (Py_ssize_t x = 0; x < ntok; x++) {
        int32_t k = toks[x].kind, o = toks[x].off, l = toks[x].len;
        if (k != O_WS && k != O_COMMENT) {
            gk[g.n] = k;
            go[g.n] = o;
            gl[g.n] = l;
            after_dot[g.n] = (char)prev_dot;
            g.n++;
        }
        prev_dot = k == O_OP && l == 1 && s[o] == '.';
    }
    Py_ssize_t n = g.n;
    if (!n) {
        result = Py_BuildValue("(O()O())", Py_None, Py_None);
        goto done;
    }
    CHECKP(parts = PyList_New(0));
    CHECKP(tables = PyList_New(0));
    CHECKP(joins = PyList_New(0));
    CHECKP(ctes = PySet_New(NULL));
    CHECKP(aliases = PyDict_New());
    for (Py_ssize_t i = 0; i < n; i++)
        if (sig_word_is(&g, i, "WITH")) {
            CHECK(ctes_of(&g, ctes));
            break;
        }
    int have_ctes = PySet_GET_SIZE(ctes) > 0;
    Py_ssize_t first = sig_op(&g, 0, '(') ? 1 : 0;
    if (first < n && sig_word_in(&g, first, &K_OPERATIONS) && !sig_word_in(&g, first, &K_KEYWORD_SET)) {
        CHECKP(first_op = upper_str(&g, first));  /* BEGIN, CALL, EXEC, SET, SHOW, ... only as the first word */
        CHECK(PyList_Append(parts, first_op));
        if (sig_word_is(&g, first, "CALL") || sig_word_is(&g, first, "EXEC") || sig_word_is(&g, first, "EXECUTE")) {
            Py_ssize_t alias, next = target(&g, first + 1, &name, &alias);
            if (next == -2)
                goto done;
            if (next >= 0) {
                CHECK(PyList_Append(parts, name));
                CHECK(PyList_Append(tables, name));
                Py_CLEAR(name);
            }
        }
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (gk[i] != O_WORD || gl[i] > 6 || !sig_word_in(&g, i, &K_KEYWORD_SET) || after_dot[i])
            continue;
        if (i && sig_word_in(&g, i - 1, &K_NOT_KEYWORD_AFTER))
            continue;
        int using = sig_word_is(&g, i, "USING");
        if (using && (first_op == NULL || !str_in(first_op, USING_OPERATIONS)))
            continue;
        if (sig_word_in(&g, i, &K_RESERVED_OPERATIONS)) {
            PyObject *op = upper_str(&g, i);
            CHECKP(op);
            if (first_op == NULL) {
                first_op = op;
                Py_INCREF(op);
            }
            int rc = PyList_Append(parts, op);
            Py_DECREF(op);
            CHECK(rc);
        }
        if (!(sig_word_in(&g, i, &K_TARGET_KW) || using))
            continue;
        int from = sig_word_is(&g, i, "FROM");
        Py_ssize_t pos = i + 1;
        for (;;) {
            Py_ssize_t alias;
            pos = target(&g, pos, &name, &alias);
            if (pos == -2)
                goto done;
            if (pos < 0)
                break;
            int cte = 0;
            if (have_ctes) {
                PyObject *low = lower_of(name);
                CHECKP(low);
                cte = PySet_Contains(ctes, low);
                Py_DECREF(low);
                CHECK(cte);
            }
            if (!cte) {
                CHECK(PyList_Append(tables, name));
                CHECK(PyList_Append(parts, name));
                if (alias >= 0 && relationships) {
                    Buf_4 b = {0};
                    if (add_unquoted(&g, alias, &b) < 0) {
                        PyMem_Free(b.v);
                        goto done;
                    }
                    PyObject *a = buf_str(&b);
                    PyMem_Free(b.v);
                    PyObject *low = a ? lower_of(a) : NULL;
                    Py_XDECREF(a);
                    CHECKP(low);
                    int rc = PyUnicode_GET_LENGTH(low) ? PyDict_SetItem(aliases, low, name) : 0;  /* (if alias:) */
                    Py_DECREF(low);
                    CHECK(rc);
                }
            }
            Py_CLEAR(name);
            if (!from || pos + 1 >= n || !sig_op(&g, pos, ','))
                break;
            Py_ssize_t nx = pos + 1;
            ch c0 = gl[nx] ? s[go[nx]] : 0;
            if (!(gk[nx] == O_IDENT || (gk[nx] == O_WORD && (is_alpha(c0) || c0 == '_'))))
                break;
            pos++;
        }
    }
    if (relationships) {
        for (Py_ssize_t i = 0; i < n; i++) {
            if (!sig_word_is(&g, i, "ON") || after_dot[i])
                continue;
            PyObject *left, *right;
            Py_ssize_t j = qualified(&g, i + 1, &left);
            if (j == -2)
                goto done;
            if (j < 0)
                continue;
            if (j >= n || !sig_op(&g, j, '=')) {
                Py_DECREF(left);
                continue;
            }
            Py_ssize_t k = qualified(&g, j + 1, &right);
            if (k < 0) {
                Py_DECREF(left);
                if (k == -2)
                    goto done;
                continue;
            }
            PyObject *l = resolve(left, aliases), *r = resolve(right, aliases);
            Py_DECREF(left);
            Py_DECREF(right);
            PyObject *join = l && r ? PyUnicode_FromFormat("%U=%U", l, r) : NULL;
            Py_XDECREF(l);
            Py_XDECREF(r);
            CHECKP(join);
            int rc = PyList_Append(joins, join);
            Py_DECREF(join);
            CHECK(rc);
        }
    }
    /* dedup: a part repeating the previous one, or an operation already named and followed by none */
    Py_ssize_t np = PyList_GET_SIZE(parts);
    PyObject *set = PySet_New(parts);
    CHECKP(set);
    int repeats = PySet_GET_SIZE(set) != np;
    Py_DECREF(set);
    if (!repeats) {
        dedup = parts;
        Py_INCREF(dedup);
    }
    else {
        CHECKP(dedup = PyList_New(0));
        for (Py_ssize_t k = 0; k < np; k++) {
            PyObject *p = PyList_GET_ITEM(parts, k);
            Py_ssize_t nd = PyList_GET_SIZE(dedup);
            if (nd) {
                int same = PyObject_RichCompareBool(PyList_GET_ITEM(dedup, nd - 1), p, Py_EQ);
                CHECK(same);
                if (same)
                    continue;
            }
            if (str_in(p, OPERATIONS)) {
                int in = PySequence_Contains(dedup, p);
                CHECK(in);
                PyObject *nxt = k + 1 < np ? PyList_GET_ITEM(parts, k + 1) : NULL;
                if (in && (nxt == NULL || str_in(nxt, OPERATIONS)))
                    continue;
            }
            CHECK(PyList_Append(dedup, p));
        }
    }
    PyObject *summary = Py_None, *op = first_op ? first_op : Py_None;
    if (PyList_GET_SIZE(dedup)) {
        PyObject *sep = PyUnicode_FromString(" ");
        PyObject *joined = sep ? PyUnicode_Join(sep, dedup) : NULL;
        Py_XDECREF(sep);
        CHECKP(joined);
        summary = PyUnicode_Substring(joined, 0, 255);
        Py_DECREF(joined);
        CHECKP(summary);
    }
    else {
        Py_INCREF(summary);  /* (taken only here: a failure above leaves no reference to None behind) */
    }
    PyObject *t = unique_tuple(tables), *j = t ? unique_tuple(joins) : NULL;
    if (t != NULL && j != NULL)
        result = PyTuple_Pack(4, op, t, summary, j);
    Py_XDECREF(t);
    Py_XDECREF(j);
    Py_DECREF(summary);
done:
    Py_XDECREF(parts);
    Py_XDECREF(tables);
    Py_XDECREF(joins);
    Py_XDECREF(ctes);
    Py_XDECREF(aliases);
    Py_XDECREF(first_op);
    Py_XDECREF(name);
    Py_XDECREF(dedup);
    PyMem_Free(kind);
    PyMem_Free(after_dot);
    return result;
}

/* -- the summary without Python objects in between (sql._summarize again, for the common case) ------------- *
 * The same steps as summary_of, on strings kept as (offset, length) in one scratch buffer and fixed arrays;
 * Python objects are made for the final fields only. Where a statement needs more than these arrays hold, or a
 * name to lower-case holds a character beyond Latin-1 (str.lower's full case mappings), it answers NATIVE_NO
 * and summary_of (Python objects) does the work: same result, both tested against sql.py. */
#define NATIVE_MAX 64    /* parts, tables, CTE names, aliases, joins */
#define NATIVE_MAX_SIG 1024
#define NATIVE_NO ((PyObject *)1)

typedef struct { int32_t off, len; } Str;  /* a string in the scratch buffer */

typedef struct {
    const Sig *g;
    Buf_4 b;          /* scratch: every string below */
    int overflow;     /* the fixed arrays or Latin-1 lowering did not suffice */
} Native;

static inline const ch *nat_at(const Native *x, Str s) { return x->b.v + s.off; }

static int
nat_eq(const Native *x, Str a, Str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(nat_at(x, a), nat_at(x, b), (size_t)a.len * sizeof(ch)) == 0);
}

/* str.lower() of a string of Latin-1 characters (A-Z, À-Þ but ×: +32; every lower-case mapping below 256 is one
 * character in the same range); anything wider is left to Python */
static int
nat_lower(Native *x, Str src, Str *dst)
{
    if (buf_reserve_4(&(x)->b, src.len) < 0)
        return -1;
    dst->off = (int32_t)x->b.n;
    dst->len = src.len;
    for (int32_t i = 0; i < src.len; i++) {
        ch c = x->b.v[src.off + i];
        if (c >= 256) {
            x->overflow = 1;
            c = 0;
        }
        else if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7)) {
            c += 32;
        }
        x->b.v[x->b.n++] = c;
    }
    return 0;
}

/* sql._qualified into the scratch buffer: the index after the name, -1 if none starts at i (-2: error) */
static Py_ssize_t
nat_qualified(Native *x, Py_ssize_t i, Str *name)
{
    const Sig *g = x->g;
    if (!sig_ident(g, i))
        return -1;
    name->off = (int32_t)x->b.n;
    if (add_unquoted(g, i, &x->b) < 0)
        return -2;
    i++;
    while (i + 1 < g->n && sig_op(g, i, '.') && sig_ident(g, i + 1)) {
        if (buf_addc_4(&x->b, '.') < 0 || add_unquoted(g, i + 1, &x->b) < 0)
            return -2;
        i += 2;
    }
    name->len = (int32_t)(x->b.n - name->off);
    return i;
}

/* sql._target: the index after the name and its alias (*alias: the alias token, -1 if none); -1: no table */
static Py_ssize_t
nat_target(Native *x, Py_ssize_t i, Str *name, Py_ssize_t *alias)
{
    const Sig *g = x->g;
    *alias = -1;
    while (i + 1 < g->n && sig_word_in(g, i, &K_SKIP_AFTER_TARGET_KW) && sig_ident(g, i + 1)
           && !word_in_4(g->s, g->off[i + 1], g->off[i + 1] + g->len[i + 1], &K_ALIAS_STOP))
        i++;
    Py_ssize_t j = nat_qualified(x, i, name);
    if (j < 0)
        return j;
    if (j == i + 1 && sig_word_in(g, i, &K_NOT_TABLES))
        return -1;
    Py_ssize_t k = sig_word_is(g, j, "AS") ? j + 1 : j;
    if (sig_ident(g, k) && !sig_word_in(g, k, &K_ALIAS_STOP)) {
        *alias = k;
        return k + 1;
    }
    return j;
}

/* a token's text, unquoted and lower-cased, as a scratch string */
static int
nat_unquoted_lower(Native *x, Py_ssize_t i, Str *out)
{
    Str raw = {(int32_t)x->b.n, 0};
    if (add_unquoted(x->g, i, &x->b) < 0)
        return -1;
    raw.len = (int32_t)(x->b.n - raw.off);
    return nat_lower(x, raw, out);
}

static inline int
nat_push(Native *x, Str *arr, int *n, Str s)
{
    if (*n == NATIVE_MAX) {
        x->overflow = 1;
        return 0;
    }
    arr[(*n)++] = s;
    return 0;
}

/* sql._join's resolve(col), appended to the scratch buffer */
static int
nat_resolve(Native *x, Str col, const Str *alias_keys, const Str *alias_names, int naliases, Str *out)
{
    int32_t dot = -1;
    for (int32_t i = col.len - 1; i >= 0; i--)
        if (nat_at(x, col)[i] == '.') {
            dot = i;
            break;
        }
    if (dot <= 0) {  /* no owner ("" before a leading dot counts as none): the column alone */
        out->off = col.off + dot + 1;
        out->len = col.len - dot - 1;
        return 0;
    }
    Str owner = {col.off, dot}, low;
    if (nat_lower(x, owner, &low) < 0)
        return -1;
    Str table = owner;
    for (int a = naliases - 1; a >= 0; a--)  /* (the last assignment of a dict key wins) */
        if (nat_eq(x, alias_keys[a], low)) {
            table = alias_names[a];
            break;
        }
    if (buf_reserve_4(&(x)->b, table.len + 1 + col.len - dot - 1) < 0)
        return -1;
    out->off = (int32_t)x->b.n;
    buf_add_4(&x->b, nat_at(x, table), table.len);
    buf_addc_4(&x->b, '.');
    buf_add_4(&x->b, nat_at(x, col) + dot + 1, col.len - dot - 1);
    out->len = (int32_t)(x->b.n - out->off);
    return 0;
}

static PyObject *
nat_str(const Native *x, Str s)
{
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, s.len ? nat_at(x, s) : SPACE_4, s.len);
}

/* tuple(dict.fromkeys(strings)) */
static PyObject *
nat_unique_tuple(const Native *x, const Str *arr, int n)
{
    int keep[NATIVE_MAX], m = 0;
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int k = 0; k < m && !seen; k++)
            seen = nat_eq(x, arr[keep[k]], arr[i]);
        if (!seen)
            keep[m++] = i;
    }
    PyObject *t = PyTuple_New(m);
    for (int k = 0; t != NULL && k < m; k++) {
        PyObject *s = nat_str(x, arr[keep[k]]);
        if (s == NULL) {
            Py_CLEAR(t);
            break;
        }
        PyTuple_SET_ITEM(t, k, s);
    }
    return t;
}

/* p in sql._OPERATIONS (case-sensitive: a quoted "select" is a table, not SELECT) */
static int
nat_is_operation(const Native *x, Str s)
{
    for (int32_t i = 0; i < s.len; i++)
        if (ascii_up(nat_at(x, s)[i]) != nat_at(x, s)[i])
            return 0;
    return word_in_4(x->b.v, s.off, s.off + s.len, &K_OPERATIONS);
}

/* (operation, tables, summary, joins) as summary_of gives them; NATIVE_NO: summary_of must do it; NULL: error */
static PyObject *
summary_native(const ch *s, const OTok *toks, Py_ssize_t ntok, int relationships)
{
    int32_t gk[NATIVE_MAX_SIG], go[NATIVE_MAX_SIG], gl[NATIVE_MAX_SIG];
    char after_dot[NATIVE_MAX_SIG];
    Sig g = {s, 0, gk, go, gl, after_dot};
    int prev_dot = 0;
    for (Py_ssize_t t = 0; t < ntok; t++) {
        int32_t k = toks[t].kind, o = toks[t].off, l = toks[t].len;
        if (k != O_WS && k != O_COMMENT) {
            if (g.n == NATIVE_MAX_SIG)
                return NATIVE_NO;
            gk[g.n] = k;
            go[g.n] = o;
            gl[g.n] = l;
            after_dot[g.n] = (char)prev_dot;
            g.n++;
        }
        prev_dot = k == O_OP && l == 1 && s[o] == '.';
    }
    Py_ssize_t n = g.n;
    if (!n)
        return Py_BuildValue("(O()O())", Py_None, Py_None);
    Native x = {&g, {0}, 0};
    Str parts[NATIVE_MAX], tables[NATIVE_MAX], ctes[NATIVE_MAX], alias_keys[NATIVE_MAX], alias_names[NATIVE_MAX];
    Str joins[NATIVE_MAX], dedup[NATIVE_MAX], name, op = {0, 0};
    int nparts = 0, ntables = 0, nctes = 0, naliases = 0, njoins = 0, ndedup = 0, have_op = 0;
    PyObject *result = NULL;
#define NAT(call) do { if ((call) < 0) goto done; if (x.overflow) { result = NATIVE_NO; goto done; } } while (0)
    /* sql._ctes */
    int with = 0;
    for (Py_ssize_t i = 0; i < n && !with; i++)
        with = sig_word_is(&g, i, "WITH");
    for (Py_ssize_t i = 0; with && i < n; i++) {
        int is_with = sig_word_is(&g, i, "WITH");
        if (!is_with && !sig_op(&g, i, ','))
            continue;
        Py_ssize_t j = i + 1;
        if (is_with && sig_word_is(&g, j, "RECURSIVE"))
            j++;
        if (!sig_ident(&g, j))
            continue;
        Py_ssize_t cte = j++;
        if (sig_op(&g, j, '(')) {
            Py_ssize_t k = j + 1;
            while (k < n && !sig_op(&g, k, '(') && !sig_op(&g, k, ')'))
                k++;
            if (!sig_op(&g, k, ')'))
                continue;
            j = k + 1;
        }
        if (!sig_word_is(&g, j, "AS"))
            continue;
        j++;
        if (sig_word_is(&g, j, "NOT"))
            j++;
        if (sig_word_is(&g, j, "MATERIALIZED"))
            j++;
        if (sig_op(&g, j, '(')) {
            Str low;
            NAT(nat_unquoted_lower(&x, cte, &low));
            NAT(nat_push(&x, ctes, &nctes, low));
        }
    }
    Py_ssize_t first = sig_op(&g, 0, '(') ? 1 : 0;
    if (first < n && sig_word_in(&g, first, &K_OPERATIONS) && !sig_word_in(&g, first, &K_KEYWORD_SET)) {
        /* BEGIN, CALL, EXEC, SET, SHOW, ... only as the first word */
        NAT(buf_reserve_4(&x.b, gl[first]));
        op.off = (int32_t)x.b.n;
        op.len = gl[first];
        for (int32_t c = 0; c < gl[first]; c++)
            x.b.v[x.b.n++] = ascii_up(s[go[first] + c]);
        have_op = 1;
        NAT(nat_push(&x, parts, &nparts, op));
        if (sig_word_is(&g, first, "CALL") || sig_word_is(&g, first, "EXEC") || sig_word_is(&g, first, "EXECUTE")) {
            Py_ssize_t alias, next = nat_target(&x, first + 1, &name, &alias);
            if (next == -2)
                goto done;
            if (next >= 0) {
                NAT(nat_push(&x, parts, &nparts, name));
                NAT(nat_push(&x, tables, &ntables, name));
            }
        }
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (gk[i] != O_WORD || gl[i] > 6 || !sig_word_in(&g, i, &K_KEYWORD_SET) || after_dot[i])
            continue;
        if (i && sig_word_in(&g, i - 1, &K_NOT_KEYWORD_AFTER))
            continue;
        int using = sig_word_is(&g, i, "USING");
        if (using && (!have_op || !word_in_4(x.b.v, op.off, op.off + op.len, &K_USING_OPERATIONS)))
            continue;
        if (sig_word_in(&g, i, &K_RESERVED_OPERATIONS)) {
            Str kw;
            NAT(buf_reserve_4(&x.b, gl[i]));
            kw.off = (int32_t)x.b.n;
            kw.len = gl[i];
            for (int32_t c = 0; c < gl[i]; c++)
                x.b.v[x.b.n++] = ascii_up(s[go[i] + c]);
            if (!have_op) {
                op = kw;
                have_op = 1;
            }
            NAT(nat_push(&x, parts, &nparts, kw));
        }
        if (!(sig_word_in(&g, i, &K_TARGET_KW) || using))
            continue;
        int from = sig_word_is(&g, i, "FROM");
        Py_ssize_t pos = i + 1;
        for (;;) {
            Py_ssize_t alias;
            pos = nat_target(&x, pos, &name, &alias);
            if (pos == -2)
                goto done;
            if (pos < 0)
                break;
            int is_cte = 0;
            if (nctes) {
                Str low;
                NAT(nat_lower(&x, name, &low));
                for (int c = 0; c < nctes && !is_cte; c++)
                    is_cte = nat_eq(&x, ctes[c], low);
            }
            if (!is_cte) {
                NAT(nat_push(&x, tables, &ntables, name));
                NAT(nat_push(&x, parts, &nparts, name));
                if (alias >= 0 && relationships) {
                    Str low;
                    NAT(nat_unquoted_lower(&x, alias, &low));
                    if (naliases == NATIVE_MAX) {
                        result = NATIVE_NO;
                        goto done;
                    }
                    alias_keys[naliases] = low;
                    alias_names[naliases++] = name;
                }
            }
            if (!from || pos + 1 >= n || !sig_op(&g, pos, ','))
                break;
            Py_ssize_t nx = pos + 1;
            ch c0 = gl[nx] ? s[go[nx]] : 0;
            if (!(gk[nx] == O_IDENT || (gk[nx] == O_WORD && (is_alpha(c0) || c0 == '_'))))
                break;
            pos++;
        }
    }
    if (relationships) {
        for (Py_ssize_t i = 0; i < n; i++) {
            if (!sig_word_is(&g, i, "ON") || after_dot[i])
                continue;
            Str left, right, l, r;
            Py_ssize_t j = nat_qualified(&x, i + 1, &left);
            if (j == -2)
                goto done;
            if (j < 0 || j >= n || !sig_op(&g, j, '='))
                continue;
            Py_ssize_t k = nat_qualified(&x, j + 1, &right);
            if (k == -2)
                goto done;
            if (k < 0)
                continue;
            NAT(nat_resolve(&x, left, alias_keys, alias_names, naliases, &l));
            NAT(nat_resolve(&x, right, alias_keys, alias_names, naliases, &r));
            Str join = {(int32_t)x.b.n, l.len + 1 + r.len};
            NAT(buf_reserve_4(&x.b, join.len));
            buf_add_4(&x.b, nat_at(&x, l), l.len);
            buf_addc_4(&x.b, '=');
            buf_add_4(&x.b, nat_at(&x, r), r.len);
            NAT(nat_push(&x, joins, &njoins, join));
        }
    }
    /* dedup: a part repeating the previous one, or an operation already named and followed by none (without
     * repeats this keeps every part, as sql.py's shortcut does) */
    for (int k = 0; k < nparts; k++) {
        Str p = parts[k];
        if (ndedup && nat_eq(&x, dedup[ndedup - 1], p))
            continue;
        if (nat_is_operation(&x, p)) {
            int in = 0;
            for (int d = 0; d < ndedup && !in; d++)
                in = nat_eq(&x, dedup[d], p);
            if (in && (k + 1 == nparts || nat_is_operation(&x, parts[k + 1])))
                continue;
        }
        dedup[ndedup++] = p;
    }
    PyObject *operation = NULL, *tables_t = NULL, *summary = NULL, *joins_t = NULL;
    if (ndedup) {  /* " ".join(dedup)[:255] */
        Str joined = {(int32_t)x.b.n, 0};
        for (int d = 0; d < ndedup && joined.len < 255; d++) {
            if (d) {
                NAT(buf_addc_4(&x.b, ' '));
                joined.len++;
            }
            int32_t take = dedup[d].len < 255 - joined.len ? dedup[d].len : 255 - joined.len;
            NAT(buf_reserve_4(&x.b, take));
            buf_add_4(&x.b, nat_at(&x, dedup[d]), take);
            joined.len += take;
        }
        if (joined.len > 255)
            joined.len = 255;
        summary = nat_str(&x, joined);
    }
    else {
        summary = Py_None;
        Py_INCREF(summary);
    }
    if (have_op)
        operation = nat_str(&x, op);
    else {
        operation = Py_None;
        Py_INCREF(operation);
    }
    tables_t = nat_unique_tuple(&x, tables, ntables);
    joins_t = nat_unique_tuple(&x, joins, njoins);
    if (summary != NULL && operation != NULL && tables_t != NULL && joins_t != NULL)
        result = PyTuple_Pack(4, operation, tables_t, summary, joins_t);
    Py_XDECREF(operation);
    Py_XDECREF(tables_t);
    Py_XDECREF(summary);
    Py_XDECREF(joins_t);
#undef NAT
done:
    PyMem_Free(x.b.v);
    return result;
}

/* The summary: without Python objects in between where it can, else summary_of. */
static PyObject *
summary_any(const ch *s, const OTok *toks, Py_ssize_t ntok, int relationships)
{
    PyObject *r = summary_native(s, toks, ntok, relationships);
    return r == NATIVE_NO ? summary_of(s, toks, ntok, relationships) : r;
}

/* summarize(statement, tokens, relationships) -> (operation, tables, summary, joins) */
static PyObject *
summarize(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 3 || nargs > 4 || !PyUnicode_Check(args[0]) || !PyBytes_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError,
                        "summarize(statement: str, tokens: bytes, relationships: bool, objects: bool = False)");
        return NULL;
    }
    int objects = nargs > 3 ? PyObject_IsTrue(args[3]) : 0;  /* (tests: the Python-object path, always) */
    if (objects < 0)
        return NULL;
    int relationships = PyObject_IsTrue(args[2]);
    if (relationships < 0)
        return NULL;
    Py_ssize_t ntok = PyBytes_GET_SIZE(args[1]) / (Py_ssize_t)sizeof(OTok);
    const OTok *toks = (const OTok *)PyBytes_AS_STRING(args[1]);
    Py_ssize_t slen = PyUnicode_GET_LENGTH(args[0]);
    for (Py_ssize_t x = 0; x < ntok; x++)
        if (toks[x].off < 0 || toks[x].len < 0 || (Py_ssize_t)toks[x].off + toks[x].len > slen) {
            PyErr_SetString(PyExc_ValueError, "summarize: tokens outside the statement");
            return NULL;
        }
    ch *s = PyUnicode_AsUCS4Copy(args[0]);
    if (s == NULL)
        return NULL;
    PyObject *result = objects ? summary_of(s, toks, ntok, relationships) : summary_any(s, toks, ntok, relationships);
    PyMem_Free(s);
    return result;
}

/* -- the engine: SqlObfuscator.obfuscate in one call, caches included ---------------------------------------- */
/* A bounded LRU from (str, tag) to an object: at most `cap` entries and `budget` characters of keys (a few huge
 * statements cannot hold megabytes each). Open addressing with linear probing over 2-4x as many slots as
 * entries; a removed entry's slot is refilled by backward shifting (no tombstones). Every block is allocated
 * when the engine is made: a lookup or an insertion never allocates. */
typedef struct {
    PyObject *key, *value;  /* owned; key a str */
    Py_hash_t hash;
    int32_t tag, prev, next;  /* the LRU list (or, when free, next: the free list) */
} Entry;

typedef struct {
    Entry *e;
    int32_t *slot;  /* entry index + 1; 0: empty */
    Py_ssize_t cap, n, mask, chars, budget;
    int32_t head, tail, free;  /* most and least recently used; first free entry; -1: none */
} Lru;

static int
lru_init(Lru *c, Py_ssize_t cap, Py_ssize_t budget)
{
    *c = (Lru){0};
    c->head = c->tail = c->free = -1;
    if (cap <= 0)
        return 0;
    if (cap > (1 << 24)) {
        PyErr_SetString(PyExc_ValueError, "cache_size: at most 16777216");
        return -1;
    }
    Py_ssize_t nslots = 8;
    while (nslots < 2 * cap)
        nslots *= 2;
    c->e = PyMem_Calloc((size_t)cap, sizeof(Entry));
    c->slot = PyMem_Calloc((size_t)nslots, sizeof(int32_t));
    if (c->e == NULL || c->slot == NULL) {
        PyMem_Free(c->e);
        PyMem_Free(c->slot);
        c->e = NULL;
        c->slot = NULL;
        PyErr_NoMemory();
        return -1;
    }
    c->cap = cap;
    c->mask = nslots - 1;
    c->budget = budget;
    for (Py_ssize_t i = 0; i < cap; i++)
        c->e[i].next = i + 1 < cap ? (int32_t)(i + 1) : -1;
    c->free = 0;
    return 0;
}

static void
lru_clear(Lru *c)
{
    for (Py_ssize_t i = 0; i < c->cap; i++) {
        Py_CLEAR(c->e[i].key);
        Py_CLEAR(c->e[i].value);
    }
    PyMem_Free(c->e);
    PyMem_Free(c->slot);
    *c = (Lru){0};
    c->head = c->tail = c->free = -1;
}

/* Do the str key and the characters (kind, data, len) hold the same text? (strs are stored at their narrowest
 * kind, and so are the probes: equal texts have equal kinds.) */
static inline int
key_eq(PyObject *key, int kind, const void *data, Py_ssize_t len)
{
    return PyUnicode_GET_LENGTH(key) == len && PyUnicode_KIND(key) == kind
           && (len == 0 || memcmp(PyUnicode_DATA(key), data, (size_t)len * (size_t)kind) == 0);
}

/* The entry holding (text, tag), or -1. */
static int32_t
lru_find(const Lru *c, Py_hash_t hash, int32_t tag, int kind, const void *data, Py_ssize_t len)
{
    if (!c->cap)
        return -1;
    for (Py_ssize_t i = (size_t)hash & c->mask; c->slot[i]; i = (i + 1) & c->mask) {
        const Entry *e = &c->e[c->slot[i] - 1];
        if (e->hash == hash && e->tag == tag && key_eq(e->key, kind, data, len))
            return c->slot[i] - 1;
    }
    return -1;
}

static void
lru_unlink(Lru *c, int32_t x)
{
    Entry *e = &c->e[x];
    if (e->prev >= 0)
        c->e[e->prev].next = e->next;
    else
        c->head = e->next;
    if (e->next >= 0)
        c->e[e->next].prev = e->prev;
    else
        c->tail = e->prev;
}

static void
lru_push_front(Lru *c, int32_t x)
{
    Entry *e = &c->e[x];
    e->prev = -1;
    e->next = c->head;
    if (c->head >= 0)
        c->e[c->head].prev = x;
    c->head = x;
    if (c->tail < 0)
        c->tail = x;
}

/* a hit: now the most recently used */
static inline void
lru_touch(Lru *c, int32_t x)
{
    if (c->head != x) {
        lru_unlink(c, x);
        lru_push_front(c, x);
    }
}

/* Takes entry x out (its slot refilled by backward shifting); its key and value go to *key, *value. */
static void
lru_remove(Lru *c, int32_t x, PyObject **key, PyObject **value)
{
    Entry *e = &c->e[x];
    Py_ssize_t p = (size_t)e->hash & c->mask;
    while (c->slot[p] != x + 1)
        p = (p + 1) & c->mask;
    c->slot[p] = 0;
    for (Py_ssize_t j = (p + 1) & c->mask; c->slot[j]; j = (j + 1) & c->mask) {
        Py_ssize_t home = (size_t)c->e[c->slot[j] - 1].hash & c->mask;
        /* the entry at j may move to p unless its home lies cyclically in (p, j] */
        int stays = p <= j ? (home > p && home <= j) : (home > p || home <= j);
        if (!stays) {
            c->slot[p] = c->slot[j];
            c->slot[j] = 0;
            p = j;
        }
    }
    lru_unlink(c, x);
    c->chars -= PyUnicode_GET_LENGTH(e->key);
    c->n--;
    *key = e->key;
    *value = e->value;
    e->key = e->value = NULL;
    e->next = c->free;
    c->free = x;
}

/* Adds (key, tag) -> value (not present: the caller looked), evicting the least recently used entries to make
 * room. Evicted references are released after the table is consistent again. Never fails. */
static void
lru_add(Lru *c, Py_hash_t hash, int32_t tag, PyObject *key, PyObject *value)
{
    Py_ssize_t len = PyUnicode_GET_LENGTH(key);
    if (!c->cap || len > c->budget)
        return;
    PyObject *dead[2 * 8];
    int ndead = 0;
    while (c->n && (c->n == c->cap || c->chars + len > c->budget)) {
        if (ndead == 2 * 8) {
            for (int d = 0; d < ndead; d++)
                Py_DECREF(dead[d]);
            ndead = 0;
        }
        lru_remove(c, c->tail, &dead[ndead], &dead[ndead + 1]);
        ndead += 2;
    }
    int32_t x = c->free;
    Entry *e = &c->e[x];
    c->free = e->next;
    Py_INCREF(key);
    Py_INCREF(value);
    e->key = key;
    e->value = value;
    e->hash = hash;
    e->tag = tag;
    Py_ssize_t p = (size_t)hash & c->mask;
    while (c->slot[p])
        p = (p + 1) & c->mask;
    c->slot[p] = x + 1;
    lru_push_front(c, x);
    c->chars += len;
    c->n++;
    for (int d = 0; d < ndead; d++)
        Py_DECREF(dead[d]);
}

#define MAX_DIALECTS 16
#define NFIELDS 5  /* SqlResult: statement, operation, tables, summary, joins */
#define MAX_CACHED_STATEMENT 65536  /* sql.SqlObfuscator.obfuscate: longer statements are not cached */

typedef struct {
    PyObject_HEAD
    int ndialects, generic;
    PyObject *names[MAX_DIALECTS];  /* dialect names (str) */
    int nreadings[MAX_DIALECTS], dq_mode[MAX_DIALECTS];
    int readings[MAX_DIALECTS][MAX_READINGS];
    long options;
    int relationships;
    Py_ssize_t max_length;
    Lru statements, shapes;  /* (raw statement, dialect) -> result; obfuscated statement -> result */
    PyTypeObject *result_type;  /* sql.SqlResult */
    Py_ssize_t offsets[NFIELDS];  /* of its slots */
    PyObject *failed;  /* sql.FAILED */
    PyObject *ellipsis;  /* "…" */
    Py_ssize_t errors;
    int fail_next;  /* (tests: the next calls fail as a bug would) */
} Engine;

static PyTypeObject Engine_Type;

static int
engine_is(PyObject *obj)
{
    return Py_IS_TYPE(obj, &Engine_Type);
}

/* A new SqlResult (its slots written directly: the dataclass is frozen, and its __init__ is Python code). */
static PyObject *
new_result(Engine *en, PyObject *const *fields)
{
    PyObject *r = en->result_type->tp_alloc(en->result_type, 0);
    if (r == NULL)
        return NULL;
    for (int i = 0; i < NFIELDS; i++) {
        Py_INCREF(fields[i]);
        *(PyObject **)((char *)r + en->offsets[i]) = fields[i];
    }
    return r;
}

static int
engine_dialect(const Engine *en, PyObject *dialect)
{
    for (int d = 0; d < en->ndialects; d++)
        if (en->names[d] == dialect)
            return d;
    if (PyUnicode_Check(dialect))
        for (int d = 0; d < en->ndialects; d++)
            if (PyUnicode_Compare(en->names[d], dialect) == 0)
                return d;
    return en->generic;  /* (an unknown name reads as generic, as in Python) */
}

/* The summary of an obfuscated statement of 1-byte characters (the Python-object path reads UCS-4). */
static PyObject *
summary_of_1(const Py_UCS1 *text, Py_ssize_t len, const OTok *toks, Py_ssize_t ntok, int relationships)
{
    Py_UCS4 *wide = PyMem_Malloc((size_t)(len ? len : 1) * sizeof(Py_UCS4));
    if (wide == NULL)
        return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < len; i++)
        wide[i] = text[i];
    PyObject *r = summary_any(wide, toks, ntok, relationships);
    PyMem_Free(wide);
    return r;
}

/* The result for a statement the statement cache does not hold (sql.SqlObfuscator._obfuscate); NULL on error.
 * A statement of a known shape costs the passes and a lookup: the obfuscated text is hashed where it was built
 * (for 1-byte text the hash is the one its str would have), and a str is made only on a miss. */
static PyObject *
engine_compute(Engine *en, PyObject *text, int d)
{
    if (en->fail_next > 0) {
        en->fail_next--;
        PyErr_SetString(PyExc_RuntimeError, "injected failure");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (n >= INT32_MAX / 2) {  /* (the output, with "(?)" added, must fit int32 offsets too) */
        PyErr_SetString(PyExc_ValueError, "obfuscate: statement too long");
        return NULL;
    }
    PyObject *result = NULL, *statement = NULL, *summary = NULL;
    ch small[1024], *s = NULL;
    Obf_1 o1 = {0};
    Obf_4 o4 = {0};
    const void *out;
    Py_ssize_t len;
    int okind, narrow = PyUnicode_KIND(text) == PyUnicode_1BYTE_KIND;
    if (narrow) {
        if (obfuscate_tokens_1(PyUnicode_1BYTE_DATA(text), n, en->readings[d], en->nreadings[d], en->dq_mode[d],
                               en->options, &o1) < 0)
            goto done;
        out = o1.text.v;
        len = o1.text.n;
        okind = PyUnicode_1BYTE_KIND;
    }
    else {
        if ((s = ucs4_of(text, small)) == NULL)
            goto done;
        if (obfuscate_tokens_4(s, n, en->readings[d], en->nreadings[d], en->dq_mode[d], en->options, &o4) < 0)
            goto done;
        if ((statement = str_of_4(o4.text.v != NULL ? o4.text.v : SPACE_4, o4.text.n)) == NULL)
            goto done;
        out = PyUnicode_DATA(statement);
        len = PyUnicode_GET_LENGTH(statement);
        okind = PyUnicode_KIND(statement);
    }
    int shaped = len <= en->max_length && en->shapes.cap;  /* (cached shapes stay small) */
    Py_hash_t hash = -1;
    if (shaped) {
        hash = statement != NULL ? PyObject_Hash(statement) : _Py_HashBytes(out, len);
        if (hash == -1 && PyErr_Occurred())
            goto done;
        int32_t x = lru_find(&en->shapes, hash, 0, okind, out, len);
        if (x >= 0) {
            lru_touch(&en->shapes, x);
            result = en->shapes.e[x].value;
            Py_INCREF(result);
            goto done;
        }
    }
    if (narrow) {
        if ((statement = str_of_1(o1.text.v != NULL ? o1.text.v : SPACE_1, len)) == NULL)
            goto done;
        summary = summary_of_1(o1.text.v, len, o1.toks.v, o1.toks.n, en->relationships);
    }
    else {
        summary = summary_any(o4.text.v, o4.toks.v, o4.toks.n, en->relationships);
    }
    if (summary == NULL)
        goto done;
    PyObject *shown = statement;
    if (len > en->max_length) {  /* statement[:max_length] + "…" */
        PyObject *head = PySequence_GetSlice(statement, 0, en->max_length);
        shown = head != NULL ? PyUnicode_Concat(head, en->ellipsis) : NULL;
        Py_XDECREF(head);
        if (shown == NULL)
            goto done;
    }
    PyObject *fields[NFIELDS] = {shown, PyTuple_GET_ITEM(summary, 0), PyTuple_GET_ITEM(summary, 1),
                                 PyTuple_GET_ITEM(summary, 2), PyTuple_GET_ITEM(summary, 3)};
    result = new_result(en, fields);
    if (shown != statement)
        Py_DECREF(shown);
    if (result != NULL && shaped)
        lru_add(&en->shapes, hash, 0, statement, result);
done:
    Py_XDECREF(statement);
    Py_XDECREF(summary);
    obf_free_1(&o1);
    obf_free_4(&o4);
    if (s != NULL && s != small)
        PyMem_Free(s);
    return result;
}

/* sql.SqlObfuscator.obfuscate: never NULL, never raises (a failure is FAILED, counted). */
static PyObject *
engine_obfuscate(PyObject *self, PyObject *text, PyObject *dialect)
{
    Engine *en = (Engine *)self;
    if (!PyUnicode_Check(text)) {
        en->errors++;
        Py_INCREF(en->failed);
        return en->failed;
    }
    int d = engine_dialect(en, dialect);
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    int cached = en->statements.cap && len <= MAX_CACHED_STATEMENT;
    Py_hash_t hash = -1;
    if (cached) {
        hash = PyObject_Hash(text);  /* (a str's hash: cannot fail) */
        int32_t x = lru_find(&en->statements, hash, d, PyUnicode_KIND(text), PyUnicode_DATA(text), len);
        if (x >= 0) {
            lru_touch(&en->statements, x);
            PyObject *r = en->statements.e[x].value;
            Py_INCREF(r);
            return r;
        }
    }
    PyObject *r = engine_compute(en, text, d);
    if (r == NULL) {  /* a bug or no memory: nothing of the statement is kept (fail closed) */
        PyErr_Clear();
        en->errors++;
        r = en->failed;
        Py_INCREF(r);
    }
    if (cached)
        lru_add(&en->statements, hash, d, text, r);
    return r;
}

static int
engine_fields(PyObject *self, PyObject *result, PyObject **statement, PyObject **operation, PyObject **tables,
              PyObject **summary, PyObject **joins)
{
    Engine *en = (Engine *)self;
    if (!engine_is(self) || !Py_IS_TYPE(result, en->result_type))
        return -1;
    PyObject **out[NFIELDS] = {statement, operation, tables, summary, joins};
    for (int i = 0; i < NFIELDS; i++)
        if (out[i] != NULL)
            *out[i] = *(PyObject **)((char *)result + en->offsets[i]);
    return result == en->failed;
}

static PyObject *
Engine_obfuscate(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "obfuscate(statement, dialect='generic')");
        return NULL;
    }
    return engine_obfuscate(self, args[0], nargs > 1 ? args[1] : Py_None);
}

static PyObject *
Engine_cache_info(PyObject *self, PyObject *unused)
{
    Engine *en = (Engine *)self;
    return Py_BuildValue("{snsn}", "statements", en->statements.n, "shapes", en->shapes.n);
}

/* Engine(dialects, options, relationships, max_length, cache_size, result_type, failed)
 *   dialects: {name: (readings, dq_mode)} (sql._DIALECT_READINGS, "generic" among them) */
static PyObject *
Engine_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *dialects, *result_type, *failed;
    long options;
    int relationships;
    Py_ssize_t max_length, cache_size;
    static char *kwlist[] = {"dialects", "options", "relationships", "max_length", "cache_size", "result_type",
                             "failed", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!lpnnO!O:Engine", kwlist, &PyDict_Type, &dialects, &options,
                                     &relationships, &max_length, &cache_size, &PyType_Type, &result_type, &failed))
        return NULL;
    if (!Py_IS_TYPE(failed, (PyTypeObject *)result_type)) {
        PyErr_SetString(PyExc_TypeError, "Engine: failed must be a result_type");
        return NULL;
    }
    Engine *en = (Engine *)type->tp_alloc(type, 0);
    if (en == NULL)
        return NULL;
    en->statements.head = en->statements.tail = en->statements.free = -1;
    en->shapes.head = en->shapes.tail = en->shapes.free = -1;
    en->options = options;
    en->relationships = relationships;
    en->max_length = max_length;
    en->generic = -1;
    Py_INCREF(result_type);
    en->result_type = (PyTypeObject *)result_type;
    Py_INCREF(failed);
    en->failed = failed;
    static const char *const field_names[NFIELDS] = {"statement", "operation", "tables", "summary", "joins"};
    for (int i = 0; i < NFIELDS; i++) {  /* the slots' member descriptors give their offsets */
        PyObject *descr = PyDict_GetItemString(((PyTypeObject *)result_type)->tp_dict, field_names[i]);
        if (descr == NULL || !Py_IS_TYPE(descr, &PyMemberDescr_Type)
                || ((PyMemberDescrObject *)descr)->d_member->type != T_OBJECT_EX) {
            PyErr_Format(PyExc_TypeError, "Engine: result_type has no slot %s", field_names[i]);
            goto fail;
        }
        en->offsets[i] = ((PyMemberDescrObject *)descr)->d_member->offset;
    }
    if ((en->ellipsis = PyUnicode_FromString("\xe2\x80\xa6")) == NULL)
        goto fail;
    Py_ssize_t pos = 0;
    PyObject *name, *value;
    while (PyDict_Next(dialects, &pos, &name, &value)) {
        int d = en->ndialects;
        if (d == MAX_DIALECTS || !PyUnicode_Check(name) || !PyTuple_Check(value) || PyTuple_GET_SIZE(value) != 2
                || !PyTuple_Check(PyTuple_GET_ITEM(value, 0))) {
            PyErr_SetString(PyExc_ValueError, "Engine: dialects is {name: (readings, dq_mode)}, at most 16");
            goto fail;
        }
        PyObject *readings = PyTuple_GET_ITEM(value, 0);
        Py_ssize_t nr = PyTuple_GET_SIZE(readings);
        if (nr < 1 || nr > MAX_READINGS) {
            PyErr_SetString(PyExc_ValueError, "Engine: 1 to 64 readings per dialect");
            goto fail;
        }
        for (Py_ssize_t r = 0; r < nr; r++) {
            long flags = PyLong_AsLong(PyTuple_GET_ITEM(readings, r));
            if (flags == -1 && PyErr_Occurred())
                goto fail;
            en->readings[d][r] = (int)flags;
        }
        en->nreadings[d] = (int)nr;
        en->dq_mode[d] = (int)PyLong_AsLong(PyTuple_GET_ITEM(value, 1));
        if (en->dq_mode[d] == -1 && PyErr_Occurred())
            goto fail;
        Py_INCREF(name);
        PyUnicode_InternInPlace(&name);
        en->names[d] = name;
        if (PyUnicode_CompareWithASCIIString(name, "generic") == 0)
            en->generic = d;
        en->ndialects++;
    }
    if (en->generic < 0) {
        PyErr_SetString(PyExc_ValueError, "Engine: no generic dialect");
        goto fail;
    }
    /* (keys: at most 1024 characters per entry on average, so a flood of huge statements stays bounded) */
    Py_ssize_t budget = (cache_size > 64 ? cache_size : 64) * 1024;
    if (lru_init(&en->statements, cache_size, budget) < 0 || lru_init(&en->shapes, cache_size, budget) < 0)
        goto fail;
    return (PyObject *)en;
fail:
    Py_DECREF(en);
    return NULL;
}

static void
Engine_dealloc(PyObject *self)
{
    Engine *en = (Engine *)self;
    lru_clear(&en->statements);
    lru_clear(&en->shapes);
    for (int d = 0; d < en->ndialects; d++)
        Py_CLEAR(en->names[d]);
    Py_CLEAR(en->result_type);
    Py_CLEAR(en->failed);
    Py_CLEAR(en->ellipsis);
    Py_TYPE(self)->tp_free(self);
}

static PyMethodDef Engine_methods[] = {
    {"obfuscate", (PyCFunction)(void (*)(void))Engine_obfuscate, METH_FASTCALL,
     "obfuscate(statement, dialect) -> SqlResult: sql.SqlObfuscator.obfuscate, caches included (never raises)."},
    {"cache_info", Engine_cache_info, METH_NOARGS, "Entries in the statement and shape caches."},
    {NULL, NULL, 0, NULL},
};

static PyObject *
Engine_get_errors(PyObject *self, void *unused)
{
    return PyLong_FromSsize_t(((Engine *)self)->errors);
}

static PyObject *
Engine_get_fail_next(PyObject *self, void *unused)
{
    return PyLong_FromLong(((Engine *)self)->fail_next);
}

static int
Engine_set_fail_next(PyObject *self, PyObject *value, void *unused)
{
    long n = value != NULL ? PyLong_AsLong(value) : -1;
    if (n < 0 || n > INT32_MAX) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "_fail_next: a count");
        return -1;
    }
    ((Engine *)self)->fail_next = (int)n;
    return 0;
}

static PyGetSetDef Engine_getset[] = {
    {"errors", Engine_get_errors, NULL, "Statements that failed (each became FAILED).", NULL},
    {"_fail_next", Engine_get_fail_next, Engine_set_fail_next, "(tests) the next this many computations fail.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject Engine_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "otel_privacy.scrub._sqlcore.Engine",
    .tp_basicsize = sizeof(Engine),
    .tp_dealloc = Engine_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Engine(dialects, options, relationships, max_length, cache_size, result_type, failed): one "
              "SqlObfuscator's passes and caches in C.",
    .tp_methods = Engine_methods,
    .tp_getset = Engine_getset,
    .tp_new = Engine_new,
};

/* the capsule's table (_sqlcore_api.h) */
static const OtelSqlCoreApi sqlcore_api = {
    OTEL_SQLCORE_API_VERSION, engine_is, engine_obfuscate, engine_fields,
};

/* -- keyword_sets(): the tables above, for the test that compares them with sql.py's ------------------- */
static PyObject *
frozen(const char *const *kws)
{
    PyObject *list = PyList_New(0);
    if (list == NULL)
        return NULL;
    for (; *kws != NULL; kws++) {
        PyObject *w = PyUnicode_FromString(*kws);
        if (w == NULL || PyList_Append(list, w) < 0) {
            Py_XDECREF(w);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(w);
    }
    PyObject *set = PyFrozenSet_New(list);
    Py_DECREF(list);
    return set;
}

static PyObject *
keyword_sets(PyObject *module, PyObject *unused)
{
    return Py_BuildValue(
        "{sNsNsNsNsNsNsNsNsNsNsNsNsNsNsN}",
        "_NAME_AFTER", frozen(NAME_AFTER), "_NAMELIST_AFTER", frozen(NAMELIST_AFTER), "_TABLE_KW", frozen(TABLE_KW),
        "_CLAUSES", frozen(CLAUSES), "_SIGN_KEYWORDS", frozen(SIGN_KEYWORDS), "_OPERATIONS", frozen(OPERATIONS),
        "_RESERVED_OPERATIONS", frozen(RESERVED_OPERATIONS), "_TARGET_KW", frozen(TARGET_KW),
        "_KEYWORD_SET", frozen(KEYWORD_SET), "_USING_OPERATIONS", frozen(USING_OPERATIONS),
        "_SKIP_AFTER_TARGET_KW", frozen(SKIP_AFTER_TARGET_KW), "_NOT_TABLES", frozen(NOT_TABLES),
        "_ALIAS_STOP", frozen(ALIAS_STOP), "_NOT_KEYWORD_AFTER", frozen(NOT_KEYWORD_AFTER),
        "_STRING_PREFIXES", frozen(STRING_PREFIXES));
}

static PyMethodDef sqlcore_methods[] = {
    {"tokenize", (PyCFunction)(void (*)(void))tokenize, METH_FASTCALL,
     "tokenize(text, readings, dq_mode, options) -> (statement, tokens): sql.SqlObfuscator._tokenize in C."},
    {"summarize", (PyCFunction)(void (*)(void))summarize, METH_FASTCALL,
     "summarize(statement, tokens, relationships) -> (operation, tables, summary, joins): sql._summarize in C."},
    {"keyword_sets", keyword_sets, METH_NOARGS, "The keyword tables, by their names in sql.py."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef sqlcore_module = {
    PyModuleDef_HEAD_INIT, "otel_privacy.scrub._sqlcore", "SQL obfuscation and summaries in C (see scrub.sql).", -1,
    sqlcore_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__sqlcore(void)
{
    classes_init();
    kws_init(&K_NAME_AFTER);
    kws_init(&K_NAMELIST_AFTER);
    kws_init(&K_TABLE_KW);
    kws_init(&K_CLAUSES);
    kws_init(&K_SIGN_KEYWORDS);
    kws_init(&K_OPERATIONS);
    kws_init(&K_RESERVED_OPERATIONS);
    kws_init(&K_TARGET_KW);
    kws_init(&K_KEYWORD_SET);
    kws_init(&K_USING_OPERATIONS);
    kws_init(&K_SKIP_AFTER_TARGET_KW);
    kws_init(&K_NOT_TABLES);
    kws_init(&K_ALIAS_STOP);
    kws_init(&K_NOT_KEYWORD_AFTER);
    kws_init(&K_STRING_PREFIXES);
    if (PyType_Ready(&Engine_Type) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&sqlcore_module);
    if (m == NULL)
        return NULL;
    PyObject *capsule = PyCapsule_New((void *)&sqlcore_api, OTEL_SQLCORE_CAPSULE, NULL);
    if (PyModule_AddObjectRef(m, "Engine", (PyObject *)&Engine_Type) < 0 || capsule == NULL
            || PyModule_AddObjectRef(m, "_C_API", capsule) < 0) {
        Py_XDECREF(capsule);
        Py_DECREF(m);
        return NULL;
    }
    Py_DECREF(capsule);
    return m;
}
