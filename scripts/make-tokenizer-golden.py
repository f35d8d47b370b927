#!/usr/bin/python3
"""Golden token ids of Hugging Face's SLOW SiglipTokenizer for a random fuzz corpus.

Writes the test resources that siglip-core's SiglipTokenizer tests compare the pure-Java encoder
against, so those tests need neither Python nor the shared fixture folder:

  siglip-core/src/test/resources/tokenizer-golden/slow-ids.json
      ~3000 random texts and, for both fixture models (spiece.model with byte fallback and
      tokenizer-no-byte-fallback/spiece.model), and for both again with EXTRA_PIECES appended
      (user-defined, control and unused pieces), the ids of convert_tokens_to_ids(tokenize(text))
      (before truncation, </s> and padding, so a test can check any max_length); for the two
      "+extra" variants only the texts whose ids differ, as {"index": ids}; "spiece.model,cased":
      the first CASED_TEXTS texts with do_lower_case false.
  siglip-core/src/test/resources/tokenizer-golden/python-lower.json
      every code point whose Python str.lower() differs from itself, with that lower-casing
      (the slow tokenizer lower-cases one character at a time).

The ids come from the real sentencepiece library (Debian's python3-sentencepiece, 0.1.97 here),
driven exactly as transformers v4.45.1's tokenization_siglip.SiglipTokenizer and
PreTrainedTokenizer.tokenize drive it (transformers itself is not needed):

  1. text = "\u2581" + text.replace("\u2581", " ")
  2. do_lower_case: every character but the special-token strings lower-cased on its own
     (re.sub("(</s>|<unk>)|(.+?)", ...), so no final-sigma context and "\\n" untouched)
  3. split out the added tokens </s>, <unk> (lstrip = rstrip = True: str.rstrip() of the part
     before, str.lstrip() of the part after; empty parts dropped)
  4. every other part: big_vision canonicalize_text (delete string.punctuation, re.sub(r"\\s+",
     " "), strip), then sp.encode("<unk>" + part, out_type=str)[len(sp.encode("<unk>")):] with
     a processor whose normalizer_spec.add_dummy_prefix was merged to False
  5. tokens[0] == "\u2581" followed by a special token: the "\u2581" is dropped
  6. ids: the added tokens' ids, else sp.piece_to_id(token)

Usage: /usr/bin/python3 scripts/make-tokenizer-golden.py [FIXTURE_DIR]   (default ../shared/fixtures/siglip-tiny)
Deterministic (fixed seed); re-running it rewrites identical files.
"""

import json
import os
import random
import re
import string
import struct
import sys
import unicodedata

import sentencepiece as spm

SPIECE_UNDERLINE = "\u2581"
SPECIALS = ("</s>", "<unk>")
SEED = 20240611
N_RANDOM = 3000
CASED_TEXTS = 600


