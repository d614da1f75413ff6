package io.kvraft.web;

import io.kvraft.kv.InvalidRequestException;
import io.kvraft.node.OverloadedException;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * Reads a request body with non-blocking servlet reads (issue 12): the container calls back when
 * bytes arrive, and between callbacks no thread waits for a slow sender. A blocking read held a
 * container thread per sender, so a few hundred senders trickling a byte at a time took every
 * thread and stopped all writes and the health endpoint.
 *
 * <p>The buffer grows as bytes arrive (never to more than the declared length or the limit), and
 * its growth is reserved in a {@link BodyBudget} first, when one is given: a sender that promises a
 * megabyte and sends a byte holds a kilobyte. Exactly one of {@link Outcome}'s methods is called,
 * unless {@link #abandon()} came first (the owner's deadline passed). The owner runs on container
 * threads; the methods are synchronized all the same.
 */
public final class BodyReader implements ReadListener {
  /** What the owner does with the body, or with why there is none. */
  public interface Outcome {
    void read(byte[] body);

    /**
     * {@link InvalidRequestException} (too large, unreadable) or {@link OverloadedException}
     * (budget full).
     */
    void failed(RuntimeException why);
  }

  private static final int FIRST_CAPACITY = 1024;
  private static final byte[] EMPTY = new byte[0];

  private final ServletInputStream in;
  private final long limit;
  private final long capacityBound;
  private final BodyBudget budget;
  private final Outcome outcome;
  private byte[] buffer = EMPTY;
  private int size;
  private long reserved;
  private boolean over;

  /**
   * @param declared the request's Content-Length, or -1 (chunked); not above {@code limit}
   * @param limit the largest body accepted: one byte more is 413
   * @param budget where buffer growth is reserved, or null to reserve nowhere
   */
  public BodyReader(
      ServletInputStream in, long declared, long limit, BodyBudget budget, Outcome outcome) {
    this.in = in;
    this.limit = limit;
    this.capacityBound = declared >= 0 ? declared : Math.min(Integer.MAX_VALUE - 8, limit + 1);
    this.budget = budget;
    this.outcome = outcome;
  }

  @Override
  public synchronized void onDataAvailable() throws IOException {
    while (!over && !in.isFinished() && in.isReady()) {
      if (size == buffer.length && !grow()) {
        return;
      }
      int n = in.read(buffer, size, buffer.length - size);
      if (n < 0) {
        return; // the end: onAllDataRead follows
      }
      size += n;
      if (size > limit) {
        fail(InvalidRequestException.tooLarge("body exceeds the limit of " + limit + " bytes"));
        return;
      }
    }
  }

  @Override
  public synchronized void onAllDataRead() {
    if (over) {
      return;
    }
    over = true;
    byte[] body = size == buffer.length ? buffer : Arrays.copyOf(buffer, size);
    buffer = EMPTY;
    try {
      outcome.read(body);
    } finally {
      // From here the body is the write's: its proposal or relay holds it, and is counted where it
      // is held.
      releaseAll();
    }
  }

  @Override
  public synchronized void onError(Throwable t) {
    if (!over) {
      fail(InvalidRequestException.bad("could not read the request body: " + t.getMessage()));
    }
  }

  /**
   * Stops reading (the owner's deadline passed) and gives the buffer's reservation back; true if
   * the body was still being read, false if an outcome was already delivered.
   */
  public synchronized boolean abandon() {
    if (over) {
      return false;
    }
    over = true;
    buffer = EMPTY;
    releaseAll();
    return true;
  }

  /** Bytes received so far (for a deadline's message). */
  public synchronized int received() {
    return size;
  }

  private boolean grow() {
    if (buffer.length >= capacityBound) {
      // Full at the declared length, yet the container says more is ready: it will report the end
      // next.
      fail(InvalidRequestException.tooLarge("body exceeds the limit of " + limit + " bytes"));
      return false;
    }
    int wanted = (int) Math.min(capacityBound, Math.max(FIRST_CAPACITY, 2L * buffer.length));
    long more = wanted - buffer.length;
    if (budget != null && !budget.tryReserve(more)) {
      fail(new OverloadedException(budget.describe() + "; nothing was applied, retry shortly"));
      return false;
    }
    reserved += more;
    buffer = Arrays.copyOf(buffer, wanted);
    return true;
  }

  private void fail(RuntimeException why) {
    over = true;
    buffer = EMPTY;
    releaseAll();
    outcome.failed(why);
  }

  private void releaseAll() {
    if (budget != null && reserved > 0) {
      budget.release(reserved);
    }
    reserved = 0;
  }
}
