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

/* -- Front: TextScanner.find and .scrub for the common case, without their Python frames --------------------
 *
 * find(text) does what TextScanner.find (text.py, the reference) does: folds non-ASCII text, asks the trigger set
 * which passes to run and runs them, asks the Python gates when the set cannot answer, runs the users' own
 * patterns, sorts the findings. scrub(text) returns (text, {}) when find finds nothing and hands the findings to
 * TextScanner._replace otherwise. Every decision that is not a loop over indices stays in Python: fold, the
 * passes, the fallback gates, the custom patterns and the replacement are the scanner's own callables. */

struct Front {
    PyObject_HEAD
    TriggerSet *set;
    PyObject *passes;    /* the scanner's list of (kind, gate, finder): read at each call, as Python's find does */
    PyObject *fold;      /* fold(text) -> text of the same length, every digit, space and dash ASCII */
    PyObject *gated;     /* gated(scan) -> list of findings, the Python gates deciding */
    PyObject *custom;    /* custom(text, found) -> None, appending the users' own patterns' findings; or None */
    PyObject *sort_key;  /* key of found.sort */
    PyObject *replace;   /* replace(text, findings) -> (new text, counts) */
};

PyObject *s_sort, *s_key;

/* The scanner holds its Front's bound methods and the Front the scanner's: a cycle the GC must see. */
int
Front_traverse(PyObject *self, visitproc visit, void *arg)
{
    Front *f = reinterpret_cast<Front *>(self);
    Py_VISIT(f->set);
    Py_VISIT(f->passes);
    Py_VISIT(f->fold);
    Py_VISIT(f->gated);
    Py_VISIT(f->custom);
    Py_VISIT(f->sort_key);
    Py_VISIT(f->replace);
    return 0;
}

int
Front_clear(PyObject *self)
{
    Front *f = reinterpret_cast<Front *>(self);
    Py_CLEAR(f->set);
    Py_CLEAR(f->passes);
    Py_CLEAR(f->fold);
    Py_CLEAR(f->gated);
    Py_CLEAR(f->custom);
    Py_CLEAR(f->sort_key);
    Py_CLEAR(f->replace);
    return 0;
}

void
Front_dealloc(PyObject *self)
{
    PyObject_GC_UnTrack(self);
    Front_clear(self);
    Py_TYPE(self)->tp_free(self);
}

PyTypeObject FrontType = {PyVarObject_HEAD_INIT(nullptr, 0)};

PyObject *
Front_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static const char *kwlist[] = {"set", "passes", "fold", "gated", "custom", "sort_key", "replace", nullptr};
    PyObject *set, *passes, *fold, *gated, *custom, *sort_key, *replace;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!OOOOO:Front", const_cast<char **>(kwlist), &TriggerSetType,
                                     &set, &PyList_Type, &passes, &fold, &gated, &custom, &sort_key, &replace))
        return nullptr;
    Front *f = reinterpret_cast<Front *>(type->tp_alloc(type, 0));
    if (f == nullptr)
        return nullptr;
    Py_INCREF(set);
    f->set = reinterpret_cast<TriggerSet *>(set);
    PyObject **slots[] = {&f->passes, &f->fold, &f->gated, &f->custom, &f->sort_key, &f->replace};
    PyObject *values[] = {passes, fold, gated, custom, sort_key, replace};
    for (size_t i = 0; i < 6; i++) {
        Py_INCREF(values[i]);
        *slots[i] = values[i];
    }
    return reinterpret_cast<PyObject *>(f);
}

/* found += finder(scan) for the pass at index i of the scanner's passes; -1 with an exception set on failure */
int
run_pass(Front *f, Py_ssize_t i, PyObject *scan, PyObject *found)
{
    if (i >= PyList_GET_SIZE(f->passes)) {
        PyErr_SetString(PyExc_IndexError, "the scanner's passes changed under its trigger set");
        return -1;
    }
    PyObject *entry = PyList_GET_ITEM(f->passes, i);
    if (!PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) < 3) {
        PyErr_SetString(PyExc_TypeError, "a pass is a (kind, gate, finder) tuple");
        return -1;
    }
    PyObject *more = PyObject_CallOneArg(PyTuple_GET_ITEM(entry, 2), scan);
    if (more == nullptr)
        return -1;
    Py_ssize_t n = PyList_GET_SIZE(found);
    int rc = PyList_SetSlice(found, n, n, more);  /* found.extend(more): any iterable */
    Py_DECREF(more);
    return rc;
}