class SlowSiglipTokenizer:
    """transformers v4.45.1 SiglipTokenizer.tokenize + convert_tokens_to_ids, nothing else."""

    def __init__(self, spiece_path, do_lower_case=True, extra=False):
        with open(spiece_path, "rb") as f:
            proto = f.read()
        if extra:
            proto = with_extra_pieces(proto)
        # HF: model.normalizer_spec.MergeFrom(NormalizerSpec(add_dummy_prefix=False)). A second
        # occurrence of the singular message field 3 is merged by the protobuf parser the same way.
        proto += b"\x1a\x02\x18\x00"
        self.sp = spm.SentencePieceProcessor()
        self.sp.LoadFromSerializedProto(proto)
        self.do_lower_case = do_lower_case
        self.added = {"</s>": self.sp.piece_to_id("</s>"), "<unk>": self.sp.piece_to_id("<unk>")}
        self.unk_token_length = len(self.sp.encode("<unk>"))
        self.punct = str.maketrans("", "", string.punctuation)
        self.lower_re = re.compile("(" + "|".join(re.escape(s) for s in SPECIALS) + ")|(.+?)")
        self.split_re = re.compile("(" + "|".join(re.escape(s) for s in SPECIALS) + ")")

    def canonicalize_text(self, text):
        text = text.translate(self.punct)
        text = re.sub(r"\s+", " ", text)
        return text.strip()

    def _tokenize(self, text):
        text = self.canonicalize_text(text)
        tokens = self.sp.encode("<unk>" + text, out_type=str)
        n = self.unk_token_length
        return tokens[n:] if len(tokens) >= n else tokens

    def tokenize(self, text):
        text = SPIECE_UNDERLINE + text.replace(SPIECE_UNDERLINE, " ")
        if self.do_lower_case:
            text = self.lower_re.sub(lambda m: m.groups()[0] or m.groups()[1].lower(), text)
        # the trie split of PreTrainedTokenizer: the two added tokens cannot overlap, so this
        # leftmost split is the same (zero-width parts are dropped below like the trie drops them)
        parts = self.split_re.split(text)
        for i, part in enumerate(parts):
            if part in SPECIALS:
                if i + 1 < len(parts) and parts[i + 1]:
                    parts[i + 1] = parts[i + 1].lstrip()
                if i > 0 and parts[i - 1]:
                    parts[i - 1] = parts[i - 1].rstrip()
        tokens = []
        for part in parts:
            if not part:
                continue
            if part in SPECIALS:
                tokens.append(part)
            else:
                tokens.extend(self._tokenize(part))
        if len(tokens) > 1 and tokens[0] == SPIECE_UNDERLINE and tokens[1] in SPECIALS:
            tokens = tokens[1:]
        return tokens

    def ids(self, text):
        return [self.added[t] if t in self.added else self.sp.piece_to_id(t) for t in self.tokenize(text)]


# ------------------------------------------------------------------------------------ corpus

PY_SPACES = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(chr(c) for c in range(0x2000, 0x200B))
             + "\u2028\u2029\u202f\u205f\u3000")
NOT_SPACES = "\u200b\u200c\u200d\u2060\ufeff\u180e\u00ad\u200e\u202e\x00\x01\x07\x7f\x9f"
FRAGMENTS = [
    "</s>", "<unk>", "<pad>", "</S>", "<UNK>", "<Unk>", "<un\u212a>", "<s>", "</s", "<unk", "s>", "< unk >",
    " </s> ", "\t<unk>\n", "</s></s>", "<unk></s>", "<</s>>", "<<unk>>",
    "\u2581", "\u2581\u2581", "\u2581 \u2581", "under\u2581score", "\u2581a",
    "\u0301", "\u0338", "e\u0301", "a\u0308\u0301", "\u0327c", "n\u0303", ">\u0338", "=\u0338", "<\u0338",
    "caf\u00e9", "CAF\u00c9", "cre\u0300me", "\u00c0 LA FRAN\u00c7AISE", "na\u00efve", "\u00df", "STRASSE", "\u1e9e",
    "\u039f\u0394\u039f\u03a3", "\u03a3", "\u03c3\u03c2", "\u0130stanbul", "I\u0307", "\u0131", "\u212a", "\u2126",
    "\u212b", "\u01c5", "\u01c8", "\u13a0\u13a1", "\u1c90\u1c91", "\U00010400", "\U00010570\U00010571", "\u2c2f",
    "\ua7c0", "\u0186", "\u1e9b\u0323",
    "\uff26\uff35\uff2c\uff2c\uff37\uff29\uff24\uff34\uff28\uff01", "\uff54\uff45\uff58\uff54", "\uff1c\uff0f\uff53\uff1e",
    "\uff1c\uff55\uff4e\uff4b\uff1e", "\uff1c\uff50\uff41\uff44\uff1e", "\uff76\uff80\uff76\uff85", "\uff9e",
    "\ufb01", "\ufb02", "\u00b2", "\u00bd", "\u2167", "\u2460", "\u3231", "\u338f", "\u210c", "\u2122", "\u00aa",
    "\u2026", "\u2014", "\u2019", "\u201c", "\u00b0", "\u00d7", "\u00a9", "\u20ac",
    "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8", "\u4e2d\u6587", "\ud55c\uad6d\uc5b4", "\u1100\u1161\u11a8",
    "\u0627\u0644\u0639\u0631\u0628\u064a\u0629", "\ufefb", "\u05e2\u05d1\u05e8\u05d9\u05ea", "\u0939\u093f\u0928\u094d\u0926\u0940",
    "\u0e44\u0e17\u0e22", "\u0440\u0443\u0441\u0441\u043a\u0438\u0439 \u0422\u0415\u041a\u0421\u0422",
    "\U0001f642\U0001f408", "\U0001f44d\U0001f3fd", "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\U0001f1eb\U0001f1f7",
    "\u2764\ufe0f", "\u263a\ufe0e",
    "13x11", "32\u00d732", "3.14", "2024-06-11", "1,000,000", "#hashtag", "@user", "e-mail", "don't", "(tall image)!",
    "!!!...???", "...", "___", "a_b", "C++", "x\\y",
    "xyz", "XYZ", "axyzb", "\uff26\uff35\uff2c\uff2c", "new", "New York", "renew", "qjq", "\U0001f642",
]

