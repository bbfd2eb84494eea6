/* The text scanner's trigger set (scrub/text.py) as a direct binding to RE2's RE2::Set.
 *
 * TextScanner runs one pass per detector, each gated by a trigger (an RE2 pattern every finding of the pass
 * contains); one RE2::Set over all triggers says in a single DFA walk over a line which passes can find
 * anything. google-re2 offers the same Set through pybind11, whose per-call dispatch (argument casting, the
 * buffer protocol, a std::vector turned into a list) costs more than the DFA walk over a typical 80-byte
 * log line: about a third of one compiled re.search, paid by every line. This module calls RE2::Set::Match
 * straight from the CPython API on the str's own bytes (an ASCII str is its UTF-8; other text is encoded
 * once), and reports the matching triggers as a sorted tuple of indices.
 *
 * It is the same engine with the same patterns, so it runs the same passes as google-re2's Set (the tests
 * compare the two, and both with the pure-Python gates, on generated text). Built only where RE2's headers
 * are installed (Debian: libre2-dev); without it text.py uses google-re2's Set, and without that the
 * pure-Python gates: the output is the same on every path.
 *
 * TriggerSet(patterns, max_mem): raises ValueError when a pattern does not compile.
 * TriggerSet.match(text) -> tuple[int, ...] | None: the indices of the patterns found in text, ascending; None
 * when RE2 cannot answer (text that is not valid Unicode, such as lone surrogates; the DFA out of memory) —
 * the caller then gates every pass in Python, so an answer is never "no trigger" by accident.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <new>
#include <vector>

namespace {

struct TriggerSet {
    PyObject_HEAD
    re2::RE2::Set *set;
    std::vector<int> *hits;  /* reused between calls: match() runs under the GIL and never releases it */
    Py_ssize_t size;
};

PyObject *empty_tuple;  /* the answer for most lines */

void
TriggerSet_dealloc(PyObject *self)
{
    TriggerSet *ts = reinterpret_cast<TriggerSet *>(self);
    delete ts->set;
    delete ts->hits;
    Py_TYPE(self)->tp_free(self);
}

PyObject *
TriggerSet_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static const char *kwlist[] = {"patterns", "max_mem", nullptr};
    PyObject *patterns;
    long long max_mem = 8 << 20;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|L:TriggerSet", const_cast<char **>(kwlist), &patterns, &max_mem))
        return nullptr;
    PyObject *seq = PySequence_Fast(patterns, "patterns must be a sequence of str");
    if (seq == nullptr)
        return nullptr;
    TriggerSet *ts = reinterpret_cast<TriggerSet *>(type->tp_alloc(type, 0));
    if (ts == nullptr) {
        Py_DECREF(seq);
        return nullptr;
    }
    try {
        re2::RE2::Options options;
        options.set_max_mem(max_mem);
        options.set_log_errors(false);
        ts->set = new re2::RE2::Set(options, re2::RE2::UNANCHORED);
        ts->hits = new std::vector<int>();
        Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *p = PySequence_Fast_GET_ITEM(seq, i);
            Py_ssize_t len;
            const char *utf8 = PyUnicode_Check(p) ? PyUnicode_AsUTF8AndSize(p, &len) : nullptr;
            if (utf8 == nullptr) {
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_TypeError, "patterns must be a sequence of str");
                goto fail;
            }
            std::string error;
            if (ts->set->Add(re2::StringPiece(utf8, static_cast<size_t>(len)), &error) != i) {
                PyErr_Format(PyExc_ValueError, "trigger %zd does not compile: %s", i, error.c_str());
                goto fail;
            }
        }
        if (!ts->set->Compile()) {
            PyErr_SetString(PyExc_ValueError, "the trigger set does not compile (out of memory)");
            goto fail;
        }
        ts->size = n;
    } catch (const std::bad_alloc &) {
        PyErr_NoMemory();
        goto fail;
    }
    Py_DECREF(seq);
    return reinterpret_cast<PyObject *>(ts);
fail:
    Py_DECREF(seq);
    Py_DECREF(ts);
    return nullptr;
}

