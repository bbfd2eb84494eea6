/* The hot path of otel_privacy.perf.spans.ResourceSpanProcessor in C: on_start, _on_ending, on_end.
 *
 * These run at both edges of every span of the application. In Python they cost about as much as the
 * 5% of a small span that per-span capture may add (two Python calls, with their frames, in cold
 * caches); as C methods they cost a fraction of that. The behaviour is exactly that of
 * spans._PySpanClock (the reference, and the fallback where this is not built; the tests run both):
 * the common case is done here, everything else calls back into the processor's Python methods
 * (_snapshot, _regc, _measure, _learn_short, _failed). The state lives in this type's members under the
 * names the Python code uses, so Python reads and writes it as ordinary attributes.
 *
 * Never raises into the application: an Exception is counted through self._failed() and swallowed.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <pythread.h>

/* A span between its start and its end: found by the span's address, without holding the span. */
typedef struct {
    void *span;       /* NULL: free; TOMBSTONE: removed */
    PyObject *start;  /* span._start_time at on_start: the same object at the end, or the address was reused */
    PyObject *snap;   /* the start snapshot */
    int name_known;   /* on_start found the span's name in _names: its end need not look again */
} OpenSpan;

#define TOMBSTONE ((void *)1)

typedef struct {
    PyObject_HEAD
    OpenSpan *table;  /* open addressing, linear probing; capacity a power of two */
    Py_ssize_t capacity, used, filled;  /* used: live entries; filled: live + tombstones */
    PyObject *snaps;  /* dict: thread id -> start snapshot (tid, wall_ns, cpu_ns, proc_ns, gc_state, rss) */
    unsigned long last_tid;  /* the thread of the last snapshot used, and that snapshot: spares the */
    PyObject *last_snap;     /* common case a PyLong and a dict lookup */
    PyObject *gc;     /* object whose .state is the GC state tuple (or None) */
    PyObject *names;  /* dict: span name -> True while only ever short */
    PyObject *tidy;   /* callable(span) or None */
    long long reuse_ns, reuse_short_ns, min_ns, open_max;
} SpanClock;

static PyObject *s_start_time, *s_end_time, *s_name, *s_events, *s_dq, *s_state, *s_snapshot, *s_regc, *s_measure, *s_learn_short, *s_failed;

/* An Exception from our own code: count it and return None; anything else (KeyboardInterrupt, ...)
 * propagates, as it does from the Python version. */
static PyObject *
failed(PyObject *self)
{
    if (PyErr_Occurred() != NULL) {
        if (!PyErr_ExceptionMatches(PyExc_Exception))
            return NULL;
        PyErr_Clear();
    }
    PyObject *r = PyObject_CallMethodNoArgs(self, s_failed);
    if (r == NULL)
        PyErr_Clear();
    Py_XDECREF(r);
    Py_RETURN_NONE;
}

/* The ``span`` argument of a FASTCALL|KEYWORDS method: first positional, or keyword ``span``. */
static PyObject *
span_arg(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, const char *method)
{
    if (nargs >= 1)
        return args[0];
    if (kwnames != NULL) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(kwnames); i++) {
            if (PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, i), "span") == 0)
                return args[nargs + i];
        }
    }
    PyErr_Format(PyExc_TypeError, "%s() missing required argument 'span'", method);
    return NULL;
}

/* span.<name> as a C long long; -1 with an exception set on failure. */
static int
attr_ll(PyObject *obj, PyObject *name, long long *out)
{
    PyObject *v = PyObject_GetAttr(obj, name);
    if (v == NULL)
        return -1;
    *out = PyLong_AsLongLong(v);
    Py_DECREF(v);
    return (*out == -1 && PyErr_Occurred()) ? -1 : 0;
}

