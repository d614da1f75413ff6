package io.kvraft.linearizability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HistoryRecorderTest {
  private final AtomicLong clock = new AtomicLong(100);
  private final HistoryRecorder recorder = new HistoryRecorder(clock::get);

  @Test
  void recordsCallAndReturnTimes() {
    long id = recorder.invoke(3, KvOp.put("x", "a"));
    clock.set(250);
    recorder.complete(id, KvOutput.ack());

    assertThat(recorder.history())
        .containsExactly(Operation.completed(id, 3, KvOp.put("x", "a"), KvOutput.ack(), 100, 250));
  }

  @Test
  void unknownOutcomeWriteNeverReturnsAndUnknownOutcomeReadIsDropped() {
    long write = recorder.invoke(1, KvOp.append("x", "a"));
    long read = recorder.invoke(2, KvOp.get("x"));
    recorder.completeUnknown(write);
    recorder.completeUnknown(read);

    assertThat(recorder.history())
        .containsExactly(Operation.outcomeUnknown(write, 1, KvOp.append("x", "a"), 100));
    assertThat(recorder.history().get(0).returnNanos()).isEqualTo(Operation.NEVER_RETURNED);
  }

  @Test
  void listingWithUnknownOutcomeIsDroppedLikeARead() {
    long page = recorder.invoke(1, KvOp.list("k", null, 10));
    long delete = recorder.invoke(2, KvOp.delete("k1"));
    recorder.completeUnknown(page);
    recorder.completeUnknown(delete);

    assertThat(recorder.history())
        .containsExactly(Operation.outcomeUnknown(delete, 2, KvOp.delete("k1"), 100));
  }

  @Test
  void answersThatNoSuchRequestGetsAreAHarnessBug() {
    assertThatThrownBy(
            () -> Operation.completed(0, 1, KvOp.put("x", "a"), KvOutput.nothingToDelete(), 0, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                Operation.completed(0, 1, KvOp.putIfAbsent("x", "a"), KvOutput.value("a", 3), 0, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> Operation.completed(0, 1, KvOp.delete("x"), KvOutput.preconditionFailed(2), 0, 1))
        .as("an unconditional delete never fails a precondition")
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void opsStillInFlightAreReportedAsUnknownWritesOrDroppedReads() {
    long write = recorder.invoke(1, KvOp.put("x", "a"));
    recorder.invoke(2, KvOp.get("x"));

    assertThat(recorder.history())
        .containsExactly(Operation.outcomeUnknown(write, 1, KvOp.put("x", "a"), 100));
  }

  @Test
  void historyIsOrderedByCallTime() {
    long first = recorder.invoke(1, KvOp.put("x", "a"));
    clock.set(200);
    long second = recorder.invoke(2, KvOp.get("x"));
    clock.set(300);
    recorder.complete(second, KvOutput.value(""));
    recorder.complete(first, KvOutput.ack());

    assertThat(recorder.history()).extracting(Operation::id).containsExactly(first, second);
  }

  @Test
  void completingAnOpTwiceIsAHarnessBug() {
    long id = recorder.invoke(1, KvOp.get("x"));
    recorder.complete(id, KvOutput.value(""));
    assertThatThrownBy(() -> recorder.complete(id, KvOutput.value("")))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> recorder.completeUnknown(id))
        .isInstanceOf(IllegalStateException.class);
  }

  /**
   * End to end with real threads and System.nanoTime: an atomic map can only produce linearizable
   * histories.
   */
  @Test
  void realThreadsOnAnAtomicMapRecordALinearizableHistory() throws Exception {
    HistoryRecorder realTime = new HistoryRecorder();
    Map<String, String> store = new ConcurrentHashMap<>();
    int clients = 8;
    int opsPerClient = 400;
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int clientId = c;
        done.add(pool.submit(() -> runClient(clientId, opsPerClient, realTime, store)));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }

    List<Operation> history = realTime.history();
    assertThat(history).hasSize(clients * opsPerClient);
    Result result = LinearizabilityChecker.check(history, Duration.ofSeconds(30));
    assertThat(result.isOk()).as(result.toString()).isTrue();
  }

  private static void runClient(
      int clientId, int ops, HistoryRecorder recorder, Map<String, String> store) {
    Random random = new Random(clientId);
    for (int i = 0; i < ops; i++) {
      String key = "k" + random.nextInt(3);
      String value = clientId + "." + i + ";";
      switch (random.nextInt(3)) {
        case 0 -> {
          long id = recorder.invoke(clientId, KvOp.get(key));
          recorder.complete(id, KvOutput.value(store.getOrDefault(key, "")));
        }
        case 1 -> {
          long id = recorder.invoke(clientId, KvOp.put(key, value));
          store.put(key, value);
          recorder.complete(id, KvOutput.ack());
        }
        default -> {
          long id = recorder.invoke(clientId, KvOp.append(key, value));
          store.merge(key, value, String::concat);
          recorder.complete(id, KvOutput.ack());
        }
      }
    }
  }
}
