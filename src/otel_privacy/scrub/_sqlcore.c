/* SQL obfuscation and summaries in C: the passes of otel_privacy.scrub.sql, one for one.
 *
 * sql.py is the reference (and the fallback where this is not built; the tests run both and compare them
 * on generated statements): scan (one hand-written scanner per reading), union (mask whatever any reading
 * hides where the readings disagree), classify ("…" as a name or a string), emit (literals → ?), collapse
 * (IN lists, VALUES rows) and the summary. Each function below is named after its Python twin and follows
 * it step by step; where Python asks a regex, this loops over the same character set.
 *
 * The reading tables stay in Python (sql._DIALECT_READINGS is passed in), so there is one source for them;
 * the keyword tables are here too, and keyword_sets() hands them back for a test that compares them with
 * the Python ones.
 *
 * Two functions:
 *   tokenize(text, readings, dq_mode, options) -> (statement, tokens)
 *       the obfuscated statement (before truncation) and its tokens, packed (kind, offset, length) int32s
 *   summarize(statement, tokens, relationships) -> (operation, tables, summary, joins)
 * Never reads or writes outside its buffers on any input; errors are Python exceptions (MemoryError, a
 * TypeError for a non-str), which the caller turns into a FAILED result (fail closed).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

typedef Py_UCS4 ch;

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

/* characters of output text */
typedef struct { ch *v; Py_ssize_t n, cap; } Buf;

static int
buf_reserve(Buf *b, Py_ssize_t more)
{
    if (b->n + more <= b->cap)
        return 0;
    Py_ssize_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + more)
        cap *= 2;
    ch *v = PyMem_Realloc(b->v, (size_t)cap * sizeof(ch));
    if (v == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->v = v;
    b->cap = cap;
    return 0;
}

static int
buf_add(Buf *b, const ch *s, Py_ssize_t len)
{
    if (buf_reserve(b, len) < 0)
        return -1;
    if (len <= 16) {  /* (most tokens: a call to memcpy costs more than the copy) */
        for (Py_ssize_t i = 0; i < len; i++)
            b->v[b->n + i] = s[i];
    }
    else {
        memcpy(b->v + b->n, s, (size_t)len * sizeof(ch));
    }
    b->n += len;
    return 0;
}

/* A str of the n characters at s, created at its final width (one pass to find it, one to copy). */
static PyObject *
str_of(const ch *s, Py_ssize_t n)
{
    ch max = 0;
    for (Py_ssize_t i = 0; i < n; i++)
        if (s[i] > max)
            max = s[i];
    PyObject *str = PyUnicode_New(n, max);
    if (str == NULL)
        return NULL;
    int kind = PyUnicode_KIND(str);
    void *data = PyUnicode_DATA(str);
    if (kind == PyUnicode_1BYTE_KIND) {
        Py_UCS1 *d = data;
        for (Py_ssize_t i = 0; i < n; i++)
            d[i] = (Py_UCS1)s[i];
    }
    else if (kind == PyUnicode_2BYTE_KIND) {
        Py_UCS2 *d = data;
        for (Py_ssize_t i = 0; i < n; i++)
            d[i] = (Py_UCS2)s[i];
    }
    else {
        memcpy(data, s, (size_t)n * sizeof(ch));
    }
    return str;
}

