"""pickle_rare: pickling on a path the profiled run did not take.

    pickle_rare.py      path A: pickles nothing
    pickle_rare.py B    path B: copies, pickles with protocol 4 (both
                        work with __slots__), with protocol 0 (legacy
                        callers) and loads a pickle written before the
                        change (an instance __dict__ as its state)

Each operation prints its outcome.  With __slots__: protocol 0 raises
TypeError (a class that defines __slots__ without defining __getstate__
cannot be pickled), and loading the old pickle raises AttributeError
(no __dict__ to put the state in)."""
import copy
import pickle
import sys


class Item:
    def __init__(self, sku, qty):
        self.sku = sku
        self.qty = qty


# pickle.dumps(Item("old", 3), 2) before any __slots__: the state is
# the instance __dict__.
OLD = (b"\x80\x02c__main__\nItem\nq\x00)\x81q\x01}q\x02(X\x03\x00\x00"
       b"\x00skuq\x03X\x03\x00\x00\x00oldq\x04X\x03\x00\x00\x00qtyq\x05K"
       b"\x03ub.")


def outcome(what, fn):
    try:
        r = fn()
        print("%s: ok %s" % (what, r))
    except Exception as e:
        print("%s: %s: %s" % (what, type(e).__name__, e))


items = [Item("s%d" % i, i) for i in range(1000)]
if len(sys.argv) > 1:
    # These two work with __slots__ as well.
    outcome("copy", lambda: (copy.copy(items[1]).sku,
                             copy.deepcopy(items[2]).qty))
    outcome("protocol 4", lambda: pickle.loads(pickle.dumps(items[3],
                                                            4)).sku)
    outcome("protocol 0", lambda: pickle.loads(pickle.dumps(items[4],
                                                            0)).sku)
    outcome("old pickle", lambda: pickle.loads(OLD).sku)
print("items:", len(items))
