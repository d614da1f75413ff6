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

  // The whole contract: conditional puts, creates, deletes, listings, answers with revisions.

  private static List<Operation> generateAllOperations(long seed) {
    int clients = 5 + (int) (seed % 11);
    return SimulatedKvWorkload.generateAllOperations(seed, clients, 600, KEYS, 0.03);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void trueExecutionOfEveryOperationIsLinearizable(long seed) {
    Result result = LinearizabilityChecker.check(generateAllOperations(seed), TIMEOUT);
    assertThat(result.isOk()).as("seed %d: %s", seed, result).isTrue();
  }

  /**
   * A read whose ETag is the revision of a write of another key: no write of its own key can have
   * given it, since two writes never share a log index.
   */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void readWithAnotherKeysRevisionIsIllegal(long seed) {
    List<Operation> history = new ArrayList<>(generateAllOperations(seed));
    Random random = new Random(seed);
    List<Integer> reads = new ArrayList<>();
    for (int i = 0; i < history.size(); i++) {
      if (history.get(i).output() instanceof KvOutput.Value) {
        reads.add(i);
      }
    }
    int victim = reads.get(random.nextInt(reads.size()));
    Operation read = history.get(victim);
    List<Long> otherKeysRevisions =
        history.stream()
            .filter(op -> op.output() instanceof KvOutput.Ok && !op.key().equals(read.key()))
            .map(op -> ((KvOutput.Ok) op.output()).revision())
            .toList();
    long wrong = otherKeysRevisions.get(random.nextInt(otherKeysRevisions.size()));
    String value = ((KvOutput.Value) read.output()).value();
    history.set(victim, read.withOutput(KvOutput.value(value, wrong)));

    Result result = LinearizabilityChecker.check(history, TIMEOUT);
    assertThat(result.isIllegal())
        .as("seed %d: read #%d given revision %d, got %s", seed, read.id(), wrong, result)
        .isTrue();
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void listingShowingAKeyNobodyWroteIsIllegal(long seed) {
    List<Operation> history = new ArrayList<>(generateAllOperations(seed));
    Random random = new Random(seed);
    List<Integer> pages = new ArrayList<>();
    for (int i = 0; i < history.size(); i++) {
      if (history.get(i).output() instanceof KvOutput.Keys keys
          && keys.keys().size() < ((KvOp.ListKeys) history.get(i).input()).limit()) {
        pages.add(i);
      }
    }
    int victim = pages.get(random.nextInt(pages.size()));
    Operation page = history.get(victim);
    List<String> shown = new ArrayList<>(((KvOutput.Keys) page.output()).keys());
    shown.add("zz-never-written"); // sorts after every key of the workload
    history.set(victim, page.withOutput(KvOutput.keys(shown)));

    Result result = LinearizabilityChecker.check(history, TIMEOUT);
    assertThat(result.isIllegal()).as("seed %d: %s", seed, result).isTrue();
    assertThat(result.explanation()).contains("listing is not linearizable");
  }
}
