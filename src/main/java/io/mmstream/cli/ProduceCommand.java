package io.mmstream.cli;

import io.mmstream.align.Modality;
import io.mmstream.media.MediaException;
import io.mmstream.media.MediaSources;
import io.mmstream.media.TimedRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Publishes real media (video, audio, sensor CSV) of one stream, with timestamps from the media. */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Publish a video and/or audio file (anything FFmpeg reads, or a camera device) and sensor CSV as one stream.")
final class ProduceCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    KafkaClientOptions kafkaClient;

    @Option(names = "--stream-id", required = true, description = "The stream's id (the Kafka key).")
    String streamId;

    @Option(names = "--video", description = "Video file or device, e.g. clip.mp4 or /dev/video0 (with --video-format v4l2).")
    String video;

    @Option(names = "--video-format", description = "FFmpeg input format for a device, e.g. v4l2.")
    String videoFormat;

    @Option(names = "--audio", description = "Audio file; without it the video's own audio track is used when it has one.")
    String audio;

    @Option(names = "--sensor", description = "CSV of sensor rows: seconds since start, then the values.")
    Path sensor;

    @Option(names = "--sensor-kind", defaultValue = "imu6", description = "Kind of the sensor values (default ${DEFAULT-VALUE}).")
    String sensorKind;

    @Option(names = "--fast", description = "As fast as possible (capture times end now) instead of in real time.")
    boolean fast;

    @Option(names = "--topic-prefix", defaultValue = "mm.", description = "Topics are PREFIX{video,audio,sensor} (default ${DEFAULT-VALUE}).")
    String topicPrefix;

    @Option(names = "--sample-rate", defaultValue = "16000", description = "Audio is resampled to this rate, mono (default ${DEFAULT-VALUE}).")
    int sampleRate;

    @Option(names = "--jpeg-quality", defaultValue = "85", description = "JPEG quality of the published frames (default ${DEFAULT-VALUE}).")
    int jpegQuality;

    @Override
    public Integer call() {
        if (video == null && audio == null && sensor == null) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "give at least one of --video, --audio, --sensor");
        }
        long now = System.currentTimeMillis() * 1000;
        long length = 0;
        if (fast) {
            length = Math.max(video == null ? 0 : MediaSources.durationMicros(video, videoFormat), audio == null ? 0 : MediaSources.durationMicros(audio, null));
        }
        long epoch = now - length;
        List<MediaSources.Source> sources = new ArrayList<>();
        try {
            if (video != null) {
                sources.add(MediaSources.video(video, videoFormat, epoch, streamId, jpegQuality));
            }
            if (audio != null) {
                sources.add(MediaSources.audio(audio, null, epoch, streamId, sampleRate, 100_000));
            } else if (video != null && videoFormat == null) {
                try {
                    sources.add(MediaSources.audio(video, null, epoch, streamId, sampleRate, 100_000));
                } catch (MediaException noAudioTrack) {
                    System.err.println(noAudioTrack.getMessage() + "; publishing video only");
                }
            }
            if (sensor != null) {
                sources.add(MediaSources.sensorCsv(sensor, epoch, streamId, "sensor0", sensorKind));
            }
            Map<Modality, Long> counts = publish(sources);
            System.out.printf(Locale.ROOT, "{\"streamId\": \"%s\", \"videoFrames\": %d, \"audioChunks\": %d, \"sensorRows\": %d}%n",
                    streamId, counts.getOrDefault(Modality.VIDEO, 0L), counts.getOrDefault(Modality.AUDIO, 0L), counts.getOrDefault(Modality.SENSOR, 0L));
            return 0;
        } finally {
            sources.forEach(MediaSources.Source::close);
        }
    }

    /** Merges the sources by capture time and sends each record, in real time unless --fast. */
    private Map<Modality, Long> publish(List<MediaSources.Source> sources) {
        record Head(TimedRecord record, MediaSources.Source source) {}
        PriorityQueue<Head> heads = new PriorityQueue<>((a, b) -> Long.compare(a.record().captureMicros(), b.record().captureMicros()));
        for (MediaSources.Source source : sources) {
            if (source.hasNext()) {
                heads.add(new Head(source.next(), source));
            }
        }
        Properties properties = kafkaClient.properties();
        Map<Modality, Long> counts = new EnumMap<>(Modality.class);
        byte[] key = streamId.getBytes(StandardCharsets.UTF_8);
        try (CheckedProducer producer = new CheckedProducer(properties)) {
            while (!heads.isEmpty()) {
                Head head = heads.poll();
                TimedRecord record = head.record();
                if (!fast) {
                    long wait = (record.captureMicros() - System.currentTimeMillis() * 1000) / 1000;
                    if (wait > 0) {
                        try {
                            Thread.sleep(wait); // real-time pacing to the media's own timestamps
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            break;
                        }
                    }
                }
                producer.send(topicPrefix + record.modality().wireName(), key, record.value());
                counts.merge(record.modality(), 1L, Long::sum);
                if (head.source().hasNext()) {
                    heads.add(new Head(head.source().next(), head.source()));
                }
            }
        }
        return counts;
    }
}
