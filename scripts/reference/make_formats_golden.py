#!/usr/bin/env python3
"""Golden fixtures for the checkpoint layouts siglip4j reads besides Hugging Face's own
(siglip-core/src/test/resources/formats/, see its README.md).

Tiny random SigLIPs are written the way each library writes them, and the expected outputs are
computed by that library's own code:

* open_clip/   open_clip 3.3.0 folder (open_clip_config.json, open_clip_model.safetensors, the
               tokenizer files), loaded back with open_clip.create_model_and_transforms("local-dir:...")
               and open_clip.get_tokenizer("local-dir:..."); expected pixels, ids, embeddings, logits.
* timm-map/, timm-gap/   timm 1.0.29 image towers (config.json with architecture + model_args,
               model.safetensors) made with timm.create_model and read back with timm's own
               load_model_config_from_hf path (create_model(..., **model_args) + load_state_dict).
* big_vision/  a random parameter tree in big_vision's layout (the names transformers'
               convert_siglip_to_hf.py reads), saved with np.savez; the reference is that
               conversion script run on the file (pass its path with --convert-script) followed by
               transformers' SiglipModel.
* converted/   with --check-converted DIR: loads folders written by `siglip convert` with
               transformers and open_clip and compares them with the expectations above.

Run with the reference venv (torch CPU, transformers, open_clip_torch, timm):
    /tmp/ref/bin/python scripts/reference/make_formats_golden.py --convert-script /path/convert_siglip_to_hf.py

torchvision in that venv cannot register its C++ operators; open_clip and timm import it only for
transforms and FrozenBatchNorm2d, so the operator registration module alone is replaced by an empty
module before the import (the transforms, which open_clip's preprocessing uses, are the real ones).
"""
import argparse
import dataclasses
import importlib.util
import math
import json
import os
import shutil
import sys
import types

sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

import open_clip  # noqa: E402
import timm  # noqa: E402
from timm.models import register_model  # noqa: E402
from timm.models.vision_transformer import _create_vision_transformer  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "siglip-core/src/test/resources/formats")
TINY = os.path.join(ROOT, "siglip-core/src/test/resources/siglip-tiny")
SEED = 20
# The images every layout is run on: synthetic ones from siglip-tiny (EXIF-free: open_clip's users
# pass Image.open() to the transform, which does not apply EXIF orientation), two Fashion-MNIST test
# images shipped with the CLI and two non-square colour photos (scikit-image's sample images
# chelsea.png and coffee.png, reduced; see PHOTOS).
IMAGES = ["gradient_wide.png", "shapes_tall.png", "noise_small.png", "gray_checker.png",
          "fashion-mnist-sneaker-0.png", "fashion-mnist-bag-0.png", "chelsea-photo.png", "coffee-photo.png"]
# name -> (scikit-image sample, crop box or None, reduction factor): small, non-square, real photos
SKIMAGE_DATA = "/usr/share/skimage-data" if os.path.isdir("/usr/share/skimage-data") \
    else "/usr/lib/python3/dist-packages/skimage/data"
PHOTOS = {"chelsea-photo.png": ("chelsea.png", None, 6),        # 451x300 -> 76x50, landscape
          "coffee-photo.png": ("coffee.png", (120, 0, 387, 400), 5)}  # portrait crop -> 54x80
TEXTS = ["a photo of a cat", "Gradient, wide!", "two circles and a square", "noise", "a sneaker",
         "a BAG (leather)"]

# A tiny trunk shaped like timm's SigLIP ViTs (vit_base_patch16_siglip_224 and kin: no class token,
# MAP pooling), registered like them; open_clip builds its image tower from a timm name only.
TEST_VIT_ARGS = dict(patch_size=8, embed_dim=32, depth=2, num_heads=4, mlp_ratio=2.5, class_token=False,
                     global_pool="map", img_size=32)


