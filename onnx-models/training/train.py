#!/usr/bin/python3
"""Trains every model on `mmstream dataset` output and exports them to ONNX with model cards and golden files.

  /usr/bin/python3 train.py --train DIR --val DIR --out ../

Stages: (1) frame encoder end to end with the action head on every 3rd frame; (2) audio encoder end to end with a
temporal audio head; (3) both frozen, embeddings of every frame and patch; (4) per-window heads on the embeddings:
action recognition, the four fusion variants (with modality dropout), audio-visual sync (random shifts).
Fixed seeds throughout. Validation figures go into the cards as such; held-out figures come from `mmstream eval`.
"""
import argparse
import hashlib
import json
import os
import sys
import time

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


def load(directory):
    index = json.load(open(os.path.join(directory, "index.json")))
    arrays = {name: np.load(os.path.join(directory, name + ".npy"), mmap_mode="r")
              for name in ["frames", "frame_mask", "logmel", "audio_mask", "imu", "imu_mask", "label", "av_offset_us"]}
    return index, arrays


def frames_tensor(frames):
    """uint8 [..., H, W, 3] to normalised float [..., 3, H, W], exactly as the job's ImageNormaliser."""
    x = (np.asarray(frames, dtype=np.float32) / 255.0 - MEAN) / STD
    return torch.from_numpy(np.moveaxis(x, -1, -3).copy())


def augment(frames, rng):
    """Per clip: mirror, brightness and colour shifts, so the encoder learns the body, not the room."""
    b = frames.shape[0]
    flip = torch.from_numpy(rng.random(b) < 0.5)
    frames[flip] = frames[flip].flip(-1)
    gain = torch.from_numpy(rng.uniform(0.7, 1.3, (b, 1, 1, 1, 1)).astype(np.float32))
    shift = torch.from_numpy(rng.normal(0, 0.2, (b, 1, 3, 1, 1)).astype(np.float32))
    return frames * gain + shift


def batches(count, size, rng):
    order = rng.permutation(count)
    for start in range(0, count, size):
        yield order[start:start + size]


def accuracy(logits, labels):
    return float((logits.argmax(1) == labels).float().mean())


@torch.no_grad()
def clip_accuracy(encoder, head, data):
    encoder.eval(), head.eval()
    labels = torch.from_numpy(np.array(data["label"]))
    correct = 0
    for start in range(0, len(labels), 64):
        stop = min(len(labels), start + 64)
        frames = frames_tensor(data["frames"][start:stop][:, ::3])
        mask = torch.from_numpy(np.asarray(data["frame_mask"][start:stop][:, ::3], dtype=np.float32))
        b, t = mask.shape
        logits = head(encoder(frames.reshape(b * t, 3, 64, 64)).reshape(b, t, -1), mask)
        correct += int((logits.argmax(1) == labels[start:stop]).sum())
    return correct / len(labels)


