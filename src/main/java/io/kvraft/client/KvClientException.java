package io.kvraft.client;

/**
 * The cluster refused a request as invalid (a 4xx other than 404/412), or the client's deadline
 * passed.
 */
public class KvClientException extends RuntimeException {
  private final int status;

  public KvClientException(int status, String message) {
    super(message);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