static inline size_t
slot_of(void *span, Py_ssize_t capacity)
{
    uintptr_t h = (uintptr_t)span >> 4;  /* objects are 16-byte aligned */
    return (size_t)((h * (uintptr_t)0x9E3779B97F4A7C15ull) >> 17) & (size_t)(capacity - 1);
}

static void
table_clear(SpanClock *self)
{
    OpenSpan *t = self->table;
    Py_ssize_t n = self->capacity;
    self->table = NULL;
    self->capacity = self->used = self->filled = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (t[i].span != NULL && t[i].span != TOMBSTONE) {
            Py_DECREF(t[i].start);
            Py_DECREF(t[i].snap);
        }
    }
    PyMem_Free(t);
}

/* Make room for one more entry: grow, or rebuild to drop tombstones. -1 with MemoryError. */
static int
table_reserve(SpanClock *self)
{
    if (self->table != NULL && (self->filled + 1) * 4 <= self->capacity * 3)
        return 0;
    Py_ssize_t capacity = 64;
    while (capacity * 3 < (self->used + 1) * 8)  /* live entries at most 3/8 full after a rebuild */
        capacity *= 2;
    OpenSpan *t = PyMem_Calloc((size_t)capacity, sizeof(OpenSpan));
    if (t == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < self->capacity; i++) {
        OpenSpan *e = &self->table[i];
        if (e->span == NULL || e->span == TOMBSTONE)
            continue;
        size_t j = slot_of(e->span, capacity);
        while (t[j].span != NULL)
            j = (j + 1) & (size_t)(capacity - 1);
        t[j] = *e;
    }
    PyMem_Free(self->table);
    self->table = t;
    self->capacity = capacity;
    self->filled = self->used;
    return 0;
}

/* Insert or replace the entry of ``span``; steals nothing. -1 with an exception. */
static int
table_put(SpanClock *self, void *span, PyObject *start, PyObject *snap, int name_known)
{
    if (self->used >= self->open_max)  /* spans that never end: forget them all now and then */
        table_clear(self);
    if (table_reserve(self) < 0)
        return -1;
    size_t mask = (size_t)(self->capacity - 1), j = slot_of(span, self->capacity);
    OpenSpan *free_slot = NULL;
    for (;; j = (j + 1) & mask) {
        OpenSpan *e = &self->table[j];
        if (e->span == span) {  /* an older span at the same address that never ended */
            Py_INCREF(start);
            Py_INCREF(snap);
            Py_SETREF(e->start, start);
            Py_SETREF(e->snap, snap);
            e->name_known = name_known;
            return 0;
        }
        if (e->span == TOMBSTONE && free_slot == NULL)
            free_slot = e;
        if (e->span == NULL) {
            if (free_slot == NULL) {
                free_slot = e;
                self->filled++;
            }
            break;
        }
    }
    Py_INCREF(start);
    Py_INCREF(snap);
    free_slot->span = span;
    free_slot->start = start;
    free_slot->snap = snap;
    free_slot->name_known = name_known;
    self->used++;
    return 0;
}

/* Remove the entry of ``span`` into *out (references move to the caller); 0 if there is none. */
static int
table_pop(SpanClock *self, void *span, OpenSpan *out)
{
    if (self->used == 0)
        return 0;
    size_t mask = (size_t)(self->capacity - 1), j = slot_of(span, self->capacity);
    for (;; j = (j + 1) & mask) {
        OpenSpan *e = &self->table[j];
        if (e->span == NULL)
            return 0;
        if (e->span == span) {
            *out = *e;
            e->span = TOMBSTONE;
            e->start = e->snap = NULL;
            self->used--;
            return 1;
        }
    }
}

