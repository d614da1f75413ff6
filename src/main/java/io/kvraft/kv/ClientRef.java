package io.kvraft.kv;

/**
 * Who sent a write, for exactly-once application: a client has one request outstanding at a time,
 * numbers them with increasing {@code seq}, and re-sends the same seq when it retries. {@link
 * #NONE} opts out of deduplication.
 */
public record ClientRef(String clientId, long seq) {
  public static final ClientRef NONE = new ClientRef(null, 0);
  public static final int MAX_CLIENT_ID_LENGTH = 64;

  public ClientRef {
    if (clientId != null) {
      if (clientId.isEmpty() || clientId.length() > MAX_CLIENT_ID_LENGTH) {
        throw InvalidRequestException.bad(
            "Client-Id must be 1 to " + MAX_CLIENT_ID_LENGTH + " characters");
      }
      if (seq <= 0) {
        throw InvalidRequestException.bad(
            "Request-Seq must be a positive integer when Client-Id is given");
      }
    } else if (seq != 0) {
      throw InvalidRequestException.bad("Request-Seq needs a Client-Id");
    }
  }
}
