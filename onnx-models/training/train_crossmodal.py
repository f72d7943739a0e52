#!/usr/bin/python3
"""Trains the cross-modal models on `mmstream dataset` output (truth.jsonl, caption and question embeddings) and
exports them to ONNX with cards and golden files:

  /usr/bin/python3 train_crossmodal.py --train DIR... --val DIR... --out ../ [--families F...]

Families: appearance_encoder (a second frame encoder, per frame, supervised by the window's truth: shirt colour,
light, people, position); window_embedding (video, appearance, audio and IMU into the text model's space,
contrastive against the reference captions); question_answering (a window head: a question's text embedding and the window's frame,
appearance, audio and IMU features to an answer); caption_decoder (a window head writing a caption word by word,
decoded greedily inside its graph); audio_separation (a spectrogram mask for the actor's own sounds, conditioned on the
window's frame embeddings, against the simulator's clean actor audio). Fixed seeds throughout; validation figures go
into the cards.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402
import train as T  # noqa: E402

FAMILIES = ["appearance_encoder", "window_embedding", "question_answering", "caption_decoder", "audio_separation"]


def truth(directories):
    """Per window: the answers to the six questions, the five captions, and where the actor stands (read off the
    captions that say it; None where none does)."""
    windows = []
    for d in directories:
        for line in open(os.path.join(d, "truth.jsonl")):
            record = json.loads(line)
            position = None
            for caption in record["captions"]:
                position = ("left" if "on the left" in caption else "right" if "on the right" in caption
                            else "middle" if "middle of the room" in caption or "centre of the room" in caption else position)
            record["position"] = position
            windows.append(record)
    return windows


def appearance_targets(windows):
    shirt = np.array([models.SHIRTS.index(w["answers"]["shirt"]) for w in windows])
    light = np.array([w["answers"]["light"] == "yes" for w in windows], dtype=np.int64)
    people = np.array([w["answers"]["people"] == "two" for w in windows], dtype=np.int64)
    position = np.array([-100 if w["position"] is None else models.POSITIONS.index(w["position"]) for w in windows])
    return [torch.from_numpy(a) for a in (shirt, light, people, position)]


class AppearanceHeads(nn.Module):
    """Training-only read-outs of the appearance embedding, one per target."""

    def __init__(self):
        super().__init__()
        self.heads = nn.ModuleList([nn.Linear(models.APPEARANCE, n) for n in (len(models.SHIRTS), 2, 2, len(models.POSITIONS))])

    def forward(self, embedding):
        return [head(embedding) for head in self.heads]


def sample_frames(data, idx, per_window, rng):
    """per_window present frames of each window, uint8 [B * per_window, H, W, 3], and each one's window."""
    frames, owners = [], []
    for i in idx:
        present = np.nonzero(data["frame_mask"][i])[0]
        if len(present) == 0:
            continue
        for t in rng.choice(present, size=per_window, replace=len(present) < per_window):
            frames.append(data["frames"][i, t])
            owners.append(i)
    return np.stack(frames), np.array(owners)


@torch.no_grad()
def appearance_accuracy(encoder, heads, data, targets, rng):
    encoder.eval()
    frames, owners = sample_frames(data, np.arange(len(data["label"])), 2, rng)
    logits = heads(torch.cat([encoder(T.frames_tensor(frames[i:i + 256])) for i in range(0, len(frames), 256)]))
    result = {}
    for name, logit, target in zip(["shirt", "light", "people", "position"], logits, targets):
        wanted = target[owners]
        known = wanted >= 0
        result[name] = float((logit.argmax(1)[known] == wanted[known]).float().mean())
    return result