static PyObject *
SpanClock_on_start(SpanClock *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *span = span_arg(args, nargs, kwnames, "on_start");
    if (span == NULL)
        return NULL;
    PyObject *tid = NULL, *now = NULL, *snap = NULL, *name = NULL, *state = NULL;
    int name_known = 0, ok = 0;
    if (self->snaps == NULL || !PyDict_Check(self->snaps) || self->names == NULL || !PyDict_Check(self->names)
        || self->gc == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "SpanClock state not set");
        goto error;
    }
    unsigned long ident = PyThread_get_thread_ident();
    now = PyObject_GetAttr(span, s_start_time);
    if (now == NULL)
        goto error;
    long long now_ns = PyLong_AsLongLong(now);
    if (now_ns == -1 && PyErr_Occurred())
        goto error;
    if (self->last_snap != NULL && self->last_tid == ident) {
        snap = self->last_snap;
        Py_INCREF(snap);
    }
    else {  /* another thread than last time: its snapshot from the table Python keeps */
        if ((tid = PyLong_FromUnsignedLong(ident)) == NULL)
            goto error;
        snap = PyDict_GetItemWithError(self->snaps, tid);
        Py_XINCREF(snap);
        if (snap == NULL && PyErr_Occurred())
            goto error;
    }
    int fresh = 0;
    if (snap != NULL && PyTuple_Check(snap) && PyTuple_GET_SIZE(snap) == 6) {
        long long wall = PyLong_AsLongLong(PyTuple_GET_ITEM(snap, 1));
        if (wall == -1 && PyErr_Occurred())
            goto error;
        long long age = now_ns - wall;
        fresh = age >= 0 && age <= self->reuse_ns;
        if (!fresh && age >= 0 && age <= self->reuse_short_ns) {  /* a name only ever short? */
            name = PyObject_GetAttr(span, s_name);
            if (name == NULL)
                goto error;
            PyObject *known = PyDict_GetItemWithError(self->names, name);
            if (known == NULL && PyErr_Occurred())
                goto error;
            name_known = known != NULL;
            if (known != NULL && (fresh = PyObject_IsTrue(known)) < 0)
                goto error;
        }
    }
    if (!fresh) {
        if (tid == NULL && (tid = PyLong_FromUnsignedLong(ident)) == NULL)
            goto error;
        if (name == NULL && (name = PyObject_GetAttr(span, s_name)) == NULL)
            goto error;
        Py_XSETREF(snap, PyObject_CallMethodObjArgs((PyObject *)self, s_snapshot, tid, now, name, NULL));
        if (snap == NULL)
            goto error;
    }
    else {
        state = PyObject_GetAttr(self->gc, s_state);
        if (state == NULL)
            goto error;
        if (PyTuple_GET_ITEM(snap, 4) != state) {  /* a collection since the reading: not this span's */
            if (tid == NULL && (tid = PyLong_FromUnsignedLong(ident)) == NULL)
                goto error;
            Py_SETREF(snap, PyObject_CallMethodObjArgs((PyObject *)self, s_regc, tid, snap, NULL));
            if (snap == NULL)
                goto error;
        }
    }
    if (table_put(self, span, now, snap, name_known) < 0)
        goto error;
    if (self->last_snap != snap) {
        Py_INCREF(snap);
        Py_XSETREF(self->last_snap, snap);
        self->last_tid = ident;
    }
    ok = 1;
error:  /* and the way out of success too */
    Py_XDECREF(tid);
    Py_XDECREF(now);
    Py_XDECREF(snap);
    Py_XDECREF(name);
    Py_XDECREF(state);
    if (!ok)
        return failed((PyObject *)self);
    Py_RETURN_NONE;
}

