#!/usr/bin/python3
"""Trains every model on `mmstream dataset` output and exports them to ONNX with model cards and golden files.

  /usr/bin/python3 train.py --train DIR --val DIR --out ../

Stages: (1) frame encoder end to end with the action head on every 3rd frame; (2) audio encoder end to end with a
temporal audio head; (3) both frozen, embeddings of every frame and patch; (4) per-window heads on the embeddings:
action recognition, the four fusion variants (with modality dropout) and audio-visual sync (random shifts). The
cross-modal models (appearance encoder, window embedding, question answering, captions) are train_crossmodal.py's.
Fixed seeds throughout. Validation figures go into the cards as such; held-out figures come from `mmstream eval`.
"""
import argparse
import hashlib
import json
import os
import sys
import time
import zlib

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402

torch.set_num_threads(2)
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
SOUNDING = ["walk", "run", "jump", "clap"]


def log(*args):
    print(time.strftime("%H:%M:%S"), *args, flush=True)


ARRAYS = ["frames", "frame_mask", "logmel", "audio_mask", "imu", "imu_mask", "label", "av_offset_us", "pose", "window_start_us"]


def load(directories):
    """Several `mmstream dataset` folders (seeds, noise scales, AV offsets) as one set, in memory; the captions'
    embeddings where every folder has them (datasets written before they existed have not)."""
    indexes = [json.load(open(os.path.join(d, "index.json"))) for d in directories]
    names = ARRAYS + (["caption_embeddings"] if all(os.path.exists(os.path.join(d, "caption_embeddings.npy")) for d in directories) else [])
    arrays = {name: np.concatenate([np.load(os.path.join(d, name + ".npy")) for d in directories]) for name in names}
    return indexes, arrays


def describe(indexes):
    return "; ".join(f"seed {i['simulation']['seed']}: {i['simulation']['streams']} streams x {i['simulation']['seconds']} s, "
                     f"noise x{i['simulation'].get('noise_scale', 1)}, AV spread +-{i['simulation']['av_spread_us'] // 1000} ms"
                     for i in indexes)


def frames_tensor(frames):
    """uint8 [..., H, W, 3] to normalised float [..., 3, H, W], as the frame encoder's card binds them."""
    x = (np.asarray(frames, dtype=np.float32) / 255.0 - MEAN) / STD
    return torch.from_numpy(np.moveaxis(x, -1, -3).copy())


def augment(frames, rng, strength):
    """Per clip [B, T, 3, H, W], the same for each of its frames: translation, brightness and colour, sensor noise
    and an occluding block, so the encoder learns the body, not the room or the camera. No mirror: the pose target
    names the left and right limbs. Strength 0..1 grows over the first epochs: at full strength from the start the
    encoder never leaves chance (measured: 0.17 against 0.35 clean after 5 epochs on 800 windows)."""
    b, t, c, h, w = frames.shape
    reach = int(round(6 * strength))
    out = torch.empty_like(frames)
    for i in range(b):
        dy, dx = rng.integers(-reach, reach + 1, 2)
        # edge-replicating shift: the person moves within the frame, the room's borders stay plausible
        clip = nn.functional.pad(frames[i], (reach, reach, reach, reach), mode="replicate")[:, :, reach + dy:reach + dy + h, reach + dx:reach + dx + w]
        if rng.random() < 0.3 * strength:
            size_y, size_x = rng.integers(6, 16, 2)
            y, x = rng.integers(0, h - size_y), rng.integers(0, w - size_x)
            clip = clip.clone()
            clip[:, :, y:y + size_y, x:x + size_x] = torch.from_numpy(rng.normal(0, 1, (1, 3, 1, 1)).astype(np.float32))
        out[i] = clip
    gain = torch.from_numpy(rng.uniform(1 - 0.3 * strength, 1 + 0.3 * strength, (b, 1, 1, 1, 1)).astype(np.float32))
    shift = torch.from_numpy(rng.normal(0, 0.2 * strength, (b, 1, 3, 1, 1)).astype(np.float32))
    noise = torch.from_numpy(rng.uniform(0, 0.3 * strength, (b, 1, 1, 1, 1)).astype(np.float32))
    return out * gain + shift + noise * torch.randn_like(out)