@register_model
def vit_test_patch8_siglip_32(pretrained=False, **kwargs):
    return _create_vision_transformer("vit_test_patch8_siglip_32", pretrained=pretrained,
                                      **dict(TEST_VIT_ARGS, **kwargs))


def randomize(module, seed):
    """Re-draws every parameter (biases and LayerNorm affine too, which init leaves at 0 / 1 and
    which would hide a missing or swapped tensor)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if p.ndim == 0 or name.endswith("logit_scale") or name.endswith("logit_bias"):
                continue
            scale = 0.3 if p.ndim <= 1 else 0.5 / max(1, p.shape[-1]) ** 0.5
            # the only 1-D weights are LayerNorm scales: keep them around 1
            centre = 1.0 if p.ndim == 1 and name.endswith("weight") else 0.0
            p.copy_(torch.randn(p.shape, generator=g) * scale + centre)


def save_npy(d, name, a):
    os.makedirs(d, exist_ok=True)
    np.save(os.path.join(d, name + ".npy"), np.ascontiguousarray(np.asarray(a)))


def input_paths():
    inputs = os.path.join(OUT, "inputs")
    os.makedirs(inputs, exist_ok=True)
    paths = []
    for name in IMAGES:
        if name in PHOTOS:
            sample, box, factor = PHOTOS[name]
            im = Image.open(os.path.join(SKIMAGE_DATA, sample)).convert("RGB")
            (im.crop(box) if box else im).reduce(factor).save(os.path.join(inputs, name), optimize=True)
            paths.append(os.path.join(inputs, name))
            continue
        src = os.path.join(TINY, "inputs", name)
        if not os.path.exists(src):
            src = os.path.join(ROOT, "siglip-examples/samples", name)
        dst = os.path.join(inputs, name)
        shutil.copyfile(src, dst)
        paths.append(dst)
    with open(os.path.join(inputs, "texts.json"), "w") as f:
        json.dump(TEXTS, f, indent=1)
    return paths


def copy_tokenizer(dst):
    for f in ("spiece.model", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copyfile(os.path.join(TINY, f), os.path.join(dst, f))


# ---------------------------------------------------------------------------------------------- open_clip
OPEN_CLIP_MODEL_CFG = {
    "embed_dim": 32,
    "init_logit_bias": -10,
    "custom_text": True,
    "vision_cfg": {"image_size": 32, "timm_model_name": "vit_test_patch8_siglip_32", "timm_model_pretrained": False,
                   "timm_pool": "map", "timm_proj": "none"},
    "text_cfg": {"context_length": 16, "vocab_size": 512, "hf_tokenizer_name": "siglip4j/siglip-tiny",
                 "tokenizer_kwargs": {"clean": "canonicalize"}, "width": 32, "heads": 2, "layers": 2,
                 "mlp_ratio": 2.0, "no_causal_mask": True, "proj_bias": True, "pool_type": "last",
                 "norm_kwargs": {"eps": 1e-6}},
}
# What open_clip's push_to_hf_hub writes for the SigLIP models (timm/ViT-B-16-SigLIP): squash resize.
OPEN_CLIP_PREPROCESS_CFG = {"mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5], "interpolation": "bicubic",
                            "resize_mode": "squash"}


def open_clip_outputs(folder, paths, texts):
    """Everything computed through open_clip's own local-dir: loading of `folder`."""
    model, _, preprocess = open_clip.create_model_and_transforms("local-dir:" + folder)
    model.eval()
    tokenizer = open_clip.get_tokenizer("local-dir:" + folder)
    pixels = torch.stack([preprocess(Image.open(p)) for p in paths])
    ids = tokenizer(texts)
    with torch.no_grad():
        img = model.encode_image(pixels, normalize=True)
        txt = model.encode_text(ids, normalize=True)
        logits = model.logit_scale.exp() * img @ txt.T + model.logit_bias
    return {"pixel_values": pixels.numpy(), "input_ids": ids.numpy().astype(np.int64),
            "image_embeds": img.numpy(), "text_embeds": txt.numpy(), "logits_per_image": logits.numpy()}