static PyObject *
SpanClock_on_ending(SpanClock *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *span = span_arg(args, nargs, kwnames, "_on_ending");
    if (span == NULL)
        return NULL;
    if (self->tidy != NULL && self->tidy != Py_None) {
        int tidy = 1;  /* not the SDK's span: let the tidier look (it never raises) */
        PyObject *events = PyObject_GetAttr(span, s_events);
        if (events != NULL) {
            /* BoundedList's __len__ is Python code; its deque answers in C */
            PyObject *dq = PyObject_GetAttr(events, s_dq);
            Py_DECREF(events);
            if (dq != NULL) {
                tidy = PyObject_IsTrue(dq);
                Py_DECREF(dq);
                if (tidy < 0)
                    return failed((PyObject *)self);
            }
        }
        if (PyErr_Occurred()) {
            if (!PyErr_ExceptionMatches(PyExc_AttributeError))
                return failed((PyObject *)self);
            PyErr_Clear();
        }
        if (tidy) {
            PyObject *r = PyObject_CallOneArg(self->tidy, span);
            if (r == NULL)
                return failed((PyObject *)self);
            Py_DECREF(r);
        }
    }
    if (self->names == NULL || !PyDict_Check(self->names)) {
        PyErr_SetString(PyExc_RuntimeError, "SpanClock state not set");
        return failed((PyObject *)self);
    }
    OpenSpan entry;
    if (!table_pop(self, span, &entry))
        Py_RETURN_NONE;
    PyObject *begin_obj = PyObject_GetAttr(span, s_start_time), *name = NULL, *r = NULL;
    int ok = 0;
    if (begin_obj == NULL)
        goto error;
    /* the same start-time object, or this address belonged to an older span that never ended */
    if (entry.start != begin_obj)
        goto done;
    long long begin = PyLong_AsLongLong(begin_obj), end;
    if ((begin == -1 && PyErr_Occurred()) || attr_ll(span, s_end_time, &end) < 0)
        goto error;
    if (end - begin >= self->min_ns) {
        PyObject *end_obj = PyLong_FromLongLong(end);
        if (end_obj == NULL)
            goto error;
        r = PyObject_CallMethodObjArgs((PyObject *)self, s_measure, span, entry.snap, end_obj, NULL);
        Py_DECREF(end_obj);
        if (r == NULL)
            goto error;
        if (r != Py_None) {  /* the reading at this end: the next span on this thread may start from it */
            Py_INCREF(r);
            Py_XSETREF(self->last_snap, r);
            self->last_tid = PyThread_get_thread_ident();
        }
    }
    else if (!entry.name_known) {  /* a short span: no clock read, nothing to add; learn its name */
        name = PyObject_GetAttr(span, s_name);
        if (name == NULL)
            goto error;
        int known = PyDict_Contains(self->names, name);
        if (known < 0)
            goto error;
        if (!known) {
            r = PyObject_CallMethodObjArgs((PyObject *)self, s_learn_short, name, NULL);
            if (r == NULL)
                goto error;
        }
    }
done:
    ok = 1;
error:
    Py_DECREF(entry.start);
    Py_DECREF(entry.snap);
    Py_XDECREF(begin_obj);
    Py_XDECREF(name);
    Py_XDECREF(r);
    if (!ok)
        return failed((PyObject *)self);
    Py_RETURN_NONE;
}

static PyObject *
SpanClock_on_end(SpanClock *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    (void)self;  /* all done in _on_ending, while the span could still take attributes */
    if (span_arg(args, nargs, kwnames, "on_end") == NULL)
        return NULL;
    Py_RETURN_NONE;
}

static int
SpanClock_traverse(SpanClock *self, visitproc visit, void *arg)
{
    Py_VISIT(self->snaps);
    Py_VISIT(self->last_snap);
    Py_VISIT(self->gc);
    Py_VISIT(self->names);
    Py_VISIT(self->tidy);
    for (Py_ssize_t i = 0; i < self->capacity; i++) {
        if (self->table[i].span != NULL && self->table[i].span != TOMBSTONE) {
            Py_VISIT(self->table[i].start);
            Py_VISIT(self->table[i].snap);
        }
    }
    return 0;
}

static int
SpanClock_clear(SpanClock *self)
{
    Py_CLEAR(self->snaps);
    Py_CLEAR(self->last_snap);
    Py_CLEAR(self->gc);
    Py_CLEAR(self->names);
    Py_CLEAR(self->tidy);
    table_clear(self);
    return 0;
}

