"""What a module imports and exports, with the types (WAMR's
wasm_runtime_get_import_type / get_export_type and wasm_func_get_param_types):
an embedder can check the natives an app needs before instantiating it.

    python examples/embed_introspect.py [interp|fast]
    micropython examples/embed_introspect.py
"""

import sys

import wasmbed
from wasmbed import NativeSymbol


def here(name):
    parts = __file__.replace("\\", "/").rsplit("/", 1)
    return (parts[0] + "/" if len(parts) > 1 else "") + name


mode = sys.argv[1] if len(sys.argv) > 1 else None
rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
rt.register_natives("env", [NativeSymbol("log", lambda env, s: None, "($)")])
with open(here("embed_app.wasm"), "rb") as f:
    module = rt.load(f.read())

print("imports: %d" % module.get_import_count())
for i in range(module.get_import_count()):
    t = module.get_import_type(i)
    print("import %s.%s: %s params=%s results=%s signature=%s linked=%s"
          % (t.module_name, t.name, t.kind, ",".join(t.param_types),
             ",".join(t.result_types), t.signature, t.linked))

print("exports: %d" % module.get_export_count())
for t in module.export_types():
    if t.kind == "func":
        print("export %s: func params=%s results=%s"
              % (t.name, ",".join(t.param_types), ",".join(t.result_types)))
    elif t.kind == "memory":
        print("export %s: memory min=%d max=%s" % (t.name, t.min, t.max))
    elif t.kind == "global":
        print("export %s: global %s mutable=%s" % (t.name, t.value_type, t.mutable))
    else:
        print("export %s: table %s min=%d" % (t.name, t.elem_type, t.min))

# the natives still missing, with the signature string each one needs
missing = [t for t in module.import_types() if t.kind == "func" and not t.linked]
print("missing natives: %s" % " ".join("%s%s" % (t.name, t.signature) for t in missing))

# once instantiated, a looked-up function tells its own type
natives = [NativeSymbol(t.name, lambda env, *a: 0, t.signature) for t in missing]
rt.register_natives("env", natives)
inst = rt.instantiate(module)
f = inst.lookup_function("draw")
print("draw: %d params %s, %d results %s"
      % (f.get_param_count(), f.get_param_types(), f.get_result_count(),
         f.get_result_types()))
inst.deinstantiate()
module.unload()
rt.destroy()