def make_open_clip(paths):
    d = os.path.join(OUT, "open_clip")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    torch.manual_seed(SEED)
    model = open_clip.model.CustomTextCLIP(**{k: v for k, v in OPEN_CLIP_MODEL_CFG.items() if k != "custom_text"})
    randomize(model, SEED)
    with torch.no_grad():
        model.logit_scale.fill_(float(np.log(10.0)) + 0.137)
        model.logit_bias.fill_(-9.3)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(d, "open_clip_model.safetensors"))
    with open(os.path.join(d, "open_clip_config.json"), "w") as f:
        json.dump({"model_cfg": OPEN_CLIP_MODEL_CFG, "preprocess_cfg": OPEN_CLIP_PREPROCESS_CFG,
                   # timm_model_name above is not one of timm's own SigLIP names, whose shapes
                   # siglip4j knows; the trunk's arguments, as timm's create_model takes them
                   # (open_clip reads model_cfg and preprocess_cfg only, so it ignores this key)
                   "timm_model_args": {k: v for k, v in TEST_VIT_ARGS.items()}}, f, indent=2)
    copy_tokenizer(d)
    out = open_clip_outputs(d, paths, TEXTS)
    for k, v in out.items():
        save_npy(os.path.join(d, "expected"), k, v)
    print("open_clip: %d tensors, logits[0] %s" % (len(state), np.round(out["logits_per_image"][0], 4)))
    return out


# ---------------------------------------------------------------------------------------------- timm
def timm_pixels(model, paths):
    """timm's own eval transform for the model's pretrained_cfg (resolve_data_config + create_transform)."""
    cfg = timm.data.resolve_data_config({}, model=model)
    t = timm.data.create_transform(**cfg)
    return torch.stack([t(Image.open(p).convert("RGB")) for p in paths])


def make_timm(paths, name, args, num_classes, seed, crop):
    kind = "gap" if args.get("global_pool") == "avg" else "map"
    d = os.path.join(OUT, "timm-" + kind)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    torch.manual_seed(seed)
    model = timm.create_model(name, pretrained=False, num_classes=num_classes, **args)
    randomize(model, seed)
    model.eval()
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(d, "model.safetensors"))
    pcfg = dict(model.pretrained_cfg)
    pcfg.update({"input_size": [3, 32, 32], "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5],
                 "interpolation": "bicubic", "num_classes": num_classes})
    pcfg.update(crop)  # crop_pct / crop_mode: timm's SigLIP configs say crop_pct 0.9
    pcfg = {k: v for k, v in pcfg.items() if isinstance(v, (int, float, str, list, tuple, bool, type(None)))}
    config = {"architecture": name, "num_classes": num_classes, "num_features": model.num_features,
              "global_pool": args.get("global_pool"), "model_args": args, "pretrained_cfg": pcfg}
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    # read back as timm's hub loader does: architecture + model_args from config.json, then the weights
    with open(os.path.join(d, "config.json")) as f:
        back = json.load(f)
    ref = timm.create_model(back["architecture"], pretrained=False, num_classes=back["num_classes"],
                            pretrained_cfg=back["pretrained_cfg"], **back["model_args"])
    from safetensors.torch import load_file
    ref.load_state_dict(load_file(os.path.join(d, "model.safetensors")), strict=True)
    ref.eval()
    pixels = timm_pixels(ref, paths)
    with torch.no_grad():
        feats = ref.forward_features(pixels)
        pooled = ref.forward_head(feats, pre_logits=True)
        logits = ref.forward_head(feats)
    e = os.path.join(d, "expected")
    save_npy(e, "pixel_values", pixels.numpy())
    save_npy(e, "last_hidden_state", feats.numpy())
    save_npy(e, "pooled", pooled.numpy())
    save_npy(e, "logits", logits.numpy())
    print("timm %s: pooled[0][:4] %s logits[0] %s" % (kind, pooled[0, :4].numpy(), logits[0].numpy()))


