package io.kvraft.kv;

import java.util.Arrays;
import java.util.Objects;

/**
 * A replicated command, as carried in a Raft log entry: a {@link Write} to a key, or the {@link
 * Register}ing of a client session. {@code timestampMillis} is the leader's clock when it proposed
 * the command; the state machine derives session expiry and idleness from it so that all replicas
 * agree.
 */
public sealed interface KvCommand {
  long timestampMillis();

  /**
   * A write to one key. {@code clientId}/{@code seq} identify the request for exactly-once
   * application: null clientId means no deduplication and then seq must be 0; otherwise seq is
   * positive and clientId names a session the cluster issued through {@link Register}.
   */
  sealed interface Write extends KvCommand permits Put, Append, Delete {
    String clientId();

    long seq();

    String key();
  }

  /**
   * Opens a client session (Raft dissertation §6.3): applied at log index i it creates the session
   * whose id is {@link KvStateMachine#sessionId(long) sessionId(i)}. Log indexes never repeat, so
   * neither do issued ids.
   */
  record Register(long timestampMillis) implements KvCommand {
    public Register {
      if (timestampMillis < 0) {
        throw new IllegalArgumentException("negative timestamp " + timestampMillis);
      }
    }
  }

  /**
   * A write read from a log entry of the encoding before sessions were registered (codec version
   * 1). It is applied under the rules it was first applied with, where an unknown client id opened
   * a session, so that a replica replaying an old log after an upgrade reaches the state the others
   * reached, never another one.
   */
  record Legacy(Write write) implements KvCommand {
    public Legacy {
      Objects.requireNonNull(write, "write");
    }

    @Override
    public long timestampMillis() {
      return write.timestampMillis();
    }
  }

  record Put(
      String clientId, long seq, long timestampMillis, String key, byte[] value, Precondition pre)
      implements Write {
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

  /**
   * Append to the value; an absent key is treated as empty, so the result is just {@code value}.
   */
  record Append(String clientId, long seq, long timestampMillis, String key, byte[] value)
      implements Write {
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
      implements Write {
    public Delete {
      validate(clientId, seq, timestampMillis, key);
      Objects.requireNonNull(pre, "precondition");
    }
  }

  private static void validate(String clientId, long seq, long timestampMillis, String key) {
    Objects.requireNonNull(key, "key");
    if (clientId == null ? seq != 0 : seq <= 0) {
      throw new IllegalArgumentException(
          "seq must be 0 without clientId and positive with one: clientId="
              + clientId
              + " seq="
              + seq);
    }
    if (timestampMillis < 0) {
      throw new IllegalArgumentException("negative timestamp " + timestampMillis);
    }
  }

  private static boolean sameHeader(Write a, Write b) {
    return Objects.equals(a.clientId(), b.clientId())
        && a.seq() == b.seq()
        && a.timestampMillis() == b.timestampMillis()
        && a.key().equals(b.key());
  }

  private static int headerHash(Write c) {
    return Objects.hash(c.clientId(), c.seq(), c.timestampMillis(), c.key());
  }

  private static String header(Write c) {
    return c.key() + " client=" + c.clientId() + "#" + c.seq() + " t=" + c.timestampMillis();
  }
}