def batches(count, size, rng):
    order = rng.permutation(count)
    for start in range(0, count, size):
        yield order[start:start + size]


def accuracy(logits, labels):
    return float((logits.argmax(1) == labels).float().mean())


@torch.no_grad()
def clip_accuracy(encoder, head, data):
    encoder.eval(), head.eval()
    labels = torch.from_numpy(data["label"])
    correct = 0
    for start in range(0, len(labels), 64):
        stop = min(len(labels), start + 64)
        frames = frames_tensor(data["frames"][start:stop][:, ::3])
        mask = torch.from_numpy(data["frame_mask"][start:stop][:, ::3].astype(np.float32))
        b, t = mask.shape
        logits = head(encoder(frames.reshape(b * t, 3, 64, 64)).reshape(b, t, -1), mask)
        correct += int((logits.argmax(1) == labels[start:stop]).sum())
    return correct / len(labels)


def pose_targets(pose):
    """The true pose as the frame encoder's auxiliary target: the body, not where it stands in the room (no hip x,
    hands relative to the hip), standardised per field."""
    target = pose.copy()
    for hand_x in (8, 10):
        target[..., hand_x] -= target[..., 0]
    target = target[..., 1:]
    flat = target.reshape(-1, target.shape[-1])
    return ((target - flat.mean(0)) / (flat.std(0) + 1e-6)).astype(np.float32)


