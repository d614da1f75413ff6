package io.kvraft.raft.log;

import io.kvraft.raft.Entry;
import io.kvraft.raft.HardState;
import java.io.Closeable;
import java.io.IOException;
import java.util.List;

/**
 * Durable Raft state: the log, the hard state (term, vote) and the index/term the log was compacted
 * up to.
 *
 * <p>Driven by a single storage thread. Appends are cheap and not durable; {@link #sync()} makes
 * all of them durable at once so many client requests share one fsync (group commit). Nothing may
 * be acknowledged to a peer or counted towards a quorum before the sync that covers it has
 * returned.
 *
 * <p>Index conventions (as in etcd): {@code firstIndex() == snapshotIndex + 1} and {@code
 * lastIndex() == firstIndex() - 1} when the log holds no entries.
 *
 * <p>An {@link IOException} from a mutating method leaves the storage unusable (every later call
 * fails): after a failed write or fsync the kernel may have dropped dirty pages, so retrying could
 * silently lose data. The node must stop and restart, which re-reads what really is on disk.
 */
public interface RaftStorage extends Closeable {

  /**
   * What is on disk: hard state, log entries after the snapshot index (contiguous), snapshot index
   * and term.
   */
  RecoveredState recover() throws IOException;

  /**
   * Appends contiguous entries. If the first index is at or below {@link #lastIndex()}, the stored
   * suffix from that index on is removed first (Raft conflict truncation). Not durable until {@link
   * #sync()}.
   *
   * @throws IllegalArgumentException if the entries are not contiguous, start after {@code
   *     lastIndex() + 1}, or start at or below the snapshot index
   */
  void append(List<Entry> entries) throws IOException;

  /** Replaces the hard state; durable when this returns. */
  void saveHardState(HardState hardState) throws IOException;

  /** Makes every append and truncation so far durable. */
  void sync() throws IOException;

  long firstIndex();

  long lastIndex();

  /**
   * Records durably that everything up to {@code upToIndex} (with term {@code termAtIndex}) is
   * covered by a snapshot, and drops the log prefix it covers. Following Raft §7, if the log holds
   * an entry at {@code upToIndex} with a different term, or ends before it, the whole log is
   * dropped. A call at or below the current snapshot index does nothing.
   */
  void compactPrefix(long upToIndex, long termAtIndex) throws IOException;

  /** Bytes of log data held (on disk for the file implementation). */
  long sizeBytes();
}
