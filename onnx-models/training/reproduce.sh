#!/usr/bin/env bash
# Reproduces every model in onnx-models/ from scratch with fixed seeds: the training data through
# `mmstream dataset` (the job's own media code), then train.py and train_crossmodal.py, which report their time per
# model family (on 2 CPU cores: the frame encoder 23 minutes, the appearance encoder about 5, audio separation
# about 15, question answering about 12, each other family under 8; about 110 minutes in all).
# Needs Debian's python3-torch, python3-onnx and python3-numpy (installed here when missing; PyPI is not used).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! /usr/bin/python3 -c "import torch, onnx, numpy" 2>/dev/null; then
  apt-get update -qq && apt-get install -y -qq python3-torch python3-onnx python3-numpy
fi
mvn -B -q package -DskipTests
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dataset() { java -jar target/mmstream.jar dataset "$@" 2>/dev/null; }
# Many short streams: appearance varies per stream, and the models must generalise to rooms and people they never saw.
# Training seeds 1000-1003, validation 2000-2001; eval uses seeds from 3000 only. The noise spans the range eval
# tests (x1 to x3), and two thirds of the streams carry a real AV offset within +-333 ms, so the sync model learns
# from offsets the job's own alignment produced.
dataset --out "$work/train-1000" --streams 60 --seed 1000 --seconds 60
dataset --out "$work/train-1001" --streams 40 --seed 1001 --seconds 60 --noise-scale 2 --av-spread 333ms
dataset --out "$work/train-1002" --streams 40 --seed 1002 --seconds 60 --noise-scale 3 --av-spread 333ms
dataset --out "$work/train-1003" --streams 40 --seed 1003 --seconds 60 --av-spread 333ms
# The appearance encoder learns a stream's look (its room, its shirt), one of each per stream: it trains on many short
# streams instead, so that no room or shirt is learnt by heart (180 long streams taught it 180 shirts).
dataset --out "$work/look-1004" --streams 400 --seconds 10 --seed 1004
dataset --out "$work/look-1005" --streams 200 --seconds 10 --seed 1005 --noise-scale 2
dataset --out "$work/look-1006" --streams 200 --seconds 10 --seed 1006 --noise-scale 3
dataset --out "$work/val-2000" --streams 20 --seed 2000 --seconds 60
dataset --out "$work/val-2001" --streams 20 --seed 2001 --seconds 60 --noise-scale 2 --av-spread 333ms
# the ceiling first: how well the true pose the frames were drawn from tells the actions apart (numpy only)
/usr/bin/python3 onnx-models/training/oracle.py "$work/train-1000" "$work/val-2000"
/usr/bin/python3 onnx-models/training/train.py --train "$work"/train-* --val "$work"/val-* --out onnx-models
# the cross-modal models read the encoders just written: the appearance encoder, then the window embedding, question
# answering and captions (each window's captions and the questions' wordings embedded by minilm_text, by `dataset`)
/usr/bin/python3 onnx-models/training/train_crossmodal.py --train "$work"/train-* --val "$work"/val-* --appearance-train "$work"/look-* \
  --out onnx-models --encoders onnx-models
