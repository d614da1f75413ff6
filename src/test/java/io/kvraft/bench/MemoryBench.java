package io.kvraft.bench;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.kvraft.kv.KvApplier;
import io.kvraft.kv.KvCommand;
import io.kvraft.kv.KvCommandCodec;
import io.kvraft.kv.KvStateMachine;
import io.kvraft.kv.Precondition;
import io.kvraft.node.Applier;
import io.kvraft.raft.Entry;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What the state machine costs in heap: fills a {@link KvStateMachine} through the normal apply
 * path ({@link KvApplier}: decode + apply of the log entry a client PUT produces) with {@code keys}
 * keys named like {@code user/000123456} and values of {@code valueBytes} random bytes, and
 * reports, each time after full GCs, the live heap per key and in total; then what a snapshot adds:
 * the extra live heap while a captured image is held (it is held while the image is written out),
 * the capture time (it runs on the apply thread, so it is a pause for writes), the time to write
 * the image and its size; then what a restore adds while the old state is still live (a follower
 * installing a leader's snapshot holds both until the install), and the cost of client sessions at
 * a given count. Not a test: {@code bench/memory.sh} runs it (see bench/README.md).
 *
 * <pre>
 * java -Xmx1g -cp target/classes:target/test-classes:... io.kvraft.bench.MemoryBench [keys] [valueBytes] [sessions]
 * </pre>
 */
public final class MemoryBench {
  private static final long TIMESTAMP = 1_700_000_000_000L;

  private MemoryBench() {}

  public static void main(String[] args) throws Exception {
    int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int valueBytes = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int sessions = args.length > 2 ? Integer.parseInt(args[2]) : 100_000;
    System.out.printf(
        Locale.ROOT,
        "JVM %s, %s, max heap %d MiB, compressed oops: %s%n",
        System.getProperty("java.vm.version"),
        gcNames(),
        Runtime.getRuntime().maxMemory() >> 20,
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
            .getVMOption("UseCompressedOops")
            .getValue());

    long baseline = liveHeap();
    KvStateMachine sm = new KvStateMachine();
    KvApplier applier = new KvApplier(sm);
    SplittableRandom random = new SplittableRandom(42);
    long index = 0;
    long t0 = System.nanoTime();
    for (int i = 0; i < keys; i++) {
      byte[] value = new byte[valueBytes];
      random.nextBytes(value);
      byte[] cmd =
          KvCommandCodec.encode(
              new KvCommand.Put(null, 0, TIMESTAMP, key(i), value, Precondition.none()));
      applier.apply(Entry.command(1, ++index, cmd));
    }
    double fillSeconds = (System.nanoTime() - t0) / 1e9;
    long filled = liveHeap();
    long data = filled - baseline;
    System.out.printf(
        Locale.ROOT,
        "%nfilled %,d keys (%s, %d-byte values) through KvApplier.apply in %.1f s (%,.0f applies/s)%n",
        sm.size(),
        key(0),
        valueBytes,
        fillSeconds,
        keys / fillSeconds);
    row("live heap of the state machine", data, keys);
    System.out.printf(
        Locale.ROOT,
        "  of which key and value bytes        %,12d B  %6.1f B/key%n",
        (long) keys * (key(0).length() + valueBytes),
        (double) key(0).length() + valueBytes);

    // Capture: timed over a few rounds (the first one runs colder), memory measured with one image
    // held.
    Applier.Image image = null;
    double[] captureMillis = new double[5];
    for (int round = 0; round < captureMillis.length; round++) {
      image = null;
      liveHeap(); // start each round from a collected heap, as a node mostly does
      long c0 = System.nanoTime();
      image = applier.capture();
      captureMillis[round] = (System.nanoTime() - c0) / 1e6;
    }
    long held = liveHeap() - filled;
    System.out.printf(
        Locale.ROOT,
        "%nsnapshot capture (on the apply thread: writes wait for it): %s ms in %d rounds%n",
        Arrays.toString(Arrays.stream(captureMillis).mapToLong(Math::round).toArray()),
        captureMillis.length);
    row("extra live heap while an image is held", held, keys);

    Path file = Files.createTempFile("kvraft-memory-bench", ".snap");
    try {
      long w0 = System.nanoTime();
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
        image.writeTo(out);
      }
      double writeSeconds = (System.nanoTime() - w0) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "image written (off the apply thread, no fsync) in %.2f s: %,d bytes (%.1f B/key)%n",
          writeSeconds,
          Files.size(file),
          (double) Files.size(file) / keys);
      image = null;

      long r0 = System.nanoTime();
      Applier.Loaded loaded;
      try (InputStream in = Files.newInputStream(file)) {
        loaded = applier.load(in);
      }
      double readSeconds = (System.nanoTime() - r0) / 1e9;
      long both = liveHeap();
      System.out.printf(
          Locale.ROOT,
          "%nsnapshot read back (KvApplier.load, off the apply thread) in %.2f s%n",
          readSeconds);
      row("extra live heap: loaded copy beside the old state", both - filled, keys);
      loaded.install();
      loaded = null;
      long installed = liveHeap();
      row("live heap after install (old state dropped)", installed - baseline, keys);
      if (sm.size() != keys || sm.lastAppliedIndex() != index) {
        throw new IllegalStateException(
            "restore lost data: " + sm.size() + " keys at " + sm.lastAppliedIndex());
      }
    } finally {
      Files.deleteIfExists(file);
    }

    // Sessions: each registered client keeps one until it idles out or a registration evicts it;
    // each writes once.
    long beforeSessions = liveHeap();
    for (int c = 0; c < sessions; c++) {
      applier.apply(
          Entry.command(1, ++index, KvCommandCodec.encode(new KvCommand.Register(TIMESTAMP))));
      String id = KvStateMachine.sessionId(index);
      byte[] value = new byte[valueBytes];
      random.nextBytes(value);
      KvCommand put =
          new KvCommand.Put(id, 1, TIMESTAMP, key(c % keys), value, Precondition.none());
      applier.apply(Entry.command(1, ++index, KvCommandCodec.encode(put)));
    }
    long withSessions = liveHeap();
    System.out.printf(
        Locale.ROOT,
        "%n%,d client sessions (issued ids, the log index of their registration):%n",
        sm.sessionCount());
    System.out.printf(
        Locale.ROOT,
        "  extra live heap                      %,12d B  %6.1f B/session%n",
        withSessions - beforeSessions,
        (double) (withSessions - beforeSessions) / Math.max(1, sessions));
    System.out.printf(
        Locale.ROOT,
        "%nRESULT keys=%d value_bytes=%d live_bytes=%d bytes_per_key=%.1f capture_ms=%.0f capture_extra_bytes=%d"
            + " restore_extra_bytes_upper=%d session_bytes=%.1f%n",
        keys,
        valueBytes,
        data,
        (double) data / keys,
        median(captureMillis),
        held,
        data,
        (double) (withSessions - beforeSessions) / Math.max(1, sessions));
  }

  private static double median(double[] xs) {
    double[] sorted = xs.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  static String key(int i) {
    return String.format(Locale.ROOT, "user/%09d", i);
  }

  private static void row(String what, long bytes, int keys) {
    System.out.printf(
        Locale.ROOT,
        "  %-36s %,12d B  %6.1f B/key  (%,.0f MiB)%n",
        what,
        bytes,
        (double) bytes / keys,
        bytes / 1048576.0);
  }

  /**
   * Used heap after full collections: System.gc() is a stop-the-world full GC on the collectors a
   * node uses.
   */
  private static long liveHeap() {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  private static String gcNames() {
    StringBuilder b = new StringBuilder();
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      b.append(b.length() == 0 ? "" : " + ").append(gc.getName());
    }
    return b.toString();
  }
}
