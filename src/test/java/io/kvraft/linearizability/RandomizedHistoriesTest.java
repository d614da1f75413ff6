package io.kvraft.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Generated histories are linearizable by construction, so the checker must accept them; corrupting
 * a single read must flip the verdict. Together these catch both false alarms and missed
 * violations.
 */
class RandomizedHistoriesTest {
  private static final List<String> KEYS = List.of("a", "b", "c");
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  static LongStream seeds() {
    return LongStream.rangeClosed(1, 40);
  }

  private static List<Operation> generate(long seed) {
    int clients = 5 + (int) (seed % 11); // 5..15 clients, like the real tests
    return SimulatedKvWorkload.generate(seed, clients, 600, KEYS, 0.03);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void trueExecutionIsLinearizable(long seed) {
    Result result = LinearizabilityChecker.check(generate(seed), TIMEOUT);
    assertThat(result.isOk()).as("seed %d: %s", seed, result).isTrue();
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void oneCorruptedReadIsIllegal(long seed) {
    List<Operation> history = new ArrayList<>(generate(seed));
    Random random = new Random(seed);
    List<Integer> completedReads = new ArrayList<>();
    for (int i = 0; i < history.size(); i++) {
      if (history.get(i).input() instanceof KvOp.Get && !history.get(i).isOutcomeUnknown()) {
        completedReads.add(i);
      }
    }
    int victim = completedReads.get(random.nextInt(completedReads.size()));
    Operation read = history.get(victim);
    String corrupted = valueNotWrittenBefore(read, history, random);
    history.set(victim, read.withOutput(KvOutput.value(corrupted)));

    Result result = LinearizabilityChecker.check(history, TIMEOUT);
    assertThat(result.isIllegal())
        .as("seed %d: read #%d corrupted to '%s', got %s", seed, read.id(), corrupted, result)
        .isTrue();
    assertThat(result.explanation()).as("seed %d", seed).contains("key '" + read.key() + "'");
  }

  /**
   * Preferably the value of a put invoked only after the read returned (a read from the future);
   * otherwise a value nobody ever wrote. Values are unique ';'-terminated tokens, so neither can be
   * the register's state at the read.
   */
  private static String valueNotWrittenBefore(
      Operation read, List<Operation> history, Random random) {
    List<String> futureValues =
        history.stream()
            .filter(op -> op.key().equals(read.key()) && op.callNanos() > read.returnNanos())
            .filter(op -> op.input() instanceof KvOp.Put)
            .map(op -> ((KvOp.Put) op.input()).value())
            .toList();
    return futureValues.isEmpty()
        ? "never-written"
        : futureValues.get(random.nextInt(futureValues.size()));
  }
}
