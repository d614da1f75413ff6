package io.kvraft.raft;

import java.util.Arrays;

/**
 * One Raft log entry. {@code data} is opaque to Raft; a {@link Type#NOOP} entry is appended by
 * every new leader so that it can commit entries of earlier terms (Raft §5.4.2) and serve ReadIndex
 * reads (§6.4).
 *
 * <p>Invariant: {@code index >= 1}, {@code term >= 1}. Entries are immutable; {@code data} must not
 * be mutated.
 */
public record Entry(long term, long index, Type type, byte[] data) {
  /**
   * What an entry holds. Each type has a fixed tag that the log and the wire write for it; a tag is
   * never reused or renumbered, so entries written by one version are read as the same type by
   * every later one.
   */
  public enum Type {
    NOOP(0),
    COMMAND(1);

    private final byte tag;

    Type(int tag) {
      this.tag = (byte) tag;
    }

    public byte tag() {
      return tag;
    }

    /**
     * The type written as {@code tag}, or null for a tag this version does not know (never
     * guessed).
     */
    public static Type ofTag(int tag) {
      for (Type t : values()) {
        if (t.tag == tag) {
          return t;
        }
      }
      return null;
    }
  }

  private static final byte[] EMPTY = new byte[0];

  public Entry {
    if (index < 1 || term < 1) {
      throw new IllegalArgumentException("bad entry term=" + term + " index=" + index);
    }
    if (data == null) {
      data = EMPTY;
    }
  }

  public static Entry noop(long term, long index) {
    return new Entry(term, index, Type.NOOP, EMPTY);
  }

  public static Entry command(long term, long index, byte[] data) {
    return new Entry(term, index, Type.COMMAND, data);
  }

  /**
   * Bytes this entry weighs when batching AppendEntries; a fixed header cost keeps empty entries
   * from being free.
   */
  public int sizeBytes() {
    return data.length + 24;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Entry e
        && e.term == term
        && e.index == index
        && e.type == type
        && Arrays.equals(e.data, data);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(term) * 31 + Long.hashCode(index) * 17 + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "Entry{" + index + "@" + term + " " + type + " " + data.length + "B}";
  }
}
