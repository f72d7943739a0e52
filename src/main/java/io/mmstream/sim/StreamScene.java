package io.mmstream.sim;

import io.mmstream.align.Modality;
import io.mmstream.codec.Times;
import io.mmstream.codec.WireCodec;
import io.mmstream.media.JpegEncoder;
import io.mmstream.media.Pcm;
import io.mmstream.schema.AudioChunk;
import io.mmstream.schema.ImageEncoding;
import io.mmstream.schema.Label;
import io.mmstream.schema.SampleFormat;
import io.mmstream.schema.SensorBatch;
import io.mmstream.schema.VideoFrame;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One simulated source: an actor following its script, seen by a camera, heard by a microphone, wearing an IMU,
 * with the delivery trouble of real devices. All times are absolute microseconds since the epoch; the stream
 * begins at epochMicros.
 */
public final class StreamScene {

    private static final long MAX_SOUND_MICROS = 400_000;
    private static final double TRANSITION_SECONDS = 0.4;
    private static final long VIDEO_LATENCY_MICROS = 30_000;
    private static final long SENSOR_LATENCY_MICROS = 5_000;
    /** The IMU sends its samples in batches of this span (SensorBatch), as real wearables buffer them. */
    static final long IMU_BATCH_MICROS = 100_000;

    private final SimulationSettings settings;
    private final String streamId;
    private final long epochMicros;
    private final long seed;
    private final Script script;
    private final FrameRenderer renderer;
    private final AudioSynth audio;
    private final ImuModel imu;
    private final long[] clockOffsetMicros = new long[Modality.MEDIA.size()];
    private final long streamAvOffsetMicros;
    private final DeviceTrouble trouble;

    StreamScene(SimulationSettings settings, int index, long epochMicros, DeviceTrouble trouble) {
        this.settings = settings;
        this.trouble = trouble;
        this.streamId = SceneSimulator.streamId(index);
        this.epochMicros = epochMicros;
        this.seed = Hash.of(settings.seed(), index, 0x5CE7E, 0);
        this.script = new Script(Hash.of(seed, 1, 0, 0));
        this.renderer = new FrameRenderer(settings, Hash.of(seed, 2, 0, 0));
        this.audio = new AudioSynth(Hash.of(seed, 3, 0, 0), settings.sampleRate(), settings.audioNoise());
        this.imu = new ImuModel(Hash.of(seed, 4, 0, 0), settings.imuNoise());
        for (Modality modality : Modality.MEDIA) {
            clockOffsetMicros[modality.ordinal()] = Math.round(Hash.signed(seed, 5, modality.ordinal(), 0) * settings.delivery().clockSkewMaxMicros());
        }
        this.streamAvOffsetMicros = settings.avOffsetMicros() + Math.round(Hash.signed(seed, 6, 0, 0) * settings.avOffsetSpreadMicros());
    }

    public String streamId() {
        return streamId;
    }

    public long epochMicros() {
        return epochMicros;
    }

    public Segment segmentAt(long micros) {
        return script.at(micros - epochMicros);
    }

    public Action actionAt(long micros) {
        return segmentAt(micros).action();
    }

    public Pose poseAt(long micros) {
        return poseAtStreamTime(micros - epochMicros);
    }

    /**
     * The pose in stream time. For the first moments of an action the body moves from where the previous action
     * left it (getting up after a fall, stopping after a run) instead of jumping there.
     */
    Pose poseAtStreamTime(long streamMicros) {
        Segment segment = script.at(streamMicros);
        double tau = (streamMicros - segment.startMicros()) / 1e6;
        Pose pose = Motion.pose(segment, tau);
        if (tau >= TRANSITION_SECONDS || segment.startMicros() == 0) {
            return pose;
        }
        Segment previous = script.at(segment.startMicros() - 1);
        Pose from = Motion.pose(previous, (previous.endMicros() - previous.startMicros()) / 1e6);
        double w = tau / TRANSITION_SECONDS;
        w = w * w * (3 - 2 * w);
        // posture blends; limbs keep the new action's rhythm, so its sounds still meet their visual causes
        return new Pose(lerp(from.hipX(), pose.hipX(), w), lerp(from.hipY(), pose.hipY(), w), lerp(from.tilt(), pose.tilt(), w),
                pose.leftThigh(), pose.rightThigh(), pose.leftKnee(), pose.rightKnee(), lerp(from.thighScale(), pose.thighScale(), w),
                pose.leftHandX() + (from.hipX() - pose.hipX()) * (1 - w), pose.leftHandY() + (from.hipY() - pose.hipY()) * (1 - w),
                pose.rightHandX() + (from.hipX() - pose.hipX()) * (1 - w), pose.rightHandY() + (from.hipY() - pose.hipY()) * (1 - w));
    }

