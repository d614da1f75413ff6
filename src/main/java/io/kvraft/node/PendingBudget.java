package io.kvraft.node;

/**
 * Counts units (and their bytes) taken and not yet given back, refusing to go past a bound.
 * Thread-safe: callers take on their own threads so that a refusal costs them nothing on the event
 * loop; the loop gives back.
 */
final class PendingBudget {
  private final long maxCount;
  private final long maxBytes;
  private long count;
  private long bytes;

  PendingBudget(long maxCount, long maxBytes) {
    this.maxCount = maxCount;
    this.maxBytes = maxBytes;
  }

  /**
   * Takes one unit of {@code size} bytes if that stays within both bounds (or nothing else is
   * pending).
   */
  synchronized boolean tryTake(long size) {
    if (count >= maxCount || (count > 0 && bytes + size > maxBytes)) {
      return false;
    }
    count++;
    bytes += size;
    return true;
  }

  synchronized void giveBack(long size) {
    count--;
    bytes -= size;
  }

  synchronized long count() {
    return count;
  }

  synchronized long bytes() {
    return bytes;
  }
}
