package io.kvraft.linearizability;

/**
 * A client request to the key-value service, as recorded in a history. Every op touches exactly one
 * key.
 */
public sealed interface KvOp {
  String key();

  record Get(String key) implements KvOp {
    @Override
    public String toString() {
      return "get(" + key + ")";
    }
  }

  record Put(String key, String value) implements KvOp {
    @Override
    public String toString() {
      return "put(" + key + ", '" + value + "')";
    }
  }

  record Append(String key, String value) implements KvOp {
    @Override
    public String toString() {
      return "append(" + key + ", '" + value + "')";
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
}
