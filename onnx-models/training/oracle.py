#!/usr/bin/env python3
"""The ceiling of action recognition from video, measured on the simulator's true pose.

A video model sees at best the pose the frames were drawn from, blurred by 64 px frames, lighting and noise. A
classifier given that pose itself, exactly, at every grid step of the window (pose.npy of `mmstream dataset`),
bounds what any frame encoder can reach on the same windows. It is measured twice:
  - trained on the training streams and tested on held-out ones: the ceiling of a model that generalises;
  - trained and tested on the held-out streams themselves: how far the classes can be told apart at all (windows
    that mix two actions, and actions the simulator draws alike, stay wrong even then).

numpy only (no PyTorch needed): a two-layer perceptron on the pose sequence and its step-to-step change, trained
with Adam for a fixed number of epochs and a fixed seed, so the figures repeat.

Usage: oracle.py TRAIN_DATASET HELDOUT_DATASET [HELDOUT_DATASET...]
"""
import json
import sys
from pathlib import Path

import numpy as np


def load(directory):
    directory = Path(directory)
    classes = json.loads((directory / "index.json").read_text())["classes"]
    return np.load(directory / "pose.npy"), np.load(directory / "label.npy"), classes


def features(pose):
    # the pose at each step and how it moved since the previous one, flattened
    return np.concatenate([pose.reshape(len(pose), -1), np.diff(pose, axis=1).reshape(len(pose), -1)], axis=1)


class Perceptron:
    def __init__(self, inputs, classes, hidden=256, seed=0):
        rng = np.random.default_rng(seed)
        self.params = [rng.normal(0, np.sqrt(2 / inputs), (inputs, hidden)), np.zeros(hidden),
                       rng.normal(0, np.sqrt(1 / hidden), (hidden, classes)), np.zeros(classes)]
        self.moments = [[np.zeros_like(p), np.zeros_like(p)] for p in self.params]
        self.steps = 0
        self.rng = rng

    def logits(self, x):
        w1, b1, w2, b2 = self.params
        return np.maximum(x @ w1 + b1, 0) @ w2 + b2

    def fit(self, x, y, epochs=120, batch=128, rate=1e-3, decay=1e-4):
        for _ in range(epochs):
            order = self.rng.permutation(len(x))
            for start in range(0, len(x), batch):
                chosen = order[start:start + batch]
                self.step(x[chosen], y[chosen], rate, decay)
        return self

    def step(self, x, y, rate, decay):
        w1, b1, w2, b2 = self.params
        hidden = np.maximum(x @ w1 + b1, 0)
        logits = hidden @ w2 + b2
        probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        probabilities[np.arange(len(y)), y] -= 1
        d_logits = probabilities / len(y)
        d_hidden = (d_logits @ w2.T) * (hidden > 0)
        grads = [x.T @ d_hidden + decay * w1, d_hidden.sum(axis=0), hidden.T @ d_logits + decay * w2, d_logits.sum(axis=0)]
        self.steps += 1
        for param, grad, moment in zip(self.params, grads, self.moments):
            moment[0] = 0.9 * moment[0] + 0.1 * grad
            moment[1] = 0.999 * moment[1] + 0.001 * grad * grad
            first = moment[0] / (1 - 0.9 ** self.steps)
            second = moment[1] / (1 - 0.999 ** self.steps)
            param -= rate * first / (np.sqrt(second) + 1e-8)

    def accuracy(self, x, y):
        predicted = self.logits(x).argmax(axis=1)
        return float((predicted == y).mean()), predicted


def confusion(classes, truth, predicted):
    lines = ["%10s" % "" + "".join("%9s" % c for c in classes)]
    for i, c in enumerate(classes):
        lines.append("%10s" % c + "".join("%9d" % ((truth == i) & (predicted == j)).sum() for j in range(len(classes))))
    return "\n".join(lines)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    train_pose, train_label, classes = load(sys.argv[1])
    held = [load(d) for d in sys.argv[2:]]
    held_pose = np.concatenate([h[0] for h in held])
    held_label = np.concatenate([h[1] for h in held])
    x_train = features(train_pose)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0) + 1e-6
    x_train = (x_train - mean) / std
    x_held = (features(held_pose) - mean) / std

    general = Perceptron(x_train.shape[1], len(classes)).fit(x_train, train_label)
    train_accuracy, _ = general.accuracy(x_train, train_label)
    held_accuracy, predicted = general.accuracy(x_held, held_label)
    same = Perceptron(x_held.shape[1], len(classes)).fit(x_held, held_label)
    same_accuracy, same_predicted = same.accuracy(x_held, held_label)

    print(f"pose oracle: {len(x_train)} training windows, {len(x_held)} held-out windows")
    print(f"  trained on the training streams: {train_accuracy:.3f} on them, {held_accuracy:.3f} on the held-out streams")
    print(f"  trained and tested on the held-out streams themselves: {same_accuracy:.3f}")
    print("confusion, trained on the training streams, on the held-out streams (rows truth, columns predicted):")
    print(confusion(classes, held_label, predicted))
    print("confusion, trained and tested on the held-out streams:")
    print(confusion(classes, held_label, same_predicted))


if __name__ == "__main__":
    main()
