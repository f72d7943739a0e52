"""Model definitions: per-element encoders (frame, audio patch) and per-window heads (action recognition,
audio-visual sync, four fusion variants). Masks are 1 where a step or modality is present."""
import torch
from torch import nn

EMBED = 64
CLASSES = 8
MAX_SHIFT = 5  # AV sync compares offsets of -5..+5 frame steps (+-333 ms at 15 fps)


class FrameEncoder(nn.Module):
    """A small CNN: one normalised RGB frame [3, 64, 64] to an embedding. The person is a few pixels wide anywhere in
    the room, so the last map is max-pooled as well as averaged: an average alone dilutes the figure into the room."""

    def __init__(self):
        super().__init__()
        def block(i, o):
            return nn.Sequential(nn.Conv2d(i, o, 3, 2, 1), nn.BatchNorm2d(o), nn.ReLU())
        self.features = nn.Sequential(block(3, 16), block(16, 32), block(32, 48), block(48, EMBED))
        self.project = nn.Linear(2 * EMBED, EMBED)

    def forward(self, frames):
        x = self.features(frames)
        return self.project(torch.cat([x.amax((2, 3)), x.mean((2, 3))], dim=1))


class AudioEncoder(nn.Module):
    """A small CNN: one log-mel patch [1, 8 frames, 64 mel bins] to an embedding."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, 1, 1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d((1, 2)),
            nn.Conv2d(8, 16, 3, 1, 1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, 1, 1), nn.BatchNorm2d(32), nn.ReLU())
        self.pool = nn.AdaptiveMaxPool2d(1)
        self.project = nn.Linear(32, EMBED)

    def forward(self, patches):
        # log-mel values are around -14..+6; centre them so the first layer sees a sane range
        return self.project(self.pool(self.features((patches + 6.0) / 4.0)).flatten(1))


def masked_mean(seq, mask):
    weights = mask.unsqueeze(-1)
    return (seq * weights).sum(1) / weights.sum(1).clamp(min=1.0)


def step_differences(seq, mask):
    """Each step's change since the previous one (the motion), zero where either step is absent, [B, T, D]."""
    both = (mask[:, 1:] * mask[:, :-1]).unsqueeze(-1)
    return torch.cat([torch.zeros_like(seq[:, :1]), (seq[:, 1:] - seq[:, :-1]) * both], dim=1)


class VideoActionRecognition(nn.Module):
    """Frame embeddings and their step-to-step differences over the window through an LSTM, masked mean pooling,
    classifier. The encoder runs per frame without state, so the motion between frames enters here, as the
    differences of consecutive embeddings on the window's grid."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(2 * EMBED, EMBED, batch_first=True)
        self.classifier = nn.Sequential(nn.Linear(2 * EMBED, EMBED), nn.ReLU(), nn.Linear(EMBED, CLASSES))

    def features(self, video, video_mask):
        video = video * video_mask.unsqueeze(-1)
        out, _ = self.lstm(torch.cat([video, step_differences(video, video_mask)], dim=2))
        return torch.cat([masked_mean(out, video_mask), masked_mean(video, video_mask)], dim=1)

    def forward(self, video, video_mask):
        return self.classifier(self.features(video, video_mask))


class AudioTemporal(nn.Module):
    """Audio embeddings over the window: a temporal convolution, then masked mean and max."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(EMBED, EMBED, 3, 1, 1)

    def forward(self, audio, audio_mask):
        x = torch.relu(self.conv(audio.transpose(1, 2))).transpose(1, 2)
        mean = masked_mean(x, audio_mask)
        maximum = (x * audio_mask.unsqueeze(-1)).max(1).values
        return torch.cat([mean, maximum], dim=1)