    private static double lerp(double a, double b, double w) {
        return a + (b - a) * w;
    }

    /** The physical delay of sound after its visual cause at that moment (base, per-stream spread, drift). */
    public long physicalAvOffsetMicros(long micros) {
        return streamAvOffsetMicros + Math.round(settings.avDriftMicrosPerSecond() * (micros - epochMicros) / 1e6);
    }

    /** The offset as the timestamps show it: physical delay plus the microphone's clock minus the camera's. */
    public long observedAvOffsetMicros(long micros) {
        return physicalAvOffsetMicros(micros) + clockOffsetMicros[Modality.AUDIO.ordinal()] - clockOffsetMicros[Modality.VIDEO.ordinal()];
    }

    /** Sound events whose visual instant lies in [from, to), with absolute visual times. */
    public List<SoundEvent> soundEvents(long fromMicros, long toMicros) {
        List<SoundEvent> events = new ArrayList<>();
        for (Segment segment : script.between(fromMicros - epochMicros, toMicros - epochMicros)) {
            for (SoundEvent event : Motion.soundEvents(segment)) {
                long visual = epochMicros + event.visualMicros();
                if (visual >= fromMicros && visual < toMicros) {
                    events.add(new SoundEvent(visual, event.kind(), event.loudness()));
                }
            }
        }
        return events;
    }

    public boolean cameraOff(long micros) {
        return inMissingSpan(micros, 51, settings.delivery().cameraOffRate());
    }

    public boolean micMuted(long micros) {
        return inMissingSpan(micros, 52, settings.delivery().micMutedRate());
    }

    private boolean inMissingSpan(long micros, int what, double rate) {
        long[] span = missingSpan(Math.floorDiv(micros - epochMicros, 10_000_000), what, rate);
        return span != null && micros - epochMicros >= span[0] && micros - epochMicros < span[1];
    }

    /** The one missing span (stream time, 1 to 4 s) that a 10 s bucket may hold, or null. */
    private long[] missingSpan(long bucket, int what, double rate) {
        if (rate <= 0 || Hash.unit(seed, bucket, what, 0) >= rate) {
            return null;
        }
        long start = bucket * 10_000_000 + (long) (Hash.unit(seed, bucket, what, 1) * 6_000_000);
        return new long[] {start, start + 1_000_000 + (long) (Hash.unit(seed, bucket, what, 2) * 3_000_000)};
    }

    /** What the camera sees at that moment, before noise-free encoding: for people and the frame command. */
    public BufferedImage frameImage(long micros) {
        long frameIndex = Math.floorDiv(micros - epochMicros, settings.framePeriodMicros());
        return renderer.render(poseAt(micros), micros - epochMicros, frameIndex);
    }

    /** Every record captured (true time) in [from, to), in no particular order. */
    public List<SimRecord> records(long fromMicros, long toMicros) {
        List<SimRecord> out = new ArrayList<>();
        long frame = settings.framePeriodMicros();
        for (long k = ceilDiv(fromMicros - epochMicros, frame); epochMicros + k * frame < toMicros; k++) {
            long t = epochMicros + k * frame;
            if (!cameraOff(t) && Hash.unit(seed, k, 61, 0) >= settings.delivery().dropRate()) {
                out.add(sent(Modality.VIDEO, t, k, VIDEO_LATENCY_MICROS, videoFrame(t, k)));
            }
        }
        long chunk = settings.audioChunkMicros();
        for (long k = ceilDiv(fromMicros - epochMicros, chunk); epochMicros + k * chunk < toMicros; k++) {
            long t = epochMicros + k * chunk;
            if (!micMuted(t)) {
                out.add(sent(Modality.AUDIO, t, k, chunk, audioChunk(t, k)));
            }
        }
        long period = settings.imuPeriodMicros();
        int perBatch = (int) Math.max(1, IMU_BATCH_MICROS / period);
        // a batch belongs to the span its first sample lies in, and leaves the device after its last
        for (long b = ceilDiv(fromMicros - epochMicros, perBatch * period); epochMicros + b * perBatch * period < toMicros; b++) {
            long first = epochMicros + b * perBatch * period;
            long last = first + (perBatch - 1) * period;
            out.add(sent(Modality.SENSOR, first, last, b, SENSOR_LATENCY_MICROS, imuBatch(first, b * perBatch, perBatch)));
        }
        return out;
    }

