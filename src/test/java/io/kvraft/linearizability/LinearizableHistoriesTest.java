package io.kvraft.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Histories that have a valid linearization; the checker must accept every one. */
class LinearizableHistoriesTest {
  private static Result check(HandWrittenHistory history) {
    return LinearizabilityChecker.check(history.ops(), Duration.ofSeconds(5));
  }

  @Test
  void emptyHistoryIsLinearizable() {
    assertThat(LinearizabilityChecker.check(List.of(), Duration.ofSeconds(1)).isOk()).isTrue();
  }

  @Test
  void sequentialHistory() {
    Result result =
        check(
            new HandWrittenHistory()
                .get(1, "x", "", 0, 1)
                .put(1, "x", "a", 2, 3)
                .get(2, "x", "a", 4, 5)
                .append(2, "x", "b", 6, 7)
                .get(1, "x", "ab", 8, 9));
    assertThat(result.isOk()).as(result.toString()).isTrue();
  }

  @Test
  void readConcurrentWithPutMaySeeTheOldValue() {
    Result result = check(new HandWrittenHistory().put(1, "x", "a", 0, 10).get(2, "x", "", 2, 5));
    assertThat(result.isOk()).as(result.toString()).isTrue();
  }

  @Test
  void readConcurrentWithPutMaySeeTheNewValue() {
    Result result = check(new HandWrittenHistory().put(1, "x", "a", 0, 10).get(2, "x", "a", 2, 5));
    assertThat(result.isOk()).as(result.toString()).isTrue();
  }

  @Test
  void overlappingReadsMaySeeOldThenNewAroundAConcurrentPut() {
    Result result =
        check(
            new HandWrittenHistory()
                .put(1, "x", "a", 0, 10)
                .get(2, "x", "", 1, 6)
                .get(3, "x", "a", 2, 7));
    assertThat(result.isOk()).as(result.toString()).isTrue();
  }

  @Test
  void concurrentPutsMayTakeEffectInEitherOrder() {
    Result result =
        check(
            new HandWrittenHistory()
                .put(1, "x", "a", 0, 10)
                .put(2, "x", "b", 1, 9)
                .get(3, "x", "a", 11, 12)); // "a" last although its put was called first
    assertThat(result.isOk()).as(result.toString()).isTrue();
  }

  @Test
  void readsConcurrentWithAppendsSeeGrowingPrefixes() {
    Result result =
        check(
            new HandWrittenHistory()
                .append(1, "x", "a", 0, 10)
                .append(2, "x", "b", 1, 11)
                .get(3, "x", "", 0, 1)
                .get(3, "x", "a", 2, 3)
                .get(4, "x", "ab", 4, 12)
                .get(3, "x", "ab", 13, 14));
    assertThat(result.isOk()).as(result.toString()).isTrue();
  }

  @Test
  void unknownOutcomeWriteThatTookEffectLongAfterItsCall() {
    Result result =
        check(
            new HandWrittenHistory()
                .putUnknown(1, "x", "a", 0)
                .get(2, "x", "", 5, 6)
                .get(2, "x", "", 50, 60)
                .get(2, "x", "a", 100, 101)
                .get(3, "x", "a", 200, 201));
    assertThat(result.isOk()).as(result.toString()).isTrue();
  }

  @Test
  void unknownOutcomeWriteThatNeverTookEffect() {
    Result result =
        check(
            new HandWrittenHistory()
                .putUnknown(1, "x", "a", 0)
                .appendUnknown(1, "x", "b", 1)
                .get(2, "x", "", 5, 6)
                .get(2, "x", "", 100, 101));
    assertThat(result.isOk()).as(result.toString()).isTrue();
  }

  @Test
  void keysAreCheckedIndependently() {
    // On a single register this would be illegal (y's read would have to precede x's write); on two
    // keys it is fine.
    Result result =
        check(
            new HandWrittenHistory()
                .put(1, "x", "1", 0, 1)
                .get(2, "y", "", 2, 3)
                .put(1, "y", "2", 4, 5)
                .get(2, "x", "1", 6, 7));
    assertThat(result.isOk()).as(result.toString()).isTrue();
  }

  @Test
  void callAndReturnAtTheSameInstantCountAsConcurrent() {
    // Clock granularity can make a return and the next call share a timestamp; that must not cause
    // a violation.
    Result result = check(new HandWrittenHistory().put(1, "x", "a", 0, 5).get(2, "x", "", 5, 6));
    assertThat(result.isOk()).as(result.toString()).isTrue();
  }

  @Test
  void concurrentAppendsMayLandInTheOppositeOrderOfTheirCalls() {
    Result result =
        check(
            new HandWrittenHistory()
                .append(1, "x", "a", 0, 10)
                .append(2, "x", "b", 1, 10)
                .append(3, "x", "c", 2, 10)
                .get(4, "x", "cba", 3, 11)
                .get(4, "x", "cba", 12, 13));
    assertThat(result.isOk()).as(result.toString()).isTrue();
  }

  @Test
  void readMaySeeAPutCalledAfterTheReadWasCalled() {
    Result result =
        check(
            new HandWrittenHistory()
                .get(1, "x", "pq", 0, 20)
                .put(2, "x", "p", 5, 6)
                .append(2, "x", "q", 7, 8));
    assertThat(result.isOk()).as(result.toString()).isTrue();
  }

  @Test
  void observedUnknownOutcomeAppendIsKept() {
    Result result =
        check(
            new HandWrittenHistory()
                .put(1, "x", "a", 0, 1)
                .appendUnknown(1, "x", "b", 2)
                .get(2, "x", "a", 3, 4)
                .get(2, "x", "ab", 10, 11));
    assertThat(result.isOk()).as(result.toString()).isTrue();
  }
}
