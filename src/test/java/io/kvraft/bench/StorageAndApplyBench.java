package io.kvraft.bench;

import io.kvraft.kv.KvApplier;
import io.kvraft.kv.KvCommand;
import io.kvraft.kv.KvCommandCodec;
import io.kvraft.kv.KvStateMachine;
import io.kvraft.kv.Precondition;
import io.kvraft.raft.Entry;
import io.kvraft.raft.log.FileRaftStorage;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Microbenchmark of the two per-write costs below the HTTP layer: the Raft log append + fsync
 * ({@link FileRaftStorage#append} then {@link FileRaftStorage#sync}, for groups of 1, 16 and 256
 * entries, as group commit produces them) and the state machine apply ({@link KvApplier}: decode +
 * {@link KvStateMachine#apply}). Not a test: run it by hand (see bench/README.md):
 *
 * <pre>
 * mvn -q -DskipTests test-compile
 * java -cp target/classes:target/test-classes io.kvraft.bench.StorageAndApplyBench [seconds per case] [data dir]
 * </pre>
 *
 * Entries carry what a client PUT of a 100-byte value to one of 10,000 keys puts in the log. The
 * data directory defaults to a temporary directory on the same file system as /tmp; pass one on the
 * disk a node would use.
 */
public final class StorageAndApplyBench {
  private static final int KEYS = 10_000;
  private static final int VALUE_BYTES = 100;

  /** CPU time of this thread: on a shared machine it moves far less than wall-clock time does. */
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
    Path base = args.length > 1 ? Path.of(args[1]) : Path.of(System.getProperty("java.io.tmpdir"));
    byte[][] commands = commands();
    System.out.printf(
        "log entry payload %d bytes (PUT of a %d-byte value); %.1f s per case after a warm-up%n%n",
        commands[0].length, VALUE_BYTES, seconds);

    System.out.println("FileRaftStorage append + sync");
    System.out.println(
        "fsync  group   batches/s   entries/s   µs/entry   CPU µs/entry   batch p50 µs   batch p99 µs");
    for (boolean fsync : new boolean[] {true, false}) {
      for (int group : new int[] {1, 16, 256}) {
        storage(base, fsync, group, seconds, commands);
      }
    }

    System.out.println();
    System.out.println(
        "KvApplier.apply (decode + KvStateMachine.apply), PUT over " + KEYS + " keys");
    System.out.println("case                          ops/s        ns/op    CPU ns/op");
    apply("no client id", entries(false), seconds);
    apply("with Client-Id (sessions)", entries(true), seconds);
  }

  /** The payloads of PUTs of a 100-byte value to each key. */
  private static byte[][] commands() {
    byte[] value = new byte[VALUE_BYTES];
    Arrays.fill(value, (byte) 'v');
    byte[][] out = new byte[KEYS][];
    for (int i = 0; i < KEYS; i++) {
      String key = String.format(Locale.ROOT, "k%05d", i);
      out[i] =
          KvCommandCodec.encode(
              new KvCommand.Put(null, 0, 1_700_000_000_000L, key, value, Precondition.none()));
    }
    return out;
  }

  private static void storage(
      Path base, boolean fsync, int group, double seconds, byte[][] commands) throws IOException {
    Path dir = Files.createTempDirectory(base, "kvraft-storage-bench");
    try (FileRaftStorage storage =
        FileRaftStorage.open(dir, FileRaftStorage.Options.defaults().withFsync(fsync))) {
      long[] index = {storage.lastIndex()};
      runBatches(storage, group, commands, index, (long) (seconds * 0.3e9), null);
      long[] samples = new long[1 << 20];
      int[] count = {0};
      long cpu0 = THREADS.getCurrentThreadCpuTime();
      long t0 = System.nanoTime();
      long batches =
          runBatches(
              storage,
              group,
              commands,
              index,
              (long) (seconds * 1e9),
              new Recorder(samples, count));
      double elapsed = (System.nanoTime() - t0) / 1e9;
      double cpu = (THREADS.getCurrentThreadCpuTime() - cpu0) / 1e9;
      long[] sorted = Arrays.copyOf(samples, Math.min(count[0], samples.length));
      Arrays.sort(sorted);
      System.out.printf(
          Locale.ROOT,
          "%-5s  %5d  %10.0f  %10.0f  %9.2f  %13.2f  %13.1f  %13.1f%n",
          fsync ? "on" : "off",
          group,
          batches / elapsed,
          batches * group / elapsed,
          elapsed * 1e6 / (batches * group),
          cpu * 1e6 / (batches * group),
          percentile(sorted, 0.50) / 1e3,
          percentile(sorted, 0.99) / 1e3);
    } finally {
      deleteTree(dir);
    }
  }

  private record Recorder(long[] samples, int[] count) {
    void record(long nanos) {
      if (count[0] < samples.length) {
        samples[count[0]] = nanos;
      }
      count[0]++;
    }
  }

  private static long runBatches(
      FileRaftStorage storage,
      int group,
      byte[][] commands,
      long[] index,
      long budgetNanos,
      Recorder rec)
      throws IOException {
    long end = System.nanoTime() + budgetNanos;
    long batches = 0;
    List<Entry> batch = new ArrayList<>(group);
    while (System.nanoTime() < end) {
      batch.clear();
      for (int i = 0; i < group; i++) {
        long idx = ++index[0];
        batch.add(Entry.command(1, idx, commands[(int) (idx % commands.length)]));
      }
      long t = System.nanoTime();
      storage.append(batch);
      storage.sync();
      if (rec != null) {
        rec.record(System.nanoTime() - t);
      }
      batches++;
    }
    return batches;
  }

  /**
   * Each pass applies all entries to a fresh state machine (filling 10,000 keys, then overwriting
   * them).
   */
  private static void apply(String name, Entry[] entries, double seconds) {
    int n = entries.length;
    long sink = 0;
    long deadline = System.nanoTime() + (long) (seconds * 0.3e9);
    while (System.nanoTime() < deadline) {
      sink += applyAll(entries);
    }
    long ops = 0;
    long cpu0 = THREADS.getCurrentThreadCpuTime();
    long t0 = System.nanoTime();
    deadline = t0 + (long) (seconds * 1e9);
    while (System.nanoTime() < deadline) {
      sink += applyAll(entries);
      ops += n;
    }
    double elapsed = (System.nanoTime() - t0) / 1e9;
    double cpu = (THREADS.getCurrentThreadCpuTime() - cpu0) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "%-28s %10.0f   %10.1f   %10.1f%n",
        name,
        ops / elapsed,
        elapsed * 1e9 / ops,
        cpu * 1e9 / ops);
    if (sink == 42) {
      System.out.println();
    }
  }

  /**
   * 200,000 entries over the key space; with clients, 64 registrations (at indexes 1..64, so their
   * ids are "1".."64") then PUTs by those 64 taking turns with growing seqs, else PUTs only.
   */
  private static Entry[] entries(boolean withClient) {
    byte[] value = new byte[VALUE_BYTES];
    Arrays.fill(value, (byte) 'v');
    int n = 200_000;
    Entry[] out = new Entry[n];
    for (int i = 0; i < n; i++) {
      String key = String.format(Locale.ROOT, "k%05d", i % KEYS);
      KvCommand cmd =
          !withClient
              ? new KvCommand.Put(null, 0, 1_700_000_000_000L, key, value, Precondition.none())
              : i < 64
                  ? new KvCommand.Register(1_700_000_000_000L)
                  : new KvCommand.Put(
                      KvStateMachine.sessionId(i % 64 + 1),
                      i / 64,
                      1_700_000_000_000L,
                      key,
                      value,
                      Precondition.none());
      out[i] = Entry.command(1, i + 1, KvCommandCodec.encode(cmd));
    }
    return out;
  }

  private static long applyAll(Entry[] entries) {
    KvApplier applier = new KvApplier(new KvStateMachine());
    long sink = 0;
    for (Entry e : entries) {
      sink += applier.apply(e).hashCode();
    }
    return sink;
  }

  private static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[Math.min(sorted.length - 1, (int) (p * sorted.length))];
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
