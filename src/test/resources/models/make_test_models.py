#!/usr/bin/python3
"""Builds the tiny ONNX model the inference tests run (ONNX helper API only, no training), and its card.

masked_sum: y[b] = (sum over t of x[b, t, :] * mask[b, t]) @ W + bias, with W and bias below; the Java test
recomputes the same numbers by hand. Run: /usr/bin/python3 make_test_models.py (needs Debian's python3-onnx).
"""
import hashlib
import json

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

W = np.array([[1.0, -1.0], [0.5, 0.25], [-2.0, 1.0], [0.0, 3.0]], dtype=np.float32)
BIAS = np.array([0.1, -0.2], dtype=np.float32)

nodes = [
    helper.make_node("Cast", ["mask"], ["mask_f"], to=TensorProto.FLOAT),
    helper.make_node("Unsqueeze", ["mask_f", "axis_last"], ["mask_3d"]),
    helper.make_node("Mul", ["x", "mask_3d"], ["masked"]),
    helper.make_node("ReduceSum", ["masked", "axis_time"], ["summed"], keepdims=0),
    helper.make_node("MatMul", ["summed", "W"], ["projected"]),
    helper.make_node("Add", ["projected", "bias"], ["y"]),
]
graph = helper.make_graph(
    nodes,
    "masked_sum",
    [
        helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", "T", 4]),
        helper.make_tensor_value_info("mask", TensorProto.BOOL, ["B", "T"]),
    ],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["B", 2])],
    initializer=[
        numpy_helper.from_array(W, "W"),
        numpy_helper.from_array(BIAS, "bias"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "axis_last"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "axis_time"),
    ],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="mmstream-tests")
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, "masked_sum.onnx")

card = {
    "name": "masked_sum",
    "version": "1.0.0",
    "stage": "window",
    "task": "test",
    "file": "masked_sum.onnx",
    "sha256": hashlib.sha256(open("masked_sum.onnx", "rb").read()).hexdigest(),
    "inputs": [
        {"name": "x", "dtype": "float32", "shape": ["B", "T", 4], "binds": {"model": "frame_encoder", "output": "embedding"}},
        {"name": "mask", "dtype": "bool", "shape": ["B", "T"], "binds": {"present": "video"}},
    ],
    "outputs": [{"name": "y", "dtype": "float32", "shape": ["B", 2]}],
    "labels": ["first", "second"],
    "preprocessing": {},
    "training": "none: fixed weights for tests",
    "metrics": {},
}
with open("masked_sum.json", "w") as out:
    json.dump(card, out, indent=2)
    out.write("\n")
