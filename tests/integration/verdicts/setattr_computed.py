"""setattr_computed: attribute names come from the data (setattr with a
computed name).

    setattr_computed.py      path A: rows with id, name, price
    setattr_computed.py B    path B: one row also has a discount

A plan from path A has slots for id, name, price only: path B raises
AttributeError ('Record' object has no attribute 'discount')."""
import sys


class Record:
    def __init__(self, row):
        for key, value in row.items():
            setattr(self, key, value)


rows = [{"id": i, "name": "n%d" % i, "price": i * 3} for i in range(1000)]
if len(sys.argv) > 1:
    rows[7]["discount"] = 5
records = [Record(r) for r in rows]
print("total:", sum(r.price - getattr(r, "discount", 0) for r in records))
