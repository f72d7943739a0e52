package io.mmstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmstream.align.Modality;
import io.mmstream.codec.Decoded;
import io.mmstream.codec.InputDecoder;
import io.mmstream.codec.SensorSample;
import io.mmstream.codec.Times;
import io.mmstream.codec.ValidationLimits;
import io.mmstream.codec.WireCodec;
import io.mmstream.config.JobConfig;
import io.mmstream.job.Pipeline;
import io.mmstream.kafka.EmbeddedKafka;
import io.mmstream.schema.AudioChunk;
import io.mmstream.schema.ImageEncoding;
import io.mmstream.schema.VideoFrame;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Java2DFrameConverter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `produce` on an MP4, a WAV and a CSV written here, to a real broker: every frame, every sample, every row arrives. */
class ProduceCommandTest {

    private static final int FRAMES = 30;
    private static final int SAMPLES = 24_000;
    private static final int ROWS = 50;
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start();
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            admin.createTopics(List.of(new NewTopic("p.video", 1, (short) 1), new NewTopic("p.audio", 1, (short) 1),
                    new NewTopic("p.sensor", 1, (short) 1))).all().get();
        }
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    private static void writeVideo(Path file) throws Exception {
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(file.toString(), 64, 48);
             Java2DFrameConverter converter = new Java2DFrameConverter()) {
            recorder.setFormat("mp4");
            recorder.setVideoCodec(avcodec.AV_CODEC_ID_MPEG4);
            recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            recorder.setFrameRate(15);
            recorder.start();
            for (int i = 0; i < FRAMES; i++) {
                BufferedImage image = new BufferedImage(64, 48, BufferedImage.TYPE_3BYTE_BGR);
                Graphics2D g = image.createGraphics();
                g.setColor(Color.GREEN);
                g.fillRect(2 * i, 10, 8, 8);
                g.dispose();
                recorder.record(converter.convert(image));
            }
            recorder.stop();
        }
    }

    private static void writeTone(Path file) throws Exception {
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(file.toString(), 1)) {
            recorder.setFormat("wav");
            recorder.setAudioCodec(avcodec.AV_CODEC_ID_PCM_S16LE);
            recorder.setSampleRate(16_000);
            recorder.start();
            short[] samples = new short[SAMPLES];
            for (int i = 0; i < SAMPLES; i++) {
                samples[i] = (short) (8000 * Math.sin(2 * Math.PI * 440 * i / 16_000.0));
            }
            recorder.recordSamples(16_000, 1, ShortBuffer.wrap(samples));
            recorder.stop();
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        Properties properties = kafka.clientProperties();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            while (consumer.position(partition) < end) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }

    @Test
    void everyFrameSampleAndRowOfTheFilesIsPublished(@TempDir Path dir) throws Exception {
        Path video = dir.resolve("clip.mp4");
        Path audio = dir.resolve("tone.wav");
        Path sensor = dir.resolve("imu.csv");
        writeVideo(video);
        writeTone(audio);
        StringBuilder csv = new StringBuilder("time,ax,ay,az,gx,gy,gz\n");
        for (int i = 0; i < ROWS; i++) {
            csv.append(i * 0.02).append(",0.1,0.2,9.8,0,0,").append(i).append('\n');
        }
        Files.writeString(sensor, csv);

        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute("produce", "--bootstrap", kafka.bootstrapServers(), "--stream-id", "cam-1",
                "--video", video.toString(), "--audio", audio.toString(), "--sensor", sensor.toString(), "--fast", "--topic-prefix", "p.");
        assertThat(exitCode).as(err.toString()).isZero();

        List<ConsumerRecord<byte[], byte[]>> frames = readAll("p.video");
        assertThat(frames).hasSize(FRAMES);
        for (int i = 0; i < FRAMES; i++) {
            VideoFrame frame = WireCodec.decode(VideoFrame.class, frames.get(i).value());
            assertThat(frame.getStreamId()).isEqualTo("cam-1");
            assertThat(frame.getWidth()).isEqualTo(64);
            assertThat(frame.getHeight()).isEqualTo(48);
            assertThat(frame.getEncoding()).isEqualTo(ImageEncoding.JPEG);
            assertThat(frame.getSeq()).isEqualTo(i);
            if (i > 0) {
                long step = Times.micros(frame.getCaptureTime()) - Times.micros(WireCodec.decode(VideoFrame.class, frames.get(i - 1).value()).getCaptureTime());
                assertThat(step).as("frame period from the media timestamps").isBetween(66_000L, 67_400L);
            }
        }
        long samples = 0;
        for (ConsumerRecord<byte[], byte[]> record : readAll("p.audio")) {
            AudioChunk chunk = WireCodec.decode(AudioChunk.class, record.value());
            assertThat(chunk.getSampleRate()).isEqualTo(16_000);
            samples += chunk.getData().remaining() / 2;
        }
        assertThat(samples).as("1.5 s of audio").isEqualTo(SAMPLES);
        // every row once, in its order and at its time, in batches of 100 ms (5 rows at 50 Hz)
        List<ConsumerRecord<byte[], byte[]>> batches = readAll("p.sensor");
        assertThat(batches).hasSize(ROWS / 5);
        List<SensorSample> rows = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> batch : batches) {
            rows.addAll(SensorSample.of(batch.value()));
        }
        assertThat(rows).hasSize(ROWS);
        for (int i = 0; i < ROWS; i++) {
            assertThat(rows.get(i).captureMicros() - rows.get(0).captureMicros()).isEqualTo(i * 20_000L);
            assertThat(rows.get(i).values()).containsExactly(0.1f, 0.2f, 9.8f, 0f, 0f, i);
        }

        // what FFmpeg made of real encoded media passes the job's own input checks, with the job's default limits
        ValidationLimits limits = Pipeline.validationLimits(JobConfig.defaults(Map.of()));
        for (Modality modality : Modality.values()) {
            InputDecoder decoder = new InputDecoder(modality, limits, InputDecoder.systemClockMicros());
            for (ConsumerRecord<byte[], byte[]> record : readAll("p." + modality.wireName())) {
                for (Decoded decoded : decoder.decode(record.topic(), record.partition(), record.offset(), record.key(), record.value())) {
                    assertThat(decoded.isAccepted()).as("%s %s", modality, decoded.rejection()).isTrue();
                }
            }
        }
    }

    @Test
    void aMissingFileIsOneClearErrorThatNamesIt(@TempDir Path dir) {
        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setErr(new PrintWriter(err));
        Path missing = dir.resolve("nope.mp4");

        int exitCode = commandLine.execute("produce", "--bootstrap", kafka.bootstrapServers(), "--stream-id", "x", "--video", missing.toString());

        assertThat(exitCode).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("error: " + missing + ": no such file, or it cannot be read" + System.lineSeparator());
    }
}
