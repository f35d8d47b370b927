#!/usr/bin/env python3
"""Golden data for SigLIP 2 (FixRes and NaFlex), computed by Hugging Face transformers' own code.

Writes, under siglip-core/src/test/resources/:
  siglip2-tiny-fixres/  a FixRes-style folder: SiglipModel (model_type "siglip", SigLIP 1 module
                        tree) with a Gemma-style tokenizer.json (BPE, byte fallback, "<eos>"
                        appended, "<pad>" = 0), tokenizer_config "GemmaTokenizer" as the hub's
  siglip2-tiny-naflex/  a NaFlex folder: Siglip2Model (model_type "siglip2"), Siglip2ImageProcessor,
                        the same tokenizer declared as "Siglip2Tokenizer" (lower-cases)
with expected/*.npy outputs. Images come from siglip-tiny/inputs (tall, wide, square, tiny,
grayscale, palette, RGBA, EXIF-rotated).

Deterministic (seeded, one thread, eager attention). Run with the reference venv:
  /tmp/ref/bin/python scripts/reference/make_siglip2_golden.py
Gemma's own tokenizer cannot be downloaded here, so a tiny tokenizer is trained with the
`tokenizers` library in the structure of Gemma's tokenizer.json (see make_tokenizer()).
"""
import json
import math
import os
import sys
import types
from pathlib import Path

import numpy as np

# torchvision in the reference venv cannot load its ops; transformers only probes for it
sys.modules.setdefault("torchvision", None)

import torch  # noqa: E402
from PIL import Image  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from tokenizers import Tokenizer, decoders, models, normalizers, processors, trainers  # noqa: E402

import transformers  # noqa: E402
from transformers import (  # noqa: E402
    AutoProcessor,
    AutoTokenizer,
    SiglipConfig,
    SiglipImageProcessor,
    SiglipModel,
    Siglip2Config,
    Siglip2Model,
    pipeline,
)

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]
RES = ROOT / "siglip-core/src/test/resources"
IMAGES = RES / "siglip-tiny/inputs"
IMAGE_FILES = ["gradient_wide.png", "shapes_tall.png", "noise_small.png", "gray_checker.png",
               "rgba_overlay.png", "palette_stripes.png", "exif_rotated.jpg", "exact_size.png"]
SPECIALS = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>"]

CORPUS = [
    "a photo of a cat", "a photo of a dog", "this is a photo of a bird.", "a smooth red to blue gradient",
    "two circles and a square", "random noise pixels", "a grayscale checkerboard", "an overlay with alpha",
    "palette stripes in six colours", "a photo rotated by exif orientation", "the quick brown fox jumps over",
    "the lazy dog", "sigmoid loss for language image pre-training", "native aspect ratio and flexible resolution",
    "multilingual vision language encoders", "zero-shot image classification", "an image of a tall tower",
    "a wide panorama of the sea", "A Photo Of A Cat", "THIS IS A PHOTO OF A DOG",
]

TEXTS = [
    "This is a photo of a cat.", "a photo of a dog", "A PHOTO OF A BIRD", "", "   extra    whitespace\tand\nnewlines  ",
    "emoji 🙂🐈 fall back to bytes", "Café crème à la française", "ΣΊΣΥΦΟΣ and İstanbul, Straße", "日本語のテキスト",
    "ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ", "literal <eos> and <pad> tokens", "punctuation!!! stays... (kept)",
    " ".join(["a photo of a tall tower and a wide panorama of the sea"] * 12),
]
LABELS = ["cat", "dog", "gradient", "checkerboard", "Tall Tower"]


