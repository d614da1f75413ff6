package io.kvraft.web;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Decides which log lines about one kind of event ("reason") get written: at most {@code
 * linesPerWindow} per reason per window; the rest are counted, and the next line written for that
 * reason says how many were suppressed. A flood of bad requests thus costs a few lines a second
 * instead of filling the disk, and an operator still learns its size. The caller logs the returned
 * line at the level it wants.
 *
 * <p>Reasons should come from a fixed set chosen by the code, never from request input; past {@link
 * #MAX_REASONS} distinct ones, new reasons share one bucket so the map cannot grow without bound
 * either.
 */
public final class RateLimitedLog {
  static final int MAX_REASONS = 256;
  private static final String OVERFLOW_REASON = "(other)";

  private final int linesPerWindow;
  private final long windowNanos;
  private final LongSupplier nanoClock;
  private final Map<String, Window> windows = new ConcurrentHashMap<>();

  private static final class Window {
    long start;
    int written;
    long suppressed;
  }

  public RateLimitedLog(int linesPerWindow, Duration window, LongSupplier nanoClock) {
    if (linesPerWindow < 1 || window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("need at least one line per positive window");
    }
    this.linesPerWindow = linesPerWindow;
    this.windowNanos = window.toNanos();
    this.nanoClock = nanoClock;
  }

  /** The line to write for this event, or null when it is suppressed. */
  public String admit(String reason, String message) {
    String key =
        windows.size() >= MAX_REASONS && !windows.containsKey(reason) ? OVERFLOW_REASON : reason;
    Window w = windows.computeIfAbsent(key, k -> newWindow());
    long now = nanoClock.getAsLong();
    synchronized (w) {
      if (now - w.start >= windowNanos) {
        w.start = now;
        w.written = 0;
      }
      if (w.written >= linesPerWindow) {
        w.suppressed++;
        return null;
      }
      w.written++;
      if (w.suppressed == 0) {
        return message;
      }
      String line =
          message + " (suppressed " + w.suppressed + " similar [" + key + "] before this)";
      w.suppressed = 0;
      return line;
    }
  }

  private Window newWindow() {
    Window w = new Window();
    w.start = nanoClock.getAsLong() - windowNanos; // the first event opens a fresh window
    return w;
  }
}
