package io.kvraft.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The search prunes aggressively (cache, eager reads, unreachable reads, dropped unobserved
 * writes). This compares it with the definition itself — try every order that respects real time —
 * on small random histories whose values repeat and whose outputs are mostly wrong, so both
 * verdicts and all the corner cases come up often.
 */
class BruteForceAgreementTest {
  private static final String[] VALUES = {"a", "b", "ab"};
  private static final String[] READS = {"", "a", "b", "ab", "ba", "aa", "bab", "abab"};

  @Test
  void checkerAgreesWithExhaustiveSearchOnSmallHistories() {
    int illegalSeen = 0;
    for (long seed = 0; seed < 5000; seed++) {
      List<Operation> history = randomHistory(new Random(seed));
      boolean expected = BruteForce.isLinearizable(history);
      Result result = LinearizabilityChecker.check(history, Duration.ofSeconds(5));
      assertThat(result.verdict())
          .as("seed %d, history %s", seed, history)
          .isEqualTo(expected ? Result.Verdict.OK : Result.Verdict.ILLEGAL);
      illegalSeen += expected ? 0 : 1;
    }
    assertThat(illegalSeen).as("both verdicts must be exercised").isBetween(500, 4500);
  }

  private static List<Operation> randomHistory(Random random) {
    int size = 1 + random.nextInt(7);
    List<Operation> ops = new ArrayList<>();
    for (int id = 0; id < size; id++) {
      long call = random.nextInt(20);
      long ret = call + random.nextInt(8); // may equal call: an instantaneous op
      String value = VALUES[random.nextInt(VALUES.length)];
      int kind = random.nextInt(3);
      KvOp op =
          kind == 0 ? KvOp.get("k") : kind == 1 ? KvOp.put("k", value) : KvOp.append("k", value);
      if (kind != 0 && random.nextInt(5) == 0) {
        ops.add(Operation.outcomeUnknown(id, id, op, call));
      } else {
        KvOutput out =
            kind == 0 ? KvOutput.value(READS[random.nextInt(READS.length)]) : KvOutput.ack();
        ops.add(Operation.completed(id, id, op, out, call, ret));
      }
    }
    return ops;
  }

  /**
   * Literal definition: some total order respects real time (p before q if p returned before q was
   * called).
   */
  private static final class BruteForce {
    static boolean isLinearizable(List<Operation> ops) {
      return extend(ops, new boolean[ops.size()], 0, RegisterModel.INITIAL_STATE);
    }

    private static boolean extend(
        List<Operation> ops, boolean[] done, int doneCount, String state) {
      if (doneCount == ops.size()) {
        return true;
      }
      for (int i = 0; i < ops.size(); i++) {
        if (done[i] || !mayGoNext(ops, done, ops.get(i))) {
          continue;
        }
        String next = RegisterModel.step(state, ops.get(i).input(), ops.get(i).output());
        if (next != null) {
          done[i] = true;
          boolean found = extend(ops, done, doneCount + 1, next);
          done[i] = false;
          if (found) {
            return true;
          }
        }
      }
      return false;
    }

    private static boolean mayGoNext(List<Operation> ops, boolean[] done, Operation candidate) {
      for (int j = 0; j < ops.size(); j++) {
        if (!done[j] && ops.get(j).returnNanos() < candidate.callNanos()) {
          return false;
        }
      }
      return true;
    }
  }
}