static int
buf_addc(Buf *b, ch c)
{
    if (buf_reserve(b, 1) < 0)
        return -1;
    b->v[b->n++] = c;
    return 0;
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

static inline int is_ws(ch c) { return c < 128 && (CLS[c] & CL_WS); }
static inline int is_alpha(ch c) { return c < 128 && (CLS[c] & CL_ALPHA); }
static inline int is_digit(ch c) { return c >= '0' && c <= '9'; }
static inline int is_hex(ch c) { return c < 128 && (CLS[c] & CL_HEX); }
/* sql._is_word_char */
static inline int is_word_char(ch c) { return c >= 128 || (CLS[c] & (CL_ALPHA | CL_DIGIT | CL_WORDX)); }
/* _WORD_RUN ('#' continues a word unless it starts a comment) and _WORD_RUN_NOHASH */
static inline int word_cont(ch c, int hash) { return is_word_char(c) || (!hash && c == '#'); }
/* _TAG_RUN */
static inline int tag_char(ch c) { return c >= 128 || (CLS[c] & (CL_ALPHA | CL_DIGIT)) || c == '_'; }
static inline ch ascii_up(ch c) { return (c >= 'a' && c <= 'z') ? c - 32 : c; }

static Py_ssize_t
run(const ch *s, Py_ssize_t n, Py_ssize_t j, int hash)
{
    while (j < n && word_cont(s[j], hash))
        j++;
    return j;
}

/* Does s[a:b] equal the ASCII keyword kw, ignoring case (sql._ascii_upper(word) == kw)? (Inline: kw is a
 * literal at every call, so its strlen is a constant.) */
static inline int
word_eq(const ch *s, Py_ssize_t a, Py_ssize_t b, const char *kw)
{
    Py_ssize_t len = (Py_ssize_t)strlen(kw);
    if (b - a != len)
        return 0;
    for (Py_ssize_t i = 0; i < len; i++)
        if (s[a + i] >= 128 || ascii_up(s[a + i]) != (ch)kw[i])
            return 0;
    return 1;
}

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

/* Is s[a:b] (ASCII, any case) one of the keywords? */
static int
word_in(const ch *s, Py_ssize_t a, Py_ssize_t b, const Kws *k)
{
    Py_ssize_t n = b - a;
    if (n < 1 || n > 63 || !(k->mask & ((uint64_t)1 << n)))
        return 0;
    for (int i = 0; k->w[i] != NULL; i++) {
        if (k->len[i] != n)
            continue;
        const char *kw = k->w[i];
        Py_ssize_t j = 0;
        while (j < n && s[a + j] < 128 && ascii_up(s[a + j]) == (ch)kw[j])
            j++;
        if (j == n)
            return 1;
    }
    return 0;
}

/* -- the scanner (sql.scan) -------------------------------------------------------------------------- */
/* sql._quoted_end: a doubled quote continues, so does \x when backslash; unterminated → n */
static Py_ssize_t
quoted_end(const ch *s, Py_ssize_t n, Py_ssize_t pos, ch quote, int backslash)
{
    Py_ssize_t i = pos + 1;
    while (i < n) {
        ch c = s[i];
        if (backslash && c == '\\') {
            i += 2;
        }
        else if (c == quote) {
            if (i + 1 < n && s[i + 1] == quote)
                i += 2;
            else
                return i + 1;
        }
        else {
            i++;
        }
    }
    return n;
}

/* sql._triple_end */
static Py_ssize_t
triple_end(const ch *s, Py_ssize_t n, Py_ssize_t pos, ch quote, int backslash)
{
    Py_ssize_t i = pos + 3;
    while (i < n) {
        if (backslash && s[i] == '\\')
            i += 2;
        else if (i + 2 < n && s[i] == quote && s[i + 1] == quote && s[i + 2] == quote)
            return i + 3;
        else
            i++;
    }
    return n;
}

/* sql._block_comment_end. Nested: the first closer after j ends a level unless an opener lies wholly before it. */
static Py_ssize_t
block_comment_end(const ch *s, Py_ssize_t n, Py_ssize_t pos, int nested)
{
    Py_ssize_t i = pos + 2;
    int depth = 1;
    while (i + 1 < n) {
        if (s[i] == '*' && s[i + 1] == '/') {
            if (!nested || --depth == 0)
                return i + 2;
            i += 2;
        }
        else if (nested && s[i] == '/' && s[i + 1] == '*' && !(i + 2 < n && s[i + 2] == '/')) {
            depth++;
            i += 2;
        }
        else {
            i++;
        }
    }
    return n;
}

/* str.find(needle, start) for an ASCII needle; -1 if absent */
static Py_ssize_t
find(const ch *s, Py_ssize_t n, Py_ssize_t start, const ch *needle, Py_ssize_t len)
{
    for (Py_ssize_t i = start; i + len <= n; i++) {
        if (s[i] == needle[0] && memcmp(s + i, needle, (size_t)len * sizeof(ch)) == 0)
            return i;
    }
    return -1;
}

static Py_ssize_t
find_char(const ch *s, Py_ssize_t n, Py_ssize_t start, ch c)
{
    for (Py_ssize_t i = start; i < n; i++)
        if (s[i] == c)
            return i;
    return -1;
}

/* sql._uuid_at */
static int
uuid_at(const ch *s, Py_ssize_t n, Py_ssize_t pos)
{
    Py_ssize_t end = pos + 36;
    if (end > n || s[pos + 8] != '-')
        return 0;
    for (Py_ssize_t i = 0; i < 36; i++) {
        ch c = s[pos + i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return 0;
        }
        else if (!is_hex(c)) {
            return 0;
        }
    }
    return end == n || !(is_word_char(s[end]) || s[end] == '-' || s[end] == '#');
}

/* sql._number_end: over word characters and dots, and over an exponent's sign after a decimal */
static Py_ssize_t
number_end(const ch *s, Py_ssize_t n, Py_ssize_t pos, int hash)
{
    Py_ssize_t j = pos;
    while (j < n && (word_cont(s[j], hash) || s[j] == '.'))
        j++;
    while (j + 1 < n && (s[j] == '+' || s[j] == '-') && (s[j - 1] == 'e' || s[j - 1] == 'E') && is_digit(s[j + 1])) {
        int decimal = 1;
        for (Py_ssize_t k = pos; k < j - 1; k++)
            if (!is_digit(s[k]) && s[k] != '.') {
                decimal = 0;
                break;
            }
        if (!decimal)
            break;
        j++;
        while (j < n && (word_cont(s[j], hash) || s[j] == '.'))
            j++;
    }
    return j;
}

/* sql._ends_value */
static inline int
ends_value(ch c)
{
    return is_word_char(c) || c == ')' || c == ']' || c == '}' || c == '\'' || c == '"' || c == '`';
}

#define PUSH(kind, a, b) do { if (toks_push(t, (kind), (a), (b)) < 0) return -1; } while (0)

static int
scan(const ch *s, Py_ssize_t n, int flags, Toks *t)
{
    int bs = (flags & F_BS) != 0;
    int dq_bs = bs && (flags & F_DQS);
    int hash = (flags & F_HASH) != 0;
    Py_ssize_t pos = 0, end;
    while (pos < n) {
        ch c = s[pos];
        ch nxt = pos + 1 < n ? s[pos + 1] : 0;
        if (is_ws(c)) {
            end = pos + 1;
            while (end < n && is_ws(s[end]))
                end++;
            PUSH(T_WS, pos, end);
            pos = end;
            continue;
        }
        if (c >= 128 || is_alpha(c) || c == '_') {
            if (is_hex(c) && uuid_at(s, n, pos)) {
                PUSH(T_STRING, pos, pos + 36);
                pos += 36;
                continue;
            }
            end = run(s, n, pos + 1, hash);
            if (end < n && s[end] == '\'') {
                int q = word_eq(s, pos, end, "Q") || word_eq(s, pos, end, "NQ");
                if ((flags & F_QQ) && q && end + 1 < n && !is_ws(s[end + 1]) && s[end + 1] != '\'') {
                    ch d = s[end + 1];
                    ch close = d == '[' ? ']' : d == '{' ? '}' : d == '(' ? ')' : d == '<' ? '>' : d;
                    ch closer[2] = {close, '\''};
                    Py_ssize_t k = find(s, n, end + 2, closer, 2);
                    Py_ssize_t stop = k < 0 ? n : k + 2;
                    PUSH(T_STRING, pos, stop);
                    pos = stop;
                    continue;
                }
                int charset = s[pos] == '_';
                for (Py_ssize_t i = pos; charset && i < end; i++)
                    if (s[i] >= 128)
                        charset = 0;  /* (_ascii_upper of a non-ASCII word is "") */
                if (word_eq(s, pos, end, "N") || word_eq(s, pos, end, "E") || word_eq(s, pos, end, "X")
                        || word_eq(s, pos, end, "B") || word_eq(s, pos, end, "NQ") || charset) {
                    int escapes = bs || (word_eq(s, pos, end, "E") && (flags & F_EBS));
                    Py_ssize_t stop = quoted_end(s, n, end, '\'', escapes);
                    PUSH(T_STRING, pos, stop);
                    pos = stop;
                    continue;
                }
            }
            else if (end + 1 < n && s[end] == '&' && s[end + 1] == '\'' && end == pos + 1 && (c == 'U' || c == 'u')) {
                Py_ssize_t stop = quoted_end(s, n, end + 1, '\'', bs);
                PUSH(T_STRING, pos, stop);
                pos = stop;
                continue;
            }
            PUSH(T_WORD, pos, end);
            pos = end;
            continue;
        }
        if (is_digit(c)) {
            if (uuid_at(s, n, pos)) {
                end = pos + 36;
                PUSH(T_STRING, pos, end);
            }
            else {
                end = number_end(s, n, pos, hash);
                PUSH(T_NUMBER, pos, end);
            }
            pos = end;
            continue;
        }
        switch (c) {
        case '\'':
            if ((flags & F_TRIPLE) && nxt == '\'' && pos + 2 < n && s[pos + 2] == '\'')
                end = triple_end(s, n, pos, '\'', bs);
            else
                end = quoted_end(s, n, pos, '\'', bs);
            PUSH(T_STRING, pos, end);
            break;
        case '"':
            if ((flags & F_TRIPLE) && nxt == '"' && pos + 2 < n && s[pos + 2] == '"') {
                end = triple_end(s, n, pos, '"', dq_bs);
                PUSH(T_STRING, pos, end);
            }
            else {
                end = quoted_end(s, n, pos, '"', dq_bs);
                PUSH(T_DQ, pos, end);
            }
            break;
        case '`':
            end = quoted_end(s, n, pos, '`', 0);
            PUSH(T_QIDENT, pos, end);
            break;
        case '[':
            if (flags & F_BRACKET) {
                end = quoted_end(s, n, pos, ']', 0);  /* ]] is a literal ] */
                PUSH(T_QIDENT, pos, end);
            }
            else {
                end = pos + 1;
                PUSH(T_OP, pos, end);
            }
            break;
        case '$':
            if (is_digit(nxt)) {
                end = pos + 1;
                while (end < n && is_digit(s[end]))
                    end++;
                PUSH(T_PARAM, pos, end);
            }
            else if (nxt == '$' && (flags & (F_DOLLAR | F_DTAG))) {
                static const ch dd[2] = {'$', '$'};
                Py_ssize_t k = find(s, n, pos + 2, dd, 2);
                end = k < 0 ? n : k + 2;
                PUSH(T_STRING, pos, end);
            }
            else if ((flags & F_DTAG) && nxt && (nxt == '_' || is_alpha(nxt) || nxt >= 128)) {
                Py_ssize_t tag_end = pos + 1;
                while (tag_end < n && tag_char(s[tag_end]))
                    tag_end++;
                if (tag_end < n && s[tag_end] == '$') {
                    Py_ssize_t len = tag_end + 1 - pos;
                    Py_ssize_t k = find(s, n, tag_end + 1, s + pos, len);
                    end = k < 0 ? n : k + len;
                    PUSH(T_STRING, pos, end);
                }
                else {
                    end = pos + 1;
                    PUSH(T_OP, pos, end);
                }
            }
            else {
                end = pos + 1;
                PUSH(T_OP, pos, end);
            }
            break;
        case '-':
            if (nxt == '-') {
                Py_ssize_t k = find_char(s, n, pos, '\n');
                end = k < 0 ? n : k;
                PUSH(T_COMMENT, pos, end);
            }
            else {
                end = pos + 1;
                PUSH(T_OP, pos, end);
            }
            break;
        case '/':
            if (nxt == '*') {
                end = block_comment_end(s, n, pos, (flags & F_NEST) != 0);
                PUSH(T_COMMENT, pos, end);
            }
            else if ((flags & F_SLASH2) && nxt == '/') {
                Py_ssize_t k = find_char(s, n, pos, '\n');
                end = k < 0 ? n : k;
                PUSH(T_COMMENT, pos, end);
            }
            else {
                end = pos + 1;
                PUSH(T_OP, pos, end);
            }
            break;
        case '#':
            if (hash) {
                Py_ssize_t k = find_char(s, n, pos, '\n');
                end = k < 0 ? n : k;
                PUSH(T_COMMENT, pos, end);
            }
            else if (pos + 1 < n && (is_word_char(nxt) || nxt == '#')) {
                end = run(s, n, pos + 1, 0);  /* SQL Server #temp and ##global tables */
                PUSH(T_WORD, pos, end);
            }
            else {
                end = pos + 1;
                PUSH(T_OP, pos, end);
            }
            break;
        case '.':
            if (is_digit(nxt) && !(pos && is_word_char(s[pos - 1]))) {
                end = number_end(s, n, pos, hash);
                PUSH(T_NUMBER, pos, end);
            }
            else {
                end = pos + 1;
                PUSH(T_OP, pos, end);
            }
            break;
        case '?':
            end = pos + 1;  /* ? and SQLite's ?NNN */
            while (end < n && is_digit(s[end]))
                end++;
            PUSH(T_PARAM, pos, end);
            break;
        case ':':
            if (nxt == ':') {
                end = pos + 2;
                PUSH(T_OP, pos, end);
            }
            else if (nxt && is_word_char(nxt) && nxt != '$' && !(pos && ends_value(s[pos - 1]))) {
                end = run(s, n, pos + 1, 1);
                PUSH(T_PARAM, pos, end);
            }
            else {
                end = pos + 1;
                PUSH(T_OP, pos, end);
            }
            break;
        case '@':
            if (pos + 1 < n && (is_word_char(nxt) || nxt == '@')) {
                end = run(s, n, nxt == '@' ? pos + 2 : pos + 1, 1);
                PUSH(T_PARAM, pos, end);
            }
            else {
                end = pos + 1;
                PUSH(T_OP, pos, end);
            }
            break;
        default:
            end = pos + 1;
            PUSH(T_OP, pos, end);
        }
        pos = end;
    }
    return 0;
}

/* -- readings (sql.relevant_flags, sql.readings_for) --------------------------------------------------- */
static int
relevant_flags(const ch *s, Py_ssize_t n)
{
    int rel = 0, comments = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        ch c = s[i];
        if (c >= 128 || !(CLS[c] & CL_TRIGGER))
            continue;  /* (most characters) */
        ch nxt = i + 1 < n ? s[i + 1] : 0;
        switch (c) {
        case '\\':
            rel |= F_BS | F_EBS | F_DQS;
            break;
        case '/':
            if (nxt == '*') {
                comments++;  /* (str.count of openers: non-overlapping) */
                i++;
            }
            else if (nxt == '/') {
                rel |= F_SLASH2;
            }
            break;
        case '#':
            rel |= F_HASH;
            break;
        case '$':
            if (nxt == '$')
                rel |= F_DOLLAR | F_DTAG;
            else if (nxt == '_' || is_alpha(nxt) || nxt >= 128)
                rel |= F_DTAG;
            break;
        case 'q':
        case 'Q':
            if (nxt == '\'')
                rel |= F_QQ;
            break;
        case '\'':
        case '"':
            if (nxt == c && i + 2 < n && s[i + 2] == c)
                rel |= F_TRIPLE;
            break;
        case '[':
            rel |= F_BRACKET;
            break;
        }
    }
    if (comments > 1)
        rel |= F_NEST;
    return rel;
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

/* -- classification (sql.classify) ------------------------------------------------------------------ */
enum { LEVEL_QUERY, LEVEL_EXPR, LEVEL_NAMES };
enum { CLAUSE_NONE, CLAUSE_FROM, CLAUSE_SET, CLAUSE_OTHER };

/* sql._upper_word(text, tok) in kw (the token a word) */
static int
tok_word_in(const ch *s, const Tok *t, const Kws *kws)
{
    return t != NULL && t->kind == T_WORD && word_in(s, t->s, t->e, kws);
}

static inline int
tok_word_is(const ch *s, const Tok *t, const char *kw)
{
    return t != NULL && t->kind == T_WORD && word_eq(s, t->s, t->e, kw);
}

/* sql._name_end over significant token indices */
static Py_ssize_t
name_end(const ch *s, const Toks *toks, const Py_ssize_t *sig, Py_ssize_t nsig, Py_ssize_t i)
{
    while (i + 2 < nsig) {
        const Tok *dot = &toks->v[sig[i + 1]], *nm = &toks->v[sig[i + 2]];
        if (!(dot->kind == T_OP && s[dot->s] == '.' && (nm->kind == T_WORD || nm->kind == T_DQ || nm->kind == T_QIDENT)))
            break;
        i += 2;
    }
    return i;
}

static int
classify(const ch *s, Toks *toks)
{
    Py_ssize_t nsig = 0, ndq = 0;
    for (Py_ssize_t x = 0; x < toks->n; x++) {
        int k = toks->v[x].kind;
        if (k != T_WS && k != T_COMMENT) {
            nsig++;
            ndq += k == T_DQ;
        }
    }
    if (!ndq)
        return 0;
    Py_ssize_t *sig = PyMem_Malloc((size_t)nsig * sizeof(Py_ssize_t));
    char *is_name = PyMem_Calloc((size_t)toks->n, 1);
    int (*levels)[2] = PyMem_Malloc((size_t)(nsig + 1) * sizeof(*levels));
    if (sig == NULL || is_name == NULL || levels == NULL) {
        PyMem_Free(sig);
        PyMem_Free(is_name);
        PyMem_Free(levels);
        PyErr_NoMemory();
        return -1;
    }
    nsig = 0;
    for (Py_ssize_t x = 0; x < toks->n; x++)
        if (toks->v[x].kind != T_WS && toks->v[x].kind != T_COMMENT)
            sig[nsig++] = x;
    Py_ssize_t depth = 0;
    levels[0][0] = LEVEL_QUERY;
    levels[0][1] = CLAUSE_NONE;
    int table_next = 0;
    Py_ssize_t table_end = -1;
    for (Py_ssize_t i = 0; i < nsig; i++) {
        const Tok *tok = &toks->v[sig[i]];
        const Tok *prev = i ? &toks->v[sig[i - 1]] : NULL;
        const Tok *nxt = i + 1 < nsig ? &toks->v[sig[i + 1]] : NULL;
        int *level = levels[depth];
        if (tok->kind == T_WORD) {
            if (level[0] == LEVEL_QUERY && word_in(s, tok->s, tok->e, &K_CLAUSES))
                level[1] = word_eq(s, tok->s, tok->e, "FROM") ? CLAUSE_FROM
                           : word_eq(s, tok->s, tok->e, "SET") ? CLAUSE_SET : CLAUSE_OTHER;
            if (word_in(s, tok->s, tok->e, &K_TABLE_KW)) {
                table_next = 1;
                continue;
            }
            if (table_next && !(word_eq(s, tok->s, tok->e, "IF") || word_eq(s, tok->s, tok->e, "NOT")
                                || word_eq(s, tok->s, tok->e, "EXISTS") || word_eq(s, tok->s, tok->e, "ONLY"))) {
                table_next = 0;
                table_end = name_end(s, toks, sig, nsig, i);
            }
            continue;
        }
        if (tok->kind == T_OP) {
            ch c = s[tok->s];
            if (c == '(') {
                int kind;
                if (tok_word_is(s, nxt, "SELECT") || tok_word_is(s, nxt, "WITH") || tok_word_is(s, nxt, "VALUES"))
                    kind = LEVEL_QUERY;
                else if (table_end == i - 1 || tok_word_in(s, prev, &K_NAMELIST_AFTER))
                    kind = LEVEL_NAMES;
                else
                    kind = LEVEL_EXPR;
                depth++;
                levels[depth][0] = kind;
                levels[depth][1] = CLAUSE_NONE;
            }
            else if (c == ')' && depth > 0) {
                depth--;
            }
            table_next = 0;
            continue;
        }
        if (tok->kind == T_QIDENT || tok->kind == T_DQ) {
            if (table_next) {
                table_next = 0;
                table_end = name_end(s, toks, sig, nsig, i);
            }
            if (tok->kind == T_QIDENT)
                continue;
            ch pc = prev != NULL && prev->kind == T_OP ? s[prev->s] : 0;
            ch nc = nxt != NULL && nxt->kind == T_OP ? s[nxt->s] : 0;
            int name = nc == '.' || pc == '.'
                || (tok_word_in(s, prev, &K_NAME_AFTER) && (!tok_word_is(s, prev, "FROM") || level[0] == LEVEL_QUERY))
                || (pc == ',' && level[0] == LEVEL_QUERY && level[1] == CLAUSE_FROM)
                || (level[0] == LEVEL_NAMES && (pc == '(' || pc == ','))
                || (nc == '=' && (tok_word_is(s, prev, "SET") || (pc == ',' && level[1] == CLAUSE_SET)))
                || (tok_word_is(s, nxt, "AS") && i + 2 < nsig && toks->v[sig[i + 2]].kind == T_OP
                    && s[toks->v[sig[i + 2]].s] == '(')
                || i <= table_end;
            if (name)
                is_name[sig[i]] = 1;
            continue;
        }
        table_next = 0;
    }
    for (Py_ssize_t x = 0; x < toks->n; x++)
        if (toks->v[x].kind == T_DQ)
            toks->v[x].kind = is_name[x] ? T_QIDENT : T_STRING;
    PyMem_Free(sig);
    PyMem_Free(is_name);
    PyMem_Free(levels);
    return 0;
}

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

/* Appends text to the buffer (whitespace runs squeezed to one space when squeeze) and pushes its token. */
static int
emit_text(Buf *b, OToks *out, int kind, const ch *text, Py_ssize_t len, int squeeze)
{
    Py_ssize_t off = b->n;
    if (!squeeze) {
        if (buf_add(b, text, len) < 0)
            return -1;
    }
    else {
        for (Py_ssize_t i = 0; i < len; i++) {
            if (is_ws(text[i])) {
                if (buf_addc(b, ' ') < 0)
                    return -1;
                while (i + 1 < len && is_ws(text[i + 1]))
                    i++;
            }
            else if (buf_addc(b, text[i]) < 0) {
                return -1;
            }
        }
    }
    return otoks_push(out, kind, off, b->n - off);
}

static const ch SPACE[1] = {' '}, QMARK[1] = {'?'}, LPAREN[1] = {'('}, RPAREN[1] = {')'};

/* sql._ends_operand */
static int
ends_operand(const ch *s, const Tok *t)
{
    if (t == NULL)
        return 0;
    if (t->kind == T_WORD)
        return !word_in(s, t->s, t->e, &K_SIGN_KEYWORDS);
    if (t->kind == T_OP)
        return s[t->s] == ')' || s[t->s] == ']';
    return t->kind != T_WS && t->kind != T_COMMENT;
}

#define EMIT(kind, text, len, squeeze) do { if (emit_text(b, out, (kind), (text), (len), (squeeze)) < 0) return -1; } while (0)
#define OWE_SPACE() do { if (space && out->n) EMIT(O_WS, SPACE, 1, 0); } while (0)

static int
emit(const ch *s, const Toks *toks, int booleans, int keep_comments, Buf *b, OToks *out)
{
    const Tok *prev_sig = NULL;
    int space = 0;
    for (Py_ssize_t idx = 0; idx < toks->n; idx++) {
        const Tok *tok = &toks->v[idx];
        int kind = tok->kind;
        if (kind == T_WS) {
            space = 1;
            continue;
        }
        if (kind == T_COMMENT) {
            if (keep_comments) {
                OWE_SPACE();
                EMIT(O_COMMENT, s + tok->s, tok->e - tok->s, 1);
            }
            space = 1;
            continue;
        }
        if (kind == T_OP && s[tok->s] == '-' && idx + 1 < toks->n && toks->v[idx + 1].kind == T_NUMBER
                && !ends_operand(s, prev_sig)) {
            prev_sig = tok;  /* a sign: "-1" becomes one "?" with the number that follows */
            OWE_SPACE();
            space = 0;
            continue;
        }
        OWE_SPACE();
        space = 0;
        if (kind == T_WORD) {
            if (booleans && (word_eq(s, tok->s, tok->e, "TRUE") || word_eq(s, tok->s, tok->e, "FALSE"))
                    && !(tok->s && (s[tok->s - 1] == '.' || s[tok->s - 1] == '$')))
                EMIT(O_Q, QMARK, 1, 0);
            else
                EMIT(O_WORD, s + tok->s, tok->e - tok->s, 0);
        }
        else if (kind == T_NUMBER || kind == T_STRING) {
            EMIT(O_Q, QMARK, 1, 0);
        }
        else if (kind == T_PARAM) {
            if (tok->e - tok->s == 1 && s[tok->s] == '?')
                EMIT(O_Q, QMARK, 1, 0);
            else
                EMIT(O_PARAM, s + tok->s, tok->e - tok->s, 0);
        }
        else if (kind == T_QIDENT || kind == T_DQ) {
            EMIT(O_IDENT, s + tok->s, tok->e - tok->s, 1);
        }
        else {
            EMIT(O_OP, s + tok->s, tok->e - tok->s, 0);
        }
        prev_sig = tok;
    }
    return 0;
}

/* -- lists (sql.collapse) --------------------------------------------------------------------------- */
typedef struct { const ch *b; const OTok *v; Py_ssize_t n; } OView;

static inline Py_ssize_t skip_ws(const OView *o, Py_ssize_t i) { return i < o->n && o->v[i].kind == O_WS ? i + 1 : i; }

static inline int
is_op(const OView *o, Py_ssize_t i, ch c)
{
    return i < o->n && o->v[i].kind == O_OP && o->v[i].len == 1 && o->b[o->v[i].off] == c;
}

static Py_ssize_t
row_end(const OView *o, Py_ssize_t i)
{
    if (!is_op(o, i, '('))
        return -1;
    i = skip_ws(o, i + 1);
    for (;;) {
        if (i >= o->n || o->v[i].kind != O_Q)
            return -1;
        i = skip_ws(o, i + 1);
        if (is_op(o, i, ')'))
            return i + 1;
        if (!is_op(o, i, ','))
            return -1;
        i = skip_ws(o, i + 1);
    }
}

static void
rows_end(const OView *o, Py_ssize_t i, Py_ssize_t *first_out, Py_ssize_t *last_out)
{
    Py_ssize_t first = row_end(o, i);
    *first_out = *last_out = -1;
    if (first < 0)
        return;
    Py_ssize_t last = first, j = first;
    for (;;) {
        j = skip_ws(o, j);
        if (!is_op(o, j, ','))
            break;
        Py_ssize_t nxt = row_end(o, skip_ws(o, j + 1));
        if (nxt < 0)
            break;
        last = j = nxt;
    }
    if (last != first) {
        *first_out = first;
        *last_out = last;
    }
}

#define RPUSH(kind, off, len) do { if (otoks_push(res, (kind), (off), (len)) < 0) return -1; } while (0)
#define RCOPY(a, b_) do { for (Py_ssize_t _x = (a); _x < (b_); _x++) RPUSH(o.v[_x].kind, o.v[_x].off, o.v[_x].len); } while (0)

/* Is there an IN or a VALUES for collapse to look at? (Without one it would copy every token unchanged.) */
static int
collapsible(const Buf *b, const OToks *in)
{
    for (Py_ssize_t i = 0; i < in->n; i++) {
        OTok t = in->v[i];
        if (t.kind == O_WORD && (t.len == 2 || t.len == 6)
                && (word_eq(b->v, t.off, t.off + t.len, "IN") || word_eq(b->v, t.off, t.off + t.len, "VALUES")))
            return 1;
    }
    return 0;
}

/* The buffer gains "(?)" (for the tokens collapse adds); res gets the collapsed tokens. */
static int
collapse(Buf *b, const OToks *in, OToks *res)
{
    Py_ssize_t added = b->n;
    if (buf_add(b, LPAREN, 1) < 0 || buf_add(b, QMARK, 1) < 0 || buf_add(b, RPAREN, 1) < 0)
        return -1;
    OView o = {b->v, in->v, in->n};
    Py_ssize_t i = 0, n = in->n;
    while (i < n) {
        OTok tok = o.v[i];
        RPUSH(tok.kind, tok.off, tok.len);
        i++;
        if (tok.kind != O_WORD || (tok.len != 2 && tok.len != 6))
            continue;
        if (res->n > 1) {
            OTok before = res->v[res->n - 2];
            if (before.kind == O_OP && before.len == 1 && b->v[before.off] == '.')
                continue;
        }
        if (word_eq(b->v, tok.off, tok.off + tok.len, "IN")) {
            Py_ssize_t j = skip_ws(&o, i);
            if (!is_op(&o, j, '('))
                continue;
            Py_ssize_t k = skip_ws(&o, j + 1);
            if (k < n && o.v[k].kind == O_Q) {
                Py_ssize_t end = row_end(&o, j), count = 0;
                for (Py_ssize_t x = j; end > 0 && x < end; x++)
                    count += o.v[x].kind == O_Q;
                if (end > 0 && count > 1) {
                    RCOPY(i, j);
                    RPUSH(O_OP, added, 1);
                    RPUSH(O_Q, added + 1, 1);
                    RPUSH(O_OP, added + 2, 1);
                    i = end;
                }
                continue;
            }
            Py_ssize_t first, last;
            rows_end(&o, k, &first, &last);
            if (first > 0) {
                Py_ssize_t close = skip_ws(&o, last);
                if (is_op(&o, close, ')')) {
                    RCOPY(i, j);
                    RPUSH(O_OP, added, 1);
                    RCOPY(k, first);
                    RPUSH(O_OP, added + 2, 1);
                    i = close + 1;
                }
            }
        }
        else if (word_eq(b->v, tok.off, tok.off + tok.len, "VALUES")) {
            Py_ssize_t j = skip_ws(&o, i), first, last;
            rows_end(&o, j, &first, &last);
            if (first > 0) {
                RCOPY(i, first);
                i = last;
            }
        }
    }
    return 0;
}

/* -- tokenize(text, readings, dq_mode, options) -> (statement, tokens) ------------------------------------- */
#define MAX_READINGS 64

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
    Py_ssize_t n = PyUnicode_GET_LENGTH(args[0]);
    if (n >= INT32_MAX / 2) {  /* (the output, with "(?)" added, must fit int32 offsets too) */
        PyErr_SetString(PyExc_ValueError, "tokenize: statement too long");
        return NULL;
    }
    ch small[1024];  /* most statements: no allocation for the copy */
    ch *s = n < 1024 ? PyUnicode_AsUCS4(args[0], small, 1024, 0) : PyUnicode_AsUCS4Copy(args[0]);
    if (s == NULL)
        return NULL;
    PyObject *result = NULL;
    Toks streams[MAX_READINGS];
    int count = 0, nstreams = 0;  /* readings found; streams initialised (the ones to free) */
    Toks merged = {0};
    Buf b = {0}, final = {0};
    OToks out = {0}, collapsed = {0};
    int rel = relevant_flags(s, n), readings[MAX_READINGS];
    for (Py_ssize_t r = 0; r < nread; r++) {
        long flags = PyLong_AsLong(PyTuple_GET_ITEM(args[1], r));
        if (flags == -1 && PyErr_Occurred())
            goto done;
        int eff = (int)flags & rel;
        if (!(eff & F_BS))
            eff &= ~F_DQS;  /* (DQS only says whether backslashes escape in "…") */
        int seen = 0;
        for (int x = 0; x < count; x++)
            seen |= readings[x] == eff;
        if (!seen)
            readings[count++] = eff;
    }
    memset(streams, 0, (size_t)count * sizeof(Toks));
    nstreams = count;
    for (int r = 0; r < count; r++)
        if (scan(s, n, readings[r], &streams[r]) < 0)
            goto done;
    Toks *toks = &streams[0];
    if (count > 1) {
        if (union_streams(streams, count, &merged) < 0)
            goto done;
        toks = &merged;
    }
    if (dq_mode == DQ_CLASSIFY) {
        if (classify(s, toks) < 0)
            goto done;
    }
    else if (dq_mode == DQ_STRING) {
        for (Py_ssize_t x = 0; x < toks->n; x++)
            if (toks->v[x].kind == T_DQ)
                toks->v[x].kind = T_STRING;
    }
    if (emit(s, toks, (options & OPT_BOOLEANS) != 0, (options & OPT_KEEP_COMMENTS) != 0, &b, &out) < 0)
        goto done;
    OToks *o = &out;
    if ((options & OPT_COLLAPSE) && collapsible(&b, &out)) {
        if (collapse(&b, &out, &collapsed) < 0)
            goto done;
        o = &collapsed;
    }
    /* the statement is the tokens' texts joined; tokens packed as int32 (kind, offset, length) in it. The
     * buffer already is that, unless collapsing took tokens out (or added "(?)" at its end). */
    Py_ssize_t total = 0;
    int contiguous = 1;
    for (Py_ssize_t x = 0; x < o->n; x++) {
        contiguous = contiguous && o->v[x].off == total;
        total += o->v[x].len;
    }
    PyObject *packed = PyBytes_FromStringAndSize(NULL, o->n * 3 * (Py_ssize_t)sizeof(int32_t));
    if (packed == NULL)
        goto done;
    int32_t *p = (int32_t *)PyBytes_AS_STRING(packed);
    const ch *text = b.v;
    if (!contiguous) {
        if (buf_reserve(&final, total) < 0) {
            Py_DECREF(packed);
            goto done;
        }
        for (Py_ssize_t x = 0; x < o->n; x++) {
            int32_t off = (int32_t)final.n;
            buf_add(&final, b.v + o->v[x].off, o->v[x].len);  /* (reserved above: cannot fail) */
            o->v[x].off = off;
        }
        text = final.v;
    }
    for (Py_ssize_t x = 0; x < o->n; x++) {
        p[3 * x] = o->v[x].kind;
        p[3 * x + 1] = o->v[x].off;
        p[3 * x + 2] = o->v[x].len;
    }
    PyObject *statement = str_of(text != NULL ? text : SPACE, total);
    if (statement == NULL) {
        Py_DECREF(packed);
        goto done;
    }
    result = PyTuple_Pack(2, statement, packed);
    Py_DECREF(statement);
    Py_DECREF(packed);
done:
    for (int r = 0; r < nstreams; r++)
        toks_free(&streams[r]);
    toks_free(&merged);
    PyMem_Free(b.v);
    PyMem_Free(final.v);
    PyMem_Free(out.v);
    PyMem_Free(collapsed.v);
    if (s != small)
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
    return i < g->n && g->kind[i] == O_WORD && word_in(g->s, g->off[i], g->off[i] + g->len[i], kws);
}
static inline int sig_word_is(const Sig *g, Py_ssize_t i, const char *kw)
{
    return i < g->n && g->kind[i] == O_WORD && word_eq(g->s, g->off[i], g->off[i] + g->len[i], kw);
}
static inline int sig_ident(const Sig *g, Py_ssize_t i)
{
    return i < g->n && (g->kind[i] == O_IDENT || g->kind[i] == O_WORD);
}

