/* One SDK span as an OTLP export request, and the redacted request back as the span's parts: how
 * PrivacySpanProcessor hands a span's name and attributes to the wire engine (the same walk, memo, URL, SQL and
 * HMAC paths as the gateway and configure()'s export path) instead of the Redactor's Python steps.
 *
 *   span_request(name, attributes) -> bytes | None
 *       ExportTraceServiceRequest{resource_spans{scope_spans{spans{name, attributes}}}}, each value encoded as
 *       otel_privacy.otlp.py_to_any encodes it; None where a value is not a str, bool, int (int64), float or a
 *       tuple of those (the caller then takes the Python path, which handles every type).
 *   span_result(data) -> (name, attributes) | None
 *       the first span of such a request after redaction: its name and its attributes as the SDK holds them
 *       (arrays as tuples); None for anything else in a value (the caller then takes the Python path).
 *
 * Included by _wirecore.c (it uses its Buf helpers); no state of its own. */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define WS_DOUBLES 1   /* a double's fixed64 is its bytes in memory */
#else
#define WS_DOUBLES 0   /* (big-endian hosts: floats take the Python path) */
#endif

enum { WS_OK = 0, WS_OTHER = 1, WS_ERR = -1 };

/* The AnyValue of a scalar into b: WS_OK, WS_OTHER (not a type encoded here) or WS_ERR. */
static int
ws_scalar(Buf *b, PyObject *v)
{
    if (PyUnicode_CheckExact(v)) {
        Py_ssize_t n;
        const char *s = PyUnicode_AsUTF8AndSize(v, &n);
        if (s == NULL) {  /* lone surrogates: the Python path decides */
            PyErr_Clear();
            return WS_OTHER;
        }
        return buf_len_field(b, 0x0a, s, (size_t)n) ? WS_ERR : WS_OK;
    }
    if (PyBool_Check(v)) {
        uint8_t t[2] = {0x10, v == Py_True};
        return buf_put(b, t, 2) ? WS_ERR : WS_OK;
    }
    if (PyLong_CheckExact(v)) {
        int overflow;
        long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
        if (overflow)
            return WS_OTHER;
        if (x == -1 && PyErr_Occurred())
            return WS_ERR;
        uint8_t t = 0x18;
        return buf_put(b, &t, 1) || buf_varint(b, (uint64_t)x) ? WS_ERR : WS_OK;
    }
    if (PyFloat_CheckExact(v) && WS_DOUBLES) {
        double d = PyFloat_AS_DOUBLE(v);
        uint8_t t[9];
        t[0] = 0x21;
        memcpy(t + 1, &d, 8);
        return buf_put(b, t, 9) ? WS_ERR : WS_OK;
    }
    return WS_OTHER;
}

static int
ws_attribute(Buf *b, PyObject *key, PyObject *value)
{
    if (!PyUnicode_CheckExact(key))
        return WS_OTHER;
    Py_ssize_t kn;
    const char *k = PyUnicode_AsUTF8AndSize(key, &kn);
    if (k == NULL) {
        PyErr_Clear();
        return WS_OTHER;
    }
    Mark kv, any;
    if (begin_len(b, 0x4a, (size_t)kn + 32, &kv))  /* Span.attributes (9) */
        return WS_ERR;
    if (kn > 0 && buf_len_field(b, 0x0a, k, (size_t)kn))  /* KeyValue.key (an empty one is not written) */
        return WS_ERR;
    if (begin_len(b, 0x12, 32, &any))  /* KeyValue.value */
        return WS_ERR;
    int rc;
    if (PyTuple_CheckExact(value)) {  /* ArrayValue (5) of AnyValue (1), empty ones included */
        Mark arr;
        if (begin_len(b, 0x2a, 32, &arr))
            return WS_ERR;
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(value); i++) {
            Mark el;
            if (begin_len(b, 0x0a, 16, &el))
                return WS_ERR;
            if ((rc = ws_scalar(b, PyTuple_GET_ITEM(value, i))) != WS_OK)
                return rc;
            if (end_len(b, &el))
                return WS_ERR;
        }
        if (end_len(b, &arr))
            return WS_ERR;
    }
    else if ((rc = ws_scalar(b, value)) != WS_OK)
        return rc;
    return end_len(b, &any) || end_len(b, &kv) ? WS_ERR : WS_OK;
}

