package io.kvraft.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The checker prunes aggressively (per-key partitioning, narrowing by revisions, cache, forced
 * moves, unreachable reads, dropped unobserved writes, a few candidate revisions for unrecorded
 * ones). This compares it with the definition itself ({@link BruteForce}: try every order that
 * respects real time, every revision) on small random histories whose values and revisions repeat
 * and whose outputs are mostly wrong, so both verdicts and all the corner cases come up often.
 */
class BruteForceAgreementTest {
  private static final String[] VALUES = {"a", "b", "ab"};
  private static final String[] READS = {"", "a", "b", "ab", "ba", "aa", "bab", "abab"};
  private static final int MAX_REVISION = 5;

  /** Register ops only, revisions not recorded: the histories the first checker knew. */
  @Test
  void agreesOnGetsPutsAndAppendsWithoutRevisions() {
    int illegal = 0;
    for (long seed = 0; seed < 5000; seed++) {
      Random random = new Random(seed);
      List<Operation> history = randomHistory(random, List.of("k"), false, false);
      illegal += assertAgreement(seed, history) ? 0 : 1;
    }
    assertThat(illegal).as("both verdicts must be exercised").isBetween(500, 4500);
  }

  /**
   * Every key op of the contract, with revisions: the per-key search, narrowing and candidate
   * revisions must be exact on one key.
   */
  @Test
  void agreesOnEveryKeyOperationWithRevisions() {
    int illegal = 0;
    for (long seed = 0; seed < 6000; seed++) {
      Random random = new Random(seed);
      List<Operation> history = randomHistory(random, List.of("k"), true, false);
      illegal += assertAgreement(seed, history) ? 0 : 1;
    }
    assertThat(illegal).as("both verdicts must be exercised").isBetween(600, 5400);
  }

  /**
   * Two keys and listings: the checker's cross-key passes are sound but not complete, so it may
   * accept what the definition rejects, never the other way round. How much it misses is printed,
   * and it must catch most cross-key violations, or the passes would be doing nothing.
   */
  @Test
  void neverRejectsALinearizableHistoryOfTwoKeysWithListings() {
    int illegal = 0;
    int missed = 0;
    for (long seed = 0; seed < 4000; seed++) {
      Random random = new Random(seed);
      List<Operation> history = randomHistory(random, List.of("k1", "k2"), true, true);
      boolean expected = BruteForce.isLinearizable(history);
      Result result = LinearizabilityChecker.check(history, Duration.ofSeconds(5));
      assertThat(result.verdict())
          .as("seed %d: %s", seed, history)
          .isNotEqualTo(Result.Verdict.UNKNOWN);
      if (expected) {
        assertThat(result.isOk()).as("seed %d: %s\n%s", seed, history, result).isTrue();
      } else {
        illegal++;
        missed += result.isOk() ? 1 : 0;
      }
    }
    System.out.printf(
        "two keys with listings: %d of 4000 histories illegal, %d of them accepted%n",
        illegal, missed);
    assertThat(illegal).isGreaterThan(400);
    assertThat(missed).isLessThan(illegal / 10);
  }

  /**
   * @return whether the history is linearizable
   */
  private static boolean assertAgreement(long seed, List<Operation> history) {
    boolean expected = BruteForce.isLinearizable(history);
    Result result = LinearizabilityChecker.check(history, Duration.ofSeconds(5));
    assertThat(result.verdict())
        .as("seed %d, history %s\n%s", seed, history, result)
        .isEqualTo(expected ? Result.Verdict.OK : Result.Verdict.ILLEGAL);
    return expected;
  }

  private static List<Operation> randomHistory(
      Random random, List<String> keys, boolean withRevisions, boolean withListings) {
    int size = 1 + random.nextInt(withListings ? 6 : 7);
    List<Operation> ops = new ArrayList<>();
    for (int id = 0; id < size; id++) {
      long call = random.nextInt(20);
      long ret = call + random.nextInt(8); // may equal call: an instantaneous op
      String key = keys.get(random.nextInt(keys.size()));
      KvOp op = withRevisions ? anyOp(random, key, withListings) : registerOp(random, key);
      if (!op.isRead() && random.nextInt(5) == 0) {
        ops.add(Operation.outcomeUnknown(id, id, op, call));
      } else {
        KvOutput out = withRevisions ? anyOutput(random, op, keys) : registerOutput(random, op);
        ops.add(Operation.completed(id, id, op, out, call, ret));
      }
    }
    return ops;
  }

  private static KvOp registerOp(Random random, String key) {
    String value = VALUES[random.nextInt(VALUES.length)];
    int kind = random.nextInt(3);
    return kind == 0 ? KvOp.get(key) : kind == 1 ? KvOp.put(key, value) : KvOp.append(key, value);
  }

  private static KvOutput registerOutput(Random random, KvOp op) {
    return op instanceof KvOp.Get
        ? KvOutput.value(READS[random.nextInt(READS.length)])
        : KvOutput.ack();
  }

  private static KvOp anyOp(Random random, String key, boolean withListings) {
    String value = VALUES[random.nextInt(VALUES.length)];
    long revision = 1 + random.nextInt(MAX_REVISION);
    switch (random.nextInt(withListings ? 9 : 8)) {
      case 0, 1:
        return KvOp.get(key);
      case 2:
        return KvOp.put(key, value);
      case 3:
        return KvOp.append(key, value);
      case 4:
        return KvOp.putIfMatch(key, value, revision);
      case 5:
        return KvOp.putIfAbsent(key, value);
      case 6:
        return KvOp.delete(key);
      case 7:
        return KvOp.deleteIfMatch(key, revision);
      default:
        return random.nextBoolean() ? KvOp.list("k", null, 2) : KvOp.list("k", "k1", 1);
    }
  }

  /** Plausible answers for the op's kind, mostly wrong ones. */
  private static KvOutput anyOutput(Random random, KvOp op, List<String> keys) {
    long revision = 1 + random.nextInt(MAX_REVISION);
    if (op instanceof KvOp.Get) {
      int pick = random.nextInt(8);
      return pick == 0
          ? KvOutput.absent()
          : pick == 1
              ? KvOutput.value(READS[random.nextInt(READS.length)])
              : KvOutput.value(VALUES[random.nextInt(VALUES.length)], revision);
    }
    if (op instanceof KvOp.ListKeys listing) {
      List<String> shown = new ArrayList<>();
      for (String key : keys) {
        if (listing.covers(key) && shown.size() < listing.limit() && random.nextBoolean()) {
          shown.add(key);
        }
      }
      return KvOutput.keys(shown);
    }
    boolean conditional =
        op instanceof KvOp.PutIfMatch
            || op instanceof KvOp.PutIfAbsent
            || (op instanceof KvOp.Delete d && d.expected() > 0);
    int pick = random.nextInt(6);
    if (conditional && pick < 2) {
      return KvOutput.preconditionFailed(pick == 0 ? 0 : revision);
    }
    if (op instanceof KvOp.Delete d && d.expected() == 0 && pick < 2) {
      return KvOutput.nothingToDelete();
    }
    return pick == 5 ? KvOutput.ack() : KvOutput.ok(revision);
  }
}
