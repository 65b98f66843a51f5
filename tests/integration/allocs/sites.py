"""Two places create Item (sites test): 600 from make_a, 400 from
make_b, all kept; 250 Temp made in make_b and dropped."""


class Item:
    def __init__(self, i):
        self.i = i
        self.j = i


class Temp:
    def __init__(self):
        self.t = 0


def make_a(n):
    return [Item(i) for i in range(n)]   # SITE-A


def make_b(n):
    out = []
    for i in range(n):
        out.append(Item(i))              # SITE-B
        if i < 250:
            Temp()
    return out


a = make_a(600)                          # CALL-A
b = make_b(400)                          # CALL-B
