#!/usr/bin/python3
"""The PyTorch eager peer of `siglip bench`.

SigLIP written out in plain PyTorch (the eager path of Hugging Face's modeling_siglip.py:
same module tree, same parameter names, gelu(approximate="tanh"), float32 softmax, MAP head),
the slow SiglipTokenizer (sentencepiece plus HF's canonicalisation) and the SiglipImageProcessor
(PIL bicubic resize, rescale, normalise). transformers itself is not needed, only Debian's
python3-torch, python3-numpy, python3-sentencepiece and python3-pil (python3-psutil optional).

It speaks one JSON object per line on stdin/stdout so the Java bench can alternate
A B A B in one run; nothing else is written to stdout. Requests:

  {"cmd": "hello", "threads": 2}                   -> versions, thread count, BLAS
  {"cmd": "load", "dir": D}                        -> reads D/config.json + D/model.safetensors
  {"cmd": "tokenizer", "dir": D}                   -> loads D/spiece.model
  {"cmd": "run", "row": R, "in": F, "out": G, ...} -> one call on the input file, output written to G
  {"cmd": "time", "row": R, "iters": N, ...}       -> seconds of each of N calls
  {"cmd": "reset_peak"} / {"cmd": "rss"}           -> VmHWM reset / current and peak RSS
  {"cmd": "unload"} / {"cmd": "quit"}

Input and output files are raw little-endian float32 or int64, shapes given in the request.
"""

import ctypes
import gc
import json
import math
import os
import re
import string
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import warnings

import numpy as np
import torch
import torch.nn.functional as F
import torch.utils.checkpoint
from torch import nn

torch.set_grad_enabled(False)
# the memory-mapped checkpoint is read-only; it is only ever copied from
warnings.filterwarnings("ignore", message="The given NumPy array is not writable")


# ---------------------------------------------------------------- safetensors (no package needed)

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "F64": np.float64}


def read_safetensors(path):
    """8-byte little-endian header length, JSON header, then raw little-endian tensors (memory-mapped)."""
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
    base = 8 + n
    data = np.memmap(path, dtype=np.uint8, mode="r")
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dt = info["dtype"]
        if dt not in _DTYPES:
            raise ValueError("unsupported dtype %s of %s" % (dt, name))
        a, b = info["data_offsets"]
        arr = np.frombuffer(data[base + a:base + b], dtype=np.dtype(_DTYPES[dt]).newbyteorder("<"))
        out[name] = arr.reshape(info["shape"])
    return out


def load_strict(model, path):
    """Copies every tensor into its parameter one at a time (no second full copy of the weights)."""
    tensors = read_safetensors(path)
    state = model.state_dict()
    missing, unused = set(state) - set(tensors), set(tensors) - set(state)
    if missing or unused:
        raise ValueError("checkpoint mismatch: missing %s, unused %s" % (sorted(missing)[:5], sorted(unused)[:5]))
    for name, target in state.items():
        src = tensors[name]
        if tuple(src.shape) != tuple(target.shape):
            raise ValueError("%s: expected %s, got %s" % (name, tuple(target.shape), src.shape))
        target.copy_(torch.from_numpy(np.ascontiguousarray(src, dtype=np.float32)))


class _NoInit:
    """Skips the random initialisation of layers whose weights are loaded right after."""

    KINDS = (nn.Linear, nn.Embedding, nn.LayerNorm, nn.Conv2d)

    def __enter__(self):
        self.saved = [(k, k.reset_parameters) for k in self.KINDS]
        self.mha = nn.MultiheadAttention._reset_parameters
        for k in self.KINDS:
            k.reset_parameters = lambda self: None
        nn.MultiheadAttention._reset_parameters = lambda self: None

    def __exit__(self, *exc):
        for k, f in self.saved:
            k.reset_parameters = f
        nn.MultiheadAttention._reset_parameters = self.mha


# ---------------------------------------------------------------- the model (HF eager SigLIP)

class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads, self.head_dim = heads, d // heads
        self.scale = self.head_dim ** -0.5
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x):
        b, l, d = x.shape
        q = self.q_proj(x).view(b, l, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, l, self.heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, l, self.heads, self.head_dim).transpose(1, 2)
        w = torch.matmul(q, k.transpose(2, 3)) * self.scale
        w = F.softmax(w, dim=-1, dtype=torch.float32).to(q.dtype)
        o = torch.matmul(w, v).transpose(1, 2).reshape(b, l, d)
        return self.out_proj(o)


