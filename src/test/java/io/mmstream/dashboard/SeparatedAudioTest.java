package io.mmstream.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mmstream.codec.Times;
import io.mmstream.media.Pcm;
import io.mmstream.schema.AudioChunk;
import io.mmstream.schema.SampleFormat;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;

/** The dashboard's separated audio: figures per stream, and the last seconds as a WAV file the JDK's own reader accepts. */
class SeparatedAudioTest {

    private static final int RATE = 16_000;
    private static final long T0 = 1_700_000_000_000_000L;

    @Test
    void theClipHoldsTheLastFiveSecondsOnTheirCaptureTimesWithSilenceWhereNothingCame() throws Exception {
        SeparatedAudio audio = new SeparatedAudio(Duration.ofMinutes(10));
        // seconds 0..6 of a tone, second 4 never published (the job shed it)
        for (int second = 0; second < 7; second++) {
            if (second != 4) {
                audio.add(chunk("cam-1", second, tone(second)), 0);
            }
        }
        byte[] wav = audio.wav("cam-1");
        try (AudioInputStream in = AudioSystem.getAudioInputStream(new ByteArrayInputStream(wav))) {
            AudioFormat format = in.getFormat();
            assertThat(format.getSampleRate()).isEqualTo(RATE);
            assertThat(format.getChannels()).isEqualTo(1);
            assertThat(format.getSampleSizeInBits()).isEqualTo(16);
            assertThat(in.getFrameLength()).isEqualTo(5L * RATE);
            ByteBuffer samples = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            // seconds 2..6: the bytes of seconds 2, 3, 5 and 6 as written, second 4 silent
            for (int second = 2; second < 7; second++) {
                byte[] expected = second == 4 ? new byte[2 * RATE] : Pcm.toS16le(tone(second));
                byte[] got = new byte[2 * RATE];
                samples.get(got);
                assertThat(got).as("second %d", second).isEqualTo(expected);
            }
        }
        ObjectNode figures = new ObjectMapper().createObjectNode();
        audio.putChanges(figures);
        assertThat(figures.get("cam-1").get("seconds").asDouble()).isEqualTo(6.0);
        // a sine of amplitude 0.1: RMS 0.0707, -23 dB
        assertThat(figures.get("cam-1").get("levelDb").asDouble()).isCloseTo(-23.0, org.assertj.core.data.Offset.offset(0.1));
        assertThat(figures.get("cam-1").get("end").asLong()).isEqualTo(T0 / 1000 + 7000);
        assertThat(audio.hasChanges()).isFalse();
        assertThat(audio.wav("cam-2")).isNull();
    }

    @Test
    void aChunkNoAudioHasIsRefusedAndTheStreamsHeldAreCapped() {
        SeparatedAudio audio = new SeparatedAudio(Duration.ofMinutes(10));
        AudioChunk noRate = AudioChunk.newBuilder(chunk("cam-1", 0, tone(0))).setSampleRate(0).build();
        assertThatThrownBy(() -> audio.add(noRate, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sampleRate=0");
        AudioChunk noChannels = AudioChunk.newBuilder(chunk("cam-1", 0, tone(0))).setChannels(0).build();
        assertThatThrownBy(() -> audio.add(noChannels, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("channels=0");
        assertThat(audio.wav("cam-1")).isNull();

        for (int s = 0; s < SeparatedAudio.MAX_STREAMS + 10; s++) {
            audio.add(chunk("cam-" + s, 0, new float[160]), s);
        }
        ObjectNode all = new ObjectMapper().createObjectNode();
        audio.putAll(all, SeparatedAudio.MAX_STREAMS + 10);
        assertThat(all.size()).isEqualTo(SeparatedAudio.MAX_STREAMS);
        assertThat(all.has("cam-9")).as("the least recently heard go first").isFalse();
        assertThat(all.has("cam-10")).isTrue();
        // silence has a floor, not minus infinity
        assertThat(all.get("cam-10").get("levelDb").asDouble()).isEqualTo(-90.0);
        // and a stream silent for longer than the time to live is forgotten
        audio.putAll(all.removeAll(), 10 * 60_000 + SeparatedAudio.MAX_STREAMS + 10);
        assertThat(all.size()).isZero();
    }

    private static float[] tone(int second) {
        float[] samples = new float[RATE];
        for (int i = 0; i < RATE; i++) {
            samples[i] = (float) (0.1 * Math.sin(2 * Math.PI * (220 + 20 * second) * i / RATE));
        }
        return samples;
    }

    private static AudioChunk chunk(String stream, int second, float[] samples) {
        return AudioChunk.newBuilder().setStreamId(stream).setCaptureTime(Times.ofMicros(T0 + second * 1_000_000L)).setSeq(second)
                .setSampleRate(RATE).setChannels(1).setFormat(SampleFormat.PCM_S16LE).setData(ByteBuffer.wrap(Pcm.toS16le(samples))).build();
    }
}