# Pieces appended to both models for two more golden variants ("+extra"): user-defined pieces
# (matched before normalisation, scored length * max_score - 0.1), a control piece that HF's
# piece_to_id finds for a fused unknown run, and an unused piece that the lattice must skip.
# Types: 3 CONTROL, 4 USER_DEFINED, 5 UNUSED.
EXTRA_PIECES = [["xyz", 0.0, 4], ["\uff46\uff55\uff4c\uff4c", 0.0, 4], ["\u2581new", 0.0, 4],
                ["\U0001f642", 0.0, 3], ["qjq", -1.0, 5]]


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def with_extra_pieces(proto):
    """Appends EXTRA_PIECES as more `pieces` entries (field 1 of ModelProto, repeated)."""
    for text, score, kind in EXTRA_PIECES:
        raw = text.encode("utf-8")
        piece = b"\x0a" + varint(len(raw)) + raw + b"\x15" + struct.pack("<f", score) + b"\x18" + varint(kind)
        proto += b"\x0a" + varint(len(piece)) + piece
    return proto


def vocab_words(sp, rnd, k):
    """Words glued from the model's own pieces, so the Viterbi has real choices."""
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())
              if not (sp.is_control(i) or sp.is_unknown(i) or sp.is_byte(i))]
    words = []
    for _ in range(k):
        w = "".join(rnd.choice(pieces).replace(SPIECE_UNDERLINE, "") for _ in range(rnd.randint(1, 4)))
        style = rnd.random()
        if style < 0.15:
            w = w.upper()
        elif style < 0.3:
            w = w.title()
        elif style < 0.4:
            w = "".join(c.upper() if rnd.random() < 0.5 else c for c in w)
        words.append(w)
    return words


def random_char(rnd):
    r = rnd.random()
    if r < 0.5:
        return chr(rnd.randint(0x20, 0x2FFF))
    if r < 0.7:
        return chr(rnd.randint(0x3000, 0xD7FF))
    if r < 0.85:
        return chr(rnd.randint(0xE000, 0xFFFD))
    return chr(rnd.randint(0x10000, 0x2FFFF))


def fragment(rnd, words):
    r = rnd.random()
    if r < 0.45:
        return rnd.choice(words)
    if r < 0.65:
        return rnd.choice(FRAGMENTS)
    if r < 0.72:
        return "".join(rnd.choice(string.punctuation) for _ in range(rnd.randint(1, 4)))
    if r < 0.80:
        return "".join(rnd.choice(PY_SPACES + NOT_SPACES) for _ in range(rnd.randint(1, 3)))
    if r < 0.87:
        return rnd.choice("oaelst") * rnd.randint(2, 9)  # equal-score segmentations (Viterbi ties)
    if r < 0.93:
        return "".join(random_char(rnd) for _ in range(rnd.randint(1, 6)))
    return chr(rnd.randint(0x300, 0x36F)) + rnd.choice(words)  # combining mark first


