package io.mmstream.cli;

import io.mmstream.align.Modality;
import io.mmstream.media.Anchor;
import io.mmstream.media.JpegEncoder;
import io.mmstream.media.MediaException;
import io.mmstream.codec.Times;
import io.mmstream.codec.WireCodec;
import io.mmstream.schema.AudioChunk;
import io.mmstream.schema.ImageEncoding;
import io.mmstream.schema.SampleFormat;
import io.mmstream.schema.SensorBatch;
import io.mmstream.schema.TextEvent;
import io.mmstream.schema.TextSource;
import io.mmstream.schema.VideoFrame;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegLogCallback;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.javacv.Java2DFrameConverter;

/**
 * Real media as wire records: video frames and audio from anything FFmpeg reads (files of any container and codec,
 * camera devices, stream URLs), sensor rows from CSV. Capture time comes from the media's own presentation time,
 * counted from the container's start time, through an {@link Anchor}.
 */
public final class MediaSources {

    /** A source of records in capture order; close it to free FFmpeg's native resources. */
    public interface Source extends Iterator<TimedRecord>, AutoCloseable {
        @Override
        void close();
    }

    /** The longest span of sensor rows sent as one SensorBatch. */
    static final long SENSOR_BATCH_MICROS = 100_000;

    private MediaSources() {}

    /**
     * @param format FFmpeg input format, e.g. v4l2 for a camera device; null to let FFmpeg guess from the file
     * @throws MediaException naming the file when it is missing or FFmpeg cannot read it
     */
    public static Source video(String file, String format, Anchor anchor, String streamId, int jpegQuality) {
        FFmpegFrameGrabber grabber = open(file, format, null);
        if (grabber.getVideoStream() < 0 && grabber.getImageWidth() <= 0) {
            close(grabber);
            throw new MediaException(file + ": has no video stream");
        }
        Java2DFrameConverter converter = new Java2DFrameConverter();
        long start = startMicros(grabber);
        return new GrabberSource(grabber, file) {
            private long seq;

            @Override
            TimedRecord grabNext() throws FrameGrabber.Exception {
                Frame frame = grabber.grabImage();
                if (frame == null) {
                    return null;
                }
                var image = converter.convert(frame);
                long capture = anchor.captureMicros(frame.timestamp - start);
                byte[] jpeg = JpegEncoder.encode(image, jpegQuality);
                return new TimedRecord(Modality.VIDEO, capture, WireCodec.encode(VideoFrame.newBuilder().setStreamId(streamId)
                        .setCaptureTime(Times.ofMicros(capture)).setSeq(seq++).setWidth(image.getWidth()).setHeight(image.getHeight())
                        .setEncoding(ImageEncoding.JPEG).setData(ByteBuffer.wrap(jpeg)).build()));
            }
        };
    }

    /**
     * Audio resampled by FFmpeg to 16-bit PCM at sampleRate with the given channels (interleaved), cut into chunks of
     * chunkMicros (the last may be shorter).
     */
    public static Source audio(String file, String format, Anchor anchor, String streamId, int sampleRate, int channels, long chunkMicros) {
        FFmpegFrameGrabber grabber = open(file, format, g -> {
            g.setSampleRate(sampleRate);
            g.setAudioChannels(channels);
            g.setSampleFormat(avutil.AV_SAMPLE_FMT_S16);
        });
        if (grabber.getAudioStream() < 0 && grabber.getAudioChannels() <= 0) {
            close(grabber);
            throw new MediaException(file + ": has no audio stream");
        }
        int chunkSamples = (int) (sampleRate * chunkMicros / 1_000_000) * channels;
        long start = startMicros(grabber);
        return new GrabberSource(grabber, file) {
            private short[] buffered = new short[4 * chunkSamples];
            private int filled;
            private long firstSampleMicros = -1;
            private long samplesEmitted;
            private long seq;
            private boolean ended;

            @Override
            TimedRecord grabNext() throws FrameGrabber.Exception {
                while (!ended && filled < chunkSamples) {
                    Frame frame = grabber.grabSamples();
                    if (frame == null) {
                        ended = true;
                        break;
                    }
                    if (firstSampleMicros < 0) {
                        firstSampleMicros = Math.max(0, frame.timestamp - start);
                    }
                    ShortBuffer samples = (ShortBuffer) frame.samples[0];
                    if (filled + samples.remaining() > buffered.length) {
                        buffered = Arrays.copyOf(buffered, 2 * (filled + samples.remaining()));
                    }
                    int count = samples.remaining();
                    samples.get(buffered, filled, count);
                    filled += count;
                }
                if (filled == 0) {
                    return null;
                }
                int count = Math.min(filled, chunkSamples);
                ByteBuffer pcm = ByteBuffer.allocate(count * 2).order(ByteOrder.LITTLE_ENDIAN);
                pcm.asShortBuffer().put(buffered, 0, count);
                System.arraycopy(buffered, count, buffered, 0, filled - count);
                filled -= count;
                // counted in samples from the first, so that chunks tile the track exactly whatever the frames' timestamps
                long capture = anchor.captureMicros(firstSampleMicros + Math.round(samplesEmitted / channels * 1e6 / sampleRate));
                samplesEmitted += count;
                return new TimedRecord(Modality.AUDIO, capture, WireCodec.encode(AudioChunk.newBuilder().setStreamId(streamId)
                        .setCaptureTime(Times.ofMicros(capture)).setSeq(seq++).setSampleRate(sampleRate)
                        .setChannels(channels).setFormat(SampleFormat.PCM_S16LE).setData(pcm).build()));
            }
        };
    }