    /** Ground truth for [from, to): one label per stretch of one action with the same modalities present, no gaps. */
    public List<Label> labels(long fromMicros, long toMicros) {
        List<Label> labels = new ArrayList<>();
        for (Segment segment : script.between(fromMicros - epochMicros, toMicros - epochMicros)) {
            long start = Math.max(fromMicros, epochMicros + segment.startMicros());
            long end = Math.min(toMicros, epochMicros + segment.endMicros());
            // split exactly where the camera or microphone goes off or on
            java.util.TreeSet<Long> cuts = new java.util.TreeSet<>();
            for (long bucket = Math.floorDiv(start - epochMicros, 10_000_000); bucket <= Math.floorDiv(end - epochMicros, 10_000_000); bucket++) {
                for (long[] span : new long[][] {missingSpan(bucket, 51, settings.delivery().cameraOffRate()),
                        missingSpan(bucket, 52, settings.delivery().micMutedRate())}) {
                    if (span != null) {
                        cuts.add(epochMicros + span[0]);
                        cuts.add(epochMicros + span[1]);
                    }
                }
            }
            long pieceStart = start;
            List<String> present = present(start);
            for (long cut : cuts.subSet(start, false, end, false)) {
                List<String> now = present(cut);
                if (!now.equals(present)) {
                    labels.add(label(segment, pieceStart, cut, present));
                    pieceStart = cut;
                    present = now;
                }
            }
            labels.add(label(segment, pieceStart, end, present));
        }
        return labels;
    }

    /** Labels of the segments that end in [from, to): for publishing truth once an action is complete. */
    public List<Label> completedLabels(long fromMicros, long toMicros) {
        List<Label> labels = new ArrayList<>();
        for (Segment segment : script.between(fromMicros - epochMicros - 60_000_000, toMicros - epochMicros)) {
            long end = epochMicros + segment.endMicros();
            if (end >= fromMicros && end < toMicros) {
                labels.addAll(labels(epochMicros + segment.startMicros(), end));
            }
        }
        return labels;
    }

    private List<String> present(long micros) {
        List<String> present = new ArrayList<>();
        if (!cameraOff(micros)) {
            present.add(Modality.VIDEO.wireName());
        }
        if (!micMuted(micros)) {
            present.add(Modality.AUDIO.wireName());
        }
        present.add(Modality.SENSOR.wireName());
        return present;
    }

    private Label label(Segment segment, long start, long end, List<String> present) {
        return Label.newBuilder().setStreamId(streamId).setStart(Times.ofMicros(start)).setEnd(Times.ofMicros(end))
                .setAction(segment.action().wireName()).setAvOffsetMicros(observedAvOffsetMicros((start + end) / 2))
                .setModalitiesPresent(present).build();
    }

    private long clock(Modality modality, long trueMicros) {
        return trueMicros + clockOffsetMicros[modality.ordinal()] - trouble.clockBehindMicros();
    }

    /** The record as the device sends it: garbage in its place when the device sends only what the job must reject. */
    private SimRecord sent(Modality modality, long trueMicros, long index, long latencyMicros, byte[] value) {
        return sent(modality, trueMicros, trueMicros, index, latencyMicros, value);
    }

    /** @param sentMicros when the device sends it (true time): a batch's last sample, a frame's or chunk's capture */
    private SimRecord sent(Modality modality, long trueMicros, long sentMicros, long index, long latencyMicros, byte[] value) {
        long delivered = trouble.delivery(sentMicros - epochMicros, deliver(modality, sentMicros, index, latencyMicros), epochMicros, latencyMicros);
        byte[] bytes = trouble.rejectedOnly() ? ("garbage " + modality.wireName() + " " + index).getBytes(java.nio.charset.StandardCharsets.US_ASCII) : value;
        return new SimRecord(modality, streamId, clock(modality, trueMicros), delivered, bytes);
    }

