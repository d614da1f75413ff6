package io.kvraft.node;

/**
 * The request's outcome is unknown: it was accepted but could not be confirmed (leadership lost,
 * timeout, node shutting down or failed). Retrying with the same Client-Id and Request-Seq is safe.
 */
public class UnavailableException extends RuntimeException {
  public UnavailableException(String message) {
    super(message);
  }

  public UnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