def corpus(sp):
    rnd = random.Random(SEED)
    words = vocab_words(sp, rnd, 3000)
    texts = ["", " ", "\u2581", "</s>", " </s> ", "</s></s>", "<unk>", "a</s>b", "a </s> b", "\u0301a", "\u2581\u0301",
             "<unk>\U0001f642", "</s>\U0001f642 a", "</s>\u0338a", "x</s>\u0338", "\u03a3\u03a3", "\u039f\u0394\u039f\u03a3",
             "\u0130", "<UN\u212a>", "\uff1c\uff50\uff41\uff44\uff1e", "\n\n", "a\nB", "ooo", "oooo", "ooooo"]
    texts += [unicodedata.normalize("NFD", t) for t in texts[9:12]]
    for _ in range(N_RANDOM):
        n = rnd.choice([1, 1, 2, 3, 4, 6, 8, 12])
        seps = ["", " ", " ", " ", "  ", "\t", "\n", "\u3000", "\u2581"]
        texts.append("".join(fragment(rnd, words) + rnd.choice(seps) for _ in range(n)))
    for _ in range(12):  # long texts: truncation, and Viterbi over thousands of bytes
        texts.append(" ".join(fragment(rnd, words) for _ in range(rnd.randint(80, 400))))
    return texts


def main():
    fixture = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "shared",
                                                                  "fixtures", "siglip-tiny")
    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "siglip-core", "src", "test",
                           "resources", "tokenizer-golden")
    os.makedirs(out_dir, exist_ok=True)
    models = {"spiece.model": os.path.join(fixture, "spiece.model"),
              "tokenizer-no-byte-fallback/spiece.model": os.path.join(fixture, "tokenizer-no-byte-fallback",
                                                                      "spiece.model")}
    toks = {k: SlowSiglipTokenizer(v) for k, v in models.items()}
    toks.update({k + "+extra": SlowSiglipTokenizer(v, extra=True) for k, v in models.items()})
    texts = corpus(toks["spiece.model"].sp)
    # the fixture's expected ids must come out of this re-implementation unchanged
    with open(os.path.join(fixture, "expected", "tokens.json")) as f:
        for entry in json.load(f):
            assert toks["spiece.model"].ids(entry["text"]) == entry["ids_no_special"], entry["text"]
    ids = {k: [t.ids(text) for text in texts] for k, t in toks.items()}
    for k in models:  # the +extra variants: only the texts whose ids differ from the plain model's
        ids[k + "+extra"] = {str(i): e for i, (p, e) in enumerate(zip(ids[k], ids[k + "+extra"])) if p != e}
    # do_lower_case false (tokenizer_config.json), on the first texts only
    cased = SlowSiglipTokenizer(models["spiece.model"], do_lower_case=False)
    ids["spiece.model,cased"] = [cased.ids(text) for text in texts[:CASED_TEXTS]]
    doc = {
        "about": "HF transformers v4.45.1 slow SiglipTokenizer: convert_tokens_to_ids(tokenize(text)) per text "
                 "(no truncation, no </s>, no padding); made by scripts/make-tokenizer-golden.py",
        "sentencepiece": spm.__version__,
        "python": sys.version.split()[0],
        "unicode": unicodedata.unidata_version,
        "seed": SEED,
        "extra_pieces": EXTRA_PIECES,
        "texts": texts,
        "ids": ids,
    }
    with open(os.path.join(out_dir, "slow-ids.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    lower = [[c, chr(c).lower()] for c in range(0x110000)
             if not 0xD800 <= c < 0xE000 and chr(c).lower() != chr(c)]
    with open(os.path.join(out_dir, "python-lower.json"), "w", encoding="utf-8") as f:
        json.dump({"python": sys.version.split()[0], "unicode": unicodedata.unidata_version, "lower": lower}, f,
                  ensure_ascii=True, separators=(",", ":"))
        f.write("\n")
    print(f"{len(texts)} texts; " + ", ".join(f"{k}: {len(v)} rows" for k, v in ids.items()) + f" -> {out_dir}")


if __name__ == "__main__":
    main()
