package io.kvraft.api;

/** Header names of the client contract (design §3). */
public final class KvHeaders {
  public static final String CLIENT_ID = "Client-Id";
  public static final String REQUEST_SEQ = "Request-Seq";
  public static final String RAFT_LEADER = "Raft-Leader";

  /** Marks a request a follower passed on to the leader, so it is never passed on twice. */
  public static final String FORWARDED_BY = "Kv-Forwarded-By";

  private KvHeaders() {}
}
