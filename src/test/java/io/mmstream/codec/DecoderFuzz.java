package io.mmstream.codec;

import static io.mmstream.codec.WireRecordsFixtures.*;

import io.mmstream.align.Modality;
import io.mmstream.schema.ImageEncoding;
import io.mmstream.schema.SampleFormat;
import io.mmstream.sim.SceneSimulator;
import io.mmstream.sim.SimRecord;
import io.mmstream.sim.SimulationSettings;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Run in a JVM of its own with a small heap by {@link DecoderFuzzTest}: mutated records of every input type, and the
 * hostile records whole, through the input decoder. Prints one summary line; exits 1 when anything escaped the decoder
 * or a rejection shows that it over-allocated.
 */
public final class DecoderFuzz {

    private static final long NOW_MICROS = T0_MICROS + 60_000_000;

    public static void main(String[] args) {
        int mutations = Integer.parseInt(args[0]);
        Random random = new Random(Long.parseLong(args[1]));
        List<Seed> seeds = seeds();
        Counts counts = new Counts();
        for (HostileRecords.Hostile hostile : HostileRecords.all("cam-1", T0_MICROS, HostileRecordsTest.LIMITS.maxRecordBytes())) {
            counts.add(hostile.modality(), hostile.key(), hostile.value(), hostile.name());
        }
        int hostile = counts.total;
        for (int i = 0; i < mutations; i++) {
            Seed seed = seeds.get(random.nextInt(seeds.size()));
            counts.add(seed.modality, seed.key, mutate(seed.value, random), "mutation " + i + " of a " + seed.modality.wireName() + " record");
        }
        System.out.printf("fuzz: hostile=%d mutations=%d accepted=%d rejected=%d escaped=%d overallocated=%d peakHeapMB=%d%n",
                hostile, mutations, counts.accepted, counts.rejected, counts.escaped, counts.overallocated,
                java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted() >> 20);
        System.exit(counts.escaped + counts.overallocated == 0 ? 0 : 1);
    }

    private record Seed(Modality modality, byte[] key, byte[] value) {}

    private static final class Counts {
        int total;
        int accepted;
        int rejected;
        int escaped;
        int overallocated;

        void add(Modality modality, byte[] key, byte[] value, String what) {
            total++;
            try {
                Decoded decoded = new InputDecoder(modality, HostileRecordsTest.LIMITS, () -> NOW_MICROS)
                        .decode("mm." + modality.wireName(), 0, total, key, value).get(0);
                if (decoded.isAccepted()) {
                    accepted++;
                } else {
                    rejected++;
                    String error = decoded.rejection().error();
                    if (error.contains("OutOfMemoryError") || error.contains("StackOverflowError")) {
                        overallocated++;
                        System.out.println(what + ": " + error);
                    }
                }
            } catch (Throwable t) {
                escaped++;
                System.out.println(what + " escaped the decoder: " + t);
            }
        }
    }

    /** Real records of every input type and encoding: the simulator's JPEG frames, S16 audio and IMU readings, and more. */
    private static List<Seed> seeds() {
        List<Seed> seeds = new ArrayList<>();
        for (SimRecord record : new SceneSimulator(SimulationSettings.defaults(1), T0_MICROS).records(T0_MICROS, T0_MICROS + 300_000)) {
            seeds.add(new Seed(record.modality(), record.streamId().getBytes(StandardCharsets.UTF_8), record.value()));
        }
        byte[] key = "cam-1".getBytes(StandardCharsets.UTF_8);
        seeds.add(new Seed(Modality.VIDEO, key, WireCodec.encode(frame("cam-1", T0_MICROS).setEncoding(ImageEncoding.PNG)
                .setWidth(40).setHeight(30).setData(ByteBuffer.wrap(HostileRecords.blankPng(40, 30))).build())));
        seeds.add(new Seed(Modality.VIDEO, key, WireCodec.encode(frame("cam-1", T0_MICROS).setEncoding(ImageEncoding.RGB24)
                .setWidth(4).setHeight(2).setData(ByteBuffer.wrap(new byte[24])).build())));
        seeds.add(new Seed(Modality.AUDIO, null, WireCodec.encode(chunk("cam-1", T0_MICROS).setFormat(SampleFormat.PCM_F32LE).setChannels(2)
                .setData(ByteBuffer.wrap(new byte[800])).build())));
        return seeds;
    }

    /** One to four of: bit flips, random or boundary bytes, truncation, insertion, deletion, duplication, a huge length. */
    static byte[] mutate(byte[] value, Random random) {
        byte[] out = value;
        for (int n = 1 + random.nextInt(4); n > 0; n--) {
            // the header stays whole most of the time, or nearly every mutation would stop at the fingerprint
            int from = random.nextInt(10) == 0 || out.length <= 10 ? 0 : 10;
            int at = from + random.nextInt(Math.max(1, out.length - from));
            switch (random.nextInt(8)) {
                case 0 -> {
                    out = out.clone();
                    if (at < out.length) {
                        out[at] ^= (byte) (1 << random.nextInt(8));
                    }
                }
                case 1 -> {
                    out = out.clone();
                    if (at < out.length) {
                        out[at] = (byte) new int[] {0, 0x7F, 0x80, 0xFF, random.nextInt(256)}[random.nextInt(5)];
                    }
                }
                case 2 -> out = Arrays.copyOf(out, Math.min(out.length, at));
                case 3 -> {
                    byte[] inserted = new byte[1 + random.nextInt(16)];
                    random.nextBytes(inserted);
                    out = splice(out, at, 0, inserted);
                }
                case 4 -> out = splice(out, at, Math.min(out.length - Math.min(at, out.length), 1 + random.nextInt(64)), new byte[0]);
                case 5 -> out = splice(out, at, 0, Arrays.copyOfRange(out, Math.min(at, out.length), Math.min(out.length, at + 1 + random.nextInt(64))));
                // a zig-zag varint of about 2^31 or 2^62, as a length or count field would claim
                case 6 -> out = splice(out, at, Math.min(out.length - Math.min(at, out.length), 1 + random.nextInt(5)),
                        random.nextBoolean() ? new byte[] {(byte) 0xFE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F}
                                : new byte[] {(byte) 0xFE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F});
                default -> out = splice(out, at, Math.min(out.length - Math.min(at, out.length), 1), new byte[] {(byte) random.nextInt(256)});
            }
        }
        return out;
    }

    private static byte[] splice(byte[] value, int at, int remove, byte[] insert) {
        int cut = Math.min(at, value.length);
        byte[] out = new byte[value.length - remove + insert.length];
        System.arraycopy(value, 0, out, 0, cut);
        System.arraycopy(insert, 0, out, cut, insert.length);
        System.arraycopy(value, cut + remove, out, cut + insert.length, value.length - cut - remove);
        return out;
    }
}
