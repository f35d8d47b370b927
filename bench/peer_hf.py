#!/usr/bin/env python3
"""The peers users actually run, for `siglip bench --peer bench/peer_hf.py`.

Speaks the protocol of bench/peer.py (one JSON request per line; same rows, same files) but runs,
chosen by the environment variable SIGLIP_PEER_ENGINE:

  hf        (default) Hugging Face transformers' SiglipModel, attn_implementation="sdpa", float32;
            the train rows use HF's own gradient_checkpointing_enable() for the checkpointed step
  ort       Python onnxruntime on an ONNX export of that HF model (torch.onnx.export, one graph per
            tower with a dynamic batch axis, opset 17, as Optimum exports it), default session
            (all graph optimisations)
  ort-int8  the same export after onnxruntime.quantization.quantize_dynamic (int8 weights, QInt8),
            ONNX Runtime's own dynamic int8 quantisation
  torch-int8  that HF model after torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, qint8):
            PyTorch's own dynamic int8 (int8 weights per tensor, activations quantised per call,
            torch's default quantized engine, x86/fbgemm here), run eagerly as hf

Needs torch, transformers, numpy, sentencepiece, PIL; onnx and onnxruntime for the ORT engines
(the /tmp/ref venv of DEVELOPERS.md has them). The tokenizer and preprocess rows are peer.py's.
Train rows exist only for hf.
"""

import gc
import json
import os
import sys
import tempfile
import time
import types
import warnings

import numpy as np
# torchvision in the /tmp/ref venv cannot register its C++ operators and transformers imports it:
# only that registration module is replaced by an empty one (scripts/reference/check_onnx_export.py)
sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))

import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer as base  # noqa: E402  (same folder: the protocol loop, RSS, tokenizer, image processing)

warnings.filterwarnings("ignore")
ENGINE = os.environ.get("SIGLIP_PEER_ENGINE", "hf")
ENGINES = ("hf", "ort", "ort-int8", "torch-int8")
if ENGINE not in ENGINES:
    raise SystemExit("SIGLIP_PEER_ENGINE must be one of " + ", ".join(ENGINES) + ", got " + ENGINE)


class _Tower(torch.nn.Module):
    """One tower's pooler_output, the value the Java side's rows compare."""

    def __init__(self, tower):
        super().__init__()
        self.tower = tower

    def forward(self, x):
        return self.tower(x).pooler_output


class HfPeer(base.Peer):
    def __init__(self):
        super().__init__()
        self.sessions = None
        self.export_dir = None

    def hello(self, req):
        res = super().hello(req)
        import transformers
        res.update({"engine": ENGINE, "transformers": transformers.__version__})
        if ENGINE.startswith("ort"):
            import onnxruntime
            res["onnxruntime"] = onnxruntime.__version__
        return res

    def load(self, req):
        from transformers import SiglipModel
        self.unload(req)
        model = SiglipModel.from_pretrained(req["dir"], attn_implementation="sdpa", torch_dtype=torch.float32)
        model.eval()
        params = sum(p.numel() for p in model.parameters())
        if ENGINE == "hf":
            self.model = model
            return {"params": params}
        if ENGINE == "torch-int8":
            from torch.ao.quantization import quantize_dynamic
            self.model = quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
            return {"params": params, "quantized_engine": torch.backends.quantized.engine}
        t0 = time.perf_counter()
        self.export_dir = tempfile.mkdtemp(prefix="siglip-peer-onnx-")
        cfg = model.config
        size = cfg.vision_config.image_size
        seq = cfg.text_config.max_position_embeddings
        graphs = {}
        with torch.no_grad():
            for name, tower, example, inp in (
                    ("vision", model.vision_model, torch.randn(1, 3, size, size), "pixel_values"),
                    ("text", model.text_model, torch.randint(3, 500, (1, seq)), "input_ids")):
                path = os.path.join(self.export_dir, name + ".onnx")
                torch.onnx.export(_Tower(tower), (example,), path, input_names=[inp], output_names=["pooler_output"],
                                  dynamic_axes={inp: {0: "batch"}, "pooler_output": {0: "batch"}}, opset_version=17,
                                  dynamo=False)
                graphs[name] = path
        del model
        gc.collect()
        export_s = time.perf_counter() - t0
        if ENGINE == "ort-int8":
            from onnxruntime.quantization import QuantType, quantize_dynamic
            for name in list(graphs):
                q = graphs[name].replace(".onnx", "-int8.onnx")
                quantize_dynamic(graphs[name], q, weight_type=QuantType.QInt8)
                graphs[name] = q
        import onnxruntime as ort
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = torch.get_num_threads()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.sessions = {name: ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
                         for name, path in graphs.items()}
        sizes = {name: os.path.getsize(path) for name, path in graphs.items()}
        return {"params": params, "export_s": export_s, "sizes": sizes}

    def _call(self, req, x):
        row = req["row"]
        if self.sessions is not None and row in ("vision", "text"):
            s = self.sessions[row]
            out = s.run(None, {s.get_inputs()[0].name: x.numpy()})[0]
            return torch.from_numpy(out)
        if self.model is not None and row == "vision":
            return self.model.vision_model(pixel_values=x).pooler_output
        if self.model is not None and row == "text":
            return self.model.text_model(input_ids=x).pooler_output
        if row == "train":
            if self.model is None or ENGINE != "hf":
                raise ValueError("train rows run on SIGLIP_PEER_ENGINE=hf only")
            return self._train_step(x, req["ids_shape"], bool(req.get("grad_checkpointing", False)))
        return super()._call(req, x)

    def _set_checkpointing(self, on):
        if on != getattr(self, "checkpointing", None):
            if on:
                # HF's own switch (torch.utils.checkpoint per encoder layer), non-reentrant
                self.model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
            else:
                self.model.gradient_checkpointing_disable()
            self.checkpointing = on

    def _embed_pairs(self, pixels, ids):
        return (self.model.vision_model(pixel_values=pixels).pooler_output,
                self.model.text_model(input_ids=ids).pooler_output)

    def unload(self, req):
        self.sessions = None
        self.checkpointing = None
        if self.export_dir:
            for f in os.listdir(self.export_dir):
                os.remove(os.path.join(self.export_dir, f))
            os.rmdir(self.export_dir)
            self.export_dir = None
        return super().unload(req)


def main():
    base.main(HfPeer())


if __name__ == "__main__":
    main()