class ImuEncoder(nn.Module):
    """The window's IMU [200 steps, 6 axes] through 1-D convolutions, masked, max and mean pooled."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(6, 32, 5, 2, 2), nn.ReLU(), nn.Conv1d(32, EMBED, 5, 2, 2), nn.ReLU())

    def forward(self, imu, imu_mask):
        x = self.conv((imu * imu_mask.unsqueeze(-1)).transpose(1, 2))
        return torch.cat([x.mean(2), x.max(2).values], dim=1)


class ModalityFeatures(nn.Module):
    """Each modality of a window to one 2*EMBED feature vector, plus whether the modality is present at all."""

    def __init__(self):
        super().__init__()
        self.video = VideoActionRecognition()
        self.audio = AudioTemporal()
        self.imu = ImuEncoder()

    def forward(self, video, video_mask, audio, audio_mask, imu, imu_mask):
        feats = [self.video.features(video, video_mask), self.audio(audio, audio_mask), self.imu(imu, imu_mask)]
        present = torch.stack([video_mask.amax(1), audio_mask.amax(1), imu_mask.amax(1)], dim=1)
        return feats, present


class EarlyFusion(nn.Module):
    def __init__(self):
        super().__init__()
        self.modalities = ModalityFeatures()
        self.head = nn.Sequential(nn.Linear(6 * EMBED + 3, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, CLASSES))

    def forward(self, video, video_mask, audio, audio_mask, imu, imu_mask):
        feats, present = self.modalities(video, video_mask, audio, audio_mask, imu, imu_mask)
        feats = [f * present[:, i:i + 1] for i, f in enumerate(feats)]
        return self.head(torch.cat(feats + [present], dim=1))


class WeightedFusion(nn.Module):
    """Learned softmax weights over the present modalities' projected features."""

    def __init__(self):
        super().__init__()
        self.modalities = ModalityFeatures()
        self.project = nn.ModuleList([nn.Linear(2 * EMBED, 128) for _ in range(3)])
        self.score = nn.ModuleList([nn.Linear(2 * EMBED, 1) for _ in range(3)])
        self.head = nn.Sequential(nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, CLASSES))

    def forward(self, video, video_mask, audio, audio_mask, imu, imu_mask):
        feats, present = self.modalities(video, video_mask, audio, audio_mask, imu, imu_mask)
        projected = torch.stack([p(f) for p, f in zip(self.project, feats)], dim=1)
        scores = torch.cat([s(f) for s, f in zip(self.score, feats)], dim=1)
        weights = torch.softmax(scores.masked_fill(present < 0.5, -1e4), dim=1)
        return self.head((weights.unsqueeze(-1) * projected).sum(1))


class LateFusion(nn.Module):
    """A classifier per modality; their log-probabilities summed with learned weights over present modalities."""

    def __init__(self):
        super().__init__()
        self.modalities = ModalityFeatures()
        self.classifiers = nn.ModuleList([nn.Sequential(nn.Linear(2 * EMBED, 64), nn.ReLU(), nn.Linear(64, CLASSES)) for _ in range(3)])
        self.weights = nn.Parameter(torch.zeros(3))

    def forward(self, video, video_mask, audio, audio_mask, imu, imu_mask):
        feats, present = self.modalities(video, video_mask, audio, audio_mask, imu, imu_mask)
        logp = torch.stack([torch.log_softmax(c(f), dim=1) for c, f in zip(self.classifiers, feats)], dim=1)
        weights = torch.softmax(self.weights.unsqueeze(0).expand_as(present).masked_fill(present < 0.5, -1e4), dim=1)
        return (weights.unsqueeze(-1) * logp).sum(1)