class MLP(nn.Module):
    def __init__(self, d, i):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(d, i), nn.Linear(i, d)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x), approximate="tanh"))


class EncoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, eps = c["hidden_size"], c.get("layer_norm_eps", 1e-6)
        self.self_attn = Attention(d, c["num_attention_heads"])
        self.layer_norm1 = nn.LayerNorm(d, eps=eps)
        self.mlp = MLP(d, c["intermediate_size"])
        self.layer_norm2 = nn.LayerNorm(d, eps=eps)

    def forward(self, x):
        x = x + self.self_attn(self.layer_norm1(x))
        return x + self.mlp(self.layer_norm2(x))


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layers = nn.ModuleList(EncoderLayer(c) for _ in range(c["num_hidden_layers"]))
        self.gradient_checkpointing = False

    def forward(self, x):
        for layer in self.layers:
            if self.gradient_checkpointing and torch.is_grad_enabled():
                # as HF's gradient_checkpointing_enable(): torch.utils.checkpoint per layer, non-reentrant
                x = torch.utils.checkpoint.checkpoint(layer, x, use_reentrant=False)
            else:
                x = layer(x)
        return x


class VisionEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, p = c["hidden_size"], c["patch_size"]
        self.patch_embedding = nn.Conv2d(c.get("num_channels", 3), d, kernel_size=p, stride=p)
        n = (c["image_size"] // p) ** 2
        self.position_embedding = nn.Embedding(n, d)
        self.register_buffer("position_ids", torch.arange(n).unsqueeze(0), persistent=False)

    def forward(self, pixels):
        x = self.patch_embedding(pixels).flatten(2).transpose(1, 2)
        return x + self.position_embedding(self.position_ids)


class PoolingHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["hidden_size"]
        self.probe = nn.Parameter(torch.zeros(1, 1, d))
        self.attention = nn.MultiheadAttention(d, c["num_attention_heads"], batch_first=True)
        self.layernorm = nn.LayerNorm(d, eps=c.get("layer_norm_eps", 1e-6))
        self.mlp = MLP(d, c["intermediate_size"])

    def forward(self, h):
        probe = self.probe.repeat(h.shape[0], 1, 1)
        x = self.attention(probe, h, h, need_weights=False)[0]
        x = x + self.mlp(self.layernorm(x))
        return x[:, 0]


class VisionTransformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = VisionEmbeddings(c)
        self.encoder = Encoder(c)
        self.post_layernorm = nn.LayerNorm(c["hidden_size"], eps=c.get("layer_norm_eps", 1e-6))
        self.head = PoolingHead(c) if c.get("vision_use_head", True) else None

    def forward(self, pixels):
        h = self.post_layernorm(self.encoder(self.embeddings(pixels)))
        return self.head(h) if self.head is not None else h


class TextEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.token_embedding = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.position_embedding = nn.Embedding(c["max_position_embeddings"], c["hidden_size"])

    def forward(self, ids):
        pos = torch.arange(ids.shape[1]).unsqueeze(0)
        return self.token_embedding(ids) + self.position_embedding(pos)


class TextTransformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = TextEmbeddings(c)
        self.encoder = Encoder(c)
        self.final_layer_norm = nn.LayerNorm(c["hidden_size"], eps=c.get("layer_norm_eps", 1e-6))
        self.head = nn.Linear(c["hidden_size"], c.get("projection_size", c["hidden_size"]))

    def forward(self, ids):
        h = self.final_layer_norm(self.encoder(self.embeddings(ids)))
        return self.head(h[:, -1, :])


class Siglip(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.text_model = TextTransformer(config["text_config"])
        self.vision_model = VisionTransformer(config["vision_config"])
        self.logit_scale = nn.Parameter(torch.zeros(1))
        self.logit_bias = nn.Parameter(torch.zeros(1))


def sigmoid_loss(img, txt, scale, bias):
    """Sigmoid loss of the paper: labels +1 on the diagonal, -1 elsewhere, mean over images."""
    img = img / img.norm(dim=-1, keepdim=True)
    txt = txt / txt.norm(dim=-1, keepdim=True)
    logits = txt @ img.t() * scale.exp() + bias
    labels = 2 * torch.eye(logits.shape[0]) - 1
    return -F.logsigmoid(labels * logits).sum() / logits.shape[0]


# ---------------------------------------------------------------- HF's slow SiglipTokenizer

SPIECE_UNDERLINE = "\u2581"


class SlowTokenizer:
    """tokenization_siglip.SiglipTokenizer (transformers 4.45) for padding="max_length", truncation=True."""

    def __init__(self, directory):
        import sentencepiece as spm
        cfg_path = os.path.join(directory, "tokenizer_config.json")
        cfg = json.load(open(cfg_path)) if os.path.exists(cfg_path) else {}
        self.max_length = int(cfg.get("model_max_length", 64))
        if self.max_length > 100000:
            self.max_length = 64
        self.do_lower_case = cfg.get("do_lower_case", True)
        self.sp = spm.SentencePieceProcessor()
        with open(os.path.join(directory, "spiece.model"), "rb") as f:
            proto = f.read()
        # HF loads the model with normalizer_spec.add_dummy_prefix merged to False; appending a
        # second normalizer_spec {add_dummy_prefix: false} makes the protobuf parser do the same
        # merge. With the prefix left on, "<unk>" + text starts one piece later and float score
        # sums (hence Viterbi ties such as "ooooo") can come out differently.
        self.sp.LoadFromSerializedProto(proto + b"\x1a\x02\x18\x00")
        self.unk = "<unk>"
        self.eos_id = self.sp.piece_to_id("</s>")
        self.pad_id = self.eos_id
        self.unk_len = len(self.sp.encode(self.unk, out_type=str))
        self.punct = str.maketrans("", "", string.punctuation)
        self.specials = ("</s>", "<unk>")
        self.special_re = re.compile("(</s>|<unk>)")

    def canonicalize(self, text):
        text = text.translate(self.punct)
        return re.sub(r"\s+", " ", text).strip()

    def _tokenize(self, text):
        text = self.canonicalize(text)
        # HF encodes twice (the first result is unused) and strips the tokens of an "<unk>" prefix
        tokens = self.sp.encode(text, out_type=str)
        tokens = self.sp.encode(self.unk + text, out_type=str)
        return tokens[self.unk_len:] if len(tokens) >= self.unk_len else tokens

    def encode(self, text):
        if self.do_lower_case:
            # HF lower-cases one character at a time (re.sub over "(.+?)"): the only context-
            # dependent rule of str.lower, final sigma, never fires there
            text = text.lower() if "\u03a3" not in text else "".join(c.lower() for c in text)
        text = SPIECE_UNDERLINE + text.replace(SPIECE_UNDERLINE, " ")
        # PreTrainedTokenizer.tokenize: special tokens are split out first (lstrip/rstrip=True
        # in tokenizer_config.json: the whitespace next to them goes too); the rest is _tokenize'd
        parts = self.special_re.split(text)
        tokens = []
        for i, part in enumerate(parts):
            if part in self.specials:
                tokens.append(part)
                continue
            if i + 1 < len(parts) and parts[i + 1] in self.specials:
                part = part.rstrip()
            if i > 0 and parts[i - 1] in self.specials:
                part = part.lstrip()
            if part:
                tokens.extend(self._tokenize(part))
        if len(tokens) > 1 and tokens[0] == SPIECE_UNDERLINE and tokens[1] in self.specials:
            tokens = tokens[1:]
        ids = [self.sp.piece_to_id(t) for t in tokens][: self.max_length - 1] + [self.eos_id]
        return ids + [self.pad_id] * (self.max_length - len(ids))


# ---------------------------------------------------------------- image processing (HF SiglipImageProcessor)

def preprocess_one(path, size):
    from PIL import Image, ImageOps
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im).convert("RGB").resize((size, size), resample=3)
        a = np.asarray(im, dtype=np.float32) * np.float32(1 / 255)
    return ((a - 0.5) / 0.5).transpose(2, 0, 1)


# ---------------------------------------------------------------- memory

def rss_kib():
    cur = peak = None
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                cur = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1])
    return cur, peak


