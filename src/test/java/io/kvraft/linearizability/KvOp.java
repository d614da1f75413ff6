package io.kvraft.linearizability;

/**
 * A client request to the key-value service, as recorded in a history. Every op but a listing
 * touches exactly one key; a listing ({@link ListKeys}) reads a range of keys and has no single
 * key.
 */
public sealed interface KvOp {
  /**
   * The key the op touches.
   *
   * @throws UnsupportedOperationException for a listing, which spans keys: code that partitions a
   *     history by key must take listings out first, and fails loudly if it forgets
   */
  String key();

  /** Reads change nothing, so a read whose outcome is unknown constrains nothing. */
  default boolean isRead() {
    return this instanceof Get || this instanceof ListKeys;
  }

  record Get(String key) implements KvOp {
    @Override
    public String toString() {
      return "get(" + key + ")";
    }
  }

  /** {@code PUT}: sets the value unconditionally. */
  record Put(String key, String value) implements KvOp {
    @Override
    public String toString() {
      return "put(" + key + ", '" + value + "')";
    }
  }

  /** {@code POST}: appends to the value (an absent key counts as empty). */
  record Append(String key, String value) implements KvOp {
    @Override
    public String toString() {
      return "append(" + key + ", '" + value + "')";
    }
  }

  /** {@code PUT} with {@code If-Match: "<expected>"}: compare-and-set on the key's revision. */
  record PutIfMatch(String key, String value, long expected) implements KvOp {
    public PutIfMatch {
      if (expected < 1) {
        throw new IllegalArgumentException("revisions start at 1: " + expected);
      }
    }

    @Override
    public String toString() {
      return "put(" + key + ", '" + value + "', if-match " + expected + ")";
    }
  }

  /** {@code PUT} with {@code If-None-Match: *}: creates the key only if it is absent. */
  record PutIfAbsent(String key, String value) implements KvOp {
    @Override
    public String toString() {
      return "create(" + key + ", '" + value + "')";
    }
  }

  /** {@code DELETE}, with {@code If-Match} when {@code expected > 0}. */
  record Delete(String key, long expected) implements KvOp {
    public Delete {
      if (expected < 0) {
        throw new IllegalArgumentException("negative revision " + expected);
      }
    }

    @Override
    public String toString() {
      return "delete(" + key + (expected > 0 ? ", if-match " + expected : "") + ")";
    }
  }

  /**
   * One page of {@code GET /kv?prefix=&startAfter=&limit=}: the first {@code limit} keys that start
   * with {@code prefix} and sort after {@code startAfter} (null: from the first).
   */
  record ListKeys(String prefix, String startAfter, int limit) implements KvOp {
    public ListKeys {
      if (limit < 1) {
        throw new IllegalArgumentException("limit must be positive: " + limit);
      }
    }

    @Override
    public String key() {
      throw new UnsupportedOperationException("a listing spans keys: " + this);
    }

    /** Whether {@code key} is in the range this page reads (before the limit cuts it). */
    boolean covers(String key) {
      return key.startsWith(prefix) && (startAfter == null || key.compareTo(startAfter) > 0);
    }

    @Override
    public String toString() {
      return "list(prefix '"
          + prefix
          + "'"
          + (startAfter == null ? "" : ", after '" + startAfter + "'")
          + ", limit "
          + limit
          + ")";
    }
  }

  static KvOp get(String key) {
    return new Get(key);
  }

  static KvOp put(String key, String value) {
    return new Put(key, value);
  }

  static KvOp append(String key, String value) {
    return new Append(key, value);
  }

  static KvOp putIfMatch(String key, String value, long expected) {
    return new PutIfMatch(key, value, expected);
  }

  static KvOp putIfAbsent(String key, String value) {
    return new PutIfAbsent(key, value);
  }

  static KvOp delete(String key) {
    return new Delete(key, 0);
  }

  static KvOp deleteIfMatch(String key, long expected) {
    return new Delete(key, expected);
  }

  static KvOp list(String prefix, String startAfter, int limit) {
    return new ListKeys(prefix, startAfter, limit);
  }
}