def warmup_cosine(optimizer, warmup_steps, total_steps):
    """A linear learning-rate warm-up, then a cosine decay: the encoder no longer sits at chance for its first epochs."""
    def factor(step):
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        return 0.5 * (1 + np.cos(np.pi * (step - warmup_steps) / max(1, total_steps - warmup_steps)))
    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def train_frame_encoder(data, val, epochs, rng):
    """The encoder and an action head end to end on every 3rd frame, with two auxiliary losses: a per-frame
    classifier (a direct gradient while the LSTM learns the motion) and the true pose regressed from each frame
    (limbs, hands and feet: what tells wave from clap, and what sync needs: a foot landing, hands meeting).
    Each epoch takes every other window (windows overlap by half, so two epochs see every frame once); the encoder
    kept is the one with the best validation accuracy."""
    encoder, head = models.FrameEncoder(), models.VideoActionRecognition()
    per_frame = nn.Linear(models.EMBED, models.CLASSES)
    poses = pose_targets(data["pose"])
    pose_head = nn.Linear(models.EMBED, poses.shape[-1])
    params = [p for m in (encoder, head, per_frame, pose_head) for p in m.parameters()]
    optimizer = torch.optim.AdamW(params, lr=2e-3, weight_decay=1e-4)
    labels = torch.from_numpy(data["label"])
    half = (data["window_start_us"] // 1_000_000) % 2
    steps_per_epoch = -(-int((half == 0).sum()) // 32)
    schedule = warmup_cosine(optimizer, steps_per_epoch, steps_per_epoch * epochs)
    best, best_state = -1.0, None
    for epoch in range(epochs):
        encoder.train(), head.train()
        chosen = np.nonzero(half == epoch % 2)[0]
        correct = 0
        for batch in batches(len(chosen), 32, rng):
            idx = np.sort(chosen[batch])
            offset = rng.integers(0, 3)
            frames = augment(frames_tensor(data["frames"][idx][:, offset::3]), rng, min(1.0, epoch / max(1, epochs // 3)))
            mask = torch.from_numpy(data["frame_mask"][idx][:, offset::3].astype(np.float32))
            b, t = mask.shape
            emb = encoder(frames.reshape(b * t, 3, 64, 64)).reshape(b, t, -1)
            logits = head(emb, mask)
            frame_loss = nn.functional.cross_entropy(per_frame(emb).reshape(b * t, -1), labels[idx].repeat_interleave(t),
                                                     reduction="none").mul(mask.flatten()).mean()
            pose_error = (pose_head(emb) - torch.from_numpy(poses[idx][:, offset::3])).pow(2).mean(-1)
            pose_loss = (pose_error * mask).sum() / mask.sum().clamp(min=1)
            loss = nn.functional.cross_entropy(logits, labels[idx]) + 0.5 * frame_loss + 0.5 * pose_loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            correct += int((logits.argmax(1) == labels[idx]).sum())
        val_accuracy = clip_accuracy(encoder, head, val)
        log(f"frame encoder epoch {epoch + 1}/{epochs}: train accuracy {correct / len(chosen):.3f}, "
            f"pose loss {float(pose_loss):.3f}, validation accuracy {val_accuracy:.3f}")
        if val_accuracy > best:
            best, best_state = val_accuracy, {k: v.clone() for k, v in encoder.state_dict().items()}
    encoder.load_state_dict(best_state)
    log(f"frame encoder: best validation accuracy {best:.3f}")
    return encoder.eval()


def train_audio_encoder(data, epochs, rng):
    encoder, temporal, classifier = models.AudioEncoder(), models.AudioTemporal(), nn.Linear(2 * models.EMBED, models.CLASSES)
    params = list(encoder.parameters()) + list(temporal.parameters()) + list(classifier.parameters())
    optimizer = torch.optim.Adam(params, lr=2e-3)
    labels = torch.from_numpy(np.array(data["label"]))
    count = len(labels)
    for epoch in range(epochs):
        encoder.train()
        correct = 0
        for idx in batches(count, 32, rng):
            idx = np.sort(idx)
            patches = torch.from_numpy(np.asarray(data["logmel"][idx], dtype=np.float32))
            mask = torch.from_numpy(np.asarray(data["audio_mask"][idx], dtype=np.float32))
            b, t = mask.shape
            emb = encoder(patches.reshape(b * t, 1, 8, 64)).reshape(b, t, -1)
            logits = classifier(temporal(emb, mask))
            loss = nn.functional.cross_entropy(logits, labels[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            correct += int((logits.argmax(1) == labels[idx]).sum())
        log(f"audio encoder epoch {epoch + 1}/{epochs}: train accuracy {correct / count:.3f}")
    return encoder.eval()


@torch.no_grad()
def embed(data, frame_encoder, audio_encoder, period_us):
    count = len(data["label"])
    video = np.zeros((count, 30, models.EMBED), dtype=np.float32)
    audio = np.zeros((count, 30, models.EMBED), dtype=np.float32)
    # 8 windows (240 frames) a call: this CPU build of PyTorch is 8 times slower per frame at 1920 frames a call
    for start in range(0, count, 8):
        stop = min(count, start + 8)
        frames = frames_tensor(data["frames"][start:stop])
        b = stop - start
        video[start:stop] = frame_encoder(frames.reshape(b * 30, 3, 64, 64)).reshape(b, 30, -1).numpy()
        patches = torch.from_numpy(np.asarray(data["logmel"][start:stop], dtype=np.float32))
        audio[start:stop] = audio_encoder(patches.reshape(b * 30, 1, 8, 64)).reshape(b, 30, -1).numpy()
    return {
        "video": torch.from_numpy(video), "video_mask": torch.from_numpy(np.asarray(data["frame_mask"], dtype=np.float32)),
        "audio": torch.from_numpy(audio), "audio_mask": torch.from_numpy(np.asarray(data["audio_mask"], dtype=np.float32)),
        "imu": torch.from_numpy(np.asarray(data["imu"], dtype=np.float32)),
        "imu_mask": torch.from_numpy(np.asarray(data["imu_mask"], dtype=np.float32)),
        "label": torch.from_numpy(np.array(data["label"])),
        # the window's true AV offset in whole frame steps (the simulator's, never shown to a model)
        "offset_steps": np.rint(data["av_offset_us"] / period_us).astype(np.int64),
        "captions": torch.from_numpy(data["caption_embeddings"]) if "caption_embeddings" in data else None,
    }


def fusion_inputs(e, idx, rng=None, dropout=0.0):
    masks = {name: e[name][idx].clone() for name in ["video_mask", "audio_mask", "imu_mask"]}
    if rng is not None and dropout > 0:
        # modality dropout: each modality vanishes for some windows, never all three at once
        for row in range(len(idx)):
            drop = rng.random(3) < dropout
            if drop.all():
                drop[rng.integers(0, 3)] = False
            for flag, name in zip(drop, ["video_mask", "audio_mask", "imu_mask"]):
                if flag:
                    masks[name][row] = 0
    return (e["video"][idx], masks["video_mask"], e["audio"][idx], masks["audio_mask"], e["imu"][idx], masks["imu_mask"])


def train_head(name, model, train, val, forward, epochs, rng, dropout=0.0):
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3, weight_decay=1e-4)
    count = len(train["label"])
    best, best_state = -1.0, None
    for epoch in range(epochs):
        model.train()
        for idx in batches(count, 64, rng):
            logits = forward(model, train, idx, rng, dropout)
            loss = nn.functional.cross_entropy(logits, train["label"][idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            val_accuracy = accuracy(forward(model, val, np.arange(len(val["label"])), None, 0.0), val["label"])
        if val_accuracy > best:
            best, best_state = val_accuracy, {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    model.eval()
    log(f"{name}: best validation accuracy {best:.3f}")
    return best


def shifted_audio(e, idx, shifts):
    """Audio embeddings moved by shift frame steps (positive: audio late), the emptied steps masked."""
    audio = torch.zeros_like(e["audio"][idx])
    mask = torch.zeros_like(e["audio_mask"][idx])
    for row, (i, s) in enumerate(zip(idx, shifts)):
        if s >= 0:
            audio[row, s:] = e["audio"][i, :30 - s]
            mask[row, s:] = e["audio_mask"][i, :30 - s]
        else:
            audio[row, :30 + s] = e["audio"][i, -s:]
            mask[row, :30 + s] = e["audio_mask"][i, -s:]
    return audio, mask


def sounding(e, classes):
    wanted = torch.tensor([classes.index(c) for c in SOUNDING])
    return np.nonzero(np.isin(e["label"].numpy(), wanted.numpy()))[0]


def sync_batch(e, idx, rng):
    """Windows whose audio lies at a uniformly drawn offset class: each window's real offset (the simulator's
    per-stream AV offsets, through the job's own alignment) plus the whole frame steps that reach the drawn class."""
    wanted = rng.integers(-models.MAX_SHIFT, models.MAX_SHIFT + 1, len(idx))
    audio, audio_mask = shifted_audio(e, idx, wanted - e["offset_steps"][idx])
    return audio, audio_mask, wanted


def train_sync(train, val, classes, epochs, rng):
    model = models.AudioVisualSync()
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    train_idx, val_idx = sounding(train, classes), sounding(val, classes)
    val_audio, val_mask, val_wanted = sync_batch(val, val_idx, np.random.default_rng(7))
    best, best_state = -1.0, None
    for epoch in range(epochs):
        model.train()
        for batch in batches(len(train_idx), 64, rng):
            idx = train_idx[batch]
            audio, audio_mask, wanted = sync_batch(train, idx, rng)
            logits, _ = model(train["video"][idx], train["video_mask"][idx], audio, audio_mask)
            loss = nn.functional.cross_entropy(logits, torch.from_numpy(wanted + models.MAX_SHIFT))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            logits, _ = model(val["video"][val_idx], val["video_mask"][val_idx], val_audio, val_mask)
            exact = float((logits.argmax(1).numpy() - models.MAX_SHIFT == val_wanted).mean())
        if exact > best:
            best, best_state = exact, {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    model.eval()
    log(f"av sync: best validation exact-offset accuracy {best:.3f} on {len(val_idx)} sounding windows")
    return model, best


def export(model, name, inputs, input_specs, output_specs, out_dir, card_extra):
    path = os.path.join(out_dir, name + ".onnx")
    dynamic = {spec["name"]: {i: d for i, d in enumerate(spec["shape"]) if isinstance(d, str)} for spec in input_specs + output_specs}
    torch.onnx.export(model, tuple(inputs), path, input_names=[s["name"] for s in input_specs],
                      output_names=[s["name"] for s in output_specs], dynamic_axes=dynamic, opset_version=17)
    with torch.no_grad():
        outputs = model(*inputs)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    # 7 significant digits (float32 carries about 7): the files stay small, and far inside the check's 1e-4
    compact = lambda t: [float(f"{v:.7g}") for v in t.flatten().tolist()]
    golden = {"inputs": {s["name"]: {"shape": list(x.shape), "data": compact(x)} for s, x in zip(input_specs, inputs)},
              "outputs": {s["name"]: {"shape": list(y.shape), "data": compact(y)} for s, y in zip(output_specs, outputs)}}
    with open(os.path.join(out_dir, "golden", name + ".json"), "w") as f:
        json.dump(golden, f, separators=(",", ":"))
    stage = {"frame_encoder": "frame", "appearance_encoder": "frame", "audio_encoder": "audio_step"}.get(name, "window")
    card = {"name": name, "version": "1.0.0", "stage": stage, "file": name + ".onnx",
            "sha256": hashlib.sha256(open(path, "rb").read()).hexdigest(),
            "inputs": input_specs, "outputs": output_specs}
    card.update(card_extra)
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    log(f"exported {name}: {os.path.getsize(path) / 1024:.0f} KiB")


HEADS = ["action_recognition", "fusion_early", "fusion_weighted", "fusion_late", "fusion_attention", "av_sync"]


def family_rng(family):
    """Each model family draws from seeds of its own, so one family trained alone (--encoders, --heads) comes out as
    it would in a full run on the same embeddings."""
    seed = zlib.crc32(family.encode())
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def encoders_from_onnx(directory):
    """The committed frame and audio encoders, frozen, as PyTorch modules (module_from_onnx)."""
    return [module_from_onnx(directory, "frame_encoder", models.FrameEncoder()),
            module_from_onnx(directory, "audio_encoder", models.AudioEncoder())]


def module_from_onnx(directory, name, module):
    """A committed encoder, frozen, as its PyTorch module. The ONNX file holds each convolution with its batch
    normalisation folded in: the module takes those weights and an identity normalisation, and must give the golden
    output the export wrote."""
    import onnx
    from onnx import numpy_helper
    graph = onnx.load(os.path.join(directory, name + ".onnx")).graph
    weights = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in graph.initializer}
    convs = [m for m in module.modules() if isinstance(m, nn.Conv2d)]
    conv_nodes = [n for n in graph.node if n.op_type == "Conv"]
    (linear,), (gemm,) = [m for m in module.modules() if isinstance(m, nn.Linear)], [n for n in graph.node if n.op_type == "Gemm"]
    assert len(convs) == len(conv_nodes), f"{name}.onnx: {len(conv_nodes)} convolutions, models.py has {len(convs)}"
    with torch.no_grad():
        for conv, node in zip(convs, conv_nodes):
            conv.weight.copy_(weights[node.input[1]])
            conv.bias.copy_(weights[node.input[2]])
        for norm in (m for m in module.modules() if isinstance(m, nn.BatchNorm2d)):
            norm.reset_parameters()
            norm.running_var.fill_(1 - norm.eps)
        transposed = any(attr.name == "transB" and attr.i == 1 for attr in gemm.attribute)
        linear.weight.copy_(weights[gemm.input[1]] if transposed else weights[gemm.input[1]].T)
        linear.bias.copy_(weights[gemm.input[2]])
        golden = json.load(open(os.path.join(directory, "golden", name + ".json")))
        (given,), (wanted,) = golden["inputs"].values(), golden["outputs"].values()
        got = module.eval()(torch.tensor(given["data"]).reshape(given["shape"]))
        error = float((got - torch.tensor(wanted["data"]).reshape(wanted["shape"])).abs().max())
        assert error < 1e-4, f"{name}.onnx read back differs from its golden output by {error}"
    return module


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", required=True, nargs="+", help="dataset folders, read as one training set")
    parser.add_argument("--val", required=True, nargs="+", help="dataset folders for validation (choosing epochs and models)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--encoder-epochs", type=int, default=16)
    parser.add_argument("--head-epochs", type=int, default=12)
    parser.add_argument("--sync-epochs", type=int, default=12)
    parser.add_argument("--encoders", help="reuse the encoders in this folder, frozen, instead of training them (heads only)")
    parser.add_argument("--heads", nargs="+", choices=HEADS, default=HEADS, help="the window heads to train and export")
    args = parser.parse_args()
    started = time.time()
    indexes, train = load(args.train)
    val_indexes, val = load(args.val)
    index = indexes[0]
    classes = index["classes"]
    period_us = index["frames"]["frame_period_us"]
    os.makedirs(os.path.join(args.out, "golden"), exist_ok=True)
    # seconds per model family, reported in the cards: each family must train in under 30 minutes on 2 cores
    seconds = {}

    def timed(family, train_family):
        began = time.time()
        result = train_family(family_rng(family))
        seconds[family] = round(time.time() - began)
        log(f"{family}: {seconds[family]} s")
        return result

    if args.encoders:
        frame_encoder, audio_encoder = encoders_from_onnx(args.encoders)
    else:
        frame_encoder = timed("frame_encoder", lambda rng: train_frame_encoder(train, val, args.encoder_epochs, rng))
        audio_encoder = timed("audio_encoder", lambda rng: train_audio_encoder(train, max(1, args.encoder_epochs // 3), rng))
    log("embedding every frame and patch")
    e_train = embed(train, frame_encoder, audio_encoder, period_us)
    e_val = embed(val, frame_encoder, audio_encoder, period_us)
    log(f"embedded in {time.time() - started:.0f} s since the start")

    trained, metrics = {}, {}
    fusions = {"fusion_early": models.EarlyFusion, "fusion_weighted": models.WeightedFusion,
               "fusion_late": models.LateFusion, "fusion_attention": models.AttentionFusion}
    for name in args.heads:
        if name == "action_recognition":
            def train_family(rng):
                model = models.VideoActionRecognition()
                return model, train_head("action recognition", model, e_train, e_val,
                                         lambda m, e, i, r, d: m(e["video"][i], e["video_mask"][i]), args.head_epochs, rng)
        elif name == "av_sync":
            def train_family(rng):
                return train_sync(e_train, e_val, classes, args.sync_epochs, rng)
        else:
            def train_family(rng, name=name):
                model = fusions[name]()
                return model, train_head(name, model, e_train, e_val, lambda m, e, i, r, d: m(*fusion_inputs(e, i, r, d)),
                                         args.head_epochs, rng, dropout=0.2)
        trained[name], metrics[name] = timed(name, train_family)

    def common(family):
        return {"labels": classes, "training": {
            "data": f"mmstream dataset, {describe(indexes)}; {len(train['label'])} windows",
            "validation": describe(val_indexes), "script": "onnx-models/training/reproduce.sh",
            # a head's seconds exclude the encoders it reads: they are trained once, then frozen
            "seconds": seconds[family]}}

    g = torch.Generator().manual_seed(1)
    frames = torch.randn(2, 3, 64, 64, generator=g)
    patches = torch.randn(2, 1, 8, 64, generator=g) * 3 - 6
    video, audio = torch.randn(2, 30, 64, generator=g).abs(), torch.randn(2, 30, 64, generator=g).abs()
    imu = torch.randn(2, 200, 6, generator=g)
    mask30 = torch.ones(2, 30)
    mask30[1, 20:] = 0
    mask200 = torch.ones(2, 200)
    mask200[0, :50] = 0
    # window inputs bind an encoder's output on the window's grid, a presence mask, or the IMU series (onnx-models/README.md)
    seq = lambda n, encoder: {"name": n, "dtype": "float32", "shape": ["B", "T", 64],
                              "binds": {"model": encoder, "output": "embedding", "step_us": index["frames"]["frame_period_us"], "steps": 30}}
    msk = lambda n, modality, t="T": {"name": n, "dtype": "float32", "shape": ["B", t], "binds": {"present": modality}}
    imu_spec = {"name": "imu", "dtype": "float32", "shape": ["B", "S", 6],
                "binds": {"sensor": "imu6", "step_us": index["imu"]["step_us"], "mean": index["imu"]["mean"], "std": index["imu"]["std"]}}
    logits = {"name": "logits", "dtype": "float32", "shape": ["B", 8]}
    # what each head contributes to a prediction, and what it needs of a window (onnx-models/README.md)
    softmax_result = lambda name, requires: {"name": name, "from": "logits", "decode": {"kind": "softmax"}, "requires": requires}
    # the encoders' bindings say how the job prepares their inputs: the pixels, and the log-mel patch of each grid step
    frame_binding = {"frame": "pixels", "size": [64, 64], "layout": "NCHW", "channels": "RGB", "range": [0, 1],
                     "mean": MEAN.tolist(), "std": STD.tolist()}
    logmel = index["logmel"]
    audio_binding = {"audio": "logmel", "rate": logmel["sample_rate"], "fft": logmel["fft_size"], "window": logmel["window_length"],
                     "hop": logmel["hop_length"], "mel_bins": logmel["mel_bins"], "min_hz": logmel["min_hz"], "max_hz": logmel["max_hz"],
                     "frames": 8}

    if not args.encoders:
        export_encoders(frame_encoder, audio_encoder, frames, patches, frame_binding, audio_binding, args.out, common)
    for name, model in trained.items():
        if name == "action_recognition":
            export(model, name, [video, mask30], [seq("video", "frame_encoder"), msk("video_mask", "video")], [logits], args.out,
                   dict(common(name), task="action", metrics={"validation_accuracy": metrics[name]},
                        result=softmax_result("action", {"all": ["video"]})))
        elif name == "av_sync":
            export(model, name, [video, mask30, audio, mask30],
                   [seq("video", "frame_encoder"), msk("video_mask", "video"),
                    seq("audio", "audio_encoder"), msk("audio_mask", "audio")],
                   [{"name": "offset_logits", "dtype": "float32", "shape": ["B", 2 * models.MAX_SHIFT + 1]},
                    {"name": "in_sync", "dtype": "float32", "shape": ["B", 1]}], args.out,
                   dict(common(name), task="av_sync", labels=[str(k) for k in range(-models.MAX_SHIFT, models.MAX_SHIFT + 1)],
                        metrics={"validation_exact_offset_accuracy_sounding_windows": metrics[name]},
                        result={"name": "av_sync", "decode": {"kind": "offset", "offsets": "offset_logits", "in_sync": "in_sync",
                                                              "step_us": period_us},
                                "requires": {"all": ["video", "audio"]}}))
        else:
            export(model, name, [video, mask30, audio, mask30, imu, mask200],
                   [seq("video", "frame_encoder"), msk("video_mask", "video"),
                    seq("audio", "audio_encoder"), msk("audio_mask", "audio"),
                    imu_spec, msk("imu_mask", "sensor", "S")], [logits], args.out,
                   dict(common(name), task="fusion", metrics={"validation_accuracy": metrics[name]},
                        result=softmax_result("fusion", {"any": ["video", "audio", "sensor"]})))
    log(f"done in {time.time() - started:.0f} s")


def export_encoders(frame_encoder, audio_encoder, frames, patches, frame_binding, audio_binding, out, common):
    export(frame_encoder, "frame_encoder", [frames],
           [{"name": "frames", "dtype": "float32", "shape": ["B", 3, 64, 64], "binds": frame_binding}],
           [{"name": "embedding", "dtype": "float32", "shape": ["B", 64]}], out,
           dict(common("frame_encoder"), task="frame_encoding", labels=[], metrics={}))
    export(audio_encoder, "audio_encoder", [patches],
           [{"name": "patches", "dtype": "float32", "shape": ["B", 1, 8, 64], "binds": audio_binding}],
           [{"name": "embedding", "dtype": "float32", "shape": ["B", 64]}], out,
           dict(common("audio_encoder"), task="audio_encoding", labels=[], metrics={}))


if __name__ == "__main__":
    main()
