package io.kvraft.seed;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvraft.linearizability.HistoryRecorder;
import io.kvraft.linearizability.KvOp;
import io.kvraft.linearizability.KvOutput;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The check TestUnreliableOneKey relies on accepts what is linearizable and nothing else. */
class AppendOrderCheckTest {
  private final AtomicLong now = new AtomicLong();
  private final HistoryRecorder log = new HistoryRecorder(() -> now.incrementAndGet());

  /** Put "", then a and b overlapping, then c called after a returned; the Get reads last. */
  private void history(String last) {
    log.complete(log.invoke(0, KvOp.put("k", "")), KvOutput.ack());
    long a = log.invoke(1, KvOp.append("k", "a"));
    long b = log.invoke(2, KvOp.append("k", "b"));
    log.complete(a, KvOutput.ack());
    long c = log.invoke(1, KvOp.append("k", "c"));
    log.complete(b, KvOutput.ack());
    log.complete(c, KvOutput.ack());
    log.complete(log.invoke(0, KvOp.get("k")), KvOutput.value(last));
  }

  @Test
  void anOrderThatRespectsRealTimePasses() {
    history("bac");
    assertThatCode(() -> KvRaftSeedSuiteTest.assertAppendOrderLinearizable(log, "k", "bac"))
        .doesNotThrowAnyException();
  }

  @Test
  void anAppendBeforeOneThatReturnedBeforeItWasCalledFails() {
    history("cab");
    assertThatThrownBy(() -> KvRaftSeedSuiteTest.assertAppendOrderLinearizable(log, "k", "cab"))
        .hasMessageContaining("called after");
  }

  @Test
  void aLostOrRepeatedAppendFails() {
    history("ab");
    assertThatThrownBy(() -> KvRaftSeedSuiteTest.assertAppendOrderLinearizable(log, "k", "ab"))
        .isInstanceOf(AssertionError.class);
    HistoryRecorder twice = new HistoryRecorder(() -> now.incrementAndGet());
    twice.complete(twice.invoke(0, KvOp.put("k", "")), KvOutput.ack());
    twice.complete(twice.invoke(1, KvOp.append("k", "a")), KvOutput.ack());
    twice.complete(twice.invoke(0, KvOp.get("k")), KvOutput.value("aa"));
    assertThatThrownBy(() -> KvRaftSeedSuiteTest.assertAppendOrderLinearizable(twice, "k", "aa"))
        .hasMessageContaining("nothing but the Appends");
  }
}
