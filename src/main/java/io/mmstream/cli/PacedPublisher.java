package io.mmstream.cli;

import io.mmstream.align.Modality;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * Publishes tracks of one stream, each on two threads of its own: one decodes ahead (a bounded queue of records,
 * so a slow frame or the container's interleaving never holds another track back), the other sends each record
 * when its capture time comes. Every acknowledged record's lag (acknowledged at, less captured at) is kept for the
 * summary.
 */
final class PacedPublisher {

    /** One track (video, audio or sensor rows): pass N opens its records for the Nth replay of the input. */
    record Track(Modality modality, IntFunction<MediaSources.Source> pass) {}

    /** What was published: records per modality and the lags, sorted. */
    record Summary(Map<Modality, Long> counts, long[] lagsMillis) {

        long count(Modality modality) {
            return counts.getOrDefault(modality, 0L);
        }

        /** The lag at this quantile (0.5, 0.99, 1 = max), in milliseconds; 0 when nothing was published. */
        long lagPercentile(double quantile) {
            if (lagsMillis.length == 0) {
                return 0;
            }
            return lagsMillis[(int) Math.min(lagsMillis.length - 1, Math.ceil(quantile * lagsMillis.length) - 1 < 0 ? 0
                    : Math.ceil(quantile * lagsMillis.length) - 1)];
        }
    }

    /** Records decoded ahead of their time, per track: about 4 s of 30 fps video. */
    private static final int READ_AHEAD = 128;
    private static final TimedRecord END = new TimedRecord(Modality.SENSOR, Long.MAX_VALUE, new byte[0]);

    private final Properties properties;
    private final String topicPrefix;
    private final byte[] key;
    private final boolean paced;

    /** @param paced wait for each record's capture time; otherwise send as fast as the tracks decode */
    PacedPublisher(Properties properties, String topicPrefix, String streamId, boolean paced) {
        this.properties = properties;
        this.topicPrefix = topicPrefix;
        this.key = streamId.getBytes(StandardCharsets.UTF_8);
        this.paced = paced;
    }

    Summary publish(List<Track> tracks, int passes) throws InterruptedException {
        Map<Modality, AtomicLong> counts = new EnumMap<>(Modality.class);
        List<Long> lags = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(2 * tracks.size(), runnable -> {
            Thread thread = new Thread(runnable, "produce");
            thread.setDaemon(true);
            return thread;
        });
        try (CheckedProducer producer = new CheckedProducer(properties)) {
            List<Future<?>> running = new ArrayList<>();
            for (Track track : tracks) {
                BlockingQueue<TimedRecord> queue = new ArrayBlockingQueue<>(READ_AHEAD);
                AtomicLong count = counts.computeIfAbsent(track.modality(), m -> new AtomicLong());
                running.add(threads.submit(() -> read(track, passes, queue)));
                running.add(threads.submit(() -> send(track, queue, producer, count, lags)));
            }
            for (Future<?> future : running) {
                try {
                    future.get();
                } catch (ExecutionException e) {
                    running.forEach(other -> other.cancel(true));
                    if (e.getCause() instanceof RuntimeException runtime) {
                        throw runtime;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            threads.shutdownNow();
        }
        long[] sorted;
        synchronized (lags) {
            sorted = lags.stream().mapToLong(Long::longValue).toArray();
        }
        Arrays.sort(sorted);
        Map<Modality, Long> totals = new EnumMap<>(Modality.class);
        counts.forEach((modality, count) -> totals.put(modality, count.get()));
        return new Summary(totals, sorted);
    }

    private Void read(Track track, int passes, BlockingQueue<TimedRecord> queue) throws InterruptedException {
        try {
            for (int pass = 0; pass < passes; pass++) {
                try (MediaSources.Source source = track.pass().apply(pass)) {
                    while (source.hasNext()) {
                        queue.put(source.next());
                    }
                }
            }
        } finally {
            // the end marker waits for room like any record (a full queue at the end of a fast-decoding file lost it once, and
            // its sender waited forever); a failed read ends its sender too, the failure reaching the caller through the future
            queue.put(END);
        }
        return null;
    }

    private Void send(Track track, BlockingQueue<TimedRecord> queue, CheckedProducer producer, AtomicLong count, List<Long> lags)
            throws InterruptedException {
        String topic = topicPrefix + track.modality().wireName();
        for (TimedRecord record = queue.take(); record != END; record = queue.take()) {
            if (paced) {
                long waitMillis = (record.captureMicros() - System.currentTimeMillis() * 1000) / 1000;
                if (waitMillis > 0) {
                    Thread.sleep(waitMillis);
                }
            }
            long captureMillis = record.captureMicros() / 1000;
            producer.send(topic, key, record.value(), () -> {
                synchronized (lags) {
                    lags.add(System.currentTimeMillis() - captureMillis);
                }
            });
            count.incrementAndGet();
        }
        return null;
    }
}