/* sql._unquote of token i: appended to b */
static int
add_unquoted(const Sig *g, Py_ssize_t i, Buf *b)
{
    const ch *p = g->s + g->off[i];
    Py_ssize_t len = g->len[i];
    if (len && (p[0] == '"' || p[0] == '`' || p[0] == '['))
        return len >= 2 ? buf_add(b, p + 1, len - 2) : 0;
    return buf_add(b, p, len);
}

static PyObject *
buf_str(const Buf *b)
{
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, b->v ? b->v : SPACE, b->n);
}

/* sql._qualified: the name (unquoted parts joined by dots) as a new str in *name, the index after it; -1 if
 * no name starts at i (and *name NULL). -2: an error. */
static Py_ssize_t
qualified(const Sig *g, Py_ssize_t i, PyObject **name)
{
    *name = NULL;
    if (!sig_ident(g, i))
        return -1;
    Buf b = {0};
    if (add_unquoted(g, i, &b) < 0)
        goto fail;
    i++;
    while (i + 1 < g->n && sig_op(g, i, '.') && sig_ident(g, i + 1)) {
        if (buf_addc(&b, '.') < 0 || add_unquoted(g, i + 1, &b) < 0)
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
           && !word_in(g->s, g->off[i + 1], g->off[i + 1] + g->len[i + 1], &K_ALIAS_STOP))
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
    Buf b = {0};
    for (Py_ssize_t x = 0; x < g->len[i]; x++)
        if (buf_addc(&b, ascii_up(g->s[g->off[i] + x])) < 0) {
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
            Buf b = {0};
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

static PyObject *
summarize(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyUnicode_Check(args[0]) || !PyBytes_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "summarize(statement: str, tokens: bytes, relationships: bool)");
        return NULL;
    }
    int relationships = PyObject_IsTrue(args[2]);
    if (relationships < 0)
        return NULL;
    Py_ssize_t ntok = PyBytes_GET_SIZE(args[1]) / (3 * (Py_ssize_t)sizeof(int32_t));
    const int32_t *packed = (const int32_t *)PyBytes_AS_STRING(args[1]);
    Py_ssize_t slen = PyUnicode_GET_LENGTH(args[0]);
    for (Py_ssize_t x = 0; x < ntok; x++)
        if (packed[3 * x + 1] < 0 || packed[3 * x + 2] < 0 || (Py_ssize_t)packed[3 * x + 1] + packed[3 * x + 2] > slen) {
            PyErr_SetString(PyExc_ValueError, "summarize: tokens outside the statement");
            return NULL;
        }
    ch *s = PyUnicode_AsUCS4Copy(args[0]);
    if (s == NULL)
        return NULL;
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
        int32_t k = packed[3 * x], o = packed[3 * x + 1], l = packed[3 * x + 2];
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
                    Buf b = {0};
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
    PyMem_Free(s);
    return result;
}

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
    return PyModule_Create(&sqlcore_module);
}
