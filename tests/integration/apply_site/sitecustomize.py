"""Start-up hook of ../apply_plan.py (put first on PYTHONPATH by
apply_plan.child_env()): load apply_plan.py under a private name, install
the plan from $SLOTPROF_TEST_APPLY, then run the sitecustomize this
directory hides, as site would have.

This directory holds nothing else, so the program can import nothing of
ours by accident."""


def _load_apply_plan():
    import os
    import sys
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(os.path.dirname(here), "apply_plan.py")
    name = "_slotprof_apply_plan"
    mod = type(sys)(name)
    mod.__file__ = path
    sys.modules[name] = mod
    with open(path, "rb") as f:
        code = compile(f.read(), path, "exec", dont_inherit=True)
    exec(code, mod.__dict__)
    mod.install_from_env()


def _chain():
    """Run the next sitecustomize on sys.path, as `import sitecustomize`
    would have found it without this directory; it becomes
    sys.modules['sitecustomize'] (the import returns that entry)."""
    import os
    import sys
    here = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path
            if os.path.abspath(p or os.curdir) != here]
    # Only look further (importlib.machinery) if there may be one.
    if not any(os.path.exists(os.path.join(p or os.curdir, f))
               for p in rest for f in ("sitecustomize.py",
                                       "sitecustomize")):
        if not any(p.endswith(".zip") for p in rest):
            return
    from importlib.machinery import PathFinder
    spec = PathFinder.find_spec("sitecustomize", rest)
    if spec is None or spec.loader is None:
        return
    mod = spec.loader.create_module(spec) if hasattr(
        spec.loader, "create_module") else None
    if mod is None:
        mod = type(sys)(spec.name)
    mod.__spec__ = spec
    mod.__loader__ = spec.loader
    if spec.origin and spec.has_location:
        mod.__file__ = spec.origin
    if spec.submodule_search_locations is not None:
        mod.__path__ = spec.submodule_search_locations
    sys.modules["sitecustomize"] = mod
    spec.loader.exec_module(mod)


_load_apply_plan()
del _load_apply_plan
_chain()
