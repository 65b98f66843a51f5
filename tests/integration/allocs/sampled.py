"""70,000 Rec from hot(), 30,000 from cold(), all kept (sampled-sites
test)."""


class Rec:
    def __init__(self):
        self.v = 1


def hot():
    return [Rec() for _ in range(70000)]


def cold():
    return [Rec() for _ in range(30000)]


x = hot()
y = cold()
