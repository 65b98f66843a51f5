"""pool.py -- a multiprocessing Pool of fork workers, the pool demo.

    LD_PRELOAD=/abs/path/libslotprof.so \\
        SLOTPROF_OPTIONS=output=/tmp/pool-%s-%p.json,text=none \\
        python3 pool.py [WORKERS] [TASKS] [ITEMS]

WORKERS fork workers (the "fork" start method, whatever the platform's
default) each warm a cache of CACHE Entry objects in the pool
initializer, then run a share of TASKS tasks; every task builds ITEMS
Item objects the worker keeps.  The pool is closed and joined, so each
worker leaves the way multiprocessing ends its children: os._exit(),
without atexit.  The parent prints the totals, the same on every run.

What slotprof should write (one report per process: put %p in output=):

  each worker   Entry CACHE; Item ITEMS * (the tasks it ran), so the
                workers' Item counts add up to TASKS * ITEMS; its report
                is written by the _exit() interposition
  the parent    neither Entry nor Item: it built none
"""
import multiprocessing
import sys

CACHE = 2000

CACHED = []
DONE = []


class Entry:
    def __init__(self, key):
        self.key = key
        self.value = None
        self.hits = 0


class Item:
    def __init__(self, task, k):
        self.task = task
        self.k = k
        self.state = "done"


def warm_cache():
    CACHED.extend(Entry(i) for i in range(CACHE))


def task(args):
    t, items = args
    DONE.extend(Item(t, k) for k in range(items))
    return items


def main():
    workers = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    tasks = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    items = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    ctx = multiprocessing.get_context("fork")
    pool = ctx.Pool(workers, initializer=warm_cache)
    done = pool.map(task, [(t, items) for t in range(tasks)], chunksize=1)
    pool.close()
    pool.join()
    print("%d workers ran %d tasks: %d items" % (workers, len(done),
                                                sum(done)))


if __name__ == "__main__":
    main()
