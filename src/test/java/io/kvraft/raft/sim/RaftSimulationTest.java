package io.kvraft.raft.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real core under the randomized simulation: {@code sim.seeds} seeds (default 2000) per cluster
 * size, every invariant checked after every event, then a liveness check. Replay one seed with
 * {@code -Dtest=RaftSimulationTest#replay -Dsim.seed=N -Dsim.size=S [-Dsim.profile=P]}.
 */
class RaftSimulationTest {

  @ParameterizedTest(name = "{0} nodes")
  @ValueSource(ints = {3, 5, 7})
  void realCoreKeepsEveryInvariant(int size) {
    runProfile(size, Profile.DEFAULT, SeedRunner.seedsFromProperty());
  }

  /**
   * The fault mixes the mutation tests use (CHURN, SLOW_DISK, DEPOSED) must hold for the real core
   * too, and so must a storm of very stale messages (a quarter of the seed budget each; an eighth
   * for DEPOSED, whose runs with a read every tick cost about twice as much).
   */
  @ParameterizedTest(name = "{0} nodes")
  @ValueSource(ints = {3, 5, 7})
  void realCoreSurvivesHarsherFaultMixes(int size) {
    runProfile(size, Profile.CHURN, SeedRunner.seedsFromProperty() / 4);
    runProfile(size, Profile.SLOW_DISK, SeedRunner.seedsFromProperty() / 4);
    runProfile(size, Profile.STORM, SeedRunner.seedsFromProperty() / 4);
    runProfile(size, Profile.DEPOSED, SeedRunner.seedsFromProperty() / 8);
  }

  @ParameterizedTest(name = "{0} nodes")
  @ValueSource(ints = {3, 5, 7})
  void rejoiningFollowerNeverDeposesTheLeader(int size) {
    SeedRunner.Outcome o =
        SeedRunner.run(
            SeedRunner.seedsFromProperty() / 4,
            seed -> new Simulator(seed, size, Profile.DEFAULT, CoreFactory.REAL).runRejoin());
    report("rejoin", size, o);
    if (o.failure() != null) {
      throw o.failure();
    }
  }

  @Test
  void oneSeedIsOneRun() {
    for (long seed = 0; seed < 20; seed++) {
      long a = new Simulator(seed, 5, Profile.DEFAULT, CoreFactory.REAL).run().traceHash();
      long b = new Simulator(seed, 5, Profile.DEFAULT, CoreFactory.REAL).run().traceHash();
      long other =
          new Simulator(seed + 1000, 5, Profile.DEFAULT, CoreFactory.REAL).run().traceHash();
      assertThat(b).as("seed %d replays identically", seed).isEqualTo(a);
      assertThat(other).as("seed %d differs from seed %d", seed + 1000, seed).isNotEqualTo(a);
    }
  }

  /**
   * Compaction and InstallSnapshot are not just possible but common: over a modest number of seeds,
   * nodes compact, lagging followers get snapshots, and nodes restart from a snapshot, all while
   * every invariant above holds.
   */
  @Test
  void snapshotPathsAreExercised() {
    long[] total = new long[3];
    for (long seed = 0; seed < 60; seed++) {
      long[] s =
          new Simulator(seed, 3 + 2 * (int) (seed % 3), Profile.DEFAULT, CoreFactory.REAL)
              .run()
              .snapshotStats();
      for (int i = 0; i < 3; i++) {
        total[i] += s[i];
      }
    }
    System.out.printf(
        "[sim] snapshots over 60 seeds: %d compactions, %d installs, %d restarts from a snapshot%n",
        total[0], total[1], total[2]);
    assertThat(total[0]).as("compactions").isGreaterThan(100);
    assertThat(total[1]).as("snapshots installed").isGreaterThan(10);
    assertThat(total[2]).as("restarts from a snapshot").isGreaterThan(10);
  }

  /**
   * Replays exactly one seed: {@code -Dsim.seed=N -Dsim.size=S
   * [-Dsim.profile=DEFAULT|CHURN|SLOW_DISK|STORM]}.
   */
  @Test
  void replay() {
    String seed = System.getProperty("sim.seed");
    assumeTrue(seed != null, "set -Dsim.seed=N to replay one seed");
    int size = Integer.getInteger("sim.size", 5);
    Profile p = Profile.byName(System.getProperty("sim.profile", "DEFAULT"));
    Simulator s = new Simulator(Long.parseLong(seed), size, p, CoreFactory.REAL);
    if (Boolean.getBoolean("sim.rejoin")) {
      s.runRejoin();
    } else {
      s.run();
    }
    System.out.printf(
        "seed %s size %d: %d events, trace hash %x%n", seed, size, s.events(), s.traceHash());
  }

  private static void runProfile(int size, Profile p, long seeds) {
    SeedRunner.Outcome o =
        SeedRunner.run(seeds, seed -> new Simulator(seed, size, p, CoreFactory.REAL).run());
    report(p.name(), size, o);
    if (o.failure() != null) {
      throw o.failure();
    }
  }

  static void report(String what, int size, SeedRunner.Outcome o) {
    System.out.printf(
        "[sim] %-9s %d nodes: %d seeds in %d ms (%.0f seeds/s, %.0f events/seed)%s%n",
        what,
        size,
        o.seedsRun(),
        o.millis(),
        o.seedsPerSecond(),
        o.events() / (double) Math.max(1, o.seedsRun()),
        o.failure() == null ? "" : " FAILED at seed " + o.failure().seed());
  }
}