def make_tokenizer():
    """A BPE tokenizer laid out like Gemma's tokenizer.json: ids 0..4 = <pad> <eos> <bos> <unk>
    <mask>, then the 256 byte pieces <0x00>..<0xFF>, then merged pieces; normalizer Replace(" ",
    "▁"), no pre-tokenizer, BPE with byte_fallback and fuse_unk, decoder Replace/ByteFallback/Fuse,
    and the post-processor GemmaTokenizerFast writes for add_bos_token=False, add_eos_token=True
    (what HF's siglip2 conversion script sets): "$A <eos>"."""
    trainer_tok = Tokenizer(models.BPE(unk_token="<unk>"))
    trainer_tok.normalizer = normalizers.Replace(" ", "▁")
    trainer = trainers.BpeTrainer(vocab_size=200, special_tokens=[], show_progress=False, min_frequency=2)
    trainer_tok.train_from_iterator(CORPUS, trainer)
    learned = json.loads(trainer_tok.to_str())["model"]
    vocab = {t: i for i, t in enumerate(SPECIALS)}
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = len(vocab)
    for piece, _ in sorted(learned["vocab"].items(), key=lambda kv: kv[1]):
        if piece not in vocab:
            vocab[piece] = len(vocab)
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in learned["merges"]]
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token="<unk>", fuse_unk=True, byte_fallback=True))
    tok.normalizer = normalizers.Replace(" ", "▁")
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()])
    from tokenizers import AddedToken
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in SPECIALS])
    tok.post_processor = processors.TemplateProcessing(single="$A <eos>", pair="$A $B <eos>",
                                                       special_tokens=[("<eos>", 1)])
    return tok


def write_tokenizer(folder: Path, tok: Tokenizer, tokenizer_class: str):
    folder.mkdir(parents=True, exist_ok=True)
    tok.save(str(folder / "tokenizer.json"))
    cfg = {
        "tokenizer_class": tokenizer_class, "add_bos_token": False, "add_eos_token": True,
        "padding_side": "right", "model_input_names": ["input_ids"],
        "bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "<pad>", "unk_token": "<unk>",
        "mask_token": "<mask>", "model_max_length": 1000000000000000019884624838656,
    }
    (folder / "tokenizer_config.json").write_text(json.dumps(cfg, indent=2, ensure_ascii=False) + "\n")
    (folder / "special_tokens_map.json").write_text(json.dumps(
        {"bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "<pad>", "unk_token": "<unk>",
         "mask_token": "<mask>"}, indent=2) + "\n")