static PyObject *
ws_span_request(PyObject *module, PyObject *args)
{
    PyObject *name, *attributes;
    if (!PyArg_ParseTuple(args, "UO:span_request", &name, &attributes))
        return NULL;
    if (attributes != Py_None && !PyDict_Check(attributes))
        Py_RETURN_NONE;  /* a mapping of another kind: the Python path reads it */
    Py_ssize_t nn;
    const char *np = PyUnicode_AsUTF8AndSize(name, &nn);
    if (np == NULL) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    Buf b = {NULL, 0, 0};
    Mark rs, ss, sp;
    int rc = WS_ERR;
    if (begin_len(&b, 0x0a, 256, &rs) || begin_len(&b, 0x12, 256, &ss) || begin_len(&b, 0x12, 256, &sp))
        goto done;
    if (nn > 0 && buf_len_field(&b, 0x2a, np, (size_t)nn))  /* Span.name (5) */
        goto done;
    if (attributes != Py_None) {
        PyObject *k, *v;
        Py_ssize_t pos = 0;
        while (PyDict_Next(attributes, &pos, &k, &v))
            if ((rc = ws_attribute(&b, k, v)) != WS_OK)
                goto done;
    }
    rc = end_len(&b, &sp) || end_len(&b, &ss) || end_len(&b, &rs) ? WS_ERR : WS_OK;
done:
    if (rc != WS_OK) {
        PyMem_Free(b.p);
        if (rc == WS_ERR)
            return NULL;
        Py_RETURN_NONE;
    }
    PyObject *out = PyBytes_FromStringAndSize((const char *)b.p, (Py_ssize_t)b.n);
    PyMem_Free(b.p);
    return out;
}

/* -- reading the redacted request back ----------------------------------------------------------------- */
typedef struct { uint32_t fn; uint8_t wt; size_t vs, ve; uint64_t v; } WsField;

static int
ws_varint(const uint8_t *p, size_t e, size_t *i, uint64_t *out)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 64 && *i < e; shift += 7) {
        uint8_t c = p[(*i)++];
        x |= (uint64_t)(c & 0x7F) << shift;
        if (c < 0x80) {
            *out = x;
            return 1;
        }
    }
    return 0;
}

/* the next field of p[*i:e] (wire types 0, 1, 2, 5); 0 at the end or on anything else */
static int
ws_next(const uint8_t *p, size_t e, size_t *i, WsField *f)
{
    uint64_t tag, n;
    if (*i >= e || !ws_varint(p, e, i, &tag))
        return 0;
    f->fn = (uint32_t)(tag >> 3);
    f->wt = (uint8_t)(tag & 7);
    f->vs = *i;
    switch (f->wt) {
    case 0:
        if (!ws_varint(p, e, i, &f->v))
            return 0;
        break;
    case 1:
        if (e - *i < 8)
            return 0;
        *i += 8;
        break;
    case 5:
        if (e - *i < 4)
            return 0;
        *i += 4;
        break;
    case 2:
        if (!ws_varint(p, e, i, &n) || n > e - *i)
            return 0;
        f->vs = *i;
        *i += n;
        break;
    default:
        return 0;
    }
    f->ve = *i;
    return 1;
}

/* the first length-delimited field ``fn`` of p[s:e] into *f */
static int
ws_find(const uint8_t *p, size_t s, size_t e, uint32_t fn, WsField *f)
{
    size_t i = s;
    while (ws_next(p, e, &i, f))
        if (f->fn == fn && f->wt == 2)
            return 1;
    return 0;
}

