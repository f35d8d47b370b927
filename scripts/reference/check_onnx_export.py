#!/usr/bin/env python3
"""Checks the ONNX files that `siglip export-onnx` (Java) wrote, with Python's onnx and onnxruntime,
against Hugging Face transformers' SiglipModel on the same folder and inputs.

    java -jar siglip-examples/target/siglip.jar export-onnx --model siglip-core/src/test/resources/siglip-tiny --out /tmp/onnx-tiny
    /tmp/ref/bin/python scripts/reference/check_onnx_export.py /tmp/onnx-tiny siglip-core/src/test/resources/siglip-tiny

Inputs: the fixture's expected/input_ids.npy and expected/pixel_values.npy when the model folder
has them, else seeded random ones. float32 exports must match HF to 1e-4 (abs + rel); quantised
ones (metadata siglip4j.quantization) are reported as cosines of the embeddings. Exits 1 on a
mismatch. Deterministic; writes nothing.

torchvision in the /tmp/ref venv cannot register its C++ operators, and transformers imports it;
only that registration module is replaced by an empty one before the import (no model code is).
"""
import os
import sys
import types

sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402
from transformers import SiglipModel  # noqa: E402

TOL = 1e-4


def inputs(model_dir, config):
    expected = os.path.join(model_dir, "expected")
    if os.path.exists(os.path.join(expected, "input_ids.npy")):
        return np.load(os.path.join(expected, "input_ids.npy")), np.load(os.path.join(expected, "pixel_values.npy"))
    rng = np.random.default_rng(0)
    v, t = config.vision_config, config.text_config
    ids = rng.integers(0, t.vocab_size, size=(3, t.max_position_embeddings), dtype=np.int64)
    px = rng.standard_normal((2, v.num_channels, v.image_size, v.image_size)).astype(np.float32)
    return ids, px


def main():
    onnx_dir, model_dir = sys.argv[1], sys.argv[2]
    torch.manual_seed(0)
    hf = SiglipModel.from_pretrained(model_dir, attn_implementation="eager").eval()
    ids, px = inputs(model_dir, hf.config)
    with torch.no_grad():
        o = hf(input_ids=torch.from_numpy(ids), pixel_values=torch.from_numpy(px))
    ref = {
        "vision": {"last_hidden_state": o.vision_model_output.last_hidden_state, "pooler_output":
                   o.vision_model_output.pooler_output, "image_embeds": o.image_embeds},
        "text": {"last_hidden_state": o.text_model_output.last_hidden_state, "pooler_output":
                 o.text_model_output.pooler_output, "text_embeds": o.text_embeds},
        "model": {"logits_per_image": o.logits_per_image, "logits_per_text": o.logits_per_text,
                  "text_embeds": o.text_embeds, "image_embeds": o.image_embeds},
    }
    feeds = {"vision": {"pixel_values": px}, "text": {"input_ids": ids},
             "model": {"input_ids": ids, "pixel_values": px}}
    files = {"vision": "vision_model.onnx", "text": "text_model.onnx", "model": "model.onnx"}
    print(f"onnx {onnx.__version__}, onnxruntime {ort.__version__}, torch {torch.__version__}")
    ok = True
    for part, name in files.items():
        path = os.path.join(onnx_dir, name)
        m = onnx.load(path)  # reads external data too
        onnx.checker.check_model(m, full_check=True)
        quant = {p.key: p.value for p in m.metadata_props}.get("siglip4j.quantization", "float32")
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        got = dict(zip([x.name for x in sess.get_outputs()], sess.run(None, feeds[part])))
        for key, want in ref[part].items():
            want = want.numpy()
            have = got[key]
            if have.shape != want.shape:
                print(f"FAIL {name} {key}: shape {have.shape}, HF {want.shape}")
                ok = False
                continue
            if quant == "float32":
                excess = np.abs(have - want) - (TOL + TOL * np.abs(want))
                good = excess.max() <= 0
                print(f"{'ok  ' if good else 'FAIL'} {name} {key}: max |diff| {np.abs(have - want).max():.3g}")
                ok &= bool(good)
            elif key.endswith("embeds"):
                cos = (have * want).sum(-1) / np.linalg.norm(have, axis=-1) / np.linalg.norm(want, axis=-1)
                print(f"info {name} ({quant}) {key}: min cosine to HF float32 {cos.min():.6f}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