    private static final java.util.regex.Pattern CUE_TIMING = java.util.regex.Pattern.compile(
            "\\s*((?:\\d+:)?\\d{1,2}:\\d{2}[,.]\\d{3})\\s*-->\\s*((?:\\d+:)?\\d{1,2}:\\d{2}[,.]\\d{3}).*");

    /**
     * Captions of a SubRip (.srt) or WebVTT (.vtt) file as text events, each at its cue's start: the cue's lines
     * joined by line breaks, markup tags removed.
     *
     * @param language BCP 47 tag of the captions, or null when unknown
     */
    public static Source captions(Path file, long epochMicros, String streamId, String language) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new MediaException(file + ": cannot be read: " + e.getMessage());
        }
        List<TimedRecord> cues = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            java.util.regex.Matcher timing = CUE_TIMING.matcher(lines.get(i));
            if (!timing.matches()) {
                continue;
            }
            StringBuilder text = new StringBuilder();
            for (i++; i < lines.size() && !lines.get(i).isBlank(); i++) {
                text.append(text.length() == 0 ? "" : "\n").append(lines.get(i).replaceAll("<[^>]*>", "").strip());
            }
            if (text.toString().isBlank()) {
                continue;
            }
            long capture = epochMicros + cueMicros(timing.group(1));
            cues.add(new TimedRecord(Modality.TEXT, capture, WireCodec.encode(TextEvent.newBuilder().setStreamId(streamId)
                    .setCaptureTime(Times.ofMicros(capture)).setSource(TextSource.CAPTION).setText(text.toString()).setLanguage(language).build())));
        }
        if (cues.isEmpty()) {
            throw new MediaException(file + ": no caption cues (SubRip or WebVTT: a line 'start --> end', then the text)");
        }
        Iterator<TimedRecord> each = cues.iterator();
        return new Source() {
            @Override
            public boolean hasNext() {
                return each.hasNext();
            }

            @Override
            public TimedRecord next() {
                return each.next();
            }

            @Override
            public void close() {}
        };
    }

    /** A cue time, [hours:]minutes:seconds,millis (SubRip) or .millis (WebVTT), in microseconds. */
    private static long cueMicros(String time) {
        String[] parts = time.replace(',', '.').split(":");
        double seconds = Double.parseDouble(parts[parts.length - 1]);
        long minutes = Long.parseLong(parts[parts.length - 2]);
        long hours = parts.length == 3 ? Long.parseLong(parts[0]) : 0;
        return (hours * 3600 + minutes * 60) * 1_000_000 + Math.round(seconds * 1e6);
    }

    /**
     * Sensor rows: the first column is seconds since the start, the others the values; a first line that is not
     * numbers is a header and is skipped. Rows go out in batches (SensorBatch) of up to {@link #SENSOR_BATCH_MICROS},
     * each sent when its last row's time comes; a row whose time is not after the previous one's, or with another
     * number of values, starts a new batch, so that one odd row never spoils its neighbours.
     */
    public static Source sensorCsv(Path csv, long epochMicros, String streamId, String sensorId, String kind) {
        BufferedReader reader;
        try {
            reader = Files.newBufferedReader(csv);
        } catch (IOException e) {
            throw new MediaException(csv + ": cannot be read: " + e.getMessage());
        }
        return new Source() {
            private int line;
            /** The row read but not yet sent: its time and values (null when none). */
            private long pendingTime;
            private List<Float> pendingValues;
            private TimedRecord next = advance();

            /** Reads the next row into pendingTime and pendingValues; false at the end of the file. */
            private boolean readRow() throws IOException {
                String text;
                while ((text = reader.readLine()) != null) {
                    line++;
                    if (text.isBlank()) {
                        continue;
                    }
                    String[] cells = text.split(",");
                    try {
                        long capture = epochMicros + Math.round(Double.parseDouble(cells[0].trim()) * 1e6);
                        List<Float> values = new ArrayList<>();
                        for (int i = 1; i < cells.length; i++) {
                            values.add(Float.parseFloat(cells[i].trim()));
                        }
                        pendingTime = capture;
                        pendingValues = values;
                        return true;
                    } catch (NumberFormatException e) {
                        if (line > 1) {
                            throw new MediaException(csv + ": line " + line + " is not numbers: '" + text + "'");
                        }
                    }
                }
                pendingValues = null;
                return false;
            }

            private TimedRecord advance() {
                try {
                    if (pendingValues == null && !readRow()) {
                        return null;
                    }
                    long first = pendingTime;
                    long last = first;
                    int arity = pendingValues.size();
                    List<Integer> offsets = new ArrayList<>();
                    List<Float> values = new ArrayList<>();
                    do {
                        last = pendingTime;
                        offsets.add((int) (last - first));
                        values.addAll(pendingValues);
                    } while (readRow() && pendingTime > last && pendingTime - first < SENSOR_BATCH_MICROS && pendingValues.size() == arity);
                    return new TimedRecord(Modality.SENSOR, last, WireCodec.encode(SensorBatch.newBuilder().setStreamId(streamId).setSensorId(sensorId)
                            .setCaptureTime(Times.ofMicros(first)).setKind(kind).setOffsetsMicros(offsets).setValues(values).build()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public TimedRecord next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                TimedRecord current = next;
                next = advance();
                return current;
            }

            @Override
            public void close() {
                try {
                    reader.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    /** The container's start time (a non-zero first timestamp, common in MPEG-TS and edited MP4), 0 when it has none. */
    private static long startMicros(FFmpegFrameGrabber grabber) {
        long start = grabber.getFormatContext().start_time();
        return start == avutil.AV_NOPTS_VALUE ? 0 : Math.max(0, start);
    }

    /** Whether FFmpeg opens this as a live input: a device (an input format given) or a network stream. */
    public static boolean isLive(String input, String format) {
        return (format != null && !format.isBlank()) || input.matches("(?i)(rtsp|rtsps|rtmp|http|https|udp|tcp|srt)://.*");
    }

    /** Whether FFmpeg finds an audio stream in the file. */
    public static boolean hasAudio(String file) {
        FFmpegFrameGrabber grabber = open(file, null, null);
        try {
            return grabber.getAudioStream() >= 0 || grabber.getAudioChannels() > 0;
        } finally {
            close(grabber);
        }
    }

    /** Length of the media in microseconds, 0 when unknown (a live device). */
    public static long durationMicros(String file, String format) {
        FFmpegFrameGrabber grabber = open(file, format, null);
        try {
            return Math.max(0, grabber.getLengthInTime());
        } finally {
            close(grabber);
        }
    }

    private static FFmpegFrameGrabber open(String file, String format, java.util.function.Consumer<FFmpegFrameGrabber> configure) {
        boolean device = format != null && !format.isBlank();
        if (!isLive(file, format) && !Files.isReadable(Path.of(file))) {
            throw new MediaException(file + ": no such file, or it cannot be read");
        }
        FFmpegLogCallback.setLevel(avutil.AV_LOG_ERROR);
        FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(file);
        if (device) {
            grabber.setFormat(format);
        }
        if (configure != null) {
            configure.accept(grabber);
        }
        try {
            // one start at a time: several publishers in one JVM (the tests) then never race in FFmpeg's global start-up state
            synchronized (MediaSources.class) {
                grabber.start();
            }
        } catch (FrameGrabber.Exception e) {
            close(grabber);
            throw new MediaException(file + ": FFmpeg cannot read it: " + e.getMessage());
        }
        return grabber;
    }

    private static void close(FFmpegFrameGrabber grabber) {
        try {
            synchronized (MediaSources.class) {
                grabber.close();
            }
        } catch (FrameGrabber.Exception e) {
            // closing after a failed start: nothing more to free
        }
    }

    /** Pulls records from a grabber one ahead, so hasNext() can answer. */
    private abstract static class GrabberSource implements Source {
        private final FFmpegFrameGrabber grabber;
        private final String file;
        private TimedRecord next;
        private boolean fetched;

        GrabberSource(FFmpegFrameGrabber grabber, String file) {
            this.grabber = grabber;
            this.file = file;
        }

        abstract TimedRecord grabNext() throws FrameGrabber.Exception;

        @Override
        public boolean hasNext() {
            if (!fetched) {
                try {
                    next = grabNext();
                } catch (FrameGrabber.Exception e) {
                    throw new MediaException(file + ": FFmpeg failed while reading: " + e.getMessage());
                }
                fetched = true;
            }
            return next != null;
        }

        @Override
        public TimedRecord next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            fetched = false;
            return next;
        }

        @Override
        public void close() {
            MediaSources.close(grabber);
        }
    }
}
