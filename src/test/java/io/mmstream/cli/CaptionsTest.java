package io.mmstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmstream.codec.Times;
import io.mmstream.codec.WireCodec;
import io.mmstream.media.MediaException;
import io.mmstream.schema.TextEvent;
import io.mmstream.schema.TextSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Captions files as produce reads them: each cue one text event at its start, on the publishing clock. */
class CaptionsTest {

    private static final long EPOCH = 1_700_000_000_000_000L;

    private static List<TextEvent> read(Path file) throws Exception {
        List<TextEvent> events = new ArrayList<>();
        try (MediaSources.Source source = MediaSources.captions(file, EPOCH, "cam", "en")) {
            while (source.hasNext()) {
                events.add(WireCodec.decode(TextEvent.class, source.next().value()));
            }
        }
        return events;
    }

    @Test
    void subRipCuesBecomeTextEventsAtTheirStart(@TempDir Path dir) throws Exception {
        Path srt = dir.resolve("a.srt");
        Files.writeString(srt, "1\n00:00:01,250 --> 00:00:02,000\nHello <i>there</i>\nsecond line\n\n2\n01:00:00,000 --> 01:00:01,000\nan hour in\n");
        List<TextEvent> events = read(srt);
        assertThat(events).extracting(TextEvent::getText).containsExactly("Hello there\nsecond line", "an hour in");
        assertThat(events).extracting(e -> Times.micros(e.getCaptureTime())).containsExactly(EPOCH + 1_250_000, EPOCH + 3_600_000_000L);
        assertThat(events).allSatisfy(e -> {
            assertThat(e.getSource()).isEqualTo(TextSource.CAPTION);
            assertThat(e.getLanguage()).isEqualTo("en");
            assertThat(e.getStreamId()).isEqualTo("cam");
        });
    }

    @Test
    void webVttWithItsHeaderAndShortTimes(@TempDir Path dir) throws Exception {
        Path vtt = dir.resolve("a.vtt");
        Files.writeString(vtt, "WEBVTT\n\nNOTE made by hand\n\n00:02.500 --> 00:04.000 align:start\n<v Anna>Look left\n");
        assertThat(read(vtt)).singleElement().satisfies(e -> {
            assertThat(e.getText()).isEqualTo("Look left");
            assertThat(Times.micros(e.getCaptureTime())).isEqualTo(EPOCH + 2_500_000);
        });
    }

    @Test
    void aFileWithoutCuesIsRefusedByName(@TempDir Path dir) throws Exception {
        Path empty = dir.resolve("empty.srt");
        Files.writeString(empty, "not captions\n");
        assertThatThrownBy(() -> MediaSources.captions(empty, EPOCH, "cam", null)).isInstanceOf(MediaException.class)
                .hasMessageStartingWith(empty + ": no caption cues");
    }
}