/* An AnyValue as the SDK holds it (a new reference), or NULL with no error set for a kind not read here. */
static PyObject *
ws_value(const uint8_t *p, size_t s, size_t e, int nested)
{
    WsField f;
    size_t i = s;
    PyObject *out = NULL;
    while (ws_next(p, e, &i, &f)) {  /* the last member written wins, as protobuf reads a oneof */
        PyObject *v = NULL;
        if (f.fn == 1 && f.wt == 2)
            v = PyUnicode_DecodeUTF8((const char *)p + f.vs, (Py_ssize_t)(f.ve - f.vs), "strict");
        else if (f.fn == 2 && f.wt == 0)
            v = PyBool_FromLong(f.v != 0);
        else if (f.fn == 3 && f.wt == 0)
            v = PyLong_FromLongLong((long long)f.v);
        else if (f.fn == 4 && f.wt == 1 && WS_DOUBLES) {
            double d;
            memcpy(&d, p + f.vs, 8);
            v = PyFloat_FromDouble(d);
        }
        else if (f.fn == 5 && f.wt == 2 && !nested) {
            PyObject *items = PyList_New(0);
            WsField g;
            size_t j = f.vs;
            while (items != NULL && ws_next(p, f.ve, &j, &g)) {
                PyObject *x = g.fn == 1 && g.wt == 2 ? ws_value(p, g.vs, g.ve, 1) : NULL;
                if (x == NULL || PyList_Append(items, x)) {
                    Py_XDECREF(x);
                    Py_CLEAR(items);
                }
                else
                    Py_DECREF(x);
            }
            if (items != NULL) {
                v = PyList_AsTuple(items);
                Py_DECREF(items);
            }
        }
        else {
            Py_XDECREF(out);
            return NULL;  /* bytes, maps, nested arrays, unknown fields: the Python path */
        }
        if (v == NULL) {
            Py_XDECREF(out);
            return NULL;
        }
        Py_XSETREF(out, v);
    }
    return out;
}

static PyObject *
ws_span_result(PyObject *module, PyObject *arg)
{
    if (!PyBytes_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "span_result expects bytes");
        return NULL;
    }
    const uint8_t *p = (const uint8_t *)PyBytes_AS_STRING(arg);
    size_t n = (size_t)PyBytes_GET_SIZE(arg);
    WsField rs, ss, sp, f;
    if (!ws_find(p, 0, n, 1, &rs) || !ws_find(p, rs.vs, rs.ve, 2, &ss) || !ws_find(p, ss.vs, ss.ve, 2, &sp))
        Py_RETURN_NONE;
    PyObject *name = NULL, *attrs = PyDict_New();
    if (attrs == NULL)
        return NULL;
    size_t i = sp.vs;
    while (ws_next(p, sp.ve, &i, &f)) {
        if (f.fn == 5 && f.wt == 2) {
            Py_XSETREF(name, PyUnicode_DecodeUTF8((const char *)p + f.vs, (Py_ssize_t)(f.ve - f.vs), "strict"));
            if (name == NULL)
                goto fail;
        }
        else if (f.fn == 9 && f.wt == 2) {
            WsField kf, vf;
            PyObject *key = ws_find(p, f.vs, f.ve, 1, &kf)
                ? PyUnicode_DecodeUTF8((const char *)p + kf.vs, (Py_ssize_t)(kf.ve - kf.vs), "strict")
                : PyUnicode_FromStringAndSize("", 0);
            if (key == NULL)
                goto fail;
            PyObject *value = ws_find(p, f.vs, f.ve, 2, &vf) ? ws_value(p, vf.vs, vf.ve, 0) : NULL;
            if (value == NULL || PyDict_SetItem(attrs, key, value)) {
                Py_DECREF(key);
                Py_XDECREF(value);
                goto fail;
            }
            Py_DECREF(key);
            Py_DECREF(value);
        }
    }
    if (name == NULL && (name = PyUnicode_FromStringAndSize("", 0)) == NULL)
        goto fail;
    return Py_BuildValue("(NN)", name, attrs);
fail:
    Py_XDECREF(name);
    Py_DECREF(attrs);
    if (PyErr_Occurred())
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef WIRESPAN_METHODS[] = {
    {"span_request", ws_span_request, METH_VARARGS, "An SDK span's name and attributes as an OTLP export request "
     "(bytes), or None for a value type left to the Python path."},
    {"span_result", ws_span_result, METH_O, "(name, attributes) of the first span of a redacted request, or None."},
    {NULL, NULL, 0, NULL},
};
