package io.kvraft.node;

import java.time.Duration;

/**
 * When a node snapshots and how it ships snapshots.
 *
 * @param thresholdBytes snapshot once this many bytes of log were applied since the last snapshot (0 = never by size)
 * @param interval snapshot when this long has passed since the last one and anything was applied (zero = never by
 *     time)
 * @param chunkBytes InstallSnapshot chunk size
 * @param baseTimeout a chunk's timeout before the size allowance
 * @param bytesPerSecond the slowest transfer rate assumed: a chunk of n bytes gets {@code baseTimeout + n /
 *     bytesPerSecond}, and the last one also the time to verify and load the whole snapshot at that rate
 */
public record SnapshotPolicy(
    long thresholdBytes, Duration interval, int chunkBytes, Duration baseTimeout, long bytesPerSecond) {

  public SnapshotPolicy {
    if (thresholdBytes < 0 || interval.isNegative() || chunkBytes < 1 || bytesPerSecond < 1) {
      throw new IllegalArgumentException("bad snapshot policy");
    }
  }

  public static SnapshotPolicy of(long thresholdBytes, Duration interval) {
    return new SnapshotPolicy(thresholdBytes, interval, 1 << 20, Duration.ofSeconds(2), 1 << 20);
  }

  public SnapshotPolicy withChunkBytes(int bytes) {
    return new SnapshotPolicy(thresholdBytes, interval, bytes, baseTimeout, bytesPerSecond);
  }

  /** Timeouts scale with size, so a large snapshot on a slow link is not mistaken for a dead peer. */
  Duration chunkTimeout(int chunkLength, boolean last, long totalLength) {
    long bytes = chunkLength + (last ? totalLength : 0);
    return baseTimeout.plusMillis(bytes * 1000 / bytesPerSecond);
  }
}
