/* A C extension that creates instances of a class it is given
 * (tests/integration/allocs.py, allocs/native).  spext_make_many is
 * exported so dladdr() names it. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

PyObject *
spext_make_many(PyObject *self, PyObject *args)
{
    PyObject *cls, *list;
    Py_ssize_t n;
    (void)self;
    if (!PyArg_ParseTuple(args, "On", &cls, &n)) {
        return NULL;
    }
    list = PyList_New(0);
    if (list == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *o = PyObject_CallObject(cls, NULL);
        if (o == NULL || PyList_Append(list, o) < 0) {
            Py_XDECREF(o);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(o);
    }
    return list;
}

static PyMethodDef methods[] = {
    {"make_many", spext_make_many, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "spext", NULL, -1,
                                 methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC
PyInit_spext(void)
{
    return PyModule_Create(&mod);
}
