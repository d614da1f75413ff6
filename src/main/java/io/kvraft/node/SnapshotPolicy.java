package io.kvraft.node;

import java.time.Duration;

/**
 * When a node snapshots, how much log it keeps behind a snapshot, and how it ships snapshots.
 *
 * @param thresholdBytes snapshot once this many bytes of log were applied since the last snapshot
 *     (0 = never by size)
 * @param interval snapshot when this long has passed since the last one and anything was applied
 *     (zero = never by time)
 * @param chunkBytes InstallSnapshot chunk size
 * @param baseTimeout a chunk's timeout before the size allowance
 * @param bytesPerSecond the slowest transfer rate assumed: a chunk of n bytes gets {@code
 *     baseTimeout + n / bytesPerSecond}, and the last one also the time to verify and load the
 *     whole snapshot at that rate
 * @param trailingEntries log entries kept behind a snapshot, so a follower fewer than this many
 *     entries behind catches up by AppendEntries instead of a whole snapshot (0 = compact right up
 *     to the snapshot)
 * @param trailingBytes the most bytes those kept entries may take, so large values cannot make the
 *     tail huge
 */
public record SnapshotPolicy(
    long thresholdBytes,
    Duration interval,
    int chunkBytes,
    Duration baseTimeout,
    long bytesPerSecond,
    int trailingEntries,
    long trailingBytes) {

  public SnapshotPolicy {
    if (thresholdBytes < 0
        || interval.isNegative()
        || chunkBytes < 1
        || bytesPerSecond < 1
        || trailingEntries < 0
        || trailingBytes < 0) {
      throw new IllegalArgumentException("bad snapshot policy");
    }
  }

  /** Compacts right up to each snapshot (no trailing entries), 1 MiB chunks. */
  public static SnapshotPolicy of(long thresholdBytes, Duration interval) {
    return new SnapshotPolicy(
        thresholdBytes, interval, 1 << 20, Duration.ofSeconds(2), 1 << 20, 0, 0);
  }

  public SnapshotPolicy withChunkBytes(int bytes) {
    return new SnapshotPolicy(
        thresholdBytes,
        interval,
        bytes,
        baseTimeout,
        bytesPerSecond,
        trailingEntries,
        trailingBytes);
  }

  public SnapshotPolicy withTrailing(int entries, long bytes) {
    return new SnapshotPolicy(
        thresholdBytes, interval, chunkBytes, baseTimeout, bytesPerSecond, entries, bytes);
  }

  /**
   * Timeouts scale with size, so a large snapshot on a slow link is not mistaken for a dead peer.
   */
  Duration chunkTimeout(int chunkLength, boolean last, long totalLength) {
    long bytes = chunkLength + (last ? totalLength : 0);
    return baseTimeout.plusMillis(bytes * 1000 / bytesPerSecond);
  }
}
