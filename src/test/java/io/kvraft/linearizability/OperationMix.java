package io.kvraft.linearizability;

import java.util.List;
import java.util.Random;

/**
 * The whole key contract in one random mix, shared by every workload that exercises it (simulated,
 * seed suite, real processes): a quarter reads, puts and appends, a quarter compare-and-set and
 * create-only puts, deletes with and without a revision, and listing pages that start after a
 * random key or from the first. A compare-and-set expects the revision the client last saw of the
 * key, which others have often changed since (a 412).
 */
public final class OperationMix {
  private OperationMix() {}

  /**
   * @param expected the revision this client last saw of {@code key} (1 if none)
   * @param keys the keys the workload writes, all starting with {@code listPrefix}
   */
  public static KvOp next(
      Random random,
      String key,
      String value,
      long expected,
      List<String> keys,
      String listPrefix) {
    int kind = random.nextInt(20);
    if (kind < 5) {
      return KvOp.get(key);
    }
    if (kind < 8) {
      return KvOp.put(key, value);
    }
    if (kind < 10) {
      return KvOp.append(key, value);
    }
    if (kind < 13) {
      return KvOp.putIfMatch(key, value, expected);
    }
    if (kind < 15) {
      return KvOp.putIfAbsent(key, value);
    }
    if (kind < 16) {
      return KvOp.delete(key);
    }
    if (kind < 17) {
      return KvOp.deleteIfMatch(key, expected);
    }
    String after = random.nextBoolean() ? null : keys.get(random.nextInt(keys.size()));
    return KvOp.list(listPrefix, after, 1 + random.nextInt(keys.size()));
  }
}
