import os, sys, ctypes, torch
# run40-mem harness: python diag_step.py BATCH [STEPS] (from this folder). bench/peer.py's train step
# (peer.Peer()._train_step) split into its phases, with VmRSS before / after malloc_trim(0) at each.
# NOTRIM=1 in the environment: no malloc_trim (the 'after trim' column is then plain RSS).
# Random init from HF's default SiglipConfig (= base-patch16-224's shapes).
sys.path.insert(0, "../..")
import peer
from transformers import SiglipConfig
trim = ctypes.CDLL("libc.so.6").malloc_trim
def status():
    """VmRSS, VmHWM in MiB."""
    kib = dict(l.split(":", 1) for l in open("/proc/self/status"))
    return {k: int(kib[k].split()[0]) // 1024 for k in ("VmRSS", "VmHWM")}
def rss(what):
    before = status()
    if os.environ.get("NOTRIM") is None: trim(0)
    print("%-34s RSS %6d MiB  after trim %6d MiB  peak %6d MiB" % (what, before["VmRSS"], status()["VmRSS"], before["VmHWM"]), flush=True)
torch.set_num_threads(2)
batch = int(sys.argv[1]); steps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
cfg = SiglipConfig().to_dict()
m = peer.Siglip(cfg)
m.train()
opt = torch.optim.AdamW(m.parameters(), lr=1e-5, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-4)
ids = torch.randint(3, 500, (batch, 64))
px = torch.randn(batch, 3, 224, 224)
rss("model + optimiser")
for it in range(steps):
    print("-- step %d" % it, flush=True)
    rss("step start")
    with torch.enable_grad():
        img = m.vision_model(px)
        rss("after image forward")
        txt = m.text_model(ids)
        rss("after text forward")
        loss = peer.sigmoid_loss(img, txt, m.logit_scale, m.logit_bias)
        rss("after loss")
        loss.backward()
        rss("after backward")
    del img, txt
    torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
    rss("after clip")
    opt.step()
    rss("after AdamW step")
    opt.zero_grad(set_to_none=True)
    del loss
    rss("after zero_grad(set_to_none)")
