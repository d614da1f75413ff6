package io.kvraft.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kvraft.raft.sim.CoreFactory;
import io.kvraft.raft.sim.Profile;
import io.kvraft.raft.sim.SeedRunner;
import io.kvraft.raft.sim.SimulationFailure;
import io.kvraft.raft.sim.Simulator;
import java.util.EnumSet;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

/**
 * Proves the simulation has teeth: each deliberate bug in {@link Mutation} is caught by the same
 * invariant checker that the real core passes (RaftSimulationTest runs the real core through these
 * same profiles), within a budget of seeds. The profiles only tune the fault mix towards the bug.
 */
class MutationTest {
  private static final int BUDGET = 2000;

  private static CoreFactory mutant(Mutation m) {
    return (id, members, cfg, random, restored) ->
        new RaftCore(id, members, cfg, random, restored, EnumSet.of(m));
  }

  /** Granting votes to stale candidates lets a leader without committed entries win. */
  @Test
  void voteWithoutLogCheckIsCaught() {
    assertCaughtSafety(Mutation.VOTE_WITHOUT_LOG_CHECK, 5, Profile.CHURN);
  }

  /** Figure 8: committing an old-term entry by counting lets a later leader overwrite it. */
  @Test
  void commitOldTermByCountingIsCaught() {
    assertCaughtSafety(Mutation.COMMIT_OLD_TERM_BY_COUNTING, 5, Profile.CHURN);
  }

  /** Votes and acks that outrun the disk are forgotten by a crash: double votes, lost commits. */
  @Test
  void ackBeforePersistIsCaught() {
    assertCaughtSafety(Mutation.ACK_BEFORE_PERSIST, 3, Profile.SLOW_DISK);
  }

  /**
   * Without PreVote an isolated follower returns with a raised term and deposes a healthy leader.
   */
  @Test
  void noPreVoteIsCaughtByTheRejoinCheck() {
    SimulationFailure f =
        firstFailure(
            "NO_PRE_VOTE",
            3,
            seed ->
                new Simulator(seed, 3, Profile.DEFAULT, mutant(Mutation.NO_PRE_VOTE)).runRejoin());
    assertThat(f.invariant()).isEqualTo("disruption");
  }

  /**
   * Replays one mutant run: {@code -Dtest=MutationTest#replay -Dsim.mutation=M -Dsim.seed=N
   * -Dsim.size=S -Dsim.profile=P [-Dsim.rejoin=true]}; it fails with the violation and the trace.
   */
  @Test
  void replay() {
    String m = System.getProperty("sim.mutation");
    assumeTrue(
        m != null && System.getProperty("sim.seed") != null, "set -Dsim.mutation=M -Dsim.seed=N");
    Simulator s =
        new Simulator(
            Long.getLong("sim.seed"),
            Integer.getInteger("sim.size", 5),
            Profile.byName(System.getProperty("sim.profile", "DEFAULT")),
            mutant(Mutation.valueOf(m)));
    if (Boolean.getBoolean("sim.rejoin")) {
      s.runRejoin();
    } else {
      s.run();
    }
  }

  private static void assertCaughtSafety(Mutation m, int size, Profile p) {
    SimulationFailure f =
        firstFailure(m.name(), size, seed -> new Simulator(seed, size, p, mutant(m)).run());
    assertThat(f.isSafety())
        .as("%s must break a safety invariant, got: %s", m, f.getMessage())
        .isTrue();
  }

  private static SimulationFailure firstFailure(
      String what, int size, LongFunction<Simulator> oneSeed) {
    SeedRunner.Outcome o = SeedRunner.run(BUDGET, oneSeed);
    assertThat(o.failure()).as("%s not caught within %d seeds", what, BUDGET).isNotNull();
    SimulationFailure f = o.failure();
    System.out.printf(
        "[mutation] %-27s caught after %d seed(s) (seed %d, %d nodes): %s%n"
            + "           replay: -Dtest=MutationTest#replay -Dsim.mutation=%s -Dsim.seed=%d -Dsim.size=%d%n",
        what,
        f.seed() + 1,
        f.seed(),
        size,
        f.getMessage().lines().findFirst().orElse(""),
        what,
        f.seed(),
        size);
    return f;
  }
}