class AttentionFusion(nn.Module):
    """Multi-head attention over modality tokens; absent modalities are masked out as keys."""

    def __init__(self):
        super().__init__()
        self.modalities = ModalityFeatures()
        self.project = nn.ModuleList([nn.Linear(2 * EMBED, EMBED) for _ in range(3)])
        self.modality_embedding = nn.Parameter(torch.randn(3, EMBED) * 0.02)
        self.attention = nn.MultiheadAttention(EMBED, 4, batch_first=True)
        self.head = nn.Sequential(nn.Linear(EMBED, 64), nn.ReLU(), nn.Linear(64, CLASSES))

    def forward(self, video, video_mask, audio, audio_mask, imu, imu_mask):
        feats, present = self.modalities(video, video_mask, audio, audio_mask, imu, imu_mask)
        tokens = torch.stack([p(f) for p, f in zip(self.project, feats)], dim=1) + self.modality_embedding
        absent = present < 0.5
        # a window with nothing present keeps all keys, so attention never divides by zero
        absent = absent & ~absent.all(dim=1, keepdim=True)
        attended, _ = self.attention(tokens, tokens, tokens, key_padding_mask=absent)
        weights = (~absent).float().unsqueeze(-1)
        pooled = (attended * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        return self.head(pooled)


class AudioVisualSync(nn.Module):
    """SyncNet-style: visual and audio embedding sequences, each with its step-to-step differences (a foot landing,
    hands meeting and a sound's onset are changes), through their own temporal convolutions, compared at every
    offset of -MAX_SHIFT..+MAX_SHIFT frame steps. Outputs offset logits and the in-sync probability (offset within
    one frame step)."""

    def __init__(self):
        super().__init__()
        self.visual = nn.Sequential(nn.Conv1d(2 * EMBED, EMBED, 3, 1, 1), nn.ReLU(), nn.Conv1d(EMBED, 32, 3, 1, 1))
        self.audio = nn.Sequential(nn.Conv1d(2 * EMBED, EMBED, 3, 1, 1), nn.ReLU(), nn.Conv1d(EMBED, 32, 3, 1, 1))
        self.scale = nn.Parameter(torch.tensor(5.0))

    def forward(self, video, video_mask, audio, audio_mask):
        video = torch.cat([video, step_differences(video, video_mask)], dim=2)
        audio = torch.cat([audio, step_differences(audio, audio_mask)], dim=2)
        v = nn.functional.normalize(self.visual(video.transpose(1, 2)), dim=1)  # [B, 32, T]
        a = nn.functional.normalize(self.audio(audio.transpose(1, 2)), dim=1)
        steps = video.shape[1]
        core = slice(MAX_SHIFT, steps - MAX_SHIFT)
        scores = []
        for k in range(-MAX_SHIFT, MAX_SHIFT + 1):
            shifted = a[:, :, MAX_SHIFT + k:steps - MAX_SHIFT + k]
            mask = video_mask[:, core] * audio_mask[:, MAX_SHIFT + k:steps - MAX_SHIFT + k]
            similarity = (v[:, :, core] * shifted).sum(1)
            scores.append((similarity * mask).sum(1) / mask.sum(1).clamp(min=1.0))
        offset_logits = self.scale * torch.stack(scores, dim=1)
        probabilities = torch.softmax(offset_logits, dim=1)
        in_sync = probabilities[:, MAX_SHIFT - 1:MAX_SHIFT + 2].sum(1, keepdim=True)
        return offset_logits, in_sync


class _Projected(nn.Module):
    """A modality's window features, projected into the text model's space and L2-normalised."""

    def __init__(self, features, width, features_width=2 * EMBED):
        super().__init__()
        self.features = features
        # one linear map, as CLIP's projections are (a hidden layer of 256 doubled the model for no validation gain)
        self.project = nn.Linear(features_width, width)

    def forward(self, *inputs):
        return nn.functional.normalize(self.project(self.features(*inputs)), dim=1)


class _VideoFeatures(nn.Module):
    """What a caption says of the picture: the motion (action recognition's features of the frame embeddings) and
    the look (the appearance embeddings over the window: shirt colour, light, a passer-by)."""

    def __init__(self):
        super().__init__()
        self.recognition = VideoActionRecognition()
        self.appearance = nn.Sequential(nn.Linear(3 * APPEARANCE, 64), nn.ReLU())

    def forward(self, video, video_mask, appearance):
        return torch.cat([self.recognition.features(video, video_mask), self.appearance(appearance_summary(appearance, video_mask))], dim=1)


class ContrastiveEmbeddings(nn.Module):
    """Video (motion and appearance), audio and IMU of a window, each into the space of a frozen pretrained text model (MiniLM's, 384 wide),
    trained with InfoNCE against the window's reference captions and audio against video (CLIP-style, the text side
    locked). The window's embedding is the normalised sum of its present modalities' embeddings. Outputs: window,
    video, audio and IMU embeddings, each [B, width]."""

    def __init__(self, width=384):
        super().__init__()
        self.video = _Projected(_VideoFeatures(), width, 2 * EMBED + 64)
        self.audio = _Projected(AudioTemporal(), width)
        self.imu = _Projected(ImuEncoder(), width)
        self.logit_scale = nn.Parameter(torch.tensor(2.659))  # ln(1 / 0.07), CLIP's initial temperature

    def forward(self, video, video_mask, appearance, audio, audio_mask, imu, imu_mask):
        v, a, i = self.video(video, video_mask, appearance), self.audio(audio, audio_mask), self.imu(imu, imu_mask)
        present = torch.stack([video_mask.amax(1), audio_mask.amax(1), imu_mask.amax(1)], dim=1)
        window = nn.functional.normalize(v * present[:, :1] + a * present[:, 1:2] + i * present[:, 2:3], dim=1)
        return window, v, a, i


APPEARANCE = 16
SHIRTS = ["red", "orange", "yellow", "green", "teal", "blue", "purple", "pink"]
POSITIONS = ["left", "middle", "right"]


class AppearanceEncoder(nn.Module):
    """What a frame looks like rather than what moves in it: the shirt's colour, the light, a second person, where the
    actor stands. Trained without colour or brightness augmentation (the action encoder's augmentation removes
    exactly these), and small: three strided convolutions, max and mean pooled, plus the frame's mean colour; and the
    colour of the figure. The shirt is a stroke two or three pixels wide at 64x64, which strided features blur into
    the room: a map at 32x32 says where to look (a softmax over its cells), and within each cell the full-resolution
    pixels count by how colourful they are, so the stroke's own colour is pooled rather than its blend with the wall.
    (Convolutions at full resolution would say it better, but cost 3 to 5 times the training time on CPU.)"""

    def __init__(self):
        super().__init__()
        def block(i, o):
            return nn.Sequential(nn.Conv2d(i, o, 3, 2, 1), nn.BatchNorm2d(o), nn.ReLU())
        self.features = nn.Sequential(block(3, 24), block(24, 48), block(48, 48))
        self.where = nn.Sequential(nn.Conv2d(4, 8, 3, 1, 1), nn.ReLU(), nn.Conv2d(8, 8, 3, 1, 1), nn.ReLU(), nn.Conv2d(8, 1, 3, 1, 1))
        # where the actor stands is spatial: the 8x8 map's column profile, 4 columns wide
        self.project = nn.Linear(2 * 48 + 3 + 48 * 4 + 3 + 1, APPEARANCE)

    def forward(self, frames):
        x = self.features(frames)
        columns = nn.functional.adaptive_max_pool2d(x, (1, 4)).flatten(1)
        chroma = frames.amax(1, keepdim=True) - frames.amin(1, keepdim=True)
        coarse = self.where(torch.cat([nn.functional.avg_pool2d(frames, 2), nn.functional.max_pool2d(chroma, 2)], dim=1))
        look = torch.softmax(coarse.flatten(1), dim=1).reshape(coarse.shape)
        fine = nn.functional.interpolate(look, scale_factor=2.0, mode="nearest") * chroma
        fine = fine / fine.sum((2, 3), keepdim=True).clamp(min=1e-6)
        figure = torch.cat([(frames * fine).sum((2, 3)), (chroma * fine).sum((2, 3))], dim=1)
        return self.project(torch.cat([x.amax((2, 3)), x.mean((2, 3)), frames.mean((2, 3)), columns, figure], dim=1))


ANSWERS = ["idle", "walk", "run", "jump", "wave", "clap", "sit down", "fall", "one", "two"] + SHIRTS + ["yes", "no"]
TEXT = 384  # the text model's width (MiniLM)
STREAM_OFFSET = 3  # the stream's offset estimate: seconds, agreement, windows / 9 (the job's StreamSync)
STEPS_PER_SECOND = 15.0


def appearance_summary(appearance, mask):
    """The appearance embeddings over the window: masked mean, max and min (a passer-by is brief, the light can
    switch)."""
    m = mask.unsqueeze(-1)
    mean = masked_mean(appearance, mask)
    maximum = (appearance * m - 1e4 * (1 - m)).max(1).values * mask.amax(1, keepdim=True)
    minimum = (appearance * m + 1e4 * (1 - m)).min(1).values * mask.amax(1, keepdim=True)
    return torch.cat([mean, maximum, minimum], dim=1)


class QuestionAnswering(nn.Module):
    """A question (its text embedding) and a window to an answer from one vocabulary (ANSWERS). The window's
    features (WindowFeatures: what happens, the action, a fall; the appearance over the window: shirt, light,
    people), the sync comparison's offset distribution (sync) and the stream's offset as the job keeps it over its
    recent windows (stream_offset: seconds, agreement, windows / 9; zeros while it has none): one window's sound
    seldom settles sync, its stream's does. The question scales and shifts the features (FiLM), then picks the
    answer."""

    def __init__(self):
        super().__init__()
        self.window = WindowFeatures()
        self.sync = AudioVisualSync()
        self.features = nn.Sequential(nn.Linear(6 * EMBED + 3 + 64 + 2 * MAX_SHIFT + 1 + STREAM_OFFSET, 256), nn.ReLU())
        self.film = nn.Linear(TEXT, 2 * 256)
        self.head = nn.Sequential(nn.Linear(256, 256), nn.ReLU(), nn.Dropout(0.1), nn.Linear(256, len(ANSWERS)))

    def forward(self, question, video, video_mask, appearance, audio, audio_mask, imu, imu_mask, stream_offset):
        window = self.window(video, video_mask, appearance, audio, audio_mask, imu, imu_mask)
        offset_logits, _ = self.sync(video, video_mask, audio, audio_mask)
        both = video_mask.amax(1, keepdim=True) * audio_mask.amax(1, keepdim=True)
        # the offset in frame steps (seconds x 15), so that in sync (within one step) is a threshold of order one
        offset = torch.cat([stream_offset[:, :1] * STEPS_PER_SECOND, stream_offset[:, 1:]], dim=1)
        x = self.features(torch.cat([window, torch.softmax(offset_logits, dim=1) * both, offset], dim=1))
        scale, shift = self.film(question).chunk(2, dim=1)
        return self.head(x * (1 + scale) + shift), offset_logits


MAX_WORDS = 24  # the longest caption the decoder writes, its end word included


class WindowFeatures(nn.Module):
    """A window's modalities as early fusion reads them, with its appearance over the window: [B, 6*EMBED+3+64]."""

    def __init__(self):
        super().__init__()
        self.modalities = ModalityFeatures()
        self.appearance = nn.Sequential(nn.Linear(3 * APPEARANCE, 64), nn.ReLU())

    def forward(self, video, video_mask, appearance, audio, audio_mask, imu, imu_mask):
        feats, present = self.modalities(video, video_mask, audio, audio_mask, imu, imu_mask)
        feats = [f * present[:, i:i + 1] for i, f in enumerate(feats)]
        return torch.cat(feats + [present, self.appearance(appearance_summary(appearance, video_mask))], dim=1)


class CaptionDecoder(nn.Module):
    """A window to a caption, word by word (show and tell): the window's features start an LSTM's state and join
    every step's input; each step's word is the previous step's choice. Training feeds the reference's words
    (teacher forcing); the exported graph decodes greedily for MAX_WORDS steps inside itself, so the job makes one
    call per batch of windows, not one per word. Vocabulary: word 0 ends a caption, word 1 starts one."""

    def __init__(self, vocabulary_size, hidden=256):
        super().__init__()
        self.window = WindowFeatures()
        self.context = nn.Sequential(nn.Linear(6 * EMBED + 3 + 64, hidden), nn.ReLU())
        self.start_state = nn.Linear(hidden, 2 * hidden)
        self.words = nn.Embedding(vocabulary_size, 64)
        self.cell = nn.LSTMCell(64 + hidden, hidden)
        self.out = nn.Linear(hidden, vocabulary_size)

    def start(self, video, video_mask, appearance, audio, audio_mask, imu, imu_mask):
        context = self.context(self.window(video, video_mask, appearance, audio, audio_mask, imu, imu_mask))
        h, c = torch.tanh(self.start_state(context)).chunk(2, dim=1)
        return context, h.contiguous(), c.contiguous()

    def teacher_forced(self, words, *window):
        """Logits [B, L, V] for the next word at each position, the reference's words [B, L] given (start word first)."""
        context, h, c = self.start(*window)
        logits = []
        for t in range(words.shape[1]):
            h, c = self.cell(torch.cat([self.words(words[:, t]), context], dim=1), (h, c))
            logits.append(self.out(h))
        return torch.stack(logits, dim=1)

    def forward(self, video, video_mask, appearance, audio, audio_mask, imu, imu_mask):
        """Greedy decoding: word ids [B, MAX_WORDS] as float32 (the job reads them as the card's vocabulary)."""
        context, h, c = self.start(video, video_mask, appearance, audio, audio_mask, imu, imu_mask)
        # the start word, one per window (ones_like keeps the batch axis dynamic in the exported graph)
        word = torch.ones_like(video_mask[:, 0], dtype=torch.long)
        chosen = []
        for _ in range(MAX_WORDS):
            h, c = self.cell(torch.cat([self.words(word), context], dim=1), (h, c))
            word = self.out(h).argmax(1)
            chosen.append(word)
        return torch.stack(chosen, dim=1).float()


# audio-visual separation: the window's audio as the job assembles it (2 s at 16 kHz) and its STFT as media.Stft computes it
SAMPLE_RATE = 16000
WINDOW_SAMPLES = 32000
FFT = 512
HOP = 128
BINS = FFT // 2 + 1
STFT_FRAMES = 1 + WINDOW_SAMPLES // HOP


def log_magnitude(re, im):
    """What the separation model reads of each STFT bin (the card's "scale": "log"): ln(|X| + 1e-3)."""
    return torch.log(torch.sqrt(re * re + im * im) + 1e-3)


class AudioSeparation(nn.Module):
    """A spectrogram mask for the actor's own sounds, conditioned on the window's frame embeddings: the log-magnitude
    of each STFT frame goes through a linear layer, is modulated (FiLM) by the video step it falls in (none where the
    step has no frame), and temporal convolutions over the window's frames give a mask in [0, 1] per bin, zero where the
    window holds no audio (a step without its audio patch). The STFT and its inverse stay outside the graph, in Java
    (media.Stft)."""

    def __init__(self, width=128, steps=30):
        super().__init__()
        self.inp = nn.Linear(BINS, width)
        self.film = nn.Linear(EMBED, 2 * width)
        self.convs = nn.ModuleList([nn.Conv1d(width, width, 5, padding=2) for _ in range(4)])
        self.out = nn.Linear(width, BINS)
        # the video step each STFT frame's centre falls in (frame f is centred on sample f * HOP)
        step = torch.clamp((torch.arange(STFT_FRAMES) * HOP * steps) // WINDOW_SAMPLES, max=steps - 1)
        self.register_buffer("step_of_frame", step, persistent=False)

    def forward(self, spectrogram, video, video_mask, audio_mask):
        h = torch.relu(self.inp(spectrogram))                                   # B, T, W
        film = self.film(video) * video_mask.unsqueeze(-1)                      # B, 30, 2W
        film = film[:, self.step_of_frame]                                      # B, T, 2W
        gamma, beta = film.chunk(2, dim=-1)
        h = (h * (1 + gamma) + beta).transpose(1, 2)                            # B, W, T
        for conv in self.convs:
            h = h + torch.relu(conv(h))
        heard = audio_mask[:, self.step_of_frame].unsqueeze(-1)                # B, T, 1
        return torch.sigmoid(self.out(h.transpose(1, 2))) * heard              # B, T, BINS
