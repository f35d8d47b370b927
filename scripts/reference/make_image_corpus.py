#!/usr/bin/env python3
"""Builds the image-decoding corpus of siglip-core's PillowDecodingTest and records what Pillow
decodes from each file, i.e. what HF's ``load_image`` gives: ``Image.open`` +
``ImageOps.exif_transpose`` + ``convert("RGB")``.

Run with Pillow 12 (the reference):

    /tmp/ref/bin/python scripts/reference/make_image_corpus.py

It needs ImageMagick's ``convert`` (CMYK/YCCK/RGB-coded JPEGs, Adam7 PNG, RGB565 BMP), Debian's
``python3-skimage`` (the sample photos used as content), ``icc-profiles-free`` and
``colord-data`` (ICC profiles), and, for the comparison with Debian's Pillow 9.4,
``/usr/bin/python3`` with ``python3-pil``. The same script re-runs itself under 9.4 with
``--decode-only`` to decode the files it wrote.

Output, under siglip-core/src/test/resources/images-pillow/:
  <case>.<ext>          the encoded file
  <case>.rgb            Pillow 12's RGB bytes (uint8 [H, W, 3], row-major)
  <case>.pillow9.rgb    Pillow 9.4's bytes, only where they differ from 12's
  <case>.truncated.rgb  Pillow 12 with ImageFile.LOAD_TRUNCATED_IMAGES (truncated cases)
  corpus.json           per case: file, class, width, height, Pillow's error by default (or null),
                        and the max / mean level difference between Pillow 9.4 and 12
Everything is deterministic: fixed sources, fixed seeds, fixed encoder settings.
"""
import io
import json
import os
import shutil
import struct
import subprocess
import sys

import numpy as np
from PIL import Image, ImageFile, ImageOps

SKIMAGE = "/usr/lib/python3/dist-packages/skimage/data"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "siglip-core", "src", "test",
                   "resources", "images-pillow")
ICC_ADOBE = "/usr/share/color/icc/colord/AdobeRGB1998.icc"
ICC_PROPHOTO = "/usr/share/color/icc/colord/ProPhotoRGB.icc"
ICC_SRGB = "/usr/share/color/icc/colord/sRGB.icc"
ICC_CMYK = "/usr/share/color/icc/ghostscript/default_cmyk.icc"
ICC_GRAY = "/usr/share/color/icc/ghostscript/sgray.icc"
W, H = 64, 48


def decode(path, truncated=False):
    """HF's load_image on a local file; returns (rgb uint8 array, None) or (None, error text)."""
    ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    try:
        im = Image.open(path)
        im = ImageOps.exif_transpose(im)
        return np.asarray(im.convert("RGB")), None
    except Exception as e:  # the text is recorded, the Java side checks its own message
        return None, f"{type(e).__name__}: {e}"
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False


def photo(name, size=(W, H), mode="RGB"):
    im = Image.open(os.path.join(SKIMAGE, name)).convert(mode)
    return ImageOps.fit(im, size, Image.LANCZOS)


def display_p3_profile():
    """colord's sRGB matrix/TRC profile with Display P3's (D50-adapted) colorants: a valid
    Display-P3-like v2 profile, built here because no Debian package ships one."""
    data = bytearray(open(ICC_SRGB, "rb").read())
    colorants = {b"rXYZ": (0.515102, 0.241182, -0.001050), b"gXYZ": (0.291965, 0.692236, 0.041882),
                 b"bXYZ": (0.157153, 0.066582, 0.784378)}
    count = struct.unpack(">I", data[128:132])[0]
    for i in range(count):
        sig, off, size = struct.unpack(">4sII", data[132 + 12 * i:144 + 12 * i])
        if sig in colorants:
            for k, v in enumerate(colorants[sig]):
                struct.pack_into(">i", data, off + 8 + 4 * k, int(round(v * 65536)))
    return bytes(data)


def magick(src_png, dest, *args):
    # no tEXt date chunks: the PNGs stay byte-identical from run to run
    extra = ["-define", "png:exclude-chunks=date,time"] if dest.endswith(".png") else []
    subprocess.run(["convert", src_png, *args, *extra, dest], check=True)


