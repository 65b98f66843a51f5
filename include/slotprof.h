/*
 * slotprof.h -- the public interface of libslotprof.
 *
 * libslotprof is used by preloading it into an unmodified CPython process:
 *
 *     LD_PRELOAD=/abs/path/libslotprof.so python app.py
 *
 * and is configured by one environment variable, SLOTPROF_OPTIONS (see
 * README.md and docs/report-format.md).  The symbols below are the only
 * ones the library exports; everything else is hidden.
 */
#ifndef SLOTPROF_H
#define SLOTPROF_H

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version, "MAJOR.MINOR.PATCH". */
const char *slotprof_version(void);

/* The CPython version this copy of the library was built for ("3.12.1"). */
const char *slotprof_python_version(void);

/* 1 once the profiler is active in this process, 0 while waiting for the
 * interpreter, -1 when it decided to stay inert (not CPython, another
 * version, bad options, ...). */
int slotprof_state(void);

#ifdef __cplusplus
}
#endif

#endif /* SLOTPROF_H */
