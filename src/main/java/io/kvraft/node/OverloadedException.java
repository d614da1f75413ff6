package io.kvraft.node;

/**
 * Refused at the door because the leader already holds as many unfinished requests (by count or
 * bytes) as it is allowed to: nothing was proposed, so unlike its parent the outcome is known (no
 * effect) and a retry after a short pause is safe with or without the same Client-Id/Request-Seq.
 * Answered 503 with Retry-After, like any unavailability, so clients that already back off on 503
 * need nothing new.
 */
public class OverloadedException extends UnavailableException {
  public OverloadedException(String message) {
    super(message);
  }
}
