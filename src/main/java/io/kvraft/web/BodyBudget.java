package io.kvraft.web;

/**
 * A bound on the bytes of {@code /kv} request bodies a member holds while reading them (issue 12):
 * buffers grow as bytes arrive and reserve their growth here first, so many bodies in flight at
 * once are answered 503 Overloaded instead of filling the heap, while slow senders, which hold
 * little, cost little. Sized from the heap ({@code kv.body-budget-bytes}, default a sixteenth of
 * {@code Runtime.maxMemory()}).
 *
 * <p>A reservation is refused when the total would pass the bound, except when nothing is reserved:
 * a single body larger than the bound still goes through on an idle member. Thread-safe.
 */
public final class BodyBudget {
  private final long maxBytes;
  private long reserved;

  public BodyBudget(long maxBytes) {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("kv.body-budget-bytes must be positive");
    }
    this.maxBytes = maxBytes;
  }

  synchronized boolean tryReserve(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("negative reservation " + bytes);
    }
    if (reserved > 0 && reserved + bytes > maxBytes) {
      return false;
    }
    reserved += bytes;
    return true;
  }

  synchronized void release(long bytes) {
    if (bytes < 0 || bytes > reserved) {
      throw new IllegalStateException("releasing " + bytes + " bytes of " + reserved + " reserved");
    }
    reserved -= bytes;
  }

  synchronized long reservedBytes() {
    return reserved;
  }

  long maxBytes() {
    return maxBytes;
  }

  /** For a refusal's detail: what is held and what the bound is. */
  String describe() {
    return "request bodies being read hold "
        + (reservedBytes() >> 10)
        + " KiB, the budget is "
        + (maxBytes >> 10)
        + " KiB";
  }
}