PyObject *
TriggerSet_match(PyObject *self, PyObject *text)
{
    TriggerSet *ts = reinterpret_cast<TriggerSet *>(self);
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "match() takes a str");
        return nullptr;
    }
    PyObject *encoded = nullptr;
    const char *data;
    Py_ssize_t len;
    if (PyUnicode_IS_ASCII(text)) {  /* a compact ASCII str holds its UTF-8 bytes: no copy */
        data = static_cast<const char *>(PyUnicode_DATA(text));
        len = PyUnicode_GET_LENGTH(text);
    } else {
        /* a new bytes object rather than the str's cached UTF-8, which would live as long as the str does */
        encoded = PyUnicode_AsUTF8String(text);
        if (encoded == nullptr) {
            if (!PyErr_ExceptionMatches(PyExc_UnicodeError))
                return nullptr;  /* MemoryError and the like propagate */
            PyErr_Clear();
            Py_RETURN_NONE;  /* lone surrogates: RE2 cannot read it, the Python gates can */
        }
        data = PyBytes_AS_STRING(encoded);
        len = PyBytes_GET_SIZE(encoded);
    }
    std::vector<int> &hits = *ts->hits;
    re2::RE2::Set::ErrorInfo info;
    bool found;
    try {
        found = ts->set->Match(re2::StringPiece(data, static_cast<size_t>(len)), &hits, &info);
    } catch (const std::bad_alloc &) {
        Py_XDECREF(encoded);
        return PyErr_NoMemory();
    }
    Py_XDECREF(encoded);
    if (!found) {
        if (info.kind != re2::RE2::Set::kNoError)
            Py_RETURN_NONE;  /* out of memory or inconsistent: no answer, not "no trigger" */
        Py_INCREF(empty_tuple);
        return empty_tuple;
    }
    std::sort(hits.begin(), hits.end());
    PyObject *out = PyTuple_New(static_cast<Py_ssize_t>(hits.size()));
    if (out == nullptr)
        return nullptr;
    for (size_t i = 0; i < hits.size(); i++) {
        PyObject *index = PyLong_FromLong(hits[i]);
        if (index == nullptr) {
            Py_DECREF(out);
            return nullptr;
        }
        PyTuple_SET_ITEM(out, static_cast<Py_ssize_t>(i), index);
    }
    return out;
}

PyObject *
TriggerSet_len(PyObject *self, void *)
{
    return PyLong_FromSsize_t(reinterpret_cast<TriggerSet *>(self)->size);
}

PyMethodDef TriggerSet_methods[] = {
    {"match", TriggerSet_match, METH_O,
     "match(text) -> tuple of the indices of the triggers found in text (ascending), or None when RE2 cannot "
     "answer (lone surrogates, the DFA out of memory)"},
    {nullptr, nullptr, 0, nullptr},
};

PyGetSetDef TriggerSet_getset[] = {
    {"size", TriggerSet_len, nullptr, "how many triggers the set holds", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

PyTypeObject TriggerSetType = {PyVarObject_HEAD_INIT(nullptr, 0)};

PyModuleDef textgate_module = {
    PyModuleDef_HEAD_INIT, "otel_privacy.scrub._textgate",
    "The text scanner's trigger set: RE2::Set called directly (see scrub.text).", -1,
    nullptr, nullptr, nullptr, nullptr, nullptr,
};

}  // namespace

PyMODINIT_FUNC
PyInit__textgate(void)
{
    TriggerSetType.tp_name = "otel_privacy.scrub._textgate.TriggerSet";
    TriggerSetType.tp_basicsize = sizeof(TriggerSet);
    TriggerSetType.tp_dealloc = TriggerSet_dealloc;
    TriggerSetType.tp_flags = Py_TPFLAGS_DEFAULT;
    TriggerSetType.tp_doc = "TriggerSet(patterns, max_mem=8 MiB): one RE2::Set over the text scanner's triggers";
    TriggerSetType.tp_methods = TriggerSet_methods;
    TriggerSetType.tp_getset = TriggerSet_getset;
    TriggerSetType.tp_new = TriggerSet_new;
    if (PyType_Ready(&TriggerSetType) < 0)
        return nullptr;
    empty_tuple = PyTuple_New(0);
    if (empty_tuple == nullptr)
        return nullptr;
    PyObject *m = PyModule_Create(&textgate_module);
    if (m == nullptr)
        return nullptr;
    Py_INCREF(&TriggerSetType);
    if (PyModule_AddObject(m, "TriggerSet", reinterpret_cast<PyObject *>(&TriggerSetType)) < 0) {
        Py_DECREF(&TriggerSetType);
        Py_DECREF(m);
        return nullptr;
    }
    return m;
}
