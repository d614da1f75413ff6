package io.kvraft.kv;

import java.nio.charset.StandardCharsets;

/** Input bounds: anything beyond them is refused before it reaches the Raft log. */
public record KvLimits(int maxKeyBytes, int maxValueBytes, int maxListLimit) {
  public static KvLimits defaults() {
    return new KvLimits(1024, 1 << 20, 1000);
  }

  public void checkKey(String key) {
    if (key == null || key.isEmpty()) {
      throw InvalidRequestException.bad("key must not be empty");
    }
    int bytes = key.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > maxKeyBytes) {
      throw InvalidRequestException.bad("key is " + bytes + " bytes; the limit is " + maxKeyBytes);
    }
    for (int i = 0; i < key.length(); i++) {
      if (Character.isISOControl(key.charAt(i))) {
        throw InvalidRequestException.bad("key must not contain control characters");
      }
    }
  }

  public void checkValue(byte[] value) {
    if (value.length > maxValueBytes) {
      throw InvalidRequestException.tooLarge(
          "value is " + value.length + " bytes; the limit is " + maxValueBytes);
    }
  }
}