    /** Capture plus latency, jitter, an occasional hold-back that lets later records overtake, and bursts. */
    private long deliver(Modality modality, long trueMicros, long index, long latencyMicros) {
        SimulationSettings.Delivery d = settings.delivery();
        long at = trueMicros + latencyMicros + (long) (Hash.unit(seed, index, 70 + modality.ordinal(), 0) * d.jitterMaxMicros());
        if (Hash.unit(seed, index, 73 + modality.ordinal(), 0) < d.reorderRate()) {
            at += (long) (Hash.unit(seed, index, 76 + modality.ordinal(), 0) * d.reorderMaxMicros());
        }
        long bucket = Math.floorDiv(trueMicros - epochMicros, 5_000_000);
        if (Hash.unit(seed, bucket, 79 + modality.ordinal(), 0) < d.burstRate()) {
            long burstStart = epochMicros + bucket * 5_000_000 + (long) (Hash.unit(seed, bucket, 82 + modality.ordinal(), 0) * 4_000_000);
            if (trueMicros >= burstStart && trueMicros < burstStart + d.burstHoldMicros()) {
                at = Math.max(at, burstStart + d.burstHoldMicros() + latencyMicros);
            }
        }
        return at;
    }

    private byte[] videoFrame(long micros, long index) {
        byte[] jpeg = JpegEncoder.encode(frameImage(micros), settings.jpegQuality());
        return WireCodec.encode(VideoFrame.newBuilder().setStreamId(streamId).setCaptureTime(Times.ofMicros(clock(Modality.VIDEO, micros)))
                .setSeq(index).setWidth(settings.width()).setHeight(settings.height()).setEncoding(ImageEncoding.JPEG)
                .setData(ByteBuffer.wrap(jpeg)).build());
    }

    /** The chunk's samples in [-1, 1]: what the microphone hears from micros on. */
    public float[] audioSamples(long micros, int samples) {
        float[] out = new float[samples];
        audio.render(firstSample(micros), out, audible(micros, samples));
        return out;
    }

    /**
     * The actor's own sounds alone over the same samples, without the room's noise and background voices: the clean
     * reference of audio-visual separation. {@link #audioSamples} is this plus the background, sample for sample.
     */
    public float[] actorAudioSamples(long micros, int samples) {
        float[] out = new float[samples];
        audio.renderActor(firstSample(micros), out, audible(micros, samples));
        return out;
    }

    /**
     * What the job assembles of this stream's audio from {@code fromCaptureMicros} on, from the chunks the microphone
     * sends (placed by their capture time, zero where none was sent), and the actor's own sounds over the same
     * samples: {heard, actor}, the heard as 16-bit PCM carried it; null where no chunk reaches the stretch.
     */
    public float[][] heardAndActorAudio(long fromCaptureMicros, int samples) {
        long chunk = settings.audioChunkMicros();
        int chunkSamples = (int) (settings.sampleRate() * chunk / 1_000_000);
        long clockOffset = clock(Modality.AUDIO, epochMicros) - epochMicros;
        long toCaptureMicros = fromCaptureMicros + samples * 1_000_000L / settings.sampleRate();
        List<io.mmstream.media.AudioPatches.Chunk> heard = new ArrayList<>();
        List<io.mmstream.media.AudioPatches.Chunk> actor = new ArrayList<>();
        for (long k = Math.floorDiv(fromCaptureMicros - clockOffset - epochMicros, chunk) - 1;
             epochMicros + k * chunk + clockOffset < toCaptureMicros; k++) {
            long t = epochMicros + k * chunk;
            if (k < 0 || micMuted(t)) {
                continue;
            }
            long capture = clock(Modality.AUDIO, t);
            heard.add(new io.mmstream.media.AudioPatches.Chunk(capture, pcm(audioSamples(t, chunkSamples))));
            actor.add(new io.mmstream.media.AudioPatches.Chunk(capture, actorAudioSamples(t, chunkSamples)));
        }
        float[] heardOut = new float[samples];
        float[] actorOut = new float[samples];
        long first = io.mmstream.media.AudioPatches.samplePosition(fromCaptureMicros, settings.sampleRate());
        if (io.mmstream.media.AudioPatches.samples(settings.sampleRate(), first, heard, heardOut) == 0) {
            return null;
        }
        io.mmstream.media.AudioPatches.samples(settings.sampleRate(), first, actor, actorOut);
        return new float[][] {heardOut, actorOut};
    }