def without_app14(cmyk):
    """A plain CMYK JPEG without its Adobe APP14 segment (libjpeg then assumes CMYK; Pillow still
    reads the values as Adobe-inverted)."""
    buf = io.BytesIO()
    cmyk.save(buf, "JPEG", quality=90)
    data = buf.getvalue()
    at = data.index(b"\xff\xee")
    return data[:at] + data[at + 2 + struct.unpack(">H", data[at + 2:at + 4])[0]:]


def cut_in_table(rgb):
    """A progressive CMYK JPEG cut inside the Huffman table after its first scan (Pillow: white)."""
    buf = io.BytesIO()
    rgb.convert("CMYK").save(buf, "JPEG", quality=90, progressive=True)
    data = buf.getvalue()
    return data[:data.index(b"\xff\xc4", data.index(b"\xff\xda")) + 10]


def exif_orientation(value):
    exif = Image.Exif()
    exif[0x0112] = value
    return exif.tobytes()


def build(tmp):
    """Writes the corpus files; returns [(case, class, file name)]."""
    cases = []

    def add(case, cls, ext, writer):
        name = f"{case}.{ext}"
        writer(os.path.join(OUT, name))
        cases.append((case, cls, name))

    cat = photo("chelsea.png")
    coffee = photo("coffee.png")
    astro = photo("astronaut.png")
    rocket = photo("rocket.jpg")
    camera = photo("camera.png", mode="L")
    cat_png = os.path.join(tmp, "chelsea.png")
    cat.save(cat_png)
    rgba_cat = cat.copy()
    rgba_cat.putalpha(Image.fromarray(np.random.default_rng(3).integers(0, 256, (H, W), dtype=np.uint8)))
    coffee_png = os.path.join(tmp, "coffee.png")
    coffee.save(coffee_png)
    astro_png = os.path.join(tmp, "astronaut.png")
    astro.save(astro_png)

    # JPEG, Pillow's encoder (libjpeg-turbo)
    add("jpeg-420", "jpeg", "jpg", lambda p: cat.save(p, quality=90))
    add("jpeg-444", "jpeg", "jpg", lambda p: coffee.save(p, quality=95, subsampling=0))
    add("jpeg-422", "jpeg", "jpg", lambda p: astro.save(p, quality=85, subsampling=1))
    add("jpeg-camera", "jpeg", "jpg", lambda p: rocket.save(p, quality=75))
    add("jpeg-gray", "jpeg", "jpg", lambda p: camera.save(p, quality=90))
    add("jpeg-progressive", "jpeg progressive", "jpg", lambda p: cat.save(p, quality=90, progressive=True))
    add("jpeg-progressive-444", "jpeg progressive", "jpg",
        lambda p: coffee.save(p, quality=90, progressive=True, subsampling=0))
    add("jpeg-exif-rotate90", "jpeg", "jpg", lambda p: rocket.save(p, quality=90, exif=exif_orientation(6)))
    # JPEG with embedded ICC profiles: Pillow keeps the stored values
    add("jpeg-icc-adobergb", "jpeg icc", "jpg",
        lambda p: cat.save(p, quality=90, icc_profile=open(ICC_ADOBE, "rb").read()))
    add("jpeg-icc-displayp3", "jpeg icc", "jpg",
        lambda p: coffee.save(p, quality=90, icc_profile=display_p3_profile()))
    add("jpeg-icc-prophoto", "jpeg icc", "jpg",
        lambda p: astro.save(p, quality=90, icc_profile=open(ICC_PROPHOTO, "rb").read()))
    # CMYK: Pillow writes Adobe transform 0 (plain CMYK, inverted); ImageMagick (libjpeg's default
    # for CMYK input) writes YCCK, transform 2, with real black generation
    add("jpeg-cmyk-pillow", "jpeg cmyk", "jpg", lambda p: coffee.convert("CMYK").save(p, quality=90))
    add("jpeg-ycck-icc", "jpeg ycck", "jpg",
        lambda p: magick(coffee_png, p, "-colorspace", "CMYK",
                         "-profile", ICC_CMYK, "-quality", "90"))
    add("jpeg-ycck", "jpeg ycck", "jpg", lambda p: magick(coffee_png, p, "-colorspace", "CMYK", "-quality", "90"))
    add("jpeg-ycck-astronaut", "jpeg ycck", "jpg",
        lambda p: magick(astro_png, p, "-colorspace", "CMYK", "-quality", "85"))
    add("jpeg-gray-icc", "jpeg icc", "jpg",
        lambda p: camera.save(p, quality=90, icc_profile=open(ICC_GRAY, "rb").read()))
    add("jpeg-cmyk-no-adobe", "jpeg cmyk", "jpg", lambda p: open(p, "wb").write(without_app14(coffee.convert("CMYK"))))
    add("jpeg-exif-rotate270", "jpeg", "jpg", lambda p: cat.save(p, quality=90, exif=exif_orientation(8)))
    add("jpeg-rgb-coded", "jpeg", "jpg",
        lambda p: magick(coffee_png, p, "-define", "jpeg:colorspace=2", "-quality", "90"))

    # PNG
    rng = np.random.default_rng(17)
    a8 = np.asarray(astro)
    alpha = rng.integers(0, 256, (H, W), dtype=np.uint8)
    low = rng.integers(0, 256, (H, W, 3), dtype=np.uint16)
    rgb16 = (a8.astype(np.uint16) << 8) | low
    add("png-rgb", "png", "png", lambda p: astro.save(p))
    add("png-rgba", "png", "png", lambda p: Image.fromarray(np.dstack([a8, alpha]), "RGBA").save(p))
    add("png-rgb16", "png 16-bit", "png",
        lambda p: magick_raw16(p, rgb16, "rgb"))
    add("png-rgba16", "png 16-bit", "png",
        lambda p: magick_raw16(p, np.dstack([rgb16, (alpha.astype(np.uint16) << 8) | 0x55]), "rgba"))
    gray16 = (np.asarray(camera).astype(np.uint16) * 2 + rng.integers(0, 2, (H, W))).astype(np.uint16)
    gray16[: H // 3] = gray16[: H // 3] * 100  # values above 255: Pillow clips them
    add("png-gray16", "png 16-bit", "png", lambda p: Image.fromarray(gray16).save(p))
    add("png-la16", "png 16-bit", "png",
        lambda p: magick_raw16(p, np.dstack([gray16 * 3, gray16]), "gray", alpha=True))
    add("png-gray", "png", "png", lambda p: camera.save(p))
    add("png-la", "png gray+alpha", "png", lambda p: Image.merge("LA", [camera, Image.fromarray(alpha)]).save(p))
    add("png-gray-trns", "png gray+alpha", "png", lambda p: camera.save(p, transparency=128))
    add("png-gray-1bit", "png", "png", lambda p: camera.convert("1").save(p))
    add("png-gray-4bit", "png", "png", lambda p: magick(os.path.join(SKIMAGE, "camera.png"), p, "-resize",
                                                         f"{W}x{H}!", "-depth", "4", "-define", "png:bit-depth=4", "-define",
                                                         "png:color-type=0"))
    pal = cat.quantize(colors=200, method=Image.Quantize.MEDIANCUT)
    add("png-palette", "png palette", "png", lambda p: pal.save(p))
    add("png-palette-trns", "png palette+trns", "png",
        lambda p: pal.save(p, transparency=bytes(range(0, 200))))
    add("png-palette-4bit", "png palette", "png", lambda p: cat.quantize(colors=16).save(p, bits=4))
    add("png-rgb-trns", "png", "png", lambda p: astro.save(p, transparency=tuple(int(v) for v in a8[0, 0])))
    add("png-interlaced", "png", "png", lambda p: magick(astro_png, p, "-interlace", "PNG"))

    add("png-icc-adobergb", "png icc", "png", lambda p: cat.save(p, icc_profile=open(ICC_ADOBE, "rb").read()))
    add("png-gray-icc", "png icc", "png", lambda p: camera.save(p, icc_profile=open(ICC_GRAY, "rb").read()))
    add("png-rgb16-trns", "png 16-bit", "png",
        lambda p: magick(cat_png, p, "-depth", "16", "-define", "png:bit-depth=16", "-transparent", "rgb(0,0,0)"))

    # GIF, BMP, TIFF, WebP
    add("gif", "gif", "gif", lambda p: pal.save(p))
    add("gif-trns", "gif", "gif", lambda p: pal.save(p, transparency=3))
    frames = [cat.quantize(colors=64), coffee.quantize(colors=64)]
    add("gif-animated", "gif", "gif",
        lambda p: frames[0].save(p, save_all=True, append_images=frames[1:], duration=100, loop=0))
    # a first frame smaller than the screen, at an offset (Pillow shows the whole screen)
    small = os.path.join(tmp, "coffee40.png")
    ImageOps.fit(coffee, (40, 30), Image.LANCZOS).save(small)
    add("gif-offset-frame", "gif", "gif", lambda p: magick(small, p, "-colors", "64", "-set", "page", f"{W}x{H}+10+5"))
    add("gif-offset-frame-trns", "gif", "gif", lambda p: magick(small, p, "-colors", "64", "-fuzz", "8%",
                                                                "-transparent", "white", "-set", "page",
                                                                f"{W}x{H}+10+5"))
    add("bmp-24", "bmp", "bmp", lambda p: coffee.save(p))
    add("bmp-8", "bmp", "bmp", lambda p: pal.save(p))
    add("bmp-gray", "bmp", "bmp", lambda p: camera.save(p))
    add("bmp-32-alpha", "bmp", "bmp", lambda p: rgba_cat.save(p))
    add("bmp-565", "bmp 16-bit", "bmp", lambda p: magick(cat_png, p, "-define", "bmp:subtype=RGB565"))
    add("bmp-555", "bmp 16-bit", "bmp", lambda p: magick(cat_png, p, "-define", "bmp:subtype=RGB555"))
    add("tiff-palette", "tiff palette", "tif", lambda p: cat.quantize(colors=64).save(p))
    add("tiff-rgba", "tiff", "tif", lambda p: rgba_cat.save(p))
    add("tiff-raw", "tiff", "tif", lambda p: cat.save(p))
    add("tiff-lzw", "tiff", "tif", lambda p: coffee.save(p, compression="tiff_lzw"))
    add("tiff-deflate", "tiff", "tif", lambda p: astro.save(p, compression="tiff_adobe_deflate"))
    add("tiff-gray", "tiff", "tif", lambda p: camera.save(p, compression="packbits"))
    add("tiff-cmyk", "tiff cmyk", "tif", lambda p: magick(coffee_png, p, "-colorspace", "CMYK"))
    add("webp-lossless", "webp", "webp", lambda p: cat.save(p, lossless=True))
    add("webp-lossy", "webp lossy", "webp", lambda p: coffee.save(p, quality=90, method=6))

    # Truncated files: Pillow raises by default, decodes what is there with LOAD_TRUNCATED_IMAGES
    def cut(src_case, fraction):
        data = open(os.path.join(OUT, dict((c, n) for c, _, n in cases)[src_case]), "rb").read()
        return lambda p: open(p, "wb").write(data[: int(len(data) * fraction)])

    add("truncated-jpeg", "truncated", "jpg", cut("jpeg-camera", 0.6))
    add("truncated-jpeg-progressive", "truncated", "jpg", cut("jpeg-progressive", 0.7))
    add("truncated-jpeg-progressive-scan", "truncated", "jpg", cut("jpeg-progressive-444", 0.5))
    add("truncated-jpeg-ycck", "truncated", "jpg", cut("jpeg-ycck", 0.6))
    add("truncated-jpeg-cmyk-table", "truncated", "jpg", lambda p: open(p, "wb").write(cut_in_table(coffee)))
    add("truncated-png", "truncated", "png", cut("png-rgb", 0.5))
    add("truncated-png-interlaced", "truncated", "png", cut("png-interlaced", 0.6))
    add("truncated-jpeg-header", "truncated", "jpg", cut("jpeg-420", 0.1))  # Pillow fails even when accepting
    return cases


def magick_raw16(path, arr, channels, alpha=False):
    """Writes a 16-bit PNG from a uint16 array through ImageMagick (Pillow cannot write 16-bit colour)."""
    h, w = arr.shape[:2]
    raw = path + ".raw"
    arr.astype(">u2").tofile(raw)
    fmt = {"rgb": "rgb", "rgba": "rgba", "gray": "graya" if alpha else "gray"}[channels]
    if fmt == "graya":  # ImageMagick has no "graya" raw reader: expand to RGBA and ask for gray+alpha
        g = arr[..., 0]
        np.dstack([g, g, g, arr[..., 1]]).astype(">u2").tofile(raw)
        fmt = "rgba"
        extra = ["-type", "GrayscaleAlpha", "-define", "png:color-type=4"]
    else:
        extra = ["-define", "png:color-type=" + {"rgb": "2", "rgba": "6", "gray": "0"}[channels]]
    subprocess.run(["convert", "-size", f"{w}x{h}", "-depth", "16", "-endian", "MSB", f"{fmt}:{raw}",
                    *extra, "-define", "png:bit-depth=16", "-define", "png:exclude-chunks=date,time", path], check=True)
    os.remove(raw)


def decode_all(names):
    """Decodes each file (default and truncated-tolerant); returns {name: ...} as lists for JSON."""
    out = {}
    for name in names:
        path = os.path.join(OUT, name)
        rgb, err = decode(path)
        trunc, terr = decode(path, truncated=True)
        out[name] = {"rgb": None if rgb is None else rgb.tolist(), "error": err,
                     "truncated": None if trunc is None else trunc.tolist(), "truncated_error": terr}
    return out


def main():
    if "--decode-only" in sys.argv:
        names = json.loads(sys.stdin.read())
        json.dump(decode_all(names), sys.stdout)
        return
    import PIL
    assert PIL.__version__.startswith("12."), "run with Pillow 12 (/tmp/ref/bin/python): " + PIL.__version__
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    tmp = os.path.join(OUT, "..", "images-pillow-tmp")
    os.makedirs(tmp, exist_ok=True)
    try:
        cases = build(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    names = [n for _, _, n in cases]
    old = subprocess.run(["/usr/bin/python3", os.path.abspath(__file__), "--decode-only"],
                         input=json.dumps(names), capture_output=True, text=True, check=True)
    old = json.loads(old.stdout)
    import PIL as pil12
    index = {"pillow": pil12.__version__, "pillow_old": subprocess.run(
        ["/usr/bin/python3", "-c", "import PIL; print(PIL.__version__)"], capture_output=True, text=True,
        check=True).stdout.strip(), "cases": []}
    for case, cls, name in cases:
        path = os.path.join(OUT, name)
        rgb, err = decode(path)
        trunc, terr = decode(path, truncated=True)
        entry = {"case": case, "class": cls, "file": name, "error": err}
        ref = rgb if rgb is not None else trunc
        entry["truncated_error"] = terr
        if ref is None:
            if cls != "truncated":
                raise SystemExit(f"{name}: Pillow cannot decode it at all: {terr}")
            index["cases"].append(entry)
            print(f"{case:28s} {cls:18s} fails in both modes: {terr}")
            continue
        entry["height"], entry["width"] = ref.shape[:2]
        if rgb is not None:
            rgb.tofile(os.path.join(OUT, case + ".rgb"))
        if err is not None:
            trunc.tofile(os.path.join(OUT, case + ".truncated.rgb"))
        o = old[name]
        o_rgb = o["rgb"] if rgb is not None else o["truncated"]
        if o_rgb is None:
            entry["pillow_old"] = {"error": o["error"] or o["truncated_error"]}
        else:
            o_rgb = np.asarray(o_rgb, dtype=np.uint8)
            if o_rgb.shape != ref.shape:
                entry["pillow_old"] = {"shape": list(o_rgb.shape)}
            else:
                d = np.abs(o_rgb.astype(int) - ref.astype(int))
                entry["pillow_old"] = {"max": int(d.max()), "mean": round(float(d.mean()), 4)}
                if d.max() > 0 and rgb is not None:
                    o_rgb.tofile(os.path.join(OUT, case + ".pillow9.rgb"))
        entry["pillow_old_error"] = o["error"]
        index["cases"].append(entry)
        print(f"{case:28s} {cls:18s} {entry['width']}x{entry['height']} error={err!s:.50} 9.4={entry['pillow_old']}")
    with open(os.path.join(OUT, "corpus.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
