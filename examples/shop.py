"""shop.py -- a small order-processing simulation, the slotprof demo.

    LD_PRELOAD=/abs/path/libslotprof.so \\
        SLOTPROF_OPTIONS=output=/tmp/shop.json,text=stderr python3 shop.py

A catalogue of products, customers placing orders of line items, an
event log whose entries are also watched through weak references, and a
nightly export that serializes orders through their __dict__.  It keeps
some tens of thousands of objects alive until it exits, which is when
slotprof takes its census, and prints a short, deterministic summary.

What slotprof should find (the classes are written the way real code
often is, without __slots__):

  LineItem, Order, Customer  many instances; they share the base class
                             Entity, so the plan slots Entity first
  Product                    a @dataclass: @dataclass(slots=True) on 3.10+
  Event                      weakly referenced: needs '__weakref__'
  Snapshot                   __dict__ read for the export: on 3.11+ that
                             materialized a dict per instance (a warning)
  Warehouse                  three instances: not worth it, not recommended
"""
import json
import random
import weakref
from dataclasses import dataclass


class Entity:
    """Everything with an identity."""

    def __init__(self, ident):
        self.ident = ident


@dataclass
class Product:
    sku: str
    name: str
    price_cents: int
    warehouse: object


class Customer(Entity):
    def __init__(self, ident, name, tier):
        super().__init__(ident)
        self.name = name
        self.tier = tier
        self.orders = []


class Order(Entity):
    def __init__(self, ident, customer):
        super().__init__(ident)
        self.customer = customer
        self.items = []
        self.status = "new"
        self.total_cents = 0

    def add(self, item):
        self.items.append(item)
        self.total_cents += item.product.price_cents * item.quantity


class LineItem(Entity):
    def __init__(self, ident, product, quantity):
        super().__init__(ident)
        self.product = product
        self.quantity = quantity
        self.discount = None


class Event:
    """An entry of the event log; listeners watch it weakly."""

    def __init__(self, kind, order):
        self.kind = kind
        self.order = order


class Snapshot:
    """What the nightly export writes, serialized through __dict__."""

    def __init__(self, order):
        self.order_id = order.ident
        self.customer_id = order.customer.ident
        self.total_cents = order.total_cents
        self.lines = len(order.items)

    def to_json(self):
        return json.dumps(self.__dict__, sort_keys=True)


class Warehouse:
    def __init__(self, code, city):
        self.code = code
        self.city = city
        self.shipped = 0


class Shop:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.warehouses = [Warehouse("W%d" % k, city) for k, city in
                           enumerate(("Lyon", "Porto", "Gdansk"))]
        self.products = [
            Product("SKU%04d" % k, "product %d" % k,
                    self.rng.randrange(199, 9999),
                    self.warehouses[k % 3])
            for k in range(250)]
        self.customers = []
        self.orders = []
        self.events = []
        self.watchers = []      # weak references to the events
        self.exported = []
        self.next_id = 1

    def ident(self):
        self.next_id += 1
        return self.next_id

    def add_customers(self, n):
        tiers = ("basic", "silver", "gold")
        for k in range(n):
            self.customers.append(Customer(self.ident(), "customer %d" % k,
                                           tiers[k % 3]))

    def log(self, kind, order):
        ev = Event(kind, order)
        self.events.append(ev)
        self.watchers.append(weakref.ref(ev))

    def place_orders(self, n):
        rng = self.rng
        for _ in range(n):
            customer = self.customers[rng.randrange(len(self.customers))]
            order = Order(self.ident(), customer)
            for _ in range(rng.randrange(1, 5)):
                product = self.products[rng.randrange(len(self.products))]
                order.add(LineItem(self.ident(), product,
                                   rng.randrange(1, 4)))
            customer.orders.append(order)
            self.orders.append(order)
            self.log("placed", order)

    def ship(self):
        for order in self.orders:
            if order.ident % 5 != 0:
                order.status = "shipped"
                order.items[0].product.warehouse.shipped += 1
                self.log("shipped", order)

    def export(self):
        lines = 0
        for order in self.orders:
            snap = Snapshot(order)
            lines += len(snap.to_json())
            self.exported.append(snap)
        return lines


def main():
    shop = Shop(seed=20240229)
    shop.add_customers(3000)
    shop.place_orders(12000)
    shop.ship()
    exported_bytes = shop.export()

    items = sum(len(o.items) for o in shop.orders)
    revenue = sum(o.total_cents for o in shop.orders
                  if o.status == "shipped")
    alive = sum(1 for w in shop.watchers if w() is not None)
    best = max(shop.customers, key=lambda c: (len(c.orders), -c.ident))
    print("customers %d, orders %d, line items %d, products %d"
          % (len(shop.customers), len(shop.orders), items,
             len(shop.products)))
    print("shipped revenue %d.%02d" % divmod(revenue, 100))
    print("events %d (%d watched), export %d bytes"
          % (len(shop.events), alive, exported_bytes))
    print("busiest customer: %s with %d orders"
          % (best.name, len(best.orders)))
    print("shipped per warehouse: " + ", ".join(
        "%s %d" % (w.city, w.shipped) for w in shop.warehouses))
    return shop


SHOP = main()   # kept alive until exit: that is when slotprof looks