    /** The samples as 16-bit PCM carries them. */
    private static float[] pcm(float[] samples) {
        return Pcm.toMono(ByteBuffer.wrap(Pcm.toS16le(samples)), SampleFormat.PCM_S16LE, 1);
    }

    private long firstSample(long micros) {
        return Math.round((micros - epochMicros) * settings.sampleRate() / 1e6);
    }

    /** Background voices talking at that moment (0, 1 or 2). */
    public int voices(long micros) {
        return audio.voices(micros - epochMicros);
    }

    /** Whether someone walks through the picture at that moment. */
    public boolean passerBy(long micros) {
        return !Double.isNaN(renderer.passerByProgress(micros - epochMicros));
    }

    /** Whether the room's main light is off at that moment. */
    public boolean lightOff(long micros) {
        return renderer.lightOff(micros - epochMicros);
    }

    /** The actor's shirt colour in a word (red, orange, yellow, green, teal, blue, purple, pink). */
    public String shirtColour() {
        return renderer.shirtColour();
    }

    private List<AudioSynth.Audible> audible(long micros, int samples) {
        long end = micros + Math.round(samples * 1e6 / settings.sampleRate());
        List<AudioSynth.Audible> sounds = new ArrayList<>();
        for (SoundEvent event : soundEvents(micros - MAX_SOUND_MICROS - Math.abs(physicalAvOffsetMicros(micros)) - 1_000_000,
                end + Math.abs(physicalAvOffsetMicros(end)) + 1_000_000)) {
            long audible = event.visualMicros() + physicalAvOffsetMicros(event.visualMicros());
            if (audible < end && audible + event.kind().durationMicros() > micros) {
                sounds.add(new AudioSynth.Audible(event, audible - epochMicros));
            }
        }
        return sounds;
    }

    private byte[] audioChunk(long micros, long index) {
        int samples = (int) (settings.sampleRate() * settings.audioChunkMicros() / 1_000_000);
        return WireCodec.encode(AudioChunk.newBuilder().setStreamId(streamId).setCaptureTime(Times.ofMicros(clock(Modality.AUDIO, micros)))
                .setSeq(index).setSampleRate(settings.sampleRate()).setChannels(1).setFormat(SampleFormat.PCM_S16LE)
                .setData(ByteBuffer.wrap(Pcm.toS16le(audioSamples(micros, samples)))).build());
    }

    /** The IMU's six axes at that moment. */
    public float[] imuValues(long micros, long index) {
        List<SoundEvent> nearby = new ArrayList<>();
        for (SoundEvent event : soundEvents(micros - 100_000, micros + 100_000)) {
            nearby.add(new SoundEvent(event.visualMicros() - epochMicros, event.kind(), event.loudness()));
        }
        return imu.sample(this::poseAtStreamTime, micros - epochMicros, index, nearby);
    }

    /** {@code samples} IMU samples from {@code firstMicros} (true time), sample indices from {@code firstIndex}, as one batch. */
    private byte[] imuBatch(long firstMicros, long firstIndex, int samples) {
        long period = settings.imuPeriodMicros();
        List<Integer> offsets = new ArrayList<>(samples);
        List<Float> values = new ArrayList<>(samples * 6);
        for (int i = 0; i < samples; i++) {
            offsets.add((int) (i * period));
            for (float v : imuValues(firstMicros + i * period, firstIndex + i)) {
                values.add(v);
            }
        }
        return WireCodec.encode(SensorBatch.newBuilder().setStreamId(streamId).setSensorId("imu0")
                .setCaptureTime(Times.ofMicros(clock(Modality.SENSOR, firstMicros))).setKind("imu6").setOffsetsMicros(offsets).setValues(values).build());
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }
}
