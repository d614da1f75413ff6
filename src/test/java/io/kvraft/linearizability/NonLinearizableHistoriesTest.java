package io.kvraft.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Histories with no valid linearization; the checker must reject each and name the key involved.
 */
class NonLinearizableHistoriesTest {
  private static Result check(HandWrittenHistory history) {
    return LinearizabilityChecker.check(history.ops(), Duration.ofSeconds(5));
  }

  @Test
  void staleReadAfterACompletedWrite() {
    Result result =
        check(
            new HandWrittenHistory()
                .put(1, "x", "a", 0, 1)
                .put(1, "x", "b", 2, 3)
                .get(2, "x", "a", 4, 5));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
    assertThat(result.explanation()).contains("key 'x'").contains("get(x) -> 'a'");
  }

  @Test
  void sequentialReadsSeeAWriteThenUnseeIt() {
    Result result =
        check(
            new HandWrittenHistory()
                .put(
                    1, "x", "a", 0,
                    100) // concurrent with both reads, so each read alone would be fine
                .get(2, "x", "a", 10, 20)
                .get(2, "x", "", 30, 40));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
  }

  @Test
  void anAppendThatTakesEffectTwice() {
    Result result =
        check(
            new HandWrittenHistory()
                .append(1, "x", "a", 0, 10)
                .get(2, "x", "a", 2, 3)
                .get(2, "x", "aa", 11, 12));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
  }

  @Test
  void lostAcknowledgedWrite() {
    Result result =
        check(
            new HandWrittenHistory()
                .append(1, "x", "a", 0, 1)
                .append(2, "x", "b", 2, 3)
                .get(3, "x", "b", 4, 5));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
  }

  @Test
  void readSeesAWriteInvokedAfterTheReadReturned() {
    Result result = check(new HandWrittenHistory().get(1, "x", "a", 0, 1).put(2, "x", "a", 2, 3));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
    assertThat(result.explanation()).contains("Longest linearizable prefix: 0 ops");
  }

  @Test
  void unknownOutcomeWriteCannotTakeEffectBeforeItWasCalled() {
    Result result =
        check(new HandWrittenHistory().get(1, "x", "a", 0, 1).putUnknown(2, "x", "a", 2));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
  }

  @Test
  void violationOnOneKeyIsReportedEvenIfOtherKeysAreFine() {
    Result result =
        check(
            new HandWrittenHistory()
                .put(1, "good", "1", 0, 1)
                .get(2, "good", "1", 2, 3)
                .put(1, "bad", "1", 0, 1)
                .get(2, "bad", "", 2, 3));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
    assertThat(result.explanation()).contains("key 'bad'").doesNotContain("key 'good'");
  }

  @Test
  void concurrentAppendsObservedInTwoDifferentOrders() {
    Result result =
        check(
            new HandWrittenHistory()
                .append(1, "x", "a", 0, 10)
                .append(2, "x", "b", 0, 10)
                .get(3, "x", "ba", 11, 12)
                .get(4, "x", "ab", 13, 14));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
  }

  @Test
  void readCannotSeeAPutCalledAfterTheReadReturnedEvenIfAppendsFollow() {
    Result result =
        check(
            new HandWrittenHistory()
                .get(1, "x", "pq", 0, 4)
                .put(2, "x", "p", 5, 6)
                .append(2, "x", "q", 7, 8));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
  }

  @Test
  void unobservedUnknownWriteDoesNotHideAStaleRead() {
    Result result =
        check(
            new HandWrittenHistory()
                .putUnknown(3, "x", "z", 0)
                .put(1, "x", "a", 1, 2)
                .put(1, "x", "b", 3, 4)
                .get(2, "x", "a", 5, 6));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
  }

  @Test
  void observedUnknownAppendCannotBeUnseen() {
    Result result =
        check(
            new HandWrittenHistory()
                .put(1, "x", "a", 0, 1)
                .appendUnknown(1, "x", "b", 2)
                .get(2, "x", "ab", 10, 11)
                .get(2, "x", "a", 12, 13));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
  }
}
