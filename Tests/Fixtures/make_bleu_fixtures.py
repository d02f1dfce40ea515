"""Golden corpus BLEU / chrF values from the sacrebleu package (2.x) for TranslateKit's Metrics.swift.

Run: .venv-ref/bin/python Tests/Fixtures/make_bleu_fixtures.py > Tests/AppsTests/Fixtures/bleu.json
The cases exercise the 13a and zh tokenisers' corners: numbers with separators, dashes after digits,
HTML entities, punctuation runs, full-width and curly punctuation, mixed scripts, empty hypotheses.
"""
import json
import sacrebleu

CASES = [
    ("13a", [
        ("The cat sat on the mat.", "The cat sat on the mat."),
        ("In the beginning God created the heaven and the earth.", "In the beginning God created the heavens and the earth."),
        ("It costs 1,000.50 dollars -- or 3-4 euros!", "It cost 1,000.50 dollars - or 3-4 euros."),
        ("He said &quot;yes&quot; &amp; left...", "He said \"yes\" & left."),
        ("(hi) [there] {you} a/b c:d e;f", "(hi) [there] {you} a/b c:d"),
        ("", "Nothing here."),
        ("Don't stop-believing, 2020-2021.", "Don't stop believing, 2020-2021."),
    ]),
    ("zh", [
        ("起初，神创造天地。", "起初，神创造天地。"),
        ("地是空虚混沌，渊面黑暗。", "地是空虚混沌，渊面黑暗；神的灵运行在水面上。"),
        ("神说：「要有光」，就有了光。", "神说：“要有光”，就有了光。"),
        ("耶稣说 Hello, world! 3.14 和 2,000 人", "耶稣说 Hello world 3.14 和 2,000 人"),
        ("全角ＡＢＣ１２３　空格…—", "全角ABC123 空格…—"),
        ("", "空"),
    ]),
]

out = []
for tok, pairs in CASES:
    hyps = [h for h, _ in pairs]
    refs = [r for _, r in pairs]
    bleu = sacrebleu.corpus_bleu(hyps, [refs], tokenize=tok)
    chrf = sacrebleu.corpus_chrf(hyps, [refs])
    # Each prefix too, so single-sentence and partial corpora are covered.
    prefixes = []
    for n in range(1, len(pairs) + 1):
        b = sacrebleu.corpus_bleu(hyps[:n], [refs[:n]], tokenize=tok)
        c = sacrebleu.corpus_chrf(hyps[:n], [refs[:n]])
        prefixes.append({"n": n, "bleu": b.score, "chrf": c.score})
    out.append({"tokenize": tok, "hypotheses": hyps, "references": refs, "bleu": bleu.score,
                "chrf": chrf.score, "prefixes": prefixes, "sacrebleu": sacrebleu.__version__})
print(json.dumps(out, ensure_ascii=False, indent=1))
