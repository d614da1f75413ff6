package io.kvraft.node;

/**
 * This node cannot serve the request because it is not the leader; {@code leaderHint} names one, or
 * is null.
 */
public class NotLeaderException extends RuntimeException {
  private final String leaderHint;

  public NotLeaderException(String leaderHint) {
    super(leaderHint == null ? "no leader known" : "not the leader; the leader is " + leaderHint);
    this.leaderHint = leaderHint;
  }

  public String leaderHint() {
    return leaderHint;
  }
}
