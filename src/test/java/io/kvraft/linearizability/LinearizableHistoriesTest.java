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

  // The rest of the contract: conditional puts, deletes, revisions and listings.

  @Test
  void sequentialHistoryOfEveryOperation() {
    Result result =
        check(
            new HandWrittenHistory()
                .readAbsent(1, "x", 0, 1)
                .create(1, "x", "a", 3, 2, 3)
                .read(2, "x", "a", 3, 4, 5)
                .cas(2, "x", "b", 3, 7, 6, 7)
                .casFailed(1, "x", "c", 3, 7, 8, 9)
                .createFailed(1, "x", "c", 7, 10, 11)
                .append(2, "x", "c", 12, 12, 13)
                .read(1, "x", "bc", 12, 14, 15)
                .list(1, "", null, 10, List.of("x"), 16, 17)
                .delete(2, "x", 20, 18, 19)
                .readAbsent(1, "x", 20, 21)
                .deleteNothing(1, "x", 22, 23)
                .append(1, "x", "d", 25, 24, 25)
                .read(2, "x", "d", 25, 26, 27));
    assertThat(result.isOk()).as(result.toString()).isTrue();
  }

  @Test
  void concurrentCompareAndSetsOnOneRevisionOneWins() {
    Result result =
        check(
            new HandWrittenHistory()
                .put(1, "x", "a", 1, 0, 1)
                .cas(2, "x", "b", 1, 4, 2, 10)
                .casFailed(3, "x", "c", 1, 4, 2, 10)
                .read(1, "x", "b", 4, 11, 12));
    assertThat(result.isOk()).as(result.toString()).isTrue();
  }

  @Test
  void readMayReportTheRevisionOfAWriteWhoseOutcomeIsUnknown() {
    Result result =
        check(
            new HandWrittenHistory()
                .put(1, "x", "a", 1, 0, 1)
                .putUnknown(1, "x", "b", 2)
                .read(2, "x", "b", 7, 5, 6)
                .cas(2, "x", "c", 7, 9, 7, 8)
                .read(2, "x", "c", 9, 10, 11));
    assertThat(result.isOk()).as(result.toString()).isTrue();
  }

  @Test
  void unknownDeleteMayHaveTakenEffectBeforeAnAppend() {
    Result result =
        check(
            new HandWrittenHistory()
                .put(1, "x", "a", 1, 0, 1)
                .deleteUnknown(1, "x", 2)
                .append(2, "x", "b", 6, 5, 6)
                .read(2, "x", "b", 6, 7, 8));
    assertThat(result.isOk()).as(result.toString()).isTrue();
  }

  @Test
  void listingConcurrentWithACreateMayOrMayNotShowIt() {
    Result result =
        check(
            new HandWrittenHistory()
                .create(1, "k1", "a", 2, 0, 1)
                .create(1, "k2", "b", 5, 2, 20)
                .list(2, "k", null, 10, List.of("k1"), 3, 4)
                .list(3, "k", null, 10, List.of("k1", "k2"), 5, 6)
                .list(2, "k", null, 10, List.of("k1", "k2"), 21, 22));
    assertThat(result.isOk()).as(result.toString()).isTrue();
  }

  @Test
  void fullListingPageSaysNothingAboutKeysAfterItsLast() {
    Result result =
        check(
            new HandWrittenHistory()
                .put(1, "k1", "a", 1, 0, 1)
                .put(1, "k2", "a", 2, 2, 3)
                .put(1, "k3", "a", 3, 4, 5)
                .list(2, "k", null, 2, List.of("k1", "k2"), 6, 7)
                .list(2, "k", "k2", 2, List.of("k3"), 8, 9));
    assertThat(result.isOk()).as(result.toString()).isTrue();
  }

  @Test
  void listingMayShowAKeyWhoseCreateOutcomeIsUnknown() {
    Result result =
        check(
            new HandWrittenHistory()
                .createUnknown(1, "k1", "a", 0)
                .list(2, "k", null, 10, List.of("k1"), 5, 6)
                .list(2, "k", null, 10, List.of(), 7, 8));
    // The second page would need the key deleted again: only a 'maybe' for the listing pass, which
    // does not order unknown writes; the per-key search does not see listings. Accepted, knowingly.
    assertThat(result.isOk()).as(result.toString()).isTrue();
  }

  @Test
  void writesOfDifferentKeysMayTakeEffectInEitherOrderWhileConcurrent() {
    Result result =
        check(
            new HandWrittenHistory()
                .put(1, "x", "a", 7, 0, 10)
                .put(2, "y", "b", 3, 1, 10)
                .readAbsent(3, "x", 2, 3)
                .read(3, "y", "b", 3, 4, 5)
                .read(3, "x", "a", 7, 11, 12));
    assertThat(result.isOk()).as(result.toString()).isTrue();
  }
}
