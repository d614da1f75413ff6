package io.kvraft.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Driven by a fake clock: windows open and close exactly when the test says, with no sleeping. */
class RateLimitedLogTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final RateLimitedLog log = new RateLimitedLog(3, Duration.ofSeconds(1), now::get);

  private List<String> burst(String reason, int events) {
    List<String> written = new ArrayList<>();
    for (int i = 0; i < events; i++) {
      String line = log.admit(reason, reason + " #" + i);
      if (line != null) {
        written.add(line);
      }
    }
    return written;
  }

  @Test
  void writesAtMostTheLimitPerWindowAndThenSaysHowManyItSuppressed() {
    assertThat(burst("kv 400", 1000)).containsExactly("kv 400 #0", "kv 400 #1", "kv 400 #2");
    now.addAndGet(Duration.ofMillis(999).toNanos());
    assertThat(burst("kv 400", 10)).isEmpty();
    now.addAndGet(Duration.ofMillis(1).toNanos());
    assertThat(burst("kv 400", 5))
        .containsExactly(
            "kv 400 #0 (suppressed 1007 similar [kv 400] before this)", "kv 400 #1", "kv 400 #2");
    now.addAndGet(Duration.ofSeconds(10).toNanos());
    assertThat(burst("kv 400", 1))
        .containsExactly("kv 400 #0 (suppressed 2 similar [kv 400] before this)");
    now.addAndGet(Duration.ofSeconds(10).toNanos());
    assertThat(burst("kv 400", 1)).containsExactly("kv 400 #0");
  }

  @Test
  void reasonsHaveTheirOwnBudgets() {
    assertThat(burst("raft 401", 10)).hasSize(3);
    assertThat(burst("kv 413", 10)).hasSize(3);
    assertThat(burst("raft 401", 10)).isEmpty();
  }

  @Test
  void manyDistinctReasonsShareOneOverflowBudget() {
    int written = 0;
    for (int i = 0; i < RateLimitedLog.MAX_REASONS + 1000; i++) {
      if (log.admit("reason-" + i, "line") != null) {
        written++;
      }
    }
    assertThat(written).isEqualTo(RateLimitedLog.MAX_REASONS + 3);
  }

  @Test
  void requestInputIsCutShortAndCannotForgeLines() {
    assertThat(RejectionLog.clean("/kv/a\r\nFAKE 2026 ERROR everything is on fire"))
        .doesNotContain("\n", "\r");
    assertThat(RejectionLog.clean("x".repeat(10_000))).hasSizeLessThan(200);
    assertThat(RejectionLog.clean(null)).isEqualTo("-");
  }
}
