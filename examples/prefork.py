"""prefork.py -- a gunicorn-style pre-fork server, the process demo.

    LD_PRELOAD=/abs/path/libslotprof.so \\
        SLOTPROF_OPTIONS=output=/tmp/prefork-%s-%p.json,text=none \\
        python3 prefork.py [WORKERS] [REQUESTS]

The master loads its configuration (a few thousand Setting objects it
drops again before forking, the way an app factory's scratch data goes),
keeps a set of Route objects every worker shares, and forks WORKERS
workers.  Worker k (0-based) handles REQUESTS * (k + 1) requests, keeping
one Request object per request, then leaves the way a gunicorn worker
does: sys.exit(0), so its atexit handlers run.  The master waits for all
of them and prints one line per worker.  Nothing a worker prints is
mixed into the output: the output is the same on every run.

What slotprof should write (one report per process: put %p in output=):

  the master   its peak: Setting, up to 5000 (a census after one of the
               collections while the settings were built; Route and
               Request are not there: the routes come later, and the
               master builds no requests)
  worker k     Request REQUESTS * (k + 1) and Route 100 (inherited: the
               routes are live in the worker too); no Setting -- the
               master's censuses are not the worker's
"""
import atexit
import gc
import os
import sys

ROUTES = 100
SETTINGS = 5000


class Setting:
    def __init__(self, key, value):
        self.key = key
        self.value = value
        self.source = "defaults"


class Route:
    def __init__(self, path, handler):
        self.path = path
        self.handler = handler
        self.hits = 0


class Request:
    def __init__(self, ident, route):
        self.ident = ident
        self.route = route
        self.method = "GET"
        self.status = 200


def load_config():
    settings = [Setting("key%d" % i, i) for i in range(SETTINGS)]
    gc.collect()            # slotprof: a census, if the heap grew enough
    return len(settings)    # ... and the settings go


def serve(k, requests, routes):
    handled = [Request(i, routes[i % len(routes)])
               for i in range(requests * (k + 1))]
    for r in handled:
        r.route.hits += 1
    return handled


def worker(k, requests, routes):
    kept = serve(k, requests, routes)
    atexit.register(lambda: len(kept))  # a worker's own exit work
    sys.exit(0)


def main():
    workers = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    requests = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    print("master: %d settings loaded" % load_config())
    gc.collect()
    routes = [Route("/r%d" % i, "view%d" % i) for i in range(ROUTES)]
    pids = []
    for k in range(workers):
        sys.stdout.flush()          # or the child repeats buffered output
        pid = os.fork()
        if pid == 0:
            # SystemExit unwinds the worker out of this loop to the
            # interpreter's normal exit: atexit runs, then finalization.
            worker(k, requests, routes)
        pids.append(pid)
    for k, pid in enumerate(pids):
        _, status = os.waitpid(pid, 0)
        how = ("exit status %d" % os.WEXITSTATUS(status)
               if os.WIFEXITED(status)
               else "killed by signal %d" % os.WTERMSIG(status))
        print("worker %d: %d requests, %s" % (k, requests * (k + 1), how))
    print("master: %d routes" % len(routes))


if __name__ == "__main__":
    main()
