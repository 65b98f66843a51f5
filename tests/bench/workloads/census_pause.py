"""Bench workload: the census pause over a large live heap.

Usage: census_pause.py MILLIONS SNAPSHOT_PATH api|exit

Builds about MILLIONS million live GC-tracked objects (instances of a few
dict-carrying classes, the lists, dicts and tuples that hold them) with
the collector disabled, so no gc-triggered census runs while it grows,
then:

- ``api``, when the library's control module is there (``import
  slotprof`` works): takes ``slotprof.snapshot(SNAPSHOT_PATH)`` and
  reports ``census_seconds_last`` from ``slotprof.stats()``; the harness
  reads ``census.objects_visited`` from that snapshot;
- ``exit`` (or no module): does nothing more; the objects stay alive
  until exit, where the library takes its exit census (the harness reads
  ``census.duration_seconds`` and ``census.objects_visited`` from the
  exit report).

stdout carries only the shape of the heap, identical with and without
the library; the measurement goes to stderr as one JSON line.
"""

import gc
import json
import sys
import time


class Point:
    def __init__(self, i):
        self.x = i
        self.y = -i


class Item:
    def __init__(self, i, point):
        self.id = i
        self.point = point
        self.tags = []
        self.meta = None


class Bag(Item):
    def __init__(self, i, point):
        Item.__init__(self, i, point)
        self.contents = {}


KEEP = []


def build(millions):
    # Each group makes 5 GC-tracked objects: a Point, an Item or a Bag,
    # its tags list, a tuple or a dict holding a Point, and the holder
    # tuple (the Bag's empty dict is not tracked), plus a holder list per
    # 1000 groups.
    groups = int(millions * 1000000) // 5
    holder = []
    for i in range(groups):
        p = Point(i)
        item = Bag(i, p) if i % 3 == 0 else Item(i, p)
        extra = (item, p) if i % 3 else {"k": p}
        holder.append((item, extra))
        if len(holder) == 1000:
            KEEP.append(holder)
            holder = []
    KEEP.append(holder)
    return groups


def main(argv):
    millions = float(argv[1])
    path = argv[2]
    how = argv[3] if len(argv) > 3 else "api"
    gc.disable()
    groups = build(millions)
    print("census_pause: %d groups, %d holders" % (groups, len(KEEP)))
    sys.stdout.flush()
    try:
        import slotprof
    except ImportError:
        slotprof = None
    line = {"module": slotprof is not None, "census_seconds_last": None,
            "written": None}
    if slotprof is not None and how == "api":
        # The census runs on this thread: its CPU time is robust against
        # other processes competing for the CPUs, which the library's
        # wall-clock census_seconds_last is not.  Both include writing
        # the (small) report.
        cpu0, wall0 = time.thread_time(), time.perf_counter()
        line["written"] = slotprof.snapshot(path)
        line["snapshot_cpu_seconds"] = time.thread_time() - cpu0
        line["snapshot_wall_seconds"] = time.perf_counter() - wall0
        line["census_seconds_last"] = slotprof.stats()["census_seconds_last"]
    sys.stderr.write("census_pause: " + json.dumps(line) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