def train_appearance(data, windows, val, val_windows, epochs, rng):
    encoder, heads = models.AppearanceEncoder(), AppearanceHeads()
    targets, val_targets = appearance_targets(windows), appearance_targets(val_windows)
    # the rare answers (a second person, a purple shirt) weigh as much as the common ones
    weights = [torch.from_numpy(np.bincount(t[t >= 0].numpy(), minlength=n).astype(np.float32)).clamp(min=1).reciprocal()
               for t, n in zip(targets, (len(models.SHIRTS), 2, 2, len(models.POSITIONS)))]
    weights = [w / w.mean() for w in weights]
    optimizer = torch.optim.AdamW(list(encoder.parameters()) + list(heads.parameters()), lr=3e-3, weight_decay=1e-4)
    steps = epochs * -(-len(data["label"]) // 64)
    schedule = T.warmup_cosine(optimizer, steps // 20, steps)
    best, best_state, best_figures = -1.0, None, None
    for epoch in range(epochs):
        encoder.train()
        for batch in T.batches(len(data["label"]), 64, rng):
            frames, owners = sample_frames(data, np.sort(batch), 4, rng)
            x = T.frames_tensor(frames)
            # translation only: colour and brightness are what this encoder is for
            dy, dx = rng.integers(-4, 5, 2)
            x = torch.roll(x, shifts=(int(dy), int(dx)), dims=(2, 3))
            logits = heads(encoder(x))
            loss = sum(nn.functional.cross_entropy(l, t[owners], weight=w, ignore_index=-100)
                       for l, t, w in zip(logits, targets, weights))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
        figures = appearance_accuracy(encoder, heads, val, val_targets, np.random.default_rng(0))
        score = float(np.mean(list(figures.values())))
        T.log(f"appearance encoder epoch {epoch + 1}/{epochs}: loss {float(loss):.3f}, validation per frame {figures}")
        if score > best:
            best, best_figures = score, figures
            best_state = {k: v.clone() for k, v in encoder.state_dict().items()}
    encoder.load_state_dict(best_state)
    return encoder.eval(), best_figures


def questions(directory):
    """The standing questions' wordings (questions.json: type and words, in order) and their text embeddings."""
    wordings = json.load(open(os.path.join(directory, "questions.json")))
    return wordings, torch.from_numpy(np.load(os.path.join(directory, "question_embeddings.npy")))


def answer_targets(windows):
    """[windows, question types] answer indices into models.ANSWERS."""
    return torch.tensor([[models.ANSWERS.index(w["answers"][q]) for q in QUESTIONS] for w in windows])


QUESTIONS = ["action", "people", "shirt", "light", "sync", "fell"]
TYPE_WEIGHTS = np.array([1, 1, 1, 1, 2, 1]) / 7


@torch.no_grad()
def appearance_embeddings(encoder, data):
    """Every frame's appearance embedding, [windows, T, APPEARANCE]."""
    count, steps = data["frame_mask"].shape
    out = torch.zeros(count, steps, models.APPEARANCE)
    for start in range(0, count, 8):
        stop = min(count, start + 8)
        frames = T.frames_tensor(data["frames"][start:stop])
        out[start:stop] = encoder(frames.reshape(-1, 3, 64, 64)).reshape(stop - start, steps, -1)
    return out


def load_sync_head(directory):
    """The committed offset head (av_sync), frozen: its initializers are its parameters by name."""
    import onnx
    from onnx import numpy_helper
    graph = onnx.load(os.path.join(directory, "av_sync.onnx")).graph
    sync = models.AudioVisualSync()
    sync.load_state_dict({i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in graph.initializer})
    return sync.eval()


def parabola_peak(p):
    """The offset in steps at the peak of a parabola through the log-probabilities of the best offset and its
    neighbours, as Decoding.Offset.offsetMicros places it."""
    k = int(p.argmax())
    steps = float(k - models.MAX_SHIFT)
    if 0 < k < len(p) - 1:
        below, peak, above = np.log(np.maximum(p[k - 1:k + 2], 1e-9))
        curvature = below - 2 * peak + above
        steps += 0.5 * (below - above) / curvature if curvature < 0 else 0.0
    return steps


def add_stream_offsets(e, data, period_us, sync):
    """e["stream_offsets"]: per window and per offset its stream could have (-MAX_SHIFT..MAX_SHIFT frame steps, the
    window's own remainder of a step kept), the stream's offset input as the job would hold it after that window
    (StreamSync): the offset head over the stream's windows so far, all at that offset; a window counts where the
    head runs on it (video and audio each cover half the window) and puts at least 0.5 on one offset, at the
    parabola's peak; the lower median of the last 9 such windows, the share within one step of it, their count / 9;
    [windows, 2 * MAX_SHIFT + 1, 3]. e["offset_steps_exact"]: the true offset in steps, unrounded."""
    K = models.MAX_SHIFT
    starts = data["window_start_us"]
    count = len(starts)
    new_stream = np.concatenate([[True], np.diff(starts) <= 0])
    decisive = np.full((count, 2 * K + 1), np.nan)
    with torch.no_grad():
        for d in range(-K, K + 1):
            for start in range(0, count, 512):
                idx = np.arange(start, min(count, start + 512))
                audio, mask = T.shifted_audio(e, idx, d - e["offset_steps"][idx])
                video_mask = e["video_mask"][idx]
                logits, _ = sync(e["video"][idx], video_mask, audio, mask)
                p = torch.softmax(logits, 1).numpy()
                runs = ((video_mask.mean(1) >= 0.5) & (mask.mean(1) >= 0.5) & (video_mask.sum(1) > 0) & (mask.sum(1) > 0)).numpy()
                for row, i in enumerate(idx):
                    if runs[row] and p[row].max() >= 0.5:
                        decisive[i, d + K] = np.rint(parabola_peak(p[row]) * period_us)
    out = np.zeros((count, 2 * K + 1, models.STREAM_OFFSET), dtype=np.float32)
    for d in range(2 * K + 1):
        recent = []
        for i in range(count):
            if new_stream[i]:
                recent = []
            if not np.isnan(decisive[i, d]):
                recent = (recent + [decisive[i, d]])[-9:]
            if recent:
                median = sorted(recent)[(len(recent) - 1) // 2]
                out[i, d] = [median / 1e6, np.mean([abs(r - median) <= period_us for r in recent]), len(recent) / 9]
    e["stream_offsets"] = torch.from_numpy(out)
    e["offset_steps_exact"] = data["av_offset_us"] / period_us


def real_stream_offsets(e, idx):
    """The rows' stream offset inputs at their streams' own offsets."""
    shift = np.clip(e["offset_steps"][idx], -models.MAX_SHIFT, models.MAX_SHIFT) + models.MAX_SHIFT
    return e["stream_offsets"][idx, shift]


def qa_batch(e, idx, types, wordings, embeddings, targets, rng, sync_shift):
    """The rows' inputs and answers: each row asks its question type in one of its wordings. A sync row on a
    sounding window has its stream moved to a drawn offset (half of them within one step: in sync): the window's
    audio, as the sync head learns, and the stream's offset input (as the job would hold it at that offset); its
    answer follows the offset, the window's remainder of a step included (in sync: within one step, as the
    simulator's truth says). A sync row on a silent window teaches nothing (its answer, the stream's offset, shows in
    neither picture nor sound; eval does not score it either): its answer is left out of the loss."""
    chosen = [rng.choice([i for i, w in enumerate(wordings) if w["question"] == QUESTIONS[t]]) for t in types]
    question = embeddings[chosen]
    answers = targets[idx, types].clone()
    audio, audio_mask = e["audio"][idx].clone(), e["audio_mask"][idx].clone()
    stream_offset = real_stream_offsets(e, idx).clone()
    wanted = np.full(len(idx), -100)
    if sync_shift:
        sync = QUESTIONS.index("sync")
        for row, (i, t) in enumerate(zip(idx, types)):
            if t != sync:
                continue
            if not e["actor_sounds"][i]:
                answers[row] = -100
                continue
            drawn = int(rng.integers(-1, 2)) if rng.random() < 0.5 else int(rng.choice([-5, -4, -3, -2, 2, 3, 4, 5]))
            shifted, mask = T.shifted_audio(e, [i], [drawn - e["offset_steps"][i]])
            audio[row], audio_mask[row] = shifted[0], mask[0]
            stream_offset[row] = e["stream_offsets"][i, drawn + models.MAX_SHIFT]
            exact = drawn + e["offset_steps_exact"][i] - e["offset_steps"][i]
            answers[row] = models.ANSWERS.index("yes" if abs(exact) <= 1 else "no")
            wanted[row] = drawn + models.MAX_SHIFT
    inputs = (question, e["video"][idx], e["video_mask"][idx], e["appearance"][idx], audio, audio_mask, e["imu"][idx], e["imu_mask"][idx],
              stream_offset)
    return inputs, answers, torch.from_numpy(wanted)


@torch.no_grad()
def qa_accuracy(model, e, wordings, embeddings, targets):
    """Per question type, the share of windows answered right, asked in the question's own words (the first); sync
    over the sounding windows only, as eval scores it."""
    model.eval()
    idx = np.arange(len(targets))
    result = {}
    for t, name in enumerate(QUESTIONS):
        first = next(i for i, w in enumerate(wordings) if w["question"] == name)
        question = embeddings[first].expand(len(idx), -1)
        logits, _ = model(question, e["video"], e["video_mask"], e["appearance"], e["audio"], e["audio_mask"], e["imu"], e["imu_mask"],
                          real_stream_offsets(e, idx))
        scored = torch.from_numpy(e["actor_sounds"]) if name == "sync" else torch.ones(len(idx), dtype=torch.bool)
        result[name] = float((logits.argmax(1) == targets[:, t])[scored].float().mean())
    return result


def train_qa(e, windows, ve, val_windows, wordings, embeddings, epochs, rng):
    model = models.QuestionAnswering()
    targets, val_targets = answer_targets(windows), answer_targets(val_windows)
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    count = len(targets)
    best, best_state, best_figures = -1.0, None, None
    for epoch in range(epochs):
        model.train()
        # every window asked two questions an epoch
        for batch in T.batches(2 * count, 64, rng):
            idx = batch % count
            # sync is asked twice as often: half of its rows (silent windows) teach nothing
            types = rng.choice(len(QUESTIONS), len(idx), p=TYPE_WEIGHTS)
            inputs, answers, wanted = qa_batch(e, idx, types, wordings, embeddings, targets, rng, sync_shift=True)
            inputs = modality_dropout(inputs, rng, 0.1)
            logits, offset_logits = model(*inputs)
            loss = nn.functional.cross_entropy(logits, answers)
            if (wanted >= 0).any():
                loss = loss + 0.5 * nn.functional.cross_entropy(offset_logits, wanted, ignore_index=-100)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        figures = qa_accuracy(model, ve, wordings, embeddings, val_targets)
        score = min(figures.values())
        T.log(f"question answering epoch {epoch + 1}/{epochs}: loss {float(loss):.3f}, validation {figures}")
        if score > best:
            best, best_figures = score, figures
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    return model.eval(), best_figures


QA_MASKS = [2, 5, 7]  # video_mask, audio_mask and imu_mask in QuestionAnswering's inputs


def modality_dropout(inputs, rng, dropout):
    """Each modality of some rows masked out, never all three of a row: the head answers from what is there."""
    inputs = list(inputs)
    for position in QA_MASKS:
        inputs[position] = inputs[position].clone()
    for row in range(len(inputs[1])):
        drop = rng.random(3) < dropout
        if drop.all():
            drop[rng.integers(0, 3)] = False
        for flag, position in zip(drop, QA_MASKS):
            if flag:
                inputs[position][row] = 0
    return tuple(inputs)


def info_nce(a, b, scale):
    """Symmetric InfoNCE: row i of a and row i of b belong together, every other row of the batch is a negative."""
    logits = scale * a @ b.T
    target = torch.arange(len(a))
    return (nn.functional.cross_entropy(logits, target) + nn.functional.cross_entropy(logits.T, target)) / 2


def train_contrastive(train, val, epochs, rng):
    """The window's modalities into the frozen text model's space: each against one of the window's captions (drawn
    per step), and audio against video of the same window. Kept: the epoch whose validation windows are best found
    by their own first caption (mean reciprocal rank)."""
    model = models.ContrastiveEmbeddings(train["captions"].shape[2])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    count = len(train["label"])
    val_idx = np.arange(len(val["label"]))
    val_captions = nn.functional.normalize(val["captions"][:, 0], dim=1)
    best, best_state = -1.0, None
    for epoch in range(epochs):
        model.train()
        for batch in T.batches(count, 256, rng):
            window, video, audio, imu = model(*modality_dropout((None,) + window_inputs(train, batch), rng, 0.2)[1:])
            drawn = torch.from_numpy(rng.integers(0, train["captions"].shape[1], len(batch)))
            captions = nn.functional.normalize(train["captions"][torch.from_numpy(batch), drawn], dim=1)
            scale = model.logit_scale.exp().clamp(max=100)
            # audio alone describes only the sounds of a caption: half weight
            loss = (info_nce(window, captions, scale) + info_nce(video, captions, scale) + 0.5 * info_nce(audio, captions, scale)
                    + info_nce(imu, captions, scale) + info_nce(audio, video, scale))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            window = model(*window_inputs(val, val_idx))[0]
            similarity = val_captions @ window.T
            ranks = (similarity > similarity.diag().unsqueeze(1)).sum(1).float()
            reciprocal = float((1 / (ranks + 1)).mean())
        if reciprocal > best:
            best, best_state = reciprocal, {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    model.eval()
    T.log(f"window embedding: best validation mean reciprocal rank of a window by its own caption {best:.3f} among {len(val_idx)}")
    return model, best


END, START = "<end>", "<start>"


def vocabulary(windows):
    """The captions' words, most frequent first, after the end and start words."""
    counts = {}
    for w in windows:
        for caption in w["captions"]:
            for word in caption.split():
                counts[word] = counts.get(word, 0) + 1
    return [END, START] + sorted(counts, key=lambda word: (-counts[word], word))


def caption_ids(windows, words):
    """[windows, captions, MAX_WORDS + 1]: the start word, each caption's word ids, the end word, then ends."""
    index = {word: i for i, word in enumerate(words)}
    out = np.zeros((len(windows), len(windows[0]["captions"]), models.MAX_WORDS + 1), dtype=np.int64)
    for i, w in enumerate(windows):
        for j, caption in enumerate(w["captions"]):
            # a validation word the training captions never use cannot be written: left out
            ids = [index[word] for word in caption.split() if word in index][:models.MAX_WORDS - 1]
            out[i, j, 0] = index[START]
            out[i, j, 1:1 + len(ids)] = ids
    return torch.from_numpy(out)


def window_inputs(e, idx):
    return (e["video"][idx], e["video_mask"][idx], e["appearance"][idx], e["audio"][idx], e["audio_mask"][idx], e["imu"][idx], e["imu_mask"][idx])


@torch.no_grad()
def caption_figures(model, e, windows, words):
    """Greedy captions of the validation windows: corpus BLEU-4 against the five references (NLTK, where installed;
    eval computes every caption metric in Java) and the share of captions naming the window's action word."""
    model.eval()
    ids = torch.cat([model(*window_inputs(e, np.arange(i, min(len(windows), i + 256)))) for i in range(0, len(windows), 256)])
    captions = []
    for row in ids.long().tolist():
        text = []
        for i in row:
            if words[i] == END:
                break
            text.append(words[i])
        captions.append(text)
    figures = {}
    try:
        from nltk.translate.bleu_score import corpus_bleu
        figures["bleu_4"] = corpus_bleu([[c.split() for c in w["captions"]] for w in windows], captions)
    except ImportError:
        pass
    figures["example"] = " ".join(captions[0])
    return figures


def train_captions(e, windows, ve, val_windows, epochs, rng):
    words = vocabulary(windows)
    model = models.CaptionDecoder(len(words))
    ids = caption_ids(windows, words)
    val_ids = caption_ids(val_windows, words)
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    count = len(windows)
    best, best_state, best_figures = float("inf"), None, None
    for epoch in range(epochs):
        model.train()
        for batch in T.batches(count, 64, rng):
            idx = np.sort(batch)
            # one of the window's references, drawn per step
            reference = ids[idx, rng.integers(0, ids.shape[1], len(idx))]
            inputs = modality_dropout((None,) + window_inputs(e, idx), rng, 0.1)[1:]
            logits = model.teacher_forced(reference[:, :-1], *inputs)
            loss = nn.functional.cross_entropy(logits.reshape(-1, len(words)), reference[:, 1:].reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            val_loss = float(np.mean([nn.functional.cross_entropy(
                model.teacher_forced(val_ids[:, j, :-1], *window_inputs(ve, np.arange(len(val_windows)))).reshape(-1, len(words)),
                val_ids[:, j, 1:].reshape(-1)) for j in range(val_ids.shape[1])]))
        T.log(f"caption decoder epoch {epoch + 1}/{epochs}: loss {float(loss):.3f}, validation loss {val_loss:.3f}")
        if val_loss < best:
            best = val_loss
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    figures = caption_figures(model, ve, val_windows, words)
    figures["loss"] = best
    T.log(f"caption decoder: validation {figures}")
    return model.eval(), words, figures


class AnswerLogits(nn.Module):
    """The exported graph: the answer's logits alone (the offset logits train the sync comparison)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, *inputs):
        return self.model(*inputs)[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", required=True, nargs="+")
    parser.add_argument("--val", required=True, nargs="+")
    parser.add_argument("--out", required=True)
    parser.add_argument("--families", nargs="+", choices=FAMILIES, default=FAMILIES)
    parser.add_argument("--appearance-epochs", type=int, default=12)
    parser.add_argument("--embedding-epochs", type=int, default=8, help="window_embedding (the epoch kept is chosen on validation)")
    parser.add_argument("--qa-epochs", type=int, default=16)
    parser.add_argument("--caption-epochs", type=int, default=4)
    parser.add_argument("--separation-epochs", type=int, default=3)
    parser.add_argument("--appearance-train", nargs="+", help="the appearance encoder's training data (default --train): many short "
                        "streams, as each stream has one room and one shirt")
    parser.add_argument("--encoders", default="onnx-models", help="the frozen frame, audio (and appearance) encoders the heads read")
    parser.add_argument("--cache", help="keep the windows' embeddings in this file between runs (a run with other encoders must not reuse it)")
    args = parser.parse_args()
    indexes, train = T.load(args.train)
    val_indexes, val = T.load(args.val)
    windows, val_windows = truth(args.train), truth(args.val)
    os.makedirs(os.path.join(args.out, "golden"), exist_ok=True)

    def common(seconds):
        return {"training": {"data": f"mmstream dataset, {T.describe(indexes)}; {len(train['label'])} windows",
                             "validation": T.describe(val_indexes), "script": "onnx-models/training/reproduce.sh", "seconds": seconds}}

    if "appearance_encoder" in args.families:
        began = time.time()
        looks = args.appearance_train or args.train
        look_indexes, look_data = T.load(looks) if args.appearance_train else (indexes, train)
        encoder, figures = train_appearance(look_data, truth(looks), val, val_windows, args.appearance_epochs, T.family_rng("appearance_encoder"))
        card = dict(common(round(time.time() - began)), task="frame_appearance", labels=[], metrics={"validation_per_frame_accuracy": figures})
        card["training"]["data"] = f"mmstream dataset, {T.describe(look_indexes)}; {len(look_data['label'])} windows"
        del look_data
        frames = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(1))
        binding = {"frame": "pixels", "size": [64, 64], "layout": "NCHW", "channels": "RGB", "range": [0, 1],
                   "mean": T.MEAN.tolist(), "std": T.STD.tolist()}
        T.export(encoder, "appearance_encoder", [frames], [{"name": "frames", "dtype": "float32", "shape": ["B", 3, 64, 64], "binds": binding}],
                 [{"name": "embedding", "dtype": "float32", "shape": ["B", models.APPEARANCE]}], args.out, card)
    else:
        encoder = T.module_from_onnx(args.encoders, "appearance_encoder", models.AppearanceEncoder())

    if "window_embedding" in args.families:
        e, ve = window_embeddings(args, train, val, encoder, indexes[0]["frames"]["frame_period_us"], indexes[0]["classes"])
        if e["captions"] is None or ve["captions"] is None:
            sys.exit("window_embedding needs caption_embeddings.npy in every dataset folder (mmstream dataset --text-model writes it)")
        began = time.time()
        model, figure = train_contrastive(e, ve, args.embedding_epochs, T.family_rng("window_embedding"))
        export_window_embedding(model, figure, round(time.time() - began), e["captions"].shape[2], indexes[0], args.out, common)

    if "question_answering" in args.families:
        e, ve = window_embeddings(args, train, val, encoder, indexes[0]["frames"]["frame_period_us"], indexes[0]["classes"])
        wordings, embeddings = questions(args.train[0])
        began = time.time()
        sync = load_sync_head(args.encoders)
        add_stream_offsets(e, train, indexes[0]["frames"]["frame_period_us"], sync)
        add_stream_offsets(ve, val, indexes[0]["frames"]["frame_period_us"], sync)
        # sync has an answer where the actor makes a sound in the window (its truth's sounds, as eval scores it)
        e["actor_sounds"] = np.array([bool(w["sounds"]) for w in windows])
        ve["actor_sounds"] = np.array([bool(w["sounds"]) for w in val_windows])
        T.log(f"stream offsets: {time.time() - began:.0f} s")
        model, figures = train_qa(e, windows, ve, val_windows, wordings, embeddings, args.qa_epochs, T.family_rng("question_answering"))
        export_qa(model, figures, round(time.time() - began), indexes[0], args.out, common)

    if "caption_decoder" in args.families:
        e, ve = window_embeddings(args, train, val, encoder, indexes[0]["frames"]["frame_period_us"], indexes[0]["classes"])
        began = time.time()
        model, words, figures = train_captions(e, windows, ve, val_windows, args.caption_epochs, T.family_rng("caption_decoder"))
        export_captions(model, words, figures, round(time.time() - began), indexes[0], args.out, common)

    if "audio_separation" in args.families:
        e, ve = window_embeddings(args, train, val, encoder, indexes[0]["frames"]["frame_period_us"], indexes[0]["classes"])
        began = time.time()
        model, figures = train_separation(e, separation_audio(args.train), ve, separation_audio(args.val), args.separation_epochs,
                                          T.family_rng("audio_separation"))
        export_separation(model, figures, round(time.time() - began), indexes[0], args.out, common)


def separation_audio(directories):
    """Each window's audio as the job assembles it and the actor's own sounds over the same samples (dataset)."""
    return [np.concatenate([np.load(os.path.join(d, name + ".npy")) for d in directories]) for name in ["audio", "actor_audio"]]


# a window's published share (its last slide, as the job publishes it) counts where the actor is audible in it: an
# RMS of at least -50 dBFS, well above the quantisation of 16-bit PCM
AUDIBLE_RMS = 10 ** (-50 / 20)
SLIDE_SAMPLES = 16000


def stft(x):
    return torch.stft(x, models.FFT, models.HOP, window=torch.hann_window(models.FFT), center=True, pad_mode="constant",
                      return_complex=True)


def istft(spectrum):
    return torch.istft(spectrum, models.FFT, models.HOP, window=torch.hann_window(models.FFT), center=True, length=models.WINDOW_SAMPLES)


def separate(model, mixture, e, idx):
    spectrum = stft(mixture)                                                    # B, F, T
    mask = model(models.log_magnitude(spectrum.real, spectrum.imag).transpose(1, 2), e["video"][idx], e["video_mask"][idx], e["audio_mask"][idx])
    return spectrum * mask.transpose(1, 2)


def si_sdr(estimate, reference):
    estimate = estimate - estimate.mean(-1, keepdim=True)
    reference = reference - reference.mean(-1, keepdim=True)
    target = (estimate * reference).sum(-1, keepdim=True) / (reference * reference).sum(-1, keepdim=True) * reference
    return 10 * torch.log10((target * target).sum(-1) / ((estimate - target) ** 2).sum(-1))


@torch.no_grad()
def separation_figures(model, e, audio):
    """SI-SDR of the mixture and of the separated audio over each window's published share where the actor is
    audible, and their mean improvement (as eval measures it in Java)."""
    model.eval()
    mixture, actor = audio
    before, after = [], []
    for start in range(0, len(mixture), 64):
        idx = np.arange(start, min(len(mixture), start + 64))
        x, s = torch.from_numpy(mixture[idx]), torch.from_numpy(actor[idx])
        y = istft(separate(model, x, e, idx))
        share = slice(models.WINDOW_SAMPLES - SLIDE_SAMPLES, models.WINDOW_SAMPLES)
        audible = s[:, share].pow(2).mean(-1).sqrt() >= AUDIBLE_RMS
        before.append(si_sdr(x[audible][:, share], s[audible][:, share]))
        after.append(si_sdr(y[audible][:, share], s[audible][:, share]))
    before, after = torch.cat(before), torch.cat(after)
    return {"windows_audible": int(len(before)), "si_sdr_mixture_db": round(float(before.mean()), 2),
            "si_sdr_separated_db": round(float(after.mean()), 2), "si_sdr_improvement_db": round(float((after - before).mean()), 2)}


def train_separation(e, audio, ve, val_audio, epochs, rng):
    """The mask that turns the window's spectrum into the actor's: complex mean squared error against the actor's
    spectrum, relative to the mixture's energy (so quiet and loud rooms weigh alike); the epoch kept is the best on
    validation by SI-SDR improvement."""
    model = models.AudioSeparation()
    mixture, actor = audio
    steps = epochs * ((len(mixture) + 31) // 32)
    optimizer = torch.optim.AdamW(model.parameters(), 2e-3, weight_decay=1e-4)
    schedule = T.warmup_cosine(optimizer, 200, steps)
    best, best_state = None, None
    for epoch in range(epochs):
        model.train()
        began, total = time.time(), 0.0
        for idx in T.batches(len(mixture), 32, rng):
            x, s = torch.from_numpy(mixture[idx]), torch.from_numpy(actor[idx])
            estimate = separate(model, x, e, idx)
            target = stft(s)
            loss = ((estimate - target).abs() ** 2).sum((1, 2)) / ((stft(x).abs() ** 2).sum((1, 2)) + 1e-3)
            optimizer.zero_grad()
            loss.mean().backward()
            optimizer.step()
            schedule.step()
            total += float(loss.mean()) * len(idx)
        figures = separation_figures(model, ve, val_audio)
        T.log(f"audio_separation epoch {epoch + 1}: loss {total / len(mixture):.4f}, validation {figures} ({time.time() - began:.0f} s)")
        if best is None or figures["si_sdr_improvement_db"] > best["si_sdr_improvement_db"]:
            best, best_state = figures, {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    return model.eval(), best


def export_separation(model, figures, seconds, index, out, common):
    g = torch.Generator().manual_seed(1)
    spectrogram = torch.randn(1, models.STFT_FRAMES, models.BINS, generator=g)
    video, video_mask, audio_mask = torch.randn(1, 30, models.EMBED, generator=g).abs(), torch.ones(1, 30), torch.ones(1, 30)
    video_mask[0, 20:] = 0
    audio_mask[0, :3] = 0
    period = index["frames"]["frame_period_us"]
    T.export(model, "audio_separation", [spectrogram, video, video_mask, audio_mask],
             [{"name": "spectrogram", "dtype": "float32", "shape": ["B", models.STFT_FRAMES, models.BINS],
               "binds": {"audio": "stft", "rate": models.SAMPLE_RATE, "fft": models.FFT, "hop": models.HOP,
                         "samples": models.WINDOW_SAMPLES, "scale": "log"}},
              {"name": "video", "dtype": "float32", "shape": ["B", 30, models.EMBED],
               "binds": {"model": "frame_encoder", "output": "embedding", "step_us": period, "steps": 30}},
              {"name": "video_mask", "dtype": "float32", "shape": ["B", 30], "binds": {"present": "video"}},
              {"name": "audio_mask", "dtype": "float32", "shape": ["B", 30], "binds": {"present": "audio"}}],
             [{"name": "mask", "dtype": "float32", "shape": ["B", models.STFT_FRAMES, models.BINS]}], out,
             dict(common(seconds), task="audio_separation", labels=[],
                  result={"name": "separated_audio", "from": "mask", "decode": {"kind": "spectrogram_mask"}, "requires": {"any": ["audio"]}},
                  metrics={"validation": figures}))


def window_embeddings(args, train, val, appearance, period_us, classes):
    """Each window's frame, appearance and audio embeddings (frozen encoders), IMU and masks, training and validation."""
    if args.cache and os.path.exists(args.cache):
        return torch.load(args.cache)
    frame_encoder, audio_encoder = T.encoders_from_onnx(args.encoders)
    sets = []
    for data in (train, val):
        e = T.embed(data, frame_encoder, audio_encoder, period_us)
        e["appearance"] = appearance_embeddings(appearance, data)
        e["sounding"] = np.isin(data["label"], [classes.index(c) for c in T.SOUNDING])
        sets.append(e)
    if args.cache:
        torch.save(tuple(sets), args.cache)
    return tuple(sets)


def window_examples_and_specs(index):
    """Example window inputs for the export and golden file, and their specs as the cards bind them: the frame
    encoder's and the appearance encoder's embeddings, the audio encoder's, the IMU series, and their masks."""
    g = torch.Generator().manual_seed(1)
    video, appearance, audio = torch.randn(2, 30, 64, generator=g).abs(), torch.randn(2, 30, models.APPEARANCE, generator=g), torch.randn(2, 30, 64, generator=g).abs()
    imu = torch.randn(2, 200, 6, generator=g)
    mask30, mask200 = torch.ones(2, 30), torch.ones(2, 200)
    mask30[1, 20:] = 0
    period = index["frames"]["frame_period_us"]
    seq = lambda n, encoder, width: {"name": n, "dtype": "float32", "shape": ["B", "T", width],
                                     "binds": {"model": encoder, "output": "embedding", "step_us": period, "steps": 30}}
    msk = lambda n, modality, t="T": {"name": n, "dtype": "float32", "shape": ["B", t], "binds": {"present": modality}}
    examples = [video, mask30, appearance, audio, mask30, imu, mask200]
    specs = [seq("video", "frame_encoder", 64), msk("video_mask", "video"), seq("appearance", "appearance_encoder", models.APPEARANCE),
             seq("audio", "audio_encoder", 64), msk("audio_mask", "audio"),
             {"name": "imu", "dtype": "float32", "shape": ["B", "S", 6],
              "binds": {"sensor": "imu6", "step_us": index["imu"]["step_us"], "mean": index["imu"]["mean"], "std": index["imu"]["std"]}},
             msk("imu_mask", "sensor", "S")]
    return examples, specs


def export_window_embedding(model, figure, seconds, width, index, out, common):
    examples, specs = window_examples_and_specs(index)
    embedding = lambda n: {"name": n, "dtype": "float32", "shape": ["B", width]}
    T.export(model, "window_embedding", examples, specs,
             [embedding("embedding"), embedding("video_embedding"), embedding("audio_embedding"), embedding("imu_embedding")], out,
             dict(common(seconds), task="window_embedding", labels=[],
                  # the text model of the space: search embeds words with it (read by the dashboard)
                  text_model="minilm_text",
                  metrics={"validation_mean_reciprocal_rank_own_caption": figure},
                  result={"name": "retrieval", "from": "embedding", "decode": {"kind": "embedding", "normalise": True},
                          "requires": {"any": ["video", "audio", "sensor"]}}))


def export_captions(model, words, figures, seconds, index, out, common):
    examples, specs = window_examples_and_specs(index)
    T.export(model, "caption_decoder", examples, specs, [{"name": "words", "dtype": "float32", "shape": ["B", models.MAX_WORDS]}], out,
             dict(common(seconds), task="captioning", labels=words, metrics={"validation": figures},
                  decoding="greedy, inside the graph: one call per batch of windows, not one per word",
                  result={"name": "caption", "from": "words", "decode": {"kind": "words", "end": END},
                          "requires": {"any": ["video", "audio", "sensor"]}}))


def export_qa(model, figures, seconds, index, out, common):
    examples, specs = window_examples_and_specs(index)
    question = torch.randn(2, models.TEXT, generator=torch.Generator().manual_seed(2)) * 0.05
    stream_offset = torch.tensor([[0.2, 0.8, 1.0], [0.0, 0.0, 0.0]])
    T.export(AnswerLogits(model).eval(), "question_answering", [question] + examples + [stream_offset],
             [{"name": "question", "dtype": "float32", "shape": ["B", models.TEXT], "binds": {"question": "minilm_text"}}] + specs
             + [{"name": "stream_offset", "dtype": "float32", "shape": ["B", models.STREAM_OFFSET], "binds": {"sync": "stream"}}],
             [{"name": "logits", "dtype": "float32", "shape": ["B", len(models.ANSWERS)]}], out,
             dict(common(seconds), task="question_answering", labels=models.ANSWERS,
                  metrics={"validation_accuracy_per_question": figures},
                  result={"name": "answer", "from": "logits", "decode": {"kind": "softmax"}, "requires": {"any": ["video", "audio", "sensor"]}}))


if __name__ == "__main__":
    main()
