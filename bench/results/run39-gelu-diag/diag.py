import sys, ctypes, torch
# run39-gelu harness: python diag.py BATCH (from this folder; needs a saved base model in ./base)
sys.path.insert(0, "../..")
import peer
libc = ctypes.CDLL("libc.so.6")
def field(n):
    for l in open("/proc/self/status"):
        if l.startswith(n + ":"): return int(l.split()[1]) // 1024
def rss(what):
    r = field("VmRSS"); libc.malloc_trim(0)
    print("%-28s RSS %6d MiB  after trim %6d MiB  peak %6d MiB" % (what, r, field("VmRSS"), field("VmHWM")), flush=True)
torch.set_num_threads(2)
batch = int(sys.argv[1])
p = peer.Peer()
p.hello({"threads": 2})
p.load({"dir": "base"})
m = p.model
m.train()
rss("model")
for it in range(2):
    px = torch.randn(batch, 3, 224, 224)
    ids = torch.randint(3, 500, (batch, 64))
    with torch.enable_grad():
        img = m.vision_model(px)
        rss("after image forward")
        txt = m.text_model(ids)
        rss("after text forward")
        s = img.sum() + txt.sum()
        s.backward()
        rss("after backward")
    del img, txt, s
    rss("after step %d" % it)
