package io.kvraft.client;

/**
 * One call of the client contract. {@code ifMatch} > 0 makes a Put/Delete conditional on that revision; {@code
 * ifNoneMatch} makes a Put create-only. {@code clientId}/{@code seq} make writes exactly-once.
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
    DELETE
  }

  public boolean isWrite() {
    return op != Op.GET;
  }
}
