package io.kvraft.client;

/**
 * One call of the client contract. {@code ifMatch} > 0 makes a Put/Delete conditional on that
 * revision; {@code ifNoneMatch} makes a Put create-only. {@code clientId}/{@code seq} make writes
 * exactly-once; the client id is one the cluster issued to a {@link Op#REGISTER} call ({@code POST
 * /sessions}), whose reply carries it as its value.
 */
public record KvRequest(
    Op op,
    String key,
    byte[] value,
    String clientId,
    long seq,
    long ifMatch,
    boolean ifNoneMatch,
    boolean stale) {
  public enum Op {
    GET,
    PUT,
    APPEND,
    DELETE,
    /** Open a client session; key, value and clientId are unused. */
    REGISTER
  }

  /** A request that opens a session (POST /sessions). */
  public static KvRequest register() {
    return new KvRequest(Op.REGISTER, "", null, null, 0, 0, false, false);
  }

  /** Whether it goes through the Raft log (a key write or a session registration). */
  public boolean isWrite() {
    return op != Op.GET;
  }
}
