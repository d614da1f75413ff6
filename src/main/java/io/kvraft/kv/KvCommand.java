package io.kvraft.kv;

import java.util.Arrays;
import java.util.Objects;

/**
 * A replicated write, as carried in a Raft log entry.
 *
 * <p>{@code clientId}/{@code seq} identify the request for exactly-once application: null clientId means no
 * deduplication and then seq must be 0; otherwise seq is positive. {@code timestampMillis} is the leader's clock when
 * it proposed the command; the state machine derives session expiry from it so that all replicas agree.
 */
public sealed interface KvCommand {
  String clientId();

  long seq();

  long timestampMillis();

  String key();

  record Put(
      String clientId, long seq, long timestampMillis, String key, byte[] value, Precondition pre)
      implements KvCommand {
    public Put {
      validate(clientId, seq, timestampMillis, key);
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(pre, "precondition");
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Put p
          && sameHeader(this, p)
          && Arrays.equals(p.value, value)
          && p.pre.equals(pre);
    }

    @Override
    public int hashCode() {
      return headerHash(this) * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
      return "Put{" + header(this) + " " + value.length + "B " + pre + "}";
    }
  }

  /** Append to the value; an absent key is treated as empty, so the result is just {@code value}. */
  record Append(String clientId, long seq, long timestampMillis, String key, byte[] value)
      implements KvCommand {
    public Append {
      validate(clientId, seq, timestampMillis, key);
      Objects.requireNonNull(value, "value");
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Append a && sameHeader(this, a) && Arrays.equals(a.value, value);
    }

    @Override
    public int hashCode() {
      return headerHash(this) * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
      return "Append{" + header(this) + " " + value.length + "B}";
    }
  }

  record Delete(String clientId, long seq, long timestampMillis, String key, Precondition pre)
      implements KvCommand {
    public Delete {
      validate(clientId, seq, timestampMillis, key);
      Objects.requireNonNull(pre, "precondition");
    }
  }

  private static void validate(String clientId, long seq, long timestampMillis, String key) {
    Objects.requireNonNull(key, "key");
    if (clientId == null ? seq != 0 : seq <= 0) {
      throw new IllegalArgumentException(
          "seq must be 0 without clientId and positive with one: clientId=" + clientId + " seq=" + seq);
    }
    if (timestampMillis < 0) {
      throw new IllegalArgumentException("negative timestamp " + timestampMillis);
    }
  }

  private static boolean sameHeader(KvCommand a, KvCommand b) {
    return Objects.equals(a.clientId(), b.clientId())
        && a.seq() == b.seq()
        && a.timestampMillis() == b.timestampMillis()
        && a.key().equals(b.key());
  }

  private static int headerHash(KvCommand c) {
    return Objects.hash(c.clientId(), c.seq(), c.timestampMillis(), c.key());
  }

  private static String header(KvCommand c) {
    return c.key() + " client=" + c.clientId() + "#" + c.seq() + " t=" + c.timestampMillis();
  }
}