# ---------------------------------------------------------------------------------------------- preprocessing
# Eval transforms of timm and open_clip for configs other than the fixtures': each case's pixels are
# computed by the library's own transform (timm.data.create_transform(**resolve_data_config(...)),
# open_clip.image_transform_v2(PreprocessCfg(...))), whose torchvision parts run for real on PIL
# images here (only torchvision's operator registration is stubbed, see the top). As a check that
# the library's pixels do not hinge on that stub, they are also recomputed by pil_transform below, a
# re-implementation with PIL of what torchvision's Resize / CenterCrop / Pad / ToTensor / Normalize
# and timm's / open_clip's ResizeKeepRatio / CenterCropOrPad do to a PIL image, and must agree.
PREPROCESS_CASES = [
    ("timm-center-0.9", "timm", {"input_size": [3, 24, 24], "crop_pct": 0.9, "crop_mode": "center",
                                 "interpolation": "bicubic", "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]}),
    # a non-square input: timm's ResizeKeepRatio (built without the interpolation: bilinear)
    ("timm-center-nonsquare", "timm", {"input_size": [3, 20, 28], "crop_pct": 0.875, "crop_mode": "center",
                                       "interpolation": "bicubic", "mean": [0.485, 0.456, 0.406],
                                       "std": [0.229, 0.224, 0.225]}),
    ("timm-squash-bilinear", "timm", {"input_size": [3, 24, 24], "crop_pct": 0.95, "crop_mode": "squash",
                                      "interpolation": "bilinear", "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]}),
    ("timm-border", "timm", {"input_size": [3, 24, 24], "crop_pct": 0.9, "crop_mode": "border",
                             "interpolation": "bicubic", "mean": [0.485, 0.456, 0.406],
                             "std": [0.229, 0.224, 0.225]}),
    ("timm-defaults", "timm", {"input_size": [3, 24, 24]}),  # crop_pct 0.875, center, bicubic, ImageNet stats
    ("open_clip-shortest", "open_clip", {"resize_mode": "shortest", "interpolation": "bicubic",
                                         "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]}),
    ("open_clip-shortest-bilinear", "open_clip", {"resize_mode": "shortest", "interpolation": "bilinear"}),
    ("open_clip-longest", "open_clip", {"resize_mode": "longest", "interpolation": "bicubic", "fill_color": 127,
                                        "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]}),
    ("open_clip-squash", "open_clip", {"resize_mode": "squash", "interpolation": "bicubic"}),
]
OPEN_CLIP_CASE_SIZE = 24


def library_transform(kind, cfg):
    """The library's own eval transform for a case's config."""
    if kind == "timm":
        data = timm.data.resolve_data_config(pretrained_cfg=dict(cfg), use_test_size=False)
        return timm.data.create_transform(**data), data
    pre = open_clip.transform.PreprocessCfg(size=OPEN_CLIP_CASE_SIZE, **cfg)
    return open_clip.transform.image_transform_v2(pre, is_train=False), dataclasses.asdict(pre)


def pil_transform(kind, data, img):
    """PIL re-implementation of the same eval transform (see the section comment); returns [3, H, W]."""
    rs = {"bicubic": Image.BICUBIC, "bilinear": Image.BILINEAR}
    if kind == "timm":
        th, tw = data["input_size"][1:]
        pct = data["crop_pct"]
        sh, sw = math.floor(th / pct), math.floor(tw / pct)
        mode, interp, fill = data["crop_mode"], rs[data["interpolation"]], 0
        if mode == "squash":
            img = img.resize((sw, sh), interp)
        elif mode == "border":
            img = keep_ratio(img, sh, sw, 1.0, interp)
            fill = tuple(round(255 * v) for v in data["mean"])
        elif sh == sw:
            img = shortest_edge(img, sh, interp)
        else:
            img = keep_ratio(img, sh, sw, 0.0, Image.BILINEAR)
        img = crop_or_pad(img, th, tw, fill)
        mean, std = data["mean"], data["std"]
    else:
        s = data["size"]
        interp = Image.BILINEAR if data["interpolation"] == "bilinear" else Image.BICUBIC
        if data["resize_mode"] == "squash":
            img = img.resize((s, s), interp)
        elif data["resize_mode"] == "longest":
            img = crop_or_pad(keep_ratio(img, s, s, 1.0, interp), s, s, data["fill_color"])
        else:
            img = crop_or_pad(shortest_edge(img, s, interp), s, s, 0)
        img = img.convert("RGB")
        mean, std = data["mean"], data["std"]
    # ToTensor: uint8 HWC -> float32 CHW / 255; Normalize: (x - mean) / std in float32
    x = torch.from_numpy(np.asarray(img.convert("RGB"), dtype=np.uint8).copy()).permute(2, 0, 1).float().div(255)
    return (x - torch.tensor(mean).view(3, 1, 1)) / torch.tensor(std).view(3, 1, 1)


def shortest_edge(img, size, interp):
    """torchvision Resize(int): shorter side to size, longer int(size * long / short); no-op when equal."""
    w, h = img.size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    nw, nh = (new_short, new_long) if w <= h else (new_long, new_short)
    return img if (nw, nh) == (w, h) else img.resize((nw, nh), interp)


def keep_ratio(img, th, tw, longest, interp):
    """ResizeKeepRatio (timm / open_clip) without randomness: one ratio, sides rounded half to even."""
    w, h = img.size
    rh, rw = h / th, w / tw
    ratio = max(rh, rw) * longest + min(rh, rw) * (1. - longest)
    nh, nw = round(h / ratio), round(w / ratio)
    return img if (nw, nh) == (w, h) else img.resize((nw, nh), interp)


def crop_or_pad(img, ch, cw, fill):
    """torchvision center_crop / CenterCropOrPad on PIL: pad (fill) to at least the crop, crop at round(d / 2)."""
    w, h = img.size
    if cw > w or ch > h:
        left, top = (cw - w) // 2 if cw > w else 0, (ch - h) // 2 if ch > h else 0
        nw, nh = max(w, cw), max(h, ch)
        canvas = Image.new(img.mode, (nw, nh), fill if img.mode != "RGB" or isinstance(fill, tuple) else (fill,) * 3)
        canvas.paste(img, (left, top))
        img, w, h = canvas, nw, nh
        if (w, h) == (cw, ch):
            return img
    top, left = int(round((h - ch) / 2.0)), int(round((w - cw) / 2.0))
    return img.crop((left, top, left + cw, top + ch))


def make_preprocess_cases(paths):
    d = os.path.join(OUT, "preprocess")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    cases = []
    for name, kind, cfg in PREPROCESS_CASES:
        t, data = library_transform(kind, cfg)
        # open_clip's users pass Image.open(); timm's (timm's own scripts) convert to RGB first
        imgs = [Image.open(p) if kind == "open_clip" else Image.open(p).convert("RGB") for p in paths]
        got = torch.stack([t(im) for im in imgs])
        again = torch.stack([pil_transform(kind, data, im) for im in imgs])
        diff = float((got - again).abs().max())
        assert diff <= 1e-6, "%s: the PIL re-implementation differs from %s's transform by %g" % (name, kind, diff)
        save_npy(d, name, got.numpy())
        cases.append({"name": name, "layout": kind, "config": cfg,
                      "image_size": OPEN_CLIP_CASE_SIZE if kind == "open_clip" else None,
                      "transform": repr(t)})
        print("preprocess %s: %s, PIL re-implementation max |diff| %g" % (name, tuple(got.shape), diff))
    with open(os.path.join(d, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)


# ---------------------------------------------------------------------------------------------- big_vision
BV = dict(width=32, depth=2, heads=4, mlp=80, patch=8, image=32, t_width=32, t_depth=2, t_heads=2, t_mlp=64,
          vocab=512, seq=16)


def big_vision_tree(rng):
    """A random checkpoint in big_vision's two-tower layout (flax module names; kernels [in, out],
    attention kernels split by head [D, H, Dh] / [H, Dh, D], as the released .npz files hold them)."""
    p = {}

    def dense(prefix, din, dout):
        p[prefix + "/kernel"] = rng.standard_normal((din, dout)) / np.sqrt(din)
        p[prefix + "/bias"] = rng.standard_normal(dout) * 0.3

    def ln(prefix, dim):
        p[prefix + "/scale"] = 1 + rng.standard_normal(dim) * 0.3
        p[prefix + "/bias"] = rng.standard_normal(dim) * 0.3

    def mha(prefix, dim, heads):
        hd = dim // heads
        for n in ("query", "key", "value"):
            p[f"{prefix}/{n}/kernel"] = rng.standard_normal((dim, heads, hd)) / np.sqrt(dim)
            p[f"{prefix}/{n}/bias"] = rng.standard_normal((heads, hd)) * 0.3
        p[f"{prefix}/out/kernel"] = rng.standard_normal((heads, hd, dim)) / np.sqrt(dim)
        p[f"{prefix}/out/bias"] = rng.standard_normal(dim) * 0.3

    def block(prefix, dim, heads, mlp):
        ln(prefix + "/LayerNorm_0", dim)
        ln(prefix + "/LayerNorm_1", dim)
        mha(prefix + "/MultiHeadDotProductAttention_0", dim, heads)
        dense(prefix + "/MlpBlock_0/Dense_0", dim, mlp)
        dense(prefix + "/MlpBlock_0/Dense_1", mlp, dim)

    b = BV
    p["img/embedding/kernel"] = rng.standard_normal((b["patch"], b["patch"], 3, b["width"])) / 8
    p["img/embedding/bias"] = rng.standard_normal(b["width"]) * 0.3
    n = (b["image"] // b["patch"]) ** 2
    p["img/pos_embedding"] = rng.standard_normal((1, n, b["width"])) * 0.3
    for i in range(b["depth"]):
        block(f"img/Transformer/encoderblock_{i}", b["width"], b["heads"], b["mlp"])
    ln("img/Transformer/encoder_norm", b["width"])
    p["img/MAPHead_0/probe"] = rng.standard_normal((1, 1, b["width"])) * 0.3
    mha("img/MAPHead_0/MultiHeadDotProductAttention_0", b["width"], b["heads"])
    ln("img/MAPHead_0/LayerNorm_0", b["width"])
    dense("img/MAPHead_0/MlpBlock_0/Dense_0", b["width"], b["mlp"])
    dense("img/MAPHead_0/MlpBlock_0/Dense_1", b["mlp"], b["width"])
    p["txt/Embed_0/embedding"] = rng.standard_normal((b["vocab"], b["t_width"])) * 0.3
    p["txt/pos_embedding"] = rng.standard_normal((1, b["seq"], b["t_width"])) * 0.3
    for i in range(b["t_depth"]):
        block(f"txt/Encoder_0/encoderblock_{i}", b["t_width"], b["t_heads"], b["t_mlp"])
    ln("txt/Encoder_0/encoder_norm", b["t_width"])
    dense("txt/head", b["t_width"], b["t_width"])
    p["t"] = np.array([np.log(10.0) + 0.21])
    p["b"] = np.array([-8.7])
    return {"params/" + k: v.astype(np.float32) for k, v in p.items()}


def make_big_vision(paths, convert_script):
    from transformers import SiglipConfig, SiglipModel, SiglipTokenizer
    # the Pillow backend: transformers 5's default SiglipImageProcessor resizes with torchvision,
    # not Pillow, and differs from Pillow (and from transformers 4, which the conversion script
    # was written for) by one level of 255 on some pixels
    from transformers.models.siglip.image_processing_pil_siglip import SiglipImageProcessorPil

    d = os.path.join(OUT, "big_vision")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    tree = big_vision_tree(np.random.default_rng(SEED))
    np.savez(os.path.join(d, "siglip_tiny.npz"), **tree)
    copy_tokenizer(d)

    spec = importlib.util.spec_from_file_location("convert_siglip_to_hf", convert_script)
    conv = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conv)
    b = BV
    config = SiglipConfig(
        text_config=dict(vocab_size=b["vocab"], hidden_size=b["t_width"], intermediate_size=b["t_mlp"],
                         num_hidden_layers=b["t_depth"], num_attention_heads=b["t_heads"],
                         max_position_embeddings=b["seq"]),
        vision_config=dict(hidden_size=b["width"], intermediate_size=b["mlp"], num_hidden_layers=b["depth"],
                           num_attention_heads=b["heads"], image_size=b["image"], patch_size=b["patch"]))
    # the script's own steps, as convert_siglip_checkpoint runs them, on our file
    data = np.load(os.path.join(d, "siglip_tiny.npz"))
    state_dict = conv.flatten_nested_dict(data)
    state_dict = {k[len("params/"):] if k.startswith("params/") else k: v for k, v in state_dict.items()}
    for src, dest in conv.create_rename_keys(config):
        conv.rename_key(state_dict, src, dest, config)
    conv.read_in_q_k_v_head(state_dict, config)
    model = SiglipModel(config).eval()
    model.load_state_dict({k: torch.as_tensor(np.asarray(v)) for k, v in state_dict.items()})
    processor = SiglipImageProcessorPil(size={"height": b["image"], "width": b["image"]})
    tokenizer = SiglipTokenizer(vocab_file=os.path.join(TINY, "spiece.model"), model_input_names=["input_ids"])
    pixels = processor([Image.open(p).convert("RGB") for p in paths], return_tensors="pt").pixel_values
    ids = tokenizer(TEXTS, padding="max_length", max_length=b["seq"], truncation=True,
                    return_tensors="pt").input_ids
    with torch.no_grad():
        out = model(input_ids=ids, pixel_values=pixels)
    e = os.path.join(d, "expected")
    save_npy(e, "pixel_values", pixels.numpy())
    save_npy(e, "input_ids", ids.numpy().astype(np.int64))
    save_npy(e, "image_embeds", out.image_embeds.numpy())
    save_npy(e, "text_embeds", out.text_embeds.numpy())
    save_npy(e, "logits_per_image", out.logits_per_image.numpy())
    print("big_vision: %d arrays, logits[0] %s" % (len(tree), np.round(out.logits_per_image[0].numpy(), 4)))


# ---------------------------------------------------------------------------------------------- converted
def register_written_trunk(folder):
    """A folder written by `siglip convert --to open_clip` names its trunk by timm arguments
    (timm_model_args) and a name; a name timm does not know is registered with those arguments, as a
    user of such a folder registers it (open_clip builds the trunk from the name alone)."""
    with open(os.path.join(folder, "open_clip_config.json")) as f:
        cfg = json.load(f)
    name = cfg["model_cfg"]["vision_cfg"]["timm_model_name"]
    args = dict(cfg.get("timm_model_args", {}))
    if name not in _REGISTERED_BY_US and name in timm.list_models():
        return  # one of timm's own models
    if _REGISTERED_BY_US.get(name) != args:  # (re-)register: each folder may give the name other arguments
        register_model(_factory(name, args))
        _REGISTERED_BY_US[name] = args


_REGISTERED_BY_US = {}


def _factory(name, args):
    def fn(pretrained=False, **kwargs):
        return _create_vision_transformer(name, pretrained=pretrained, **dict(args, **kwargs))
    fn.__name__ = name
    fn.__module__ = __name__
    return fn


def hf_outputs(folder, paths):
    """transformers' SiglipModel on an HF folder (Pillow image processor, padded ids)."""
    from transformers import AutoTokenizer, SiglipModel
    from transformers.models.siglip.image_processing_pil_siglip import SiglipImageProcessorPil

    model = SiglipModel.from_pretrained(folder).eval()
    tok = AutoTokenizer.from_pretrained(folder)
    ids = tok(TEXTS, padding="max_length", max_length=tok.model_max_length, truncation=True,
              return_tensors="pt").input_ids
    pixels = SiglipImageProcessorPil.from_pretrained(folder)(
        [Image.open(p).convert("RGB") for p in paths], return_tensors="pt").pixel_values
    with torch.no_grad():
        o = model(input_ids=ids, pixel_values=pixels)
    return {"pixel_values": pixels.numpy(), "input_ids": ids.numpy(), "image_embeds": o.image_embeds.numpy(),
            "text_embeds": o.text_embeds.numpy(), "logits_per_image": o.logits_per_image.numpy()}


def check_converted(root, paths):
    """Loads the folders `siglip convert` wrote under root, named TARGET-from-SOURCE (hf-from-open_clip,
    open_clip-from-big_vision, ...), with the target's own library (transformers, open_clip) and
    compares with the source run by its own reference (the fixtures' expected outputs; for
    siglip-tiny, transformers on that folder)."""
    report = {}
    for name in sorted(os.listdir(root)):
        folder = os.path.join(root, name)
        target, source = name.split("-from-")
        if source == "siglip-tiny":
            ref = hf_outputs(TINY, paths)
        else:
            ref = {k[:-4]: np.load(os.path.join(OUT, source, "expected", k))
                   for k in os.listdir(os.path.join(OUT, source, "expected"))}
        if target == "hf":
            got = hf_outputs(folder, paths)
        else:
            register_written_trunk(folder)
            got = open_clip_outputs(folder, paths, TEXTS)
        diffs = {k: float(np.abs(ref[k].astype(np.float64) - v.astype(np.float64)).max())
                 for k, v in got.items() if k in ref and ref[k].shape == v.shape}
        report[name] = {"library": "transformers" if target == "hf" else "open_clip", "max_abs_diff": diffs}
        print("converted %s: max |diff| %s" % (name, diffs))
    with open(os.path.join(OUT, "converted_check.json"), "w") as f:
        json.dump(report, f, indent=2, sort_keys=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--convert-script", help="transformers' models/siglip/convert_siglip_to_hf.py")
    ap.add_argument("--check-converted", help="folder of `siglip convert` outputs to verify")
    ap.add_argument("--only-big-vision", action="store_true", help="remake the big_vision fixture only")
    a = ap.parse_args()
    torch.set_num_threads(1)
    paths = input_paths()
    if a.check_converted:
        check_converted(a.check_converted, paths)
        return
    if a.only_big_vision:
        make_big_vision(paths, a.convert_script)
        return
    make_open_clip(paths)
    make_timm(paths, "vit_base_patch16_siglip_224",
              dict(patch_size=8, embed_dim=32, depth=2, num_heads=4, mlp_ratio=2.5, img_size=32), 5, SEED + 1,
              {"crop_pct": 0.9, "crop_mode": "center"})
    make_timm(paths, "vit_base_patch16_siglip_gap_224",
              dict(patch_size=8, embed_dim=32, depth=2, num_heads=4, mlp_ratio=2.5, img_size=32,
                   global_pool="avg"), 5, SEED + 2, {"crop_pct": 0.9, "crop_mode": "squash"})
    make_preprocess_cases(paths)
    if a.convert_script:
        make_big_vision(paths, a.convert_script)
    else:
        print("big_vision skipped: pass --convert-script")


if __name__ == "__main__":
    main()
