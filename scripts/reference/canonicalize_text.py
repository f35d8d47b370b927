"""Prints transformers' SiglipTokenizer.canonicalize_text for the strings TextCanonicalizerTest checks.

Run with the reference venv (transformers 5.x): python scripts/reference/canonicalize_text.py
The method needs no vocabulary, so it is called on a stand-in object.
"""
import json
import types

from transformers.models.siglip.tokenization_siglip import SiglipTokenizer

CASES = ["  It's a T-shirt!\t", "a\u00a0photo\u3000of  a\ncat.", "\u2003(Hello), World\u2029", "no_punct_here",
         "\u0085x\u001cy ", "caf\u00e9 \u00abquote\u00bb"]

for lower in (False, True):
    me = types.SimpleNamespace(do_lower_case=lower,
                               remove_punctuation=lambda t: SiglipTokenizer.remove_punctuation(None, t))
    for c in CASES:
        print(lower, json.dumps(c), json.dumps(SiglipTokenizer.canonicalize_text(me, c)))
