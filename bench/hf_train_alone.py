#!/usr/bin/env python3
"""HF transformers' SiglipModel fine-tuning steps on random weights and pairs, alone in its process.

For shapes whose optimiser state does not fit twice in the machine's memory (so400m-patch14-384:
weights, gradients and AdamW moments are ~14 GB per process), so the JVM and this peer cannot be
loaded side by side as `siglip bench` does; run this before or after
`siglip bench --no-peer --rows train-ckpt --presets so400m-patch14-384 --train-batches 8`.
The step is bench/peer_hf.py's (vision and text pooler outputs, sigmoid loss, backward, clipping
at 1.0, AdamW lr 1e-5 wd 1e-4); with --checkpointing HF's gradient_checkpointing_enable()
(non-reentrant). Prints one JSON line: seconds of each step (the first is the warm-up), pairs/s of
the median of the others, and peak RSS (VmHWM) after the model was built and during the steps.

  python bench/hf_train_alone.py --preset so400m-patch14-384 --batch 8 --steps 2 --checkpointing
"""

import argparse
import json
import os
import statistics
import sys
import time
import types

# torchvision in the /tmp/ref venv cannot register its C++ operators and transformers imports it:
# only that registration module is replaced by an empty one (scripts/reference/check_onnx_export.py)
sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))

import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer as base  # noqa: E402

# the presets of SiglipPresets (siglip-core): text (vocab, width, mlp, layers, heads, tokens), vision (width, mlp,
# layers, heads, image, patch)
PRESETS = {
    "base-patch16-224": ((32000, 768, 3072, 12, 12, 64), (768, 3072, 12, 12, 224, 16)),
    "so400m-patch14-384": ((32000, 1152, 4304, 27, 16, 64), (1152, 4304, 27, 16, 384, 14)),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="so400m-patch14-384", choices=sorted(PRESETS))
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--steps", type=int, default=2, help="timed steps after the warm-up step")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--checkpointing", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    from transformers import SiglipConfig, SiglipModel
    (tv, td, ti, tl, th, tt), (vd, vi, vl, vh, vs, vp) = PRESETS[a.preset]
    cfg = SiglipConfig(
        text_config=dict(vocab_size=tv, hidden_size=td, intermediate_size=ti, num_hidden_layers=tl,
                         num_attention_heads=th, max_position_embeddings=tt),
        vision_config=dict(hidden_size=vd, intermediate_size=vi, num_hidden_layers=vl, num_attention_heads=vh,
                           image_size=vs, patch_size=vp))
    cfg._attn_implementation = "sdpa"
    model = SiglipModel(cfg)
    p = base.Peer()
    p.hello({"threads": a.threads})
    p.model = model
    base.reset_peak()
    _, loaded_peak = base.rss_kib()
    pixels = torch.randn(a.batch, 3, vs, vs)
    ids_shape = [a.batch, tt]
    import peer_hf
    step = peer_hf.HfPeer._train_step
    secs = []
    for _ in range(1 + a.steps):
        t0 = time.perf_counter()
        step(p, pixels, ids_shape, a.checkpointing)
        secs.append(time.perf_counter() - t0)
    _, peak = base.rss_kib()
    timed = secs[1:] if len(secs) > 1 else secs
    print(json.dumps({"preset": a.preset, "batch": a.batch, "checkpointing": a.checkpointing,
                      "torch": torch.__version__, "transformers": __import__("transformers").__version__,
                      "threads": torch.get_num_threads(), "secs": secs,
                      "pairs_per_s": a.batch / statistics.median(timed), "rss_after_build_mib": loaded_peak / 1024,
                      "peak_rss_mib": peak / 1024}))


if __name__ == "__main__":
    main()
