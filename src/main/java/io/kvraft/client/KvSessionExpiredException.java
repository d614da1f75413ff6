package io.kvraft.client;

/**
 * The cluster answered 410: the client's session expired or was evicted before this write was
 * applied under it. The write was NOT applied by this attempt, but an earlier attempt of it may
 * have been, so its outcome is unknown: read the key before deciding to write again. The client has
 * dropped the session; its next write registers a new one.
 */
public class KvSessionExpiredException extends KvClientException {
  public KvSessionExpiredException(String message) {
    super(410, message);
  }
}
