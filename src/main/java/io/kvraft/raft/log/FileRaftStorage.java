package io.kvraft.raft.log;

import io.kvraft.raft.Entry;
import io.kvraft.raft.HardState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@link RaftStorage} on local disk, in {@code <dataDir>/raft/}: segment files {@code log-<first
 * index>.seg}, the {@code hardstate} file and a {@code LOCK} file. See {@link RecordCodec} for the
 * record format, {@link SegmentLoader} for what start-up repairs and what it refuses, {@link
 * HardStateFile} for the hard state.
 *
 * <p>Methods are synchronized only so that a metrics thread may read {@link #lastIndex()} or {@link
 * #sizeBytes()}; writes are expected from one thread.
 */
public final class FileRaftStorage implements RaftStorage {
  static final String DIR_NAME = "raft";

  /**
   * @param segmentBytes a segment is closed once the next record would take it past this size (an
   *     entry larger than this gets a segment of its own)
   * @param fsync false skips every force and directory sync: only for tests that need speed, never
   *     in production
   */
  public record Options(long segmentBytes, boolean fsync) {
    /**
     * Compaction deletes whole segments, so this bounds how much compacted-away log lingers on
     * disk; it matches the default snapshot threshold (bench/compaction.sh kept 72 MiB of log with
     * 64 MiB segments, 24 MiB with 8 MiB).
     */
    public static final long DEFAULT_SEGMENT_BYTES = 16L << 20;

    private static final long MAX_SEGMENT_BYTES = 1L << 30;

    public Options {
      if (segmentBytes < RecordCodec.MIN_FRAME || segmentBytes > MAX_SEGMENT_BYTES) {
        throw new IllegalArgumentException("segmentBytes out of range: " + segmentBytes);
      }
    }

    public static Options defaults() {
      return new Options(DEFAULT_SEGMENT_BYTES, true);
    }

    public Options withSegmentBytes(long bytes) {
      return new Options(bytes, fsync);
    }

    public Options withFsync(boolean enabled) {
      return new Options(segmentBytes, enabled);
    }
  }

  private final Path dir;
  private final Options options;
  private final DirectoryLock lock;
  private final List<Segment> segments;
  private final Set<Segment> unsynced = new LinkedHashSet<>();
  private HardStateFile.Contents meta;

  /**
   * Whether the hard state file exists. Written before the first entry, so a log never lies on disk
   * without it and a missing file beside a log means it was lost, which {@link #open} refuses.
   */
  private boolean metaOnDisk;

  private boolean directoryUnsynced;
  private IOException failure;
  private boolean closed;

  private FileRaftStorage(
      Path dir,
      Options options,
      DirectoryLock lock,
      HardStateFile.Contents meta,
      boolean metaOnDisk,
      List<Segment> segments) {
    this.dir = dir;
    this.options = options;
    this.lock = lock;
    this.meta = meta;
    this.metaOnDisk = metaOnDisk;
    this.segments = segments;
  }

  /**
   * Locks and verifies the data directory, creating it if needed and cutting off a torn tail left
   * by a crash.
   *
   * @throws DataDirectoryLockedException if another process or instance uses the directory
   * @throws CorruptLogException if the stored state is damaged beyond what a crash can cause
   * @throws MissingHardStateException if the hard state file is gone but the log holds entries or a
   *     snapshot exists in {@code <dataDir>/snapshots}: the member would forget its vote
   */
  public static FileRaftStorage open(Path dataDir, Options options) throws IOException {
    Path dir = dataDir.resolve(DIR_NAME);
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir);
      if (options.fsync()) {
        Directories.fsync(dataDir);
      }
    }
    DirectoryLock lock = DirectoryLock.acquire(dir, dataDir);
    try {
      // A save interrupted by a crash; the previous hard state file is intact.
      Files.deleteIfExists(dir.resolve(HardStateFile.TEMP_NAME));
      Optional<HardStateFile.Contents> stored = HardStateFile.read(dir);
      List<Segment> segments = SegmentLoader.load(dir, options.fsync());
      if (stored.isEmpty()) {
        refuseIfRunBefore(dir, dataDir, segments);
      }
      FileRaftStorage storage =
          new FileRaftStorage(
              dir,
              options,
              lock,
              stored.orElse(HardStateFile.Contents.EMPTY),
              stored.isPresent(),
              segments);
      // Repeats the end of a compactPrefix that a crash may have interrupted.
      storage.dropEntriesCoveredBySnapshot();
      storage.checkLogFollowsSnapshot();
      return storage;
    } catch (IOException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  /**
   * A data directory with entries or snapshots but no hard state lost its vote: never start from
   * it.
   */
  private static void refuseIfRunBefore(Path dir, Path dataDir, List<Segment> segments)
      throws IOException {
    // A torn tail is already cut here, so only entries that were really written count.
    long entries = 0;
    for (Segment segment : segments) {
      entries += segment.count();
    }
    if (entries > 0) {
      throw new MissingHardStateException(
          dir.resolve(HardStateFile.NAME),
          "its log holds "
              + entries
              + " entries (indexes "
              + segments.get(0).firstIndex
              + " to "
              + segments.get(segments.size() - 1).lastIndex()
              + ")");
    }
    List<Path> snapshots = SnapshotStore.snapshotFiles(dataDir);
    if (!snapshots.isEmpty()) {
      throw new MissingHardStateException(
          dir.resolve(HardStateFile.NAME),
          "the data directory holds snapshot " + snapshots.get(0).getFileName());
    }
  }

  @Override
  public synchronized RecoveredState recover() throws IOException {
    checkUsable();
    List<Entry> entries = new ArrayList<>();
    for (Segment segment : segments) {
      byte[] bytes = Files.readAllBytes(segment.path);
      int end = (int) Math.min(bytes.length, segment.size());
      int at = 0;
      for (int i = 0; i < segment.count(); i++) {
        RecordCodec.Decoded decoded = RecordCodec.decode(bytes, at, end);
        if (!(decoded instanceof RecordCodec.Decoded.Valid valid)
            || valid.entry().index() != segment.firstIndex + i) {
          throw new CorruptLogException(
              segment.path, at, "record changed on disk after it was verified at open");
        }
        if (valid.entry().index() > meta.snapshotIndex()) {
          entries.add(valid.entry());
        }
        at = valid.nextOffset();
      }
    }
    return new RecoveredState(meta.hardState(), entries, meta.snapshotIndex(), meta.snapshotTerm());
  }

  @Override
  public synchronized void append(List<Entry> entries) throws IOException {
    checkUsable();
    if (entries.isEmpty()) {
      return;
    }
    AppendRules.check(entries, meta.snapshotIndex(), lastIndex());
    long first = entries.get(0).index();
    guarded(
        () -> {
          if (!metaOnDisk) {
            // Durable before any entry can be, so a log found without it at start means the file
            // was lost.
            replaceMeta(meta);
          }
          if (first <= lastIndex()) {
            truncateFrom(first);
          }
          write(entries);
        });
  }

  @Override
  public synchronized void saveHardState(HardState hardState) throws IOException {
    checkUsable();
    guarded(
        () ->
            replaceMeta(
                new HardStateFile.Contents(hardState, meta.snapshotIndex(), meta.snapshotTerm())));
  }

  @Override
  public synchronized void sync() throws IOException {
    checkUsable();
    guarded(this::syncUnsynced);
  }

  @Override
  public synchronized long firstIndex() {
    return meta.snapshotIndex() + 1;
  }

  @Override
  public synchronized long lastIndex() {
    return segments.isEmpty() ? meta.snapshotIndex() : lastSegment().lastIndex();
  }

  @Override
  public synchronized void compactPrefix(long upToIndex, long termAtIndex) throws IOException {
    checkUsable();
    if (upToIndex <= meta.snapshotIndex()) {
      return;
    }
    if (termAtIndex < 1) {
      throw new IllegalArgumentException("snapshot term must be >= 1, was " + termAtIndex);
    }
    guarded(
        () -> {
          // Recorded first: a crash before the segments are deleted is repaired at the next open.
          replaceMeta(new HardStateFile.Contents(meta.hardState(), upToIndex, termAtIndex));
          dropEntriesCoveredBySnapshot();
        });
  }

  @Override
  public synchronized long sizeBytes() {
    long total = 0;
    for (Segment segment : segments) {
      total += segment.size();
    }
    return total;
  }

  /** Syncs what is pending (a clean shutdown loses nothing) and releases the directory lock. */
  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (failure == null) {
        syncUnsynced();
      }
    } finally {
      try {
        for (Segment segment : segments) {
          segment.closeChannel();
        }
      } finally {
        lock.close();
      }
    }
  }

  private void write(List<Entry> entries) throws IOException {
    int next = 0;
    while (next < entries.size()) {
      Segment target = segmentFor(entries.get(next));
      long room = options.segmentBytes() - target.size();
      int end = next;
      long bytes = 0;
      while (end < entries.size()) {
        int frame = RecordCodec.frameSize(entries.get(end));
        if (end > next && bytes + frame > room) {
          break;
        }
        bytes += frame;
        end++;
      }
      writeRun(target, entries.subList(next, end), Math.toIntExact(bytes));
      next = end;
    }
  }

  private Segment segmentFor(Entry entry) throws IOException {
    Segment active = segments.isEmpty() ? null : lastSegment();
    if (active == null
        || (active.size() > 0
            && active.size() + RecordCodec.frameSize(entry) > options.segmentBytes())) {
      return roll(active, entry.index());
    }
    return active;
  }

  private Segment roll(Segment previous, long firstIndex) throws IOException {
    if (previous != null) {
      if (options.fsync()) {
        // Keeps in-flight writes confined to the last segment, which is what lets the loader tell a
        // torn write from corruption.
        previous.force();
      }
      unsynced.remove(previous);
      previous.closeChannel();
    }
    Segment next = Segment.create(dir, firstIndex);
    segments.add(next);
    directoryUnsynced = true;
    return next;
  }

  private void writeRun(Segment target, List<Entry> run, int bytes) throws IOException {
    ByteBuffer frames = ByteBuffer.allocate(bytes);
    int[] lengths = new int[run.size()];
    for (int i = 0; i < run.size(); i++) {
      lengths[i] = RecordCodec.frameSize(run.get(i));
      RecordCodec.encode(run.get(i), frames);
    }
    frames.flip();
    unsynced.add(target);
    target.write(frames, lengths, run.size());
  }

  private void truncateFrom(long index) throws IOException {
    boolean deletedFiles = false;
    while (!segments.isEmpty() && lastSegment().firstIndex >= index) {
      Segment removed = segments.remove(segments.size() - 1);
      unsynced.remove(removed);
      removed.delete();
      deletedFiles = true;
    }
    if (!segments.isEmpty() && lastSegment().lastIndex() >= index) {
      lastSegment().truncateFrom(index, options.fsync());
    }
    if (deletedFiles && options.fsync()) {
      // A deleted segment that came back after a crash would splice stale entries behind new ones.
      Directories.fsync(dir);
    }
  }

  private void dropEntriesCoveredBySnapshot() throws IOException {
    long snapshotIndex = meta.snapshotIndex();
    if (snapshotIndex == 0 || segments.isEmpty()) {
      return;
    }
    boolean dropWholeLog =
        lastSegment().lastIndex() <= snapshotIndex
            || (segments.get(0).firstIndex <= snapshotIndex
                && termAt(snapshotIndex) != meta.snapshotTerm());
    boolean deletedFiles = false;
    while (!segments.isEmpty() && (dropWholeLog || segments.get(0).lastIndex() <= snapshotIndex)) {
      Segment removed = segments.remove(0);
      unsynced.remove(removed);
      removed.delete();
      deletedFiles = true;
    }
    if (deletedFiles && options.fsync()) {
      Directories.fsync(dir);
    }
  }

  private long termAt(long index) throws IOException {
    for (Segment segment : segments) {
      if (index >= segment.firstIndex && index <= segment.lastIndex()) {
        return segment.readEntry(index).term();
      }
    }
    throw new IllegalStateException("no segment holds index " + index);
  }

  private void checkLogFollowsSnapshot() throws CorruptLogException {
    if (!segments.isEmpty() && segments.get(0).firstIndex > meta.snapshotIndex() + 1) {
      throw new CorruptLogException(
          segments.get(0).path,
          0,
          "the log starts at index "
              + segments.get(0).firstIndex
              + " but the snapshot only covers up to "
              + meta.snapshotIndex()
              + ", so entries are missing");
    }
  }

  private void replaceMeta(HardStateFile.Contents next) throws IOException {
    HardStateFile.write(dir, next, options.fsync());
    meta = next;
    metaOnDisk = true;
  }

  private void syncUnsynced() throws IOException {
    if (options.fsync()) {
      for (Segment segment : unsynced) {
        segment.force();
      }
      if (directoryUnsynced) {
        Directories.fsync(dir);
      }
    }
    Segment active = segments.isEmpty() ? null : lastSegment();
    for (Segment segment : unsynced) {
      if (segment != active) {
        segment.closeChannel();
      }
    }
    unsynced.clear();
    directoryUnsynced = false;
  }

  private Segment lastSegment() {
    return segments.get(segments.size() - 1);
  }

  private void checkUsable() throws IOException {
    if (closed) {
      throw new IllegalStateException("storage in " + dir + " is closed");
    }
    if (failure != null) {
      throw new IOException(
          "storage in " + dir + " failed earlier and cannot be trusted; restart the node", failure);
    }
  }

  private interface IoAction {
    void run() throws IOException;
  }

  /**
   * Remembers the first I/O failure: after a failed write or fsync, retrying could silently lose
   * data.
   */
  private void guarded(IoAction action) throws IOException {
    try {
      action.run();
    } catch (IOException e) {
      failure = e;
      throw e;
    }
  }
}
