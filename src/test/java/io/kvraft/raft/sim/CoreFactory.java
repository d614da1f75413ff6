package io.kvraft.raft.sim;

import io.kvraft.raft.PersistentState;
import io.kvraft.raft.RaftConfig;
import io.kvraft.raft.RaftCore;
import java.util.List;
import java.util.Random;

/**
 * How the simulator builds a core (at start and at every restart). The real core is {@link #REAL};
 * mutation tests in {@code io.kvraft.raft} pass a factory that switches deliberate bugs on.
 */
@FunctionalInterface
public interface CoreFactory {
  RaftCore create(
      String id, List<String> members, RaftConfig cfg, Random random, PersistentState restored);

  CoreFactory REAL = RaftCore::new;
}
