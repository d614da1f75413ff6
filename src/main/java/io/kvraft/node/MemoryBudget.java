package io.kvraft.node;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

/**
 * One member's bound on the bytes of client data it holds in memory, sized from the heap it
 * actually has, so that overload is refused ({@link OverloadedException}, 503) instead of ending in
 * an OutOfMemoryError (issue 12).
 *
 * <p>Two kinds of holders count against it:
 *
 * <ul>
 *   <li>reservations, taken with {@link #tryReserve} before the bytes are held and given back with
 *       {@link #release} when they are not: a proposal until its entry is in the Raft log, a write
 *       being relayed to the leader until its answer came, a request body being read;
 *   <li>holders that report what they hold ({@link #count}): the Raft log kept in memory (unapplied
 *       entries, and applied ones kept until compaction for lagging followers), AppendEntries
 *       received and not yet taken in.
 * </ul>
 *
 * <p>A reservation is refused when the total would pass {@link #maxBytes()}, except when its holder
 * has nothing else in flight: then it is let in whatever its size, so a single value larger than
 * the budget still goes through on an idle member, and a log kept for followers that fills the
 * budget by itself cannot stop the writes whose applying lets it be compacted. So the budget bounds
 * memory up to one request of each kind. Thread-safe.
 */
public final class MemoryBudget {
  /**
   * The share of the heap ({@code Runtime.maxMemory()}) a member gives to client data in flight, by
   * default.
   */
  public static final int HEAP_DIVISOR = 8;

  private final long maxBytes;
  private final List<LongSupplier> holders = new CopyOnWriteArrayList<>();
  private long reserved;

  public MemoryBudget(long maxBytes) {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("a memory budget must be positive");
    }
    this.maxBytes = maxBytes;
  }

  /** The default budget: an eighth of the heap this JVM may grow to. */
  public static long defaultBytes() {
    return Runtime.getRuntime().maxMemory() / HEAP_DIVISOR;
  }

  /**
   * Counts what {@code bytes} reports (read on every reservation, so it must be cheap) against this
   * budget.
   */
  public void count(LongSupplier bytes) {
    holders.add(bytes);
  }

  /**
   * Reserves {@code bytes} if the total stays within the budget or nothing else is reserved; false
   * otherwise.
   */
  public synchronized boolean tryReserve(long bytes) {
    return tryReserve(bytes, reserved == 0);
  }

  /**
   * Reserves {@code bytes} if the total stays within the budget or {@code idle}: the caller has
   * nothing else in flight that this budget counts (e.g. no other unapplied proposal); false
   * otherwise.
   */
  public synchronized boolean tryReserve(long bytes, boolean idle) {
    if (bytes < 0) {
      throw new IllegalArgumentException("negative reservation " + bytes);
    }
    if (!idle && reserved + heldElsewhere() + bytes > maxBytes) {
      return false;
    }
    reserved += bytes;
    return true;
  }

  public synchronized void release(long bytes) {
    if (bytes < 0 || bytes > reserved) {
      throw new IllegalStateException("releasing " + bytes + " bytes of " + reserved + " reserved");
    }
    reserved -= bytes;
  }

  public long maxBytes() {
    return maxBytes;
  }

  /** Bytes reserved and not yet released. */
  public synchronized long reservedBytes() {
    return reserved;
  }

  /** Bytes reported by the holders counted with {@link #count}. */
  public long heldElsewhere() {
    long sum = 0;
    for (LongSupplier h : holders) {
      sum += h.getAsLong();
    }
    return sum;
  }

  /** Everything counted now: reservations and reported holdings. */
  public long usedBytes() {
    return reservedBytes() + heldElsewhere();
  }

  /** The refusal's message: what is held and what the bound is, for the 503's detail. */
  public String describe() {
    return "holds "
        + (usedBytes() >> 10)
        + " KiB of client data in memory, its budget is "
        + (maxBytes >> 10)
        + " KiB";
  }
}
