package io.kvraft.kv;

/**
 * A request that can never succeed as sent; nothing was changed. {@code tooLarge} maps to 413,
 * otherwise 400.
 */
public class InvalidRequestException extends RuntimeException {
  private final boolean tooLarge;

  public InvalidRequestException(String message, boolean tooLarge) {
    super(message);
    this.tooLarge = tooLarge;
  }

  public static InvalidRequestException bad(String message) {
    return new InvalidRequestException(message, false);
  }

  public static InvalidRequestException tooLarge(String message) {
    return new InvalidRequestException(message, true);
  }

  public boolean tooLarge() {
    return tooLarge;
  }
}