def train_frame_encoder(data, epochs, rng, val=None):
    encoder, head = models.FrameEncoder(), models.VideoActionRecognition()
    # a per-frame classifier gives the CNN a direct gradient while the LSTM head learns the motion
    per_frame = nn.Linear(models.EMBED, models.CLASSES)
    params = list(encoder.parameters()) + list(head.parameters()) + list(per_frame.parameters())
    optimizer = torch.optim.Adam(params, lr=2e-3)
    schedule = torch.optim.lr_scheduler.MultiStepLR(optimizer, [epochs * 2 // 3, epochs * 5 // 6], 0.3)
    labels = torch.from_numpy(np.array(data["label"]))
    count = len(labels)
    for epoch in range(epochs):
        encoder.train(), head.train()
        correct = 0
        for idx in batches(count, 32, rng):
            idx = np.sort(idx)
            offset = rng.integers(0, 3)
            frames = augment(frames_tensor(data["frames"][idx][:, offset::3]), rng)
            mask = torch.from_numpy(np.asarray(data["frame_mask"][idx][:, offset::3], dtype=np.float32))
            b, t = mask.shape
            emb = encoder(frames.reshape(b * t, 3, 64, 64)).reshape(b, t, -1)
            logits = head(emb, mask)
            frame_logits = per_frame(emb).reshape(b * t, -1)
            loss = nn.functional.cross_entropy(logits, labels[idx]) + 0.5 * nn.functional.cross_entropy(
                frame_logits, labels[idx].repeat_interleave(t), reduction="none").mul(mask.flatten()).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            correct += int((logits.argmax(1) == labels[idx]).sum())
        schedule.step()
        log(f"frame encoder epoch {epoch + 1}/{epochs}: train accuracy {correct / count:.3f}")
        if val is not None and (epoch + 1) % 10 == 0:
            log(f"frame encoder: validation accuracy {clip_accuracy(encoder, head, val):.3f}")
            encoder.train(), head.train()
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
def embed(data, frame_encoder, audio_encoder):
    count = len(data["label"])
    video = np.zeros((count, 30, models.EMBED), dtype=np.float32)
    audio = np.zeros((count, 30, models.EMBED), dtype=np.float32)
    for start in range(0, count, 64):
        stop = min(count, start + 64)
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


def train_sync(train, val, classes, epochs, rng):
    model = models.AudioVisualSync()
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    train_idx, val_idx = sounding(train, classes), sounding(val, classes)
    val_shifts = np.random.default_rng(7).integers(-models.MAX_SHIFT, models.MAX_SHIFT + 1, len(val_idx))
    best, best_state = -1.0, None
    for epoch in range(epochs):
        model.train()
        for batch in batches(len(train_idx), 64, rng):
            idx = train_idx[batch]
            shifts = rng.integers(-models.MAX_SHIFT, models.MAX_SHIFT + 1, len(idx))
            audio, audio_mask = shifted_audio(train, idx, shifts)
            logits, _ = model(train["video"][idx], train["video_mask"][idx], audio, audio_mask)
            loss = nn.functional.cross_entropy(logits, torch.from_numpy(shifts + models.MAX_SHIFT))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            audio, audio_mask = shifted_audio(val, val_idx, val_shifts)
            logits, _ = model(val["video"][val_idx], val["video_mask"][val_idx], audio, audio_mask)
            error = (logits.argmax(1).numpy() - models.MAX_SHIFT - val_shifts)
            exact = float((error == 0).mean())
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
    golden = {"inputs": {s["name"]: {"shape": list(x.shape), "data": x.flatten().tolist()} for s, x in zip(input_specs, inputs)},
              "outputs": {s["name"]: {"shape": list(y.shape), "data": y.flatten().tolist()} for s, y in zip(output_specs, outputs)}}
    with open(os.path.join(out_dir, "golden", name + ".json"), "w") as f:
        json.dump(golden, f)
    stage = {"frame_encoder": "frame", "audio_encoder": "audio_step"}.get(name, "window")
    card = {"name": name, "version": "1.0.0", "stage": stage, "file": name + ".onnx",
            "sha256": hashlib.sha256(open(path, "rb").read()).hexdigest(),
            "inputs": input_specs, "outputs": output_specs}
    card.update(card_extra)
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    log(f"exported {name}: {os.path.getsize(path) / 1024:.0f} KiB")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", required=True)
    parser.add_argument("--val", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--encoder-epochs", type=int, default=30)
    parser.add_argument("--head-epochs", type=int, default=15)
    args = parser.parse_args()
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    started = time.time()
    index, train = load(args.train)
    _, val = load(args.val)
    classes = index["classes"]
    os.makedirs(os.path.join(args.out, "golden"), exist_ok=True)

    frame_encoder = train_frame_encoder(train, args.encoder_epochs, rng, val)
    audio_encoder = train_audio_encoder(train, max(1, args.encoder_epochs // 3), rng)
    log("embedding every frame and patch")
    e_train, e_val = embed(train, frame_encoder, audio_encoder), embed(val, frame_encoder, audio_encoder)

    metrics = {}
    action = models.VideoActionRecognition()
    metrics["action_recognition"] = train_head("action recognition", action, e_train, e_val,
                                               lambda m, e, i, r, d: m(e["video"][i], e["video_mask"][i]), args.head_epochs, rng)
    fusions = {"fusion_early": models.EarlyFusion(), "fusion_weighted": models.WeightedFusion(),
               "fusion_late": models.LateFusion(), "fusion_attention": models.AttentionFusion()}
    for name, model in fusions.items():
        metrics[name] = train_head(name, model, e_train, e_val,
                                   lambda m, e, i, r, d: m(*fusion_inputs(e, i, r, d)), args.head_epochs, rng, dropout=0.2)
    sync, metrics["av_sync"] = train_sync(e_train, e_val, classes, args.head_epochs, rng)
    training_seconds = time.time() - started

    common = {"labels": classes, "training": {
        "data": f"mmstream dataset, simulator seed {index['simulation']['seed']}, {index['simulation']['streams']} streams x "
                f"{index['simulation']['seconds']} s, {index['windows']} windows; validation seed 2000",
        "script": "onnx-models/training/reproduce.sh", "seconds": round(training_seconds)}}
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

    export(frame_encoder, "frame_encoder", [frames],
           [{"name": "frames", "dtype": "float32", "shape": ["B", 3, 64, 64], "binds": frame_binding}],
           [{"name": "embedding", "dtype": "float32", "shape": ["B", 64]}], args.out,
           dict(common, task="frame_encoding", labels=[], metrics={}))
    export(audio_encoder, "audio_encoder", [patches],
           [{"name": "patches", "dtype": "float32", "shape": ["B", 1, 8, 64], "binds": audio_binding}],
           [{"name": "embedding", "dtype": "float32", "shape": ["B", 64]}], args.out,
           dict(common, task="audio_encoding", labels=[], metrics={}))
    export(action, "action_recognition", [video, mask30],
           [seq("video", "frame_encoder"), msk("video_mask", "video")], [logits], args.out,
           dict(common, task="action", metrics={"validation_accuracy": metrics["action_recognition"]},
                result=softmax_result("action", {"all": ["video"]})))
    for name, model in fusions.items():
        export(model, name, [video, mask30, audio, mask30, imu, mask200],
               [seq("video", "frame_encoder"), msk("video_mask", "video"),
                seq("audio", "audio_encoder"), msk("audio_mask", "audio"),
                imu_spec, msk("imu_mask", "sensor", "S")], [logits], args.out,
               dict(common, task="fusion", metrics={"validation_accuracy": metrics[name]},
                    result=softmax_result("fusion", {"any": ["video", "audio", "sensor"]})))
    export(sync, "av_sync", [video, mask30, audio, mask30],
           [seq("video", "frame_encoder"), msk("video_mask", "video"),
            seq("audio", "audio_encoder"), msk("audio_mask", "audio")],
           [{"name": "offset_logits", "dtype": "float32", "shape": ["B", 2 * models.MAX_SHIFT + 1]},
            {"name": "in_sync", "dtype": "float32", "shape": ["B", 1]}], args.out,
           dict(common, task="av_sync", labels=[str(k) for k in range(-models.MAX_SHIFT, models.MAX_SHIFT + 1)],
                metrics={"validation_exact_offset_accuracy_sounding_windows": metrics["av_sync"]},
                result={"name": "av_sync", "decode": {"kind": "offset", "offsets": "offset_logits", "in_sync": "in_sync",
                                                      "step_us": index["frames"]["frame_period_us"]},
                        "requires": {"all": ["video", "audio"]}}))
    log(f"done in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
