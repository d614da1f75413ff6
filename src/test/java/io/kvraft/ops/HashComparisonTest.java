package io.kvraft.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvraft.ops.HashComparison.Outcome;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HashComparisonTest {
  @Test
  void allAgree() {
    var v = HashComparison.decide(3, 9, 1L, Map.of("n2", 1L, "n3", 1L));
    assertThat(v.outcome()).isEqualTo(Outcome.AGREE);
    assertThat(v.agreeing()).containsExactly("n2", "n3");
  }

  @Test
  void theOneCorruptMemberOfThreeCondemnsItselfAndTheOthersOnlyReportIt() {
    assertThat(HashComparison.decide(3, 9, 7L, Map.of("n1", 1L, "n2", 1L)).outcome())
        .isEqualTo(Outcome.DIVERGED);
    var healthy = HashComparison.decide(3, 9, 1L, Map.of("n2", 1L, "n3", 7L));
    assertThat(healthy.outcome()).isEqualTo(Outcome.OTHERS_DIFFER);
    assertThat(healthy.differing()).containsOnlyKeys("n3");
    assertThat(healthy.describe()).contains("member n3 has 0000000000000007").contains("9");
  }

  /** Two members that disagree with no third to settle it: neither can know it is right. */
  @Test
  void aMismatchNoQuorumSettlesStopsBoth() {
    assertThat(HashComparison.decide(3, 9, 1L, Map.of("n3", 7L)).outcome())
        .isEqualTo(Outcome.DIVERGED);
    assertThat(HashComparison.decide(3, 9, 7L, Map.of("n1", 1L)).outcome())
        .isEqualTo(Outcome.DIVERGED);
  }

  @Test
  void inFiveMembersTwoCorruptOnesAreOutvoted() {
    assertThat(
            HashComparison.decide(5, 9, 1L, Map.of("n2", 1L, "n3", 1L, "n4", 7L, "n5", 8L))
                .outcome())
        .isEqualTo(Outcome.OTHERS_DIFFER);
    assertThat(
            HashComparison.decide(5, 9, 7L, Map.of("n1", 1L, "n2", 1L, "n3", 1L, "n5", 7L))
                .outcome())
        .isEqualTo(Outcome.DIVERGED);
  }

  @Test
  void nobodyAnswered() {
    assertThat(HashComparison.decide(3, 9, 1L, Map.of()).outcome())
        .isEqualTo(Outcome.NOTHING_TO_COMPARE);
  }
}
