#!/usr/bin/env bash
# Reproduces every model in onnx-models/ from scratch with fixed seeds: the training data through
# `mmstream dataset` (the job's own media code), then train.py. About 20 minutes on 2 CPU cores.
# Needs Debian's python3-torch, python3-onnx and python3-numpy (installed here when missing; PyPI is not used).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! /usr/bin/python3 -c "import torch, onnx, numpy" 2>/dev/null; then
  apt-get update -qq && apt-get install -y -qq python3-torch python3-onnx python3-numpy
fi
mvn -B -q package -DskipTests
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# many short streams: appearance varies per stream, and the models must generalise to rooms and people they never saw.
# Training seeds 1000 and 2000 (validation); evaluation uses other seeds only
java -jar target/mmstream.jar dataset --out "$work/train" --streams 60 --seconds 60 --seed 1000
java -jar target/mmstream.jar dataset --out "$work/val" --streams 20 --seconds 60 --seed 2000
# the ceiling first: how well the true pose the frames were drawn from tells the actions apart (numpy only)
/usr/bin/python3 onnx-models/training/oracle.py "$work/train" "$work/val"
/usr/bin/python3 onnx-models/training/train.py --train "$work/train" --val "$work/val" --out onnx-models
