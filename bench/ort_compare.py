#!/usr/bin/env python3
"""Two or more ONNX graphs on Python onnxruntime, alternated in one process (docs/onnxruntime.md).

    python bench/ort_compare.py NAME=FILE.onnx NAME2=FILE2.onnx

Prints, per graph, the median ms per call of the vision tower on random pixels (B=batch, R=rounds,
N=calls per round, 2 intra-op threads, all graph optimisations). DUMP=1 also writes each optimised
graph and prints its node counts by operator; PROF=1 runs ONNX Runtime's profiler and prints the
kernel time per operator type per call. bench/OrtCompare.java does the same on the Java API;
its PROF=1 profiles are summed by

    python bench/ort_compare.py PROFILE.json ...
"""
import collections
import json
import os
import sys
import time

import numpy as np
import onnxruntime as ort



def per_op(events):
    """Kernel microseconds per operator type, and the number of runs, of one profile."""
    runs = sum(1 for e in events if e.get("cat") == "Session" and e["name"] == "model_run")
    ops = collections.defaultdict(float)
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
            ops[e["args"]["op_name"]] += e["dur"]
    return ops, max(runs, 1)


def report(name, events):
    ops, runs = per_op(events)
    total = sum(ops.values())
    print(f"{name}: kernel time {total / 1e3 / runs:.2f} ms per call ({runs} calls)")
    for op, d in sorted(ops.items(), key=lambda kv: -kv[1])[:10]:
        print(f"   {op:28s} {d / 1e3 / runs:7.2f} ms  {100 * d / total:5.1f}%")


if all(a.endswith(".json") for a in sys.argv[1:]):
    for f in sys.argv[1:]:
        report(f, json.load(open(f)))
    sys.exit(0)
graphs = dict(a.split("=", 1) for a in sys.argv[1:])
batch, rounds, iters = (int(os.environ.get(k, d)) for k, d in (("B", "1"), ("R", "5"), ("N", "10")))
out = os.environ.get("OUT", "/tmp")
sessions = {}
for name, path in graphs.items():
    o = ort.SessionOptions()
    o.intra_op_num_threads = 2
    o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if os.environ.get("DUMP"):
        o.optimized_model_filepath = os.path.join(out, f"optimized-{name}.onnx")
    if os.environ.get("PROF"):
        o.enable_profiling = True
        o.profile_file_prefix = os.path.join(out, f"profile-{name}")
    sessions[name] = ort.InferenceSession(path, o, providers=["CPUExecutionProvider"])
    if os.environ.get("DUMP"):
        import onnx
        m = onnx.load(o.optimized_model_filepath, load_external_data=False)
        c = collections.Counter((n.domain or "ai.onnx") + ":" + n.op_type for n in m.graph.node)
        print(name, len(m.graph.node), "nodes:", dict(c.most_common()))
size = int(os.environ.get("SIZE", "224"))
x = np.random.rand(batch, 3, size, size).astype(np.float32)
feeds = {n: {s.get_inputs()[0].name: x} for n, s in sessions.items()}
for n, s in sessions.items():
    s.run(None, feeds[n])
times = collections.defaultdict(list)
for _ in range(rounds):
    for n, s in sessions.items():
        ts = []
        for _ in range(iters):
            t0 = time.perf_counter()
            s.run(None, feeds[n])
            ts.append(time.perf_counter() - t0)
        times[n].append(float(np.median(ts)))
for n in sessions:
    print(f"{n}: median {np.median(times[n]) * 1e3:.2f} ms/call, rounds {[round(t * 1e3, 1) for t in times[n]]}")
if os.environ.get("PROF"):
    for n, s in sessions.items():
        report(n, json.load(open(s.end_profiling())))
