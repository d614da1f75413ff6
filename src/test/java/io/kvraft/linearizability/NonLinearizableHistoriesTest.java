package io.kvraft.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
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

  // The rest of the contract: conditional puts, deletes, revisions and listings.

  @Test
  void readSeesARevisionOlderThanAWriteThatFinishedBeforeIt() {
    // Same value both times: only the revision tells the stale read apart.
    Result result =
        check(
            new HandWrittenHistory()
                .put(1, "x", "a", 1, 0, 1)
                .put(1, "x", "a", 2, 2, 3)
                .read(2, "x", "a", 1, 4, 5));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
    assertThat(result.explanation()).contains("key 'x'");
  }

  @Test
  void twoCompareAndSetsOnTheSameRevisionBothSucceed() {
    Result result =
        check(
            new HandWrittenHistory()
                .put(1, "x", "a", 1, 0, 1)
                .cas(2, "x", "b", 1, 2, 2, 10)
                .cas(3, "x", "c", 1, 3, 2, 10));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
  }

  @Test
  void createOnlySucceedsOnAnExistingKey() {
    Result result =
        check(new HandWrittenHistory().put(1, "x", "a", 1, 0, 1).create(2, "x", "b", 2, 2, 3));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
  }

  @Test
  void etagNamesNoWrite() {
    Result result =
        check(new HandWrittenHistory().put(1, "x", "a", 1, 0, 1).read(2, "x", "a", 5, 2, 3));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
  }

  @Test
  void preconditionFailureReportsARevisionTheKeyDoesNotHave() {
    Result result =
        check(
            new HandWrittenHistory().put(1, "x", "a", 1, 0, 1).casFailed(2, "x", "b", 9, 4, 2, 3));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
  }

  @Test
  void deleteOfAnAbsentKeyClaimsToHaveDeletedSomething() {
    Result result = check(new HandWrittenHistory().delete(1, "x", 1, 0, 1));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
  }

  @Test
  void deleteFindsNothingAlthoughTheKeyExists() {
    Result result =
        check(new HandWrittenHistory().put(1, "x", "a", 1, 0, 1).deleteNothing(2, "x", 2, 3));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
  }

  @Test
  void appendAfterADeleteKeepsTheDeletedValue() {
    Result result =
        check(
            new HandWrittenHistory()
                .put(1, "x", "a", 1, 0, 1)
                .delete(1, "x", 2, 2, 3)
                .append(1, "x", "b", 3, 4, 5)
                .read(2, "x", "ab", 3, 6, 7));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
  }

  @Test
  void revisionOfAWriteDoesNotGrow() {
    Result result =
        check(new HandWrittenHistory().put(1, "x", "a", 5, 0, 1).put(1, "x", "b", 3, 2, 3));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
  }

  @Test
  void twoWritesOfDifferentKeysAnswerOneRevision() {
    Result result =
        check(new HandWrittenHistory().put(1, "x", "a", 3, 0, 1).put(2, "y", "b", 3, 0, 1));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
    assertThat(result.explanation()).contains("two writes answered revision 3");
  }

  @Test
  void revisionsAcrossKeysContradictRealTime() {
    // y's write was called after x's returned, so its log index cannot be lower.
    Result result =
        check(new HandWrittenHistory().put(1, "x", "a", 5, 0, 1).put(2, "y", "b", 3, 2, 3));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
    assertThat(result.explanation()).contains("revisions contradict real time");
  }

  @Test
  void readMissesAWriteThatAHigherRevisionOfAnotherKeyProvesApplied() {
    // Each key alone is fine: x's put is still running when the read of x comes. But y's put got a
    // higher revision and returned before that read was called, so x's put had been applied.
    Result result =
        check(
            new HandWrittenHistory()
                .put(1, "x", "a", 1, 0, 100)
                .put(2, "y", "b", 2, 10, 20)
                .readAbsent(3, "x", 30, 40));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
    assertThat(result.explanation()).contains("key 'x'");
  }

  @Test
  void listingShowsALaterCreateWithoutAnEarlierOne() {
    // Both creates run while the page is read, k1 before k2: no point of the log has k2 without k1.
    Result result =
        check(
            new HandWrittenHistory()
                .create(1, "k1", "a", 1, 1, 2)
                .create(1, "k2", "b", 2, 3, 4)
                .list(2, "k", null, 10, List.of("k2"), 0, 5));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
    assertThat(result.explanation()).contains("listing is not linearizable");
  }

  @Test
  void listingMissesAKeyCreatedBeforeItWasCalled() {
    Result result =
        check(
            new HandWrittenHistory()
                .create(1, "k1", "a", 1, 0, 1)
                .list(2, "k", null, 10, List.of(), 2, 3));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
  }

  @Test
  void listingShowsAKeyDeletedBeforeItWasCalled() {
    Result result =
        check(
            new HandWrittenHistory()
                .create(1, "k1", "a", 1, 0, 1)
                .delete(1, "k1", 2, 2, 3)
                .list(2, "k", null, 10, List.of("k1"), 4, 5));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
  }

  @Test
  void listingShowsAKeyNobodyWrote() {
    Result result = check(new HandWrittenHistory().list(2, "k", null, 10, List.of("k9"), 0, 1));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
  }

  @Test
  void fullListingPageSkipsAKeyBeforeItsLast() {
    Result result =
        check(
            new HandWrittenHistory()
                .put(1, "k1", "a", 1, 0, 1)
                .put(1, "k2", "a", 2, 2, 3)
                .put(1, "k3", "a", 3, 4, 5)
                .list(2, "k", null, 2, List.of("k1", "k3"), 6, 7));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
  }

  @Test
  void listingOutOfOrder() {
    Result result =
        check(
            new HandWrittenHistory()
                .put(1, "k1", "a", 1, 0, 1)
                .put(1, "k2", "a", 2, 2, 3)
                .list(2, "k", null, 10, List.of("k2", "k1"), 6, 7));
    assertThat(result.isIllegal()).as(result.toString()).isTrue();
  }
}