def reset_peak():
    # garbage and freed-but-kept memory of the previous row are not this row's memory (the JVM
    # side runs a GC and malloc_trim here too)
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass
    # Linux >= 4.0: writing 5 resets VmHWM to the current RSS
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


# ---------------------------------------------------------------- the protocol

class Peer:
    def __init__(self):
        self.model = None
        self.tok = None
        self.pool = None
        self.opt = None

    def hello(self, req):
        threads = int(req.get("threads", 2))
        torch.set_num_threads(threads)
        self.pool = ThreadPoolExecutor(threads)
        cfg = torch.__config__.show()
        blas = re.search(r"BLAS_INFO=(\w+)", cfg)
        return {"torch": torch.__version__, "numpy": np.__version__, "threads": torch.get_num_threads(),
                "blas": blas.group(1) if blas else "?", "python": sys.version.split()[0],
                "mkldnn": torch.backends.mkldnn.is_available()}

    def load(self, req):
        d = req["dir"]
        config = json.load(open(os.path.join(d, "config.json")))
        self.model = self.opt = None
        with _NoInit():
            model = Siglip(config)
        load_strict(model, os.path.join(d, "model.safetensors"))
        model.eval()
        self.model = model
        self.opt = None
        return {"params": sum(p.numel() for p in model.parameters())}

    def tokenizer(self, req):
        self.tok = SlowTokenizer(req["dir"])
        return {"max_length": self.tok.max_length}

    def _input(self, req):
        shape = req.get("shape")
        if req["row"] == "text":
            if req.get("in"):
                return torch.from_numpy(np.fromfile(req["in"], dtype="<i8").reshape(shape))
            return torch.randint(3, 500, shape)
        if req["row"] in ("vision", "train"):
            if req.get("in"):
                return torch.from_numpy(np.fromfile(req["in"], dtype="<f4").reshape(shape))
            return torch.randn(shape)
        return None

    def _call(self, req, x):
        row = req["row"]
        if row == "vision":
            return self.model.vision_model(x)
        if row == "text":
            return self.model.text_model(x)
        if row == "tokenizer":
            return [self.tok.encode(t) for t in req["texts"]]
        if row == "preprocess":
            size = req["size"]
            return list(self.pool.map(lambda p: preprocess_one(p, size), req["files"]))
        if row == "train":
            return self._train_step(x, req["ids_shape"], bool(req.get("grad_checkpointing", False)))
        raise ValueError("unknown row " + row)

    def _set_checkpointing(self, on):
        self.model.vision_model.encoder.gradient_checkpointing = on
        self.model.text_model.encoder.gradient_checkpointing = on

    def _embed_pairs(self, pixels, ids):
        """The image and text embeddings the train step's loss compares."""
        return self.model.vision_model(pixels), self.model.text_model(ids)

    def _train_step(self, pixels, ids_shape, checkpointing=False):
        m = self.model
        self._set_checkpointing(checkpointing)
        if self.opt is None:
            m.train()
            self.opt = torch.optim.AdamW(m.parameters(), lr=1e-5, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-4)
        if getattr(self, "ids", None) is None or list(self.ids.shape) != list(ids_shape):
            # a new batch size: new token ids (the optimiser state carries over, as on our side)
            self.ids = torch.randint(3, 500, ids_shape)
        with torch.enable_grad():
            loss = sigmoid_loss(*self._embed_pairs(pixels, self.ids), m.logit_scale, m.logit_bias)
            loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        return loss.detach()

    def run(self, req):
        out = self._call(req, self._input(req))
        if req["row"] == "tokenizer":
            np.asarray(out, dtype="<i8").tofile(req["out"])
        elif req["row"] == "preprocess":
            np.stack(out).astype("<f4").tofile(req["out"])
        else:
            out.numpy().astype("<f4").tofile(req["out"])
        return {}

    def time(self, req):
        x = self._input(req)
        return {"secs": seconds_per_call(int(req["iters"]), lambda: self._call(req, x))}

    def gemm(self, req):
        n = int(req["n"])
        a, b = torch.randn(n, n), torch.randn(n, n)
        # "linear": the op the model's layers call (x W^T), next to the plain product
        op = (lambda: F.linear(a, b)) if req.get("op") == "linear" else (lambda: torch.mm(a, b))
        op()
        return {"secs": seconds_per_call(int(req["iters"]), op)}

    def unload(self, req):
        self.model = self.opt = None
        gc.collect()
        return {}


def seconds_per_call(iters, call):
    secs = []
    for _ in range(iters):
        t0 = time.perf_counter()
        call()
        secs.append(time.perf_counter() - t0)
    return secs


def main(peer=None):
    """The request loop; bench/peer_hf.py passes its own Peer subclass."""
    peer = peer if peer is not None else Peer()
    handlers = {"hello": peer.hello, "load": peer.load, "tokenizer": peer.tokenizer, "run": peer.run,
                "time": peer.time, "gemm": peer.gemm, "unload": peer.unload,
                "reset_peak": lambda r: {"reset": reset_peak()},
                "rss": lambda r: dict(zip(("rss_kib", "peak_kib"), rss_kib()))}
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        if req.get("cmd") == "quit":
            break
        try:
            res = handlers[req["cmd"]](req)
            res["ok"] = True
        except Exception as e:  # reported to Java, which fails the row
            res = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(res) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
