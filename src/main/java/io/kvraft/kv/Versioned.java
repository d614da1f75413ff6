package io.kvraft.kv;

import java.util.Arrays;
import java.util.Objects;

/**
 * A stored value and its revision (the log index of the write that produced it; used as the ETag).
 *
 * <p>The array is shared with the store to keep reads copy-free: callers must not mutate it.
 */
public record Versioned(byte[] value, long revision) {
  public Versioned {
    Objects.requireNonNull(value, "value");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Versioned v && v.revision == revision && Arrays.equals(v.value, value);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(revision) * 31 + Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    return "Versioned{rev=" + revision + " " + value.length + "B}";
  }
}
