package io.kvraft.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvraft.raft.Configuration.VoteResult;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ConfigurationTest {
  private static final Configuration THREE = Configuration.ofVoters(List.of("a", "b", "c"));
  private static final Configuration THREE_AND_LEARNER =
      Configuration.of(List.of("a", "b", "c"), List.of("l"));

  @Test
  void committedIndexIsWhatAMajorityOfVotersAcknowledged() {
    Map<String, Long> acks = Map.of("a", 7L, "b", 5L, "c", 2L);
    assertThat(THREE.committedIndex(acks::get)).isEqualTo(5);
    Map<String, Long> four = Map.of("a", 9L, "b", 8L, "c", 3L, "d", 1L);
    assertThat(Configuration.ofVoters(four.keySet()).committedIndex(four::get))
        .as("3 of 4 needed")
        .isEqualTo(3);
    assertThat(Configuration.ofVoters(List.of("a")).committedIndex(id -> 4)).isEqualTo(4);
  }

  @Test
  void aLearnersAcknowledgementNeverCommits() {
    Map<String, Long> acks = Map.of("a", 9L, "b", 1L, "c", 1L, "l", 9L);
    assertThat(THREE_AND_LEARNER.committedIndex(id -> acks.getOrDefault(id, 0L))).isEqualTo(1);
  }

  @Test
  void committedIndexMatchesCountingByHandOnRandomAcknowledgements() {
    Random rnd = new Random(42);
    for (int round = 0; round < 2_000; round++) {
      int n = 1 + rnd.nextInt(7);
      List<String> ids = IntStream.range(0, n).mapToObj(i -> "n" + i).toList();
      Map<String, Long> acks = new HashMap<>();
      ids.forEach(id -> acks.put(id, (long) rnd.nextInt(20)));
      long committed = Configuration.ofVoters(ids).committedIndex(acks::get);
      // The definition: the largest index that more than half of the voters have reached.
      long expected = 0;
      for (long index = 0; index < 20; index++) {
        long idx = index;
        if (acks.values().stream().filter(a -> a >= idx).count() * 2 > n) {
          expected = index;
        }
      }
      assertThat(committed).as("acks %s", acks).isEqualTo(expected);
    }
  }

  @Test
  void voteResultIsWonLostOrPendingByVotersAlone() {
    assertThat(THREE.voteResult(Map.of("a", true))).isEqualTo(VoteResult.PENDING);
    assertThat(THREE.voteResult(Map.of("a", true, "b", true))).isEqualTo(VoteResult.WON);
    assertThat(THREE.voteResult(Map.of("a", true, "b", false))).isEqualTo(VoteResult.PENDING);
    assertThat(THREE.voteResult(Map.of("a", true, "b", false, "c", false)))
        .isEqualTo(VoteResult.LOST);
    assertThat(THREE_AND_LEARNER.voteResult(Map.of("a", true, "l", true)))
        .as("a learner's vote")
        .isEqualTo(VoteResult.PENDING);
    Configuration four = Configuration.ofVoters(List.of("a", "b", "c", "d"));
    assertThat(four.voteResult(Map.of("a", true, "b", false, "c", false)))
        .as("3 of 4 can no longer be reached")
        .isEqualTo(VoteResult.LOST);
    assertThat(Configuration.ofVoters(List.of("a")).voteResult(Map.of("a", true)))
        .isEqualTo(VoteResult.WON);
  }

  @Test
  void hasQuorumCountsVotersOnly() {
    assertThat(THREE.hasQuorum(Set.of("a", "c"))).isTrue();
    assertThat(THREE.hasQuorum(Set.of("a"))).isFalse();
    assertThat(THREE_AND_LEARNER.hasQuorum(Set.of("a", "l", "x"))).isFalse();
  }

  @Test
  void aMemberIsAVoterOrALearnerAndThereIsAVoter() {
    assertThatThrownBy(() -> Configuration.of(List.of("a"), List.of("a")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Configuration.of(List.of(), List.of("a")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(THREE_AND_LEARNER.members()).containsExactly("a", "b", "c", "l");
    assertThat(THREE_AND_LEARNER.isVoter("l")).isFalse();
    assertThat(THREE_AND_LEARNER.isLearner("l")).isTrue();
    assertThat(THREE_AND_LEARNER.contains("z")).isFalse();
  }
}
