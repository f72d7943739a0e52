package io.mmstream.cli;

import io.mmstream.align.Modality;
import io.mmstream.media.Anchor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Publishes real media (video, audio, sensor CSV) of one stream, with timestamps from the media: every track when
 * its capture time comes (the wall clock at start plus its presentation time), each on its own thread so that no
 * track waits behind another's decoding or the container's interleaving; a live input as it arrives.
 */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Publish a video and/or audio file (anything FFmpeg reads, or a camera device) and sensor CSV as one stream.")
final class ProduceCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    KafkaClientOptions kafkaClient;

    @Option(names = "--stream-id", required = true, description = "The stream's id (the Kafka key).")
    String streamId;

    @Option(names = "--video", description = "Video file, device or stream URL, e.g. clip.mp4, /dev/video0 (with --video-format v4l2), "
            + "rtsp://camera/stream.")
    String video;

    @Option(names = "--video-format", description = "FFmpeg input format for a device, e.g. v4l2.")
    String videoFormat;

    @Option(names = "--audio", description = "Audio file; without it the video's own audio track is used when it has one.")
    String audio;

    @Option(names = "--sensor", description = "CSV of sensor rows: seconds since start, then the values.")
    Path sensor;

    @Option(names = "--sensor-kind", defaultValue = "imu6", description = "Kind of the sensor values (default ${DEFAULT-VALUE}).")
    String sensorKind;

    @Option(names = "--captions", description = "Captions (SubRip .srt or WebVTT .vtt), published as text events at their cues' "
            + "start times, on the same clock as the video and audio.")
    Path captions;

    @Option(names = "--language", description = "BCP 47 tag of the captions' language, e.g. en (default: unknown).")
    String language;

    @Option(names = "--fast", description = "As fast as possible (capture times end now) instead of in real time.")
    boolean fast;

    @Option(names = "--loop", defaultValue = "1", description = "Publish the files this many times, each pass continuing the "
            + "capture times where the last ended (default ${DEFAULT-VALUE}); not for live inputs.")
    int loop;

    @Option(names = "--topic-prefix", defaultValue = "mm.", description = "Topics are PREFIX{video,audio,sensor,text} (default ${DEFAULT-VALUE}).")
    String topicPrefix;

    @Option(names = "--sample-rate", defaultValue = "16000", description = "Audio is published at this rate (default ${DEFAULT-VALUE}; "
            + "the job resamples any rate to its models').")
    int sampleRate;

    @Option(names = "--audio-channels", defaultValue = "1", description = "Audio is published with this many channels (default ${DEFAULT-VALUE}; "
            + "the job mixes them down).")
    int audioChannels;

    @Option(names = "--jpeg-quality", defaultValue = "85", description = "JPEG quality of the published frames (default ${DEFAULT-VALUE}).")
    int jpegQuality;

    @Override
    public Integer call() throws InterruptedException {
        picocli.CommandLine commandLine = new picocli.CommandLine(this);
        if (video == null && audio == null && sensor == null && captions == null) {
            throw new picocli.CommandLine.ParameterException(commandLine, "give at least one of --video, --audio, --sensor, --captions");
        }
        boolean live = (video != null && MediaSources.isLive(video, videoFormat)) || (audio != null && MediaSources.isLive(audio, null));
        if (loop < 1 || (live && loop != 1)) {
            throw new picocli.CommandLine.ParameterException(commandLine, "--loop must be 1 or more, and 1 for a live input");
        }
        if (live && fast) {
            throw new picocli.CommandLine.ParameterException(commandLine, "--fast reads a file; a live input comes at its own pace");
        }
        long period = live ? 0 : Math.max(video == null ? 0 : MediaSources.durationMicros(video, videoFormat),
                audio == null ? 0 : MediaSources.durationMicros(audio, null));
        long now = System.currentTimeMillis() * 1000;
        long epoch = fast ? now - loop * period : now;
        // one anchor for all tracks of a live input, set by the first frame to arrive
        Anchor liveAnchor = Anchor.firstArrival(() -> System.currentTimeMillis() * 1000);
        List<PacedPublisher.Track> tracks = new ArrayList<>();
        if (video != null) {
            tracks.add(track(Modality.VIDEO, pass -> MediaSources.video(video, videoFormat, anchor(live, liveAnchor, epoch, period, pass),
                    streamId, jpegQuality)));
        }
        String audioInput = audio != null ? audio : video != null && videoFormat == null && MediaSources.hasAudio(video) ? video : null;
        if (video != null && audio == null && audioInput == null) {
            System.err.println(video + ": has no audio stream; publishing video only");
        }
        if (audioInput != null) {
            tracks.add(track(Modality.AUDIO, pass -> MediaSources.audio(audioInput, null, anchor(live, liveAnchor, epoch, period, pass),
                    streamId, sampleRate, audioChannels, 100_000)));
        }
        if (sensor != null) {
            tracks.add(track(Modality.SENSOR, pass -> MediaSources.sensorCsv(sensor, epoch + pass * period, streamId, "sensor0", sensorKind)));
        }
        if (captions != null) {
            tracks.add(track(Modality.TEXT, pass -> MediaSources.captions(captions, epoch + pass * period, streamId, language)));
        }
        PacedPublisher.Summary summary = new PacedPublisher(kafkaClient.properties(), topicPrefix, streamId, !fast && !live).publish(tracks, loop);
        System.out.printf(Locale.ROOT, "{\"streamId\": \"%s\", \"videoFrames\": %d, \"audioChunks\": %d, \"sensorRows\": %d, \"texts\": %d, "
                        + "\"lagMillis\": {\"p50\": %d, \"p99\": %d, \"max\": %d}}%n",
                streamId, summary.count(Modality.VIDEO), summary.count(Modality.AUDIO), summary.count(Modality.SENSOR), summary.count(Modality.TEXT),
                summary.lagPercentile(0.5), summary.lagPercentile(0.99), summary.lagPercentile(1.0));
        return 0;
    }

    private static PacedPublisher.Track track(Modality modality, java.util.function.IntFunction<MediaSources.Source> pass) {
        return new PacedPublisher.Track(modality, pass);
    }

    /** A file's pass N starts where pass N - 1 ended; a live input has one anchor, set by its first frame. */
    private static Anchor anchor(boolean live, Anchor liveAnchor, long epoch, long period, int pass) {
        return live ? liveAnchor : Anchor.fixed(epoch + pass * period);
    }
}