PyObject *
front_find(Front *f, PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "find() takes a str");
        return nullptr;
    }
    if (f->set == nullptr) {  /* cleared by the GC while its scanner is being collected */
        PyErr_SetString(PyExc_RuntimeError, "the scanner is being collected");
        return nullptr;
    }
    if (PyUnicode_GET_LENGTH(text) == 0)
        return PyList_New(0);
    PyObject *scan;
    if (PyUnicode_IS_ASCII(text)) {
        Py_INCREF(text);
        scan = text;
    } else if ((scan = PyObject_CallOneArg(f->fold, text)) == nullptr) {
        return nullptr;
    }
    PyObject *found = nullptr;
    PyObject *hits = TriggerSet_match(reinterpret_cast<PyObject *>(f->set), scan);
    if (hits == nullptr) {  /* the accelerator must never cost a finding: the Python gates decide */
        if (!PyErr_ExceptionMatches(PyExc_Exception))
            goto done;
        PyErr_Clear();
        Py_INCREF(Py_None);
        hits = Py_None;
    }
    if (hits == Py_None) {
        found = PyObject_CallOneArg(f->gated, scan);
        if (found != nullptr && !PyList_CheckExact(found)) {
            Py_SETREF(found, PySequence_List(found));
        }
    } else {
        found = PyList_New(0);
        for (Py_ssize_t k = 0; found != nullptr && k < PyTuple_GET_SIZE(hits); k++) {
            if (run_pass(f, PyLong_AsSsize_t(PyTuple_GET_ITEM(hits, k)), scan, found) < 0)
                Py_CLEAR(found);
        }
    }
    Py_DECREF(hits);
    if (found != nullptr && f->custom != Py_None) {  /* users' own patterns see the text as it was written */
        PyObject *r = PyObject_CallFunctionObjArgs(f->custom, text, found, nullptr);
        if (r == nullptr)
            Py_CLEAR(found);
        Py_XDECREF(r);
    }
    if (found != nullptr && PyList_GET_SIZE(found) > 1) {
        PyObject *sort = PyObject_GetAttr(found, s_sort);
        PyObject *kw = sort != nullptr ? PyDict_New() : nullptr;
        PyObject *r = nullptr;
        if (kw != nullptr && PyDict_SetItem(kw, s_key, f->sort_key) == 0)
            r = PyObject_Call(sort, empty_tuple, kw);
        Py_XDECREF(sort);
        Py_XDECREF(kw);
        if (r == nullptr)
            Py_CLEAR(found);
        Py_XDECREF(r);
    }
done:
    Py_DECREF(scan);
    return found;
}

PyObject *
Front_find(PyObject *self, PyObject *text)
{
    return front_find(reinterpret_cast<Front *>(self), text);
}

PyObject *
Front_scrub(PyObject *self, PyObject *text)
{
    Front *f = reinterpret_cast<Front *>(self);
    PyObject *found = front_find(f, text);
    if (found == nullptr)
        return nullptr;
    if (PyList_GET_SIZE(found) == 0) {
        Py_DECREF(found);
        PyObject *counts = PyDict_New();
        if (counts == nullptr)
            return nullptr;
        PyObject *out = PyTuple_Pack(2, text, counts);
        Py_DECREF(counts);
        return out;
    }
    PyObject *out = PyObject_CallFunctionObjArgs(f->replace, text, found, nullptr);
    Py_DECREF(found);
    return out;
}

PyMethodDef Front_methods[] = {
    {"find", Front_find, METH_O, "find(text) -> list of findings, as TextScanner.find"},
    {"scrub", Front_scrub, METH_O, "scrub(text) -> (new text, counts per detector), as TextScanner.scrub"},
    {nullptr, nullptr, 0, nullptr},
};

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
    FrontType.tp_name = "otel_privacy.scrub._textgate.Front";
    FrontType.tp_basicsize = sizeof(Front);
    FrontType.tp_dealloc = Front_dealloc;
    FrontType.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC;
    FrontType.tp_traverse = Front_traverse;
    FrontType.tp_clear = Front_clear;
    FrontType.tp_doc = "Front(set, passes, fold, gated, custom, sort_key, replace): TextScanner.find and .scrub";
    FrontType.tp_methods = Front_methods;
    FrontType.tp_new = Front_new;
    if (PyType_Ready(&FrontType) < 0 || (s_sort = PyUnicode_InternFromString("sort")) == nullptr
        || (s_key = PyUnicode_InternFromString("key")) == nullptr) {
        Py_DECREF(m);
        return nullptr;
    }
    Py_INCREF(&FrontType);
    if (PyModule_AddObject(m, "Front", reinterpret_cast<PyObject *>(&FrontType)) < 0) {
        Py_DECREF(&FrontType);
        Py_DECREF(m);
        return nullptr;
    }
    return m;
}
