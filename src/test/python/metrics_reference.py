#!/usr/bin/python3
"""Independent figures for MetricsReferenceTest: NLTK's corpus BLEU and METEOR, scikit-learn's average precision.

  NLTK_DATA=DIR /usr/bin/python3 metrics_reference.py CASES.json    (DIR/corpora/wordnet holds WordNet 3.0's files)

CASES.json: {"captions": [{"references": [[token...]...], "hypothesis": [token...]}...],
             "retrieval": {"scores": [[...]...], "relevant": [[0/1...]...], "ks": [1, 5, 10]}}
Prints {"bleu": [BLEU-1..4], "meteor": [per item], "recall": [per K], "map": mAP}.
"""
import json
import sys

import numpy as np
from nltk.stem.porter import PorterStemmer
from nltk.translate.bleu_score import corpus_bleu
from nltk.translate.meteor_score import meteor_score
from sklearn.metrics import average_precision_score

cases = json.load(open(sys.argv[1]))
references = [c["references"] for c in cases["captions"]]
hypotheses = [c["hypothesis"] for c in cases["captions"]]
bleu = [corpus_bleu(references, hypotheses, weights=tuple([1.0 / n] * n)) for n in range(1, 5)]
# the original Porter algorithm: NLTK's default mode adds its own extensions (see Meteor.java)
stemmer = PorterStemmer(mode=PorterStemmer.ORIGINAL_ALGORITHM)
meteor = [meteor_score(r, h, stemmer=stemmer) for r, h in zip(references, hypotheses)]

scores = np.array(cases["retrieval"]["scores"], dtype=float)
relevant = np.array(cases["retrieval"]["relevant"], dtype=bool)
ks = cases["retrieval"]["ks"]
hits = np.zeros(len(ks))
precisions = []
for row, wanted in zip(scores, relevant):
    if not wanted.any():
        continue
    precisions.append(average_precision_score(wanted, row))
    ranked = np.lexsort((np.arange(len(row)), -row))  # best first, ties by index
    first = int(np.nonzero(wanted[ranked])[0][0])
    hits += [first < k for k in ks]
print(json.dumps({"bleu": bleu, "meteor": meteor, "recall": (hits / len(precisions)).tolist(), "map": float(np.mean(precisions))}))