def randomize_affine(model, gen):
    """HF initialises biases to 0 and LayerNorm to (1, 0); random values make a missing one show."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(".bias") or "layer_norm" in name or "layernorm" in name:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.2 + (1.0 if name.endswith("weight") else 0.0))
        model.logit_scale.fill_(math.log(10.0))
        model.logit_bias.fill_(-10.0)


def save_npy(folder: Path, index: dict, name: str, array, what: str):
    a = np.ascontiguousarray(array.detach().numpy() if torch.is_tensor(array) else np.asarray(array))
    np.save(folder / f"{name}.npy", a)
    index[name] = {"file": f"{name}.npy", "dtype": str(a.dtype), "shape": list(a.shape), "what": what}


def load_images():
    from transformers.image_utils import load_image
    return [load_image(str(IMAGES / f)) for f in IMAGE_FILES]


def text_config(vocab):
    return dict(vocab_size=vocab, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
                max_position_embeddings=64)


def token_goldens(folder: Path, expected: Path, index: dict):
    hf = AutoTokenizer.from_pretrained(folder)
    enc = hf(TEXTS, padding="max_length", max_length=64, truncation=True)
    save_npy(expected, index, "input_ids", np.array(enc["input_ids"], dtype=np.int64),
             f"{type(hf).__name__}(texts, padding='max_length', max_length=64, truncation=True)")
    tokens = [{"text": t, "tokens": hf.tokenize(t), "decode": hf.decode(ids, skip_special_tokens=True)}
              for t, ids in zip(TEXTS, enc["input_ids"])]
    (expected / "tokens.json").write_text(json.dumps(
        {"tokenizer_class": type(hf).__name__, "texts": tokens}, indent=1, ensure_ascii=False) + "\n")
    return hf


def zero_shot(folder: Path, images, expected: Path):
    clf = pipeline("zero-shot-image-classification", model=str(folder), device="cpu")
    clf.model.config._attn_implementation = "eager"
    out = []
    for f, img in zip(IMAGE_FILES, images):
        scores = clf(img, candidate_labels=LABELS)
        out.append({"image": f, "scores": [{"label": s["label"], "score": s["score"]} for s in scores]})
    (expected / "zero_shot.json").write_text(json.dumps(
        {"labels": LABELS, "hypothesis_template": "This is a photo of {}.", "results": out}, indent=1) + "\n")


def save_tiny_model(name, tok, tokenizer_class, config_class, model_class, vision, seed):
    """A tiny random model (2 layers of width 32 per tower) with its tokenizer, saved in RES/name.

    Returns the folder and its expected/ folder (created)."""
    folder = RES / name
    expected = folder / "expected"
    expected.mkdir(parents=True, exist_ok=True)
    write_tokenizer(folder, tok, tokenizer_class)
    torch.manual_seed(seed)
    config = config_class(text_config=text_config(tok.get_vocab_size()),
                          vision_config=dict(vision, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                             num_attention_heads=4))
    config._attn_implementation = "eager"
    model = model_class(config).eval()
    randomize_affine(model, torch.Generator().manual_seed(seed * 10))
    model.save_pretrained(folder)
    return folder, expected


def make_fixres(tok):
    folder, expected = save_tiny_model("siglip2-tiny-fixres", tok, "GemmaTokenizer", SiglipConfig, SiglipModel,
                                       dict(image_size=32, patch_size=8), seed=19)
    SiglipImageProcessor(size={"height": 32, "width": 32}, resample=2, image_mean=[0.5] * 3,
                         image_std=[0.5] * 3).save_pretrained(folder)
    model = SiglipModel.from_pretrained(folder, attn_implementation="eager").eval()
    index = {}
    hf = token_goldens(folder, expected, index)
    images = load_images()
    proc = AutoProcessor.from_pretrained(folder)
    pixels = proc(images=images, return_tensors="pt")["pixel_values"]
    ids = torch.tensor(hf(TEXTS[:8], padding="max_length", max_length=64, truncation=True)["input_ids"])
    with torch.no_grad():
        out = model(input_ids=ids, pixel_values=pixels)
    save_npy(expected, index, "pixel_values", pixels, "AutoProcessor(images) for the 8 inputs")
    save_npy(expected, index, "image_embeds", out.image_embeds, "normalised image embeddings")
    save_npy(expected, index, "text_embeds", out.text_embeds, "normalised text embeddings of texts[0:8]")
    save_npy(expected, index, "logits_per_image", out.logits_per_image, "[8 images, 8 texts]")
    zero_shot(folder, images, expected)
    (expected / "index.json").write_text(json.dumps(index, indent=1) + "\n")


def make_naflex(tok):
    folder, expected = save_tiny_model("siglip2-tiny-naflex", tok, "Siglip2Tokenizer", Siglip2Config, Siglip2Model,
                                       dict(num_patches=16, patch_size=4), seed=29)
    from transformers.models.siglip2.image_processing_pil_siglip2 import Siglip2ImageProcessorPil
    Siglip2ImageProcessorPil(patch_size=4, max_num_patches=24).save_pretrained(folder)
    model = Siglip2Model.from_pretrained(folder, attn_implementation="eager").eval()
    index = {}
    hf = token_goldens(folder, expected, index)
    # without padding_side in tokenizer_config.json HF's Gemma/Siglip2 classes pad on the LEFT
    side = folder / "tokenizer-default-side"
    write_tokenizer(side, tok, "Siglip2Tokenizer")
    cfg = json.loads((side / "tokenizer_config.json").read_text())
    cfg.pop("padding_side")
    (side / "tokenizer_config.json").write_text(json.dumps(cfg, indent=2, ensure_ascii=False) + "\n")
    (side / "special_tokens_map.json").unlink()
    left = AutoTokenizer.from_pretrained(side)
    assert left.padding_side == "left", left.padding_side
    np.save(side / "input_ids.npy", np.array(left(TEXTS, padding="max_length", max_length=64,
                                                  truncation=True)["input_ids"], dtype=np.int64))
    images = load_images()
    # the image processor itself, as HF's pipeline calls it: Siglip2Processor's own defaults
    # (patch_size 16, max_num_patches 256) would override the folder's preprocessor_config.json
    proc = AutoProcessor.from_pretrained(folder).image_processor
    for max_patches in (24, 9):
        feats = proc(images=images, return_tensors="pt", max_num_patches=max_patches)
        sfx = "" if max_patches == 24 else f"_max{max_patches}"
        save_npy(expected, index, "pixel_values" + sfx, feats["pixel_values"],
                 f"Siglip2ImageProcessor(max_num_patches={max_patches}): [B, max_num_patches, p*p*C]")
        save_npy(expected, index, "pixel_attention_mask" + sfx, feats["pixel_attention_mask"].long(), "[B, P] 1 = patch")
        save_npy(expected, index, "spatial_shapes" + sfx, feats["spatial_shapes"].long(), "[B, 2] patch rows, cols")
    feats = proc(images=images, return_tensors="pt")
    ids = torch.tensor(hf(TEXTS[:8], padding="max_length", max_length=64, truncation=True)["input_ids"])
    with torch.no_grad():
        vis = model.vision_model(pixel_values=feats["pixel_values"], pixel_attention_mask=feats["pixel_attention_mask"],
                                 spatial_shapes=feats["spatial_shapes"])
        emb = model.vision_model.embeddings(feats["pixel_values"], feats["spatial_shapes"])
        out = model(input_ids=ids, **feats)
        small = proc(images=images, return_tensors="pt", max_num_patches=9)
        out9 = model(input_ids=ids, **small)
    save_npy(expected, index, "vision_embeddings", emb, "embeddings(pixel_values, spatial_shapes): patches + resized positions")
    save_npy(expected, index, "vision_last_hidden_state", vis.last_hidden_state, "vision tower after post_layernorm")
    save_npy(expected, index, "vision_pooler_output", vis.pooler_output, "masked MAP head output")
    save_npy(expected, index, "image_embeds", out.image_embeds, "normalised image embeddings")
    save_npy(expected, index, "text_embeds", out.text_embeds, "normalised text embeddings of texts[0:8]")
    save_npy(expected, index, "logits_per_image", out.logits_per_image, "[8 images, 8 texts]")
    save_npy(expected, index, "image_embeds_max9", out9.image_embeds, "image embeddings at max_num_patches=9")
    # extreme shapes: one pixel (scaled up to one patch) and a 97x3 strip (one patch row)
    inputs = folder / "inputs"
    inputs.mkdir(exist_ok=True)
    Image.new("RGB", (1, 1), (200, 30, 90)).save(inputs / "one_pixel.png")
    strip = np.stack([np.arange(97 * 3).reshape(3, 97) % 256,
                      (np.arange(97 * 3).reshape(3, 97) * 7) % 256,
                      np.full((3, 97), 128)], axis=-1).astype(np.uint8)
    Image.fromarray(strip, "RGB").save(inputs / "thin_strip.png")
    from transformers.image_utils import load_image
    extreme = [load_image(str(inputs / f)) for f in ("one_pixel.png", "thin_strip.png")]
    feats_x = proc(images=extreme, return_tensors="pt")
    with torch.no_grad():
        emb_x = model.get_image_features(**feats_x).pooler_output
    save_npy(expected, index, "pixel_values_extreme", feats_x["pixel_values"], "one_pixel.png, thin_strip.png")
    save_npy(expected, index, "pixel_attention_mask_extreme", feats_x["pixel_attention_mask"].long(), "[2, P]")
    save_npy(expected, index, "spatial_shapes_extreme", feats_x["spatial_shapes"].long(), "[2, 2]")
    save_npy(expected, index, "image_features_extreme", emb_x, "get_image_features (pooler output, not normalised)")
    # one training step: HF's own sigmoid loss (return_loss=True) on the mixed-shape batch
    model.train()
    model.zero_grad()
    loss = model(input_ids=ids, return_loss=True, **feats).loss
    loss.backward()
    save_npy(expected, index, "loss", loss.detach().reshape(1), "Siglip2Model(return_loss=True).loss")
    save_file({n: p.grad.contiguous() for n, p in model.named_parameters()}, str(expected / "grads.safetensors"),
              metadata={"format": "pt"})
    model.eval()
    zero_shot(folder, images, expected)
    (expected / "index.json").write_text(json.dumps(index, indent=1) + "\n")


if __name__ == "__main__" and os.environ.get("STEP") is None:
    t = make_tokenizer()
    make_fixres(t)
    make_naflex(t)
    print("transformers", transformers.__version__, "torch", torch.__version__)

if __name__ == "__main__" and os.environ.get("STEP") == "tok":
    t = make_tokenizer()
    print(t.get_vocab_size())
    out = Path("/tmp/s2tok")
    for cls in ["GemmaTokenizer", "Siglip2Tokenizer"]:
        d = out / cls
        write_tokenizer(d, t, cls)
        (d / "config.json").write_text(json.dumps({"model_type": "siglip"}))
        hf = AutoTokenizer.from_pretrained(d)
        print(cls, type(hf).__name__, hf.padding_side)
        enc = hf(TEXTS, padding="max_length", max_length=64, truncation=True)
        for s, ids in zip(TEXTS[:8], enc["input_ids"]):
            print(repr(s)[:40], ids[:20])
    sys.exit(0)


def make_base_size(out_dir: Path):
    """The published base NaFlex shape (google/siglip2-base-patch16-naflex: 768/3072/12/12, Gemma's
    256,000 tokens, a 16 x 16 position table of 16-pixel patches, max_num_patches 256) with random
    weights, on real photos (scikit-image's sample data, Debian python3-skimage, downscaled by 2 and
    committed as JPEG). The 1.5 GB weights go to out_dir (not committed); the expected outputs and
    photos go to siglip-core/src/test/resources/siglip2-base-naflex-expected/{expected,inputs}."""
    skimage_data = Path("/usr/lib/python3/dist-packages/skimage/data")
    golden = RES / "siglip2-base-naflex-expected"
    (golden / "inputs").mkdir(parents=True, exist_ok=True)
    photos = []
    for name in ("astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg"):
        img = Image.open(skimage_data / name).convert("RGB")
        img = img.resize((img.width // 2, img.height // 2), Image.BICUBIC)
        target = golden / "inputs" / (Path(name).stem + ".jpg")
        img.save(target, quality=90)
        photos.append(target)
    torch.manual_seed(2025)
    config = Siglip2Config(text_config=dict(vocab_size=256000), vision_config=dict(num_patches=256, patch_size=16))
    config._attn_implementation = "eager"
    model = Siglip2Model(config).eval()
    model.save_pretrained(out_dir)
    from transformers.models.siglip2.image_processing_pil_siglip2 import Siglip2ImageProcessorPil
    Siglip2ImageProcessorPil(patch_size=16, max_num_patches=256).save_pretrained(out_dir)
    write_tokenizer(out_dir, make_tokenizer(), "Siglip2Tokenizer")
    model = Siglip2Model.from_pretrained(out_dir, attn_implementation="eager").eval()
    from transformers.image_utils import load_image
    images = [load_image(str(p)) for p in photos]
    proc = AutoProcessor.from_pretrained(out_dir).image_processor
    feats = proc(images=images, return_tensors="pt")
    hf = AutoTokenizer.from_pretrained(out_dir)
    texts = ["an astronaut", "a cup of coffee", "a cat", "a rocket"]
    ids = torch.tensor(hf(texts, padding="max_length", max_length=64, truncation=True)["input_ids"])
    with torch.no_grad():
        out = model(input_ids=ids, **feats)
    index = {}
    golden = golden / "expected"
    golden.mkdir(exist_ok=True)
    save_npy(golden, index, "spatial_shapes", feats["spatial_shapes"].long(), "[4, 2] for the 4 photos")
    save_npy(golden, index, "input_ids", ids, "the 4 texts")
    save_npy(golden, index, "image_embeds", out.image_embeds, "normalised image embeddings")
    save_npy(golden, index, "text_embeds", out.text_embeds, "normalised text embeddings")
    save_npy(golden, index, "logits_per_image", out.logits_per_image, "[4, 4]")
    index["texts"] = texts
    (golden / "index.json").write_text(json.dumps(index, indent=1) + "\n")


if __name__ == "__main__" and os.environ.get("STEP") == "base":
    make_base_size(Path(os.environ.get("BASE_DIR", "/tmp/siglip2-base-naflex")))
