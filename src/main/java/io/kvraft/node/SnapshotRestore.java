package io.kvraft.node;

import io.kvraft.raft.Entry;
import io.kvraft.raft.PersistentState;
import io.kvraft.raft.log.CorruptLogException;
import io.kvraft.raft.log.RaftStorage;
import io.kvraft.raft.log.RecoveredState;
import io.kvraft.raft.log.SnapshotStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up, before the core and the event loop exist: loads the newest snapshot whose checksum
 * verifies into the state machine and keeps only the log after it. A damaged newest snapshot is
 * never used; the previous one is, as long as the log still reaches back to it (the stored log is
 * compacted only up to the older of the two snapshots kept). Otherwise the node refuses to start
 * rather than serve a state with a hole in it.
 */
final class SnapshotRestore {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotRestore.class);

  /** What the core starts from, and the snapshot it was restored from (null: none). */
  record Restored(PersistentState state, SnapshotStore.Meta snapshot) {}

  private SnapshotRestore() {}

  /** {@code snapshots} and {@code policy} are both null when the node keeps no snapshots. */
  static Restored restore(
      RecoveredState rec,
      SnapshotStore snapshots,
      SnapshotPolicy policy,
      Applier applier,
      RaftStorage storage)
      throws IOException {
    if (snapshots == null) {
      LOG.info("snapshots are off: replaying {} log entries", rec.entries().size());
      return new Restored(
          new PersistentState(
              rec.hardState(), rec.entries(), rec.snapshotIndex(), rec.snapshotTerm()),
          null);
    }
    Optional<SnapshotStore.Meta> newest = snapshots.newestValid();
    if (newest.isEmpty()) {
      if (rec.snapshotIndex() > 0) {
        throw new CorruptLogException(
            snapshots.directory(),
            0,
            "the log is compacted up to index "
                + rec.snapshotIndex()
                + " but no valid snapshot exists, so the state up to it is lost");
      }
      LOG.info("no snapshot yet: replaying {} log entries", rec.entries().size());
      return new Restored(new PersistentState(rec.hardState(), rec.entries(), 0, 0), null);
    }
    SnapshotStore.Meta m = newest.get();
    if (m.index() < rec.snapshotIndex()) {
      throw new CorruptLogException(
          m.path(),
          0,
          "the newest valid snapshot covers up to "
              + m.index()
              + " but the log is compacted up to "
              + rec.snapshotIndex()
              + ", so the entries between are lost");
    }
    Applier.Loaded loaded;
    try (InputStream in = snapshots.openContent(m)) {
      loaded = applier.load(in);
    }
    if (loaded.index() != m.index()) {
      throw new CorruptLogException(
          m.path(), 0, "content is at index " + loaded.index() + ", not " + m.index());
    }
    loaded.install();
    List<Entry> entries = rec.entries();
    int at = (int) (m.index() - rec.snapshotIndex());
    boolean logAgrees =
        at == 0
            ? m.term() == rec.snapshotTerm()
            : at <= entries.size() && entries.get(at - 1).term() == m.term();
    if (!logAgrees) {
      // Raft §7: a log that does not contain the snapshot's last entry has nothing after it worth
      // keeping.
      storage.compactPrefix(m.index(), m.term());
      LOG.info(
          "{}: restored snapshot {}@{} ({} bytes), the log does not continue it",
          m.path().getFileName(),
          m.index(),
          m.term(),
          m.length());
      return new Restored(new PersistentState(rec.hardState(), List.of(), m.index(), m.term()), m);
    }
    // The entries just before the snapshot stay in memory as the trailing tail, exactly as after
    // taking one.
    int from = at;
    long bytes = 0;
    while (at - from < policy.trailingEntries() && from > 0) {
      bytes += entries.get(from - 1).sizeBytes();
      if (bytes > policy.trailingBytes()) {
        break;
      }
      from--;
    }
    long tailIndex = rec.snapshotIndex() + from;
    long tailTerm = from == 0 ? rec.snapshotTerm() : entries.get(from - 1).term();
    LOG.info(
        "{}: restored snapshot {}@{} ({} bytes), replaying {} log entries after it",
        m.path().getFileName(),
        m.index(),
        m.term(),
        m.length(),
        entries.size() - at);
    return new Restored(
        new PersistentState(
            rec.hardState(), entries.subList(from, entries.size()), tailIndex, tailTerm, m.index()),
        m);
  }
}