static void
SpanClock_dealloc(SpanClock *self)
{
    PyObject_GC_UnTrack(self);
    SpanClock_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
SpanClock_open_spans(SpanClock *self, PyObject *Py_UNUSED(ignored))
{
    return PyLong_FromSsize_t(self->used);
}

static PyObject *
SpanClock_forget_open(SpanClock *self, PyObject *Py_UNUSED(ignored))
{
    table_clear(self);
    Py_RETURN_NONE;
}

static PyMethodDef SpanClock_methods[] = {
    {"on_start", (PyCFunction)(void (*)(void))SpanClock_on_start, METH_FASTCALL | METH_KEYWORDS,
     "on_start(span, parent_context=None): take the span's start snapshot (no clock read while fresh)."},
    {"_on_ending", (PyCFunction)(void (*)(void))SpanClock_on_ending, METH_FASTCALL | METH_KEYWORDS,
     "_on_ending(span): tidy exception events; measure spans of at least min_span_ms."},
    {"on_end", (PyCFunction)(void (*)(void))SpanClock_on_end, METH_FASTCALL | METH_KEYWORDS,
     "on_end(span): nothing (all done in _on_ending)."},
    {"open_spans", (PyCFunction)SpanClock_open_spans, METH_NOARGS, "How many started spans have not ended."},
    {"_forget_open", (PyCFunction)SpanClock_forget_open, METH_NOARGS, "Forget all started spans."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef SpanClock_members[] = {
    {"_snaps", T_OBJECT_EX, offsetof(SpanClock, snaps), 0, NULL},
    {"_gc", T_OBJECT_EX, offsetof(SpanClock, gc), 0, NULL},
    {"_names", T_OBJECT_EX, offsetof(SpanClock, names), 0, NULL},
    {"_tidy", T_OBJECT, offsetof(SpanClock, tidy), 0, NULL},
    {"_open_max", T_LONGLONG, offsetof(SpanClock, open_max), 0, NULL},
    {"_reuse_ns", T_LONGLONG, offsetof(SpanClock, reuse_ns), 0, NULL},
    {"_reuse_short_ns", T_LONGLONG, offsetof(SpanClock, reuse_short_ns), 0, NULL},
    {"_min_ns", T_LONGLONG, offsetof(SpanClock, min_ns), 0, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject SpanClockType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "otel_privacy.perf._speedups.SpanClock",
    .tp_doc = "The per-span hot path of ResourceSpanProcessor (see spans._PySpanClock).",
    .tp_basicsize = sizeof(SpanClock),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_traverse = (traverseproc)SpanClock_traverse,
    .tp_clear = (inquiry)SpanClock_clear,
    .tp_dealloc = (destructor)SpanClock_dealloc,
    .tp_methods = SpanClock_methods,
    .tp_members = SpanClock_members,
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT, "otel_privacy.perf._speedups", "C hot paths of otel_privacy.perf.", -1, NULL,
};

#define INTERN(var, text) if ((var = PyUnicode_InternFromString(text)) == NULL) return NULL

PyMODINIT_FUNC
PyInit__speedups(void)
{
    INTERN(s_start_time, "_start_time");
    INTERN(s_end_time, "_end_time");
    INTERN(s_name, "_name");
    INTERN(s_events, "_events");
    INTERN(s_dq, "_dq");
    INTERN(s_state, "state");
    INTERN(s_snapshot, "_snapshot");
    INTERN(s_regc, "_regc");
    INTERN(s_measure, "_measure");
    INTERN(s_learn_short, "_learn_short");
    INTERN(s_failed, "_failed");
    if (PyType_Ready(&SpanClockType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&speedups_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&SpanClockType);
    if (PyModule_AddObject(m, "SpanClock", (PyObject *)&SpanClockType) < 0) {
        Py_DECREF(&SpanClockType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
