/* The passes over a statement's characters, once per width of the characters (included by _sqlcore.c, which
 * defines SQ_CH, the character type, and SQ(name), the name of this instance's copy of a function or type):
 * Py_UCS1 for statements of PyUnicode's 1-byte kind (ASCII and Latin-1: nearly every statement, scanned
 * where it lies, without a copy), Py_UCS4 for the others. The obfuscated statement is built in the same width. */
#define ch SQ_CH
/* characters of output text */
typedef struct { ch *v; Py_ssize_t n, cap; } SQ(Buf);

static int
SQ(buf_reserve)(SQ(Buf) *b, Py_ssize_t more)
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
SQ(buf_add)(SQ(Buf) *b, const ch *s, Py_ssize_t len)
{
    if (SQ(buf_reserve)(b, len) < 0)
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
SQ(str_of)(const ch *s, Py_ssize_t n)
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
SQ(buf_addc)(SQ(Buf) *b, ch c)
{
    if (SQ(buf_reserve)(b, 1) < 0)
        return -1;
    b->v[b->n++] = c;
    return 0;
}

static Py_ssize_t
SQ(run)(const ch *s, Py_ssize_t n, Py_ssize_t j, int hash)
{
    while (j < n && word_cont(s[j], hash))
        j++;
    return j;
}

/* Does s[a:b] equal the ASCII keyword kw, ignoring case (sql._ascii_upper(word) == kw)? (Inline: kw is a
 * literal at every call, so its strlen is a constant.) */
static inline int
SQ(word_eq)(const ch *s, Py_ssize_t a, Py_ssize_t b, const char *kw)
{
    Py_ssize_t len = (Py_ssize_t)strlen(kw);
    if (b - a != len)
        return 0;
    for (Py_ssize_t i = 0; i < len; i++)
        if (s[a + i] >= 128 || ascii_up(s[a + i]) != (ch)kw[i])
            return 0;
    return 1;
}

/* Is s[a:b] (ASCII, any case) one of the keywords? */
static int
SQ(word_in)(const ch *s, Py_ssize_t a, Py_ssize_t b, const Kws *k)
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
SQ(quoted_end)(const ch *s, Py_ssize_t n, Py_ssize_t pos, ch quote, int backslash)
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
SQ(triple_end)(const ch *s, Py_ssize_t n, Py_ssize_t pos, ch quote, int backslash)
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
SQ(block_comment_end)(const ch *s, Py_ssize_t n, Py_ssize_t pos, int nested)
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
SQ(find)(const ch *s, Py_ssize_t n, Py_ssize_t start, const ch *needle, Py_ssize_t len)
{
    for (Py_ssize_t i = start; i + len <= n; i++) {
        if (s[i] == needle[0] && memcmp(s + i, needle, (size_t)len * sizeof(ch)) == 0)
            return i;
    }
    return -1;
}

static Py_ssize_t
SQ(find_char)(const ch *s, Py_ssize_t n, Py_ssize_t start, ch c)
{
    for (Py_ssize_t i = start; i < n; i++)
        if (s[i] == c)
            return i;
    return -1;
}

/* sql._uuid_at */
static int
SQ(uuid_at)(const ch *s, Py_ssize_t n, Py_ssize_t pos)
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
SQ(number_end)(const ch *s, Py_ssize_t n, Py_ssize_t pos, int hash)
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
SQ(ends_value)(ch c)
{
    return is_word_char(c) || c == ')' || c == ']' || c == '}' || c == '\'' || c == '"' || c == '`';
}

#define PUSH(kind, a, b) do { if (toks_push(t, (kind), (a), (b)) < 0) return -1; } while (0)

static int
SQ(scan)(const ch *s, Py_ssize_t n, int flags, Toks *t)
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
            if (is_hex(c) && SQ(uuid_at)(s, n, pos)) {
                PUSH(T_STRING, pos, pos + 36);
                pos += 36;
                continue;
            }
            end = SQ(run)(s, n, pos + 1, hash);
            if (end < n && s[end] == '\'') {
                int q = SQ(word_eq)(s, pos, end, "Q") || SQ(word_eq)(s, pos, end, "NQ");
                if ((flags & F_QQ) && q && end + 1 < n && !is_ws(s[end + 1]) && s[end + 1] != '\'') {
                    ch d = s[end + 1];
                    ch close = d == '[' ? ']' : d == '{' ? '}' : d == '(' ? ')' : d == '<' ? '>' : d;
                    ch closer[2] = {close, '\''};
                    Py_ssize_t k = SQ(find)(s, n, end + 2, closer, 2);
                    Py_ssize_t stop = k < 0 ? n : k + 2;
                    PUSH(T_STRING, pos, stop);
                    pos = stop;
                    continue;
                }
                int charset = s[pos] == '_';
                for (Py_ssize_t i = pos; charset && i < end; i++)
                    if (s[i] >= 128)
                        charset = 0;  /* (_ascii_upper of a non-ASCII word is "") */
                if (SQ(word_eq)(s, pos, end, "N") || SQ(word_eq)(s, pos, end, "E") || SQ(word_eq)(s, pos, end, "X")
                        || SQ(word_eq)(s, pos, end, "B") || SQ(word_eq)(s, pos, end, "NQ") || charset) {
                    int escapes = bs || (SQ(word_eq)(s, pos, end, "E") && (flags & F_EBS));
                    Py_ssize_t stop = SQ(quoted_end)(s, n, end, '\'', escapes);
                    PUSH(T_STRING, pos, stop);
                    pos = stop;
                    continue;
                }
            }
            else if (end + 1 < n && s[end] == '&' && s[end + 1] == '\'' && end == pos + 1 && (c == 'U' || c == 'u')) {
                Py_ssize_t stop = SQ(quoted_end)(s, n, end + 1, '\'', bs);
                PUSH(T_STRING, pos, stop);
                pos = stop;
                continue;
            }
            PUSH(T_WORD, pos, end);
            pos = end;
            continue;
        }
        if (is_digit(c)) {
            if (SQ(uuid_at)(s, n, pos)) {
                end = pos + 36;
                PUSH(T_STRING, pos, end);
            }
            else {
                end = SQ(number_end)(s, n, pos, hash);
                PUSH(T_NUMBER, pos, end);
            }
            pos = end;
            continue;
        }
        switch (c) {
        case '\'':
            if ((flags & F_TRIPLE) && nxt == '\'' && pos + 2 < n && s[pos + 2] == '\'')
                end = SQ(triple_end)(s, n, pos, '\'', bs);
            else
                end = SQ(quoted_end)(s, n, pos, '\'', bs);
            PUSH(T_STRING, pos, end);
            break;
        case '"':
            if ((flags & F_TRIPLE) && nxt == '"' && pos + 2 < n && s[pos + 2] == '"') {
                end = SQ(triple_end)(s, n, pos, '"', dq_bs);
                PUSH(T_STRING, pos, end);
            }
            else {
                end = SQ(quoted_end)(s, n, pos, '"', dq_bs);
                PUSH(T_DQ, pos, end);
            }
            break;
        case '`':
            end = SQ(quoted_end)(s, n, pos, '`', 0);
            PUSH(T_QIDENT, pos, end);
            break;
        case '[':
            if (flags & F_BRACKET) {
                end = SQ(quoted_end)(s, n, pos, ']', 0);  /* ]] is a literal ] */
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
                Py_ssize_t k = SQ(find)(s, n, pos + 2, dd, 2);
                end = k < 0 ? n : k + 2;
                PUSH(T_STRING, pos, end);
            }
            else if ((flags & F_DTAG) && nxt && (nxt == '_' || is_alpha(nxt) || nxt >= 128)) {
                Py_ssize_t tag_end = pos + 1;
                while (tag_end < n && tag_char(s[tag_end]))
                    tag_end++;
                if (tag_end < n && s[tag_end] == '$') {
                    Py_ssize_t len = tag_end + 1 - pos;
                    Py_ssize_t k = SQ(find)(s, n, tag_end + 1, s + pos, len);
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
                Py_ssize_t k = SQ(find_char)(s, n, pos, '\n');
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
                end = SQ(block_comment_end)(s, n, pos, (flags & F_NEST) != 0);
                PUSH(T_COMMENT, pos, end);
            }
            else if ((flags & F_SLASH2) && nxt == '/') {
                Py_ssize_t k = SQ(find_char)(s, n, pos, '\n');
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
                Py_ssize_t k = SQ(find_char)(s, n, pos, '\n');
                end = k < 0 ? n : k;
                PUSH(T_COMMENT, pos, end);
            }
            else if (pos + 1 < n && (is_word_char(nxt) || nxt == '#')) {
                end = SQ(run)(s, n, pos + 1, 0);  /* SQL Server #temp and ##global tables */
                PUSH(T_WORD, pos, end);
            }
            else {
                end = pos + 1;
                PUSH(T_OP, pos, end);
            }
            break;
        case '.':
            if (is_digit(nxt) && !(pos && is_word_char(s[pos - 1]))) {
                end = SQ(number_end)(s, n, pos, hash);
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
            else if (nxt && is_word_char(nxt) && nxt != '$' && !(pos && SQ(ends_value)(s[pos - 1]))) {
                end = SQ(run)(s, n, pos + 1, 1);
                PUSH(T_PARAM, pos, end);
            }
            else {
                end = pos + 1;
                PUSH(T_OP, pos, end);
            }
            break;
        case '@':
            if (pos + 1 < n && (is_word_char(nxt) || nxt == '@')) {
                end = SQ(run)(s, n, nxt == '@' ? pos + 2 : pos + 1, 1);
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
SQ(relevant_flags)(const ch *s, Py_ssize_t n)
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

/* -- classification (sql.classify) ------------------------------------------------------------------ */

/* sql._upper_word(text, tok) in kw (the token a word) */
static int
SQ(tok_word_in)(const ch *s, const Tok *t, const Kws *kws)
{
    return t != NULL && t->kind == T_WORD && SQ(word_in)(s, t->s, t->e, kws);
}

static inline int
SQ(tok_word_is)(const ch *s, const Tok *t, const char *kw)
{
    return t != NULL && t->kind == T_WORD && SQ(word_eq)(s, t->s, t->e, kw);
}

/* sql._name_end over significant token indices */
static Py_ssize_t
SQ(name_end)(const ch *s, const Toks *toks, const Py_ssize_t *sig, Py_ssize_t nsig, Py_ssize_t i)
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
SQ(classify)(const ch *s, Toks *toks)
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
            if (level[0] == LEVEL_QUERY && SQ(word_in)(s, tok->s, tok->e, &K_CLAUSES))
                level[1] = SQ(word_eq)(s, tok->s, tok->e, "FROM") ? CLAUSE_FROM
                           : SQ(word_eq)(s, tok->s, tok->e, "SET") ? CLAUSE_SET : CLAUSE_OTHER;
            if (SQ(word_in)(s, tok->s, tok->e, &K_TABLE_KW)) {
                table_next = 1;
                continue;
            }
            if (table_next && !(SQ(word_eq)(s, tok->s, tok->e, "IF") || SQ(word_eq)(s, tok->s, tok->e, "NOT")
                                || SQ(word_eq)(s, tok->s, tok->e, "EXISTS") || SQ(word_eq)(s, tok->s, tok->e, "ONLY"))) {
                table_next = 0;
                table_end = SQ(name_end)(s, toks, sig, nsig, i);
            }
            continue;
        }
        if (tok->kind == T_OP) {
            ch c = s[tok->s];
            if (c == '(') {
                int kind;
                if (SQ(tok_word_is)(s, nxt, "SELECT") || SQ(tok_word_is)(s, nxt, "WITH") || SQ(tok_word_is)(s, nxt, "VALUES"))
                    kind = LEVEL_QUERY;
                else if (table_end == i - 1 || SQ(tok_word_in)(s, prev, &K_NAMELIST_AFTER))
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
                table_end = SQ(name_end)(s, toks, sig, nsig, i);
            }
            if (tok->kind == T_QIDENT)
                continue;
            ch pc = prev != NULL && prev->kind == T_OP ? s[prev->s] : 0;
            ch nc = nxt != NULL && nxt->kind == T_OP ? s[nxt->s] : 0;
            int name = nc == '.' || pc == '.'
                || (SQ(tok_word_in)(s, prev, &K_NAME_AFTER) && (!SQ(tok_word_is)(s, prev, "FROM") || level[0] == LEVEL_QUERY))
                || (pc == ',' && level[0] == LEVEL_QUERY && level[1] == CLAUSE_FROM)
                || (level[0] == LEVEL_NAMES && (pc == '(' || pc == ','))
                || (nc == '=' && (SQ(tok_word_is)(s, prev, "SET") || (pc == ',' && level[1] == CLAUSE_SET)))
                || (SQ(tok_word_is)(s, nxt, "AS") && i + 2 < nsig && toks->v[sig[i + 2]].kind == T_OP
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

/* Appends text to the buffer (whitespace runs squeezed to one space when squeeze) and pushes its token. */
static int
SQ(emit_text)(SQ(Buf) *b, OToks *out, int kind, const ch *text, Py_ssize_t len, int squeeze)
{
    Py_ssize_t off = b->n;
    if (!squeeze) {
        if (SQ(buf_add)(b, text, len) < 0)
            return -1;
    }
    else {
        for (Py_ssize_t i = 0; i < len; i++) {
            if (is_ws(text[i])) {
                if (SQ(buf_addc)(b, ' ') < 0)
                    return -1;
                while (i + 1 < len && is_ws(text[i + 1]))
                    i++;
            }
            else if (SQ(buf_addc)(b, text[i]) < 0) {
                return -1;
            }
        }
    }
    return otoks_push(out, kind, off, b->n - off);
}

static const ch SQ(SPACE)[1] = {' '}, SQ(QMARK)[1] = {'?'}, SQ(LPAREN)[1] = {'('}, SQ(RPAREN)[1] = {')'};

/* sql._ends_operand */
static int
SQ(ends_operand)(const ch *s, const Tok *t)
{
    if (t == NULL)
        return 0;
    if (t->kind == T_WORD)
        return !SQ(word_in)(s, t->s, t->e, &K_SIGN_KEYWORDS);
    if (t->kind == T_OP)
        return s[t->s] == ')' || s[t->s] == ']';
    return t->kind != T_WS && t->kind != T_COMMENT;
}

#define EMIT(kind, text, len, squeeze) do { if (SQ(emit_text)(b, out, (kind), (text), (len), (squeeze)) < 0) return -1; } while (0)
#define OWE_SPACE() do { if (space && out->n) EMIT(O_WS, SQ(SPACE), 1, 0); } while (0)

static int
SQ(emit)(const ch *s, const Toks *toks, int booleans, int keep_comments, SQ(Buf) *b, OToks *out)
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
                && !SQ(ends_operand)(s, prev_sig)) {
            prev_sig = tok;  /* a sign: "-1" becomes one "?" with the number that follows */
            OWE_SPACE();
            space = 0;
            continue;
        }
        OWE_SPACE();
        space = 0;
        if (kind == T_WORD) {
            if (booleans && (SQ(word_eq)(s, tok->s, tok->e, "TRUE") || SQ(word_eq)(s, tok->s, tok->e, "FALSE"))
                    && !(tok->s && (s[tok->s - 1] == '.' || s[tok->s - 1] == '$')))
                EMIT(O_Q, SQ(QMARK), 1, 0);
            else
                EMIT(O_WORD, s + tok->s, tok->e - tok->s, 0);
        }
        else if (kind == T_NUMBER || kind == T_STRING) {
            EMIT(O_Q, SQ(QMARK), 1, 0);
        }
        else if (kind == T_PARAM) {
            if (tok->e - tok->s == 1 && s[tok->s] == '?')
                EMIT(O_Q, SQ(QMARK), 1, 0);
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
typedef struct { const ch *b; const OTok *v; Py_ssize_t n; } SQ(OView);

static inline Py_ssize_t SQ(skip_ws)(const SQ(OView) *o, Py_ssize_t i) { return i < o->n && o->v[i].kind == O_WS ? i + 1 : i; }

static inline int
SQ(is_op)(const SQ(OView) *o, Py_ssize_t i, ch c)
{
    return i < o->n && o->v[i].kind == O_OP && o->v[i].len == 1 && o->b[o->v[i].off] == c;
}

static Py_ssize_t
SQ(row_end)(const SQ(OView) *o, Py_ssize_t i)
{
    if (!SQ(is_op)(o, i, '('))
        return -1;
    i = SQ(skip_ws)(o, i + 1);
    for (;;) {
        if (i >= o->n || o->v[i].kind != O_Q)
            return -1;
        i = SQ(skip_ws)(o, i + 1);
        if (SQ(is_op)(o, i, ')'))
            return i + 1;
        if (!SQ(is_op)(o, i, ','))
            return -1;
        i = SQ(skip_ws)(o, i + 1);
    }
}

static void
SQ(rows_end)(const SQ(OView) *o, Py_ssize_t i, Py_ssize_t *first_out, Py_ssize_t *last_out)
{
    Py_ssize_t first = SQ(row_end)(o, i);
    *first_out = *last_out = -1;
    if (first < 0)
        return;
    Py_ssize_t last = first, j = first;
    for (;;) {
        j = SQ(skip_ws)(o, j);
        if (!SQ(is_op)(o, j, ','))
            break;
        Py_ssize_t nxt = SQ(row_end)(o, SQ(skip_ws)(o, j + 1));
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
SQ(collapsible)(const SQ(Buf) *b, const OToks *in)
{
    for (Py_ssize_t i = 0; i < in->n; i++) {
        OTok t = in->v[i];
        if (t.kind == O_WORD && (t.len == 2 || t.len == 6)
                && (SQ(word_eq)(b->v, t.off, t.off + t.len, "IN") || SQ(word_eq)(b->v, t.off, t.off + t.len, "VALUES")))
            return 1;
    }
    return 0;
}

/* The buffer gains "(?)" (for the tokens collapse adds); res gets the collapsed tokens. */
static int
SQ(collapse)(SQ(Buf) *b, const OToks *in, OToks *res)
{
    Py_ssize_t added = b->n;
    if (SQ(buf_add)(b, SQ(LPAREN), 1) < 0 || SQ(buf_add)(b, SQ(QMARK), 1) < 0 || SQ(buf_add)(b, SQ(RPAREN), 1) < 0)
        return -1;
    SQ(OView) o = {b->v, in->v, in->n};
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
        if (SQ(word_eq)(b->v, tok.off, tok.off + tok.len, "IN")) {
            Py_ssize_t j = SQ(skip_ws)(&o, i);
            if (!SQ(is_op)(&o, j, '('))
                continue;
            Py_ssize_t k = SQ(skip_ws)(&o, j + 1);
            if (k < n && o.v[k].kind == O_Q) {
                Py_ssize_t end = SQ(row_end)(&o, j), count = 0;
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
            SQ(rows_end)(&o, k, &first, &last);
            if (first > 0) {
                Py_ssize_t close = SQ(skip_ws)(&o, last);
                if (SQ(is_op)(&o, close, ')')) {
                    RCOPY(i, j);
                    RPUSH(O_OP, added, 1);
                    RCOPY(k, first);
                    RPUSH(O_OP, added + 2, 1);
                    i = close + 1;
                }
            }
        }
        else if (SQ(word_eq)(b->v, tok.off, tok.off + tok.len, "VALUES")) {
            Py_ssize_t j = SQ(skip_ws)(&o, i), first, last;
            SQ(rows_end)(&o, j, &first, &last);
            if (first > 0) {
                RCOPY(i, first);
                i = last;
            }
        }
    }
    return 0;
}

/* -- the obfuscated statement and its tokens (sql.SqlObfuscator._tokenize) --------------------------------- */
#define MAX_READINGS 64

/* The obfuscated statement (text, not yet truncated) and its tokens (offsets into text, in order, contiguous). */
typedef struct { SQ(Buf) text; OToks toks; } SQ(Obf);

static void
SQ(obf_free)(SQ(Obf) *o)
{
    PyMem_Free(o->text.v);
    PyMem_Free(o->toks.v);
    o->text = (SQ(Buf)){0};
    o->toks = (OToks){0};
}

/* sql.readings_for: the distinct readings of s among `readings` (the first: the dialect's own) */
static int
SQ(distinct_readings)(const ch *s, Py_ssize_t n, const int *readings, int nread, int *out)
{
    int rel = SQ(relevant_flags)(s, n), count = 0;
    for (int r = 0; r < nread; r++) {
        int eff = readings[r] & rel;
        if (!(eff & F_BS))
            eff &= ~F_DQS;  /* (DQS only says whether backslashes escape in "…") */
        int seen = 0;
        for (int x = 0; x < count; x++)
            seen |= out[x] == eff;
        if (!seen)
            out[count++] = eff;
    }
    return count;
}

/* scan under every relevant reading, union, classify, emit, collapse: *res gets the statement and its tokens */
static int
SQ(obfuscate_tokens)(const ch *s, Py_ssize_t n, const int *reading_list, int nread, int dq_mode, long options, SQ(Obf) *res)
{
    int rc = -1, readings[MAX_READINGS];
    int count = SQ(distinct_readings)(s, n, reading_list, nread, readings);
    Toks streams[MAX_READINGS];
    Toks merged = {0};
    SQ(Buf) b = {0}, final = {0};
    OToks out = {0}, collapsed = {0};
    memset(streams, 0, (size_t)count * sizeof(Toks));
    for (int r = 0; r < count; r++)
        if (SQ(scan)(s, n, readings[r], &streams[r]) < 0)
            goto done;
    Toks *toks = &streams[0];
    if (count > 1) {
        if (union_streams(streams, count, &merged) < 0)
            goto done;
        toks = &merged;
    }
    if (dq_mode == DQ_CLASSIFY) {
        if (SQ(classify)(s, toks) < 0)
            goto done;
    }
    else if (dq_mode == DQ_STRING) {
        for (Py_ssize_t x = 0; x < toks->n; x++)
            if (toks->v[x].kind == T_DQ)
                toks->v[x].kind = T_STRING;
    }
    if (SQ(emit)(s, toks, (options & OPT_BOOLEANS) != 0, (options & OPT_KEEP_COMMENTS) != 0, &b, &out) < 0)
        goto done;
    if ((options & OPT_COLLAPSE) && SQ(collapsible)(&b, &out)) {
        if (SQ(collapse)(&b, &out, &collapsed) < 0)
            goto done;
        /* collapsing took tokens out (and added "(?)" at the buffer's end): the statement is its tokens'
         * texts joined, copied into a buffer of its own */
        Py_ssize_t total = 0;
        for (Py_ssize_t x = 0; x < collapsed.n; x++)
            total += collapsed.v[x].len;
        if (SQ(buf_reserve)(&final, total) < 0)
            goto done;
        for (Py_ssize_t x = 0; x < collapsed.n; x++) {
            int32_t off = (int32_t)final.n;
            SQ(buf_add)(&final, b.v + collapsed.v[x].off, collapsed.v[x].len);  /* (reserved above: cannot fail) */
            collapsed.v[x].off = off;
        }
        res->text = final;
        res->toks = collapsed;
        final = (SQ(Buf)){0};
        collapsed = (OToks){0};
    }
    else {
        res->text = b;
        res->toks = out;
        b = (SQ(Buf)){0};
        out = (OToks){0};
    }
    rc = 0;
done:
    for (int r = 0; r < count; r++)
        toks_free(&streams[r]);
    toks_free(&merged);
    PyMem_Free(b.v);
    PyMem_Free(final.v);
    PyMem_Free(out.v);
    PyMem_Free(collapsed.v);
    return rc;
}

#undef PUSH
#undef EMIT
#undef OWE_SPACE
#undef RPUSH
#undef RCOPY
#undef ch
