package io.kvraft.system;

import io.kvraft.raft.log.ForwardingRaftStorage;
import io.kvraft.raft.log.RaftStorage;
import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * Deliberately broken storage for {@link MutantMember}: each variant breaks durability in a way
 * that kill -9 cannot show (the OS keeps written pages), and only a power cut can.
 */
enum StorageMutant {
  /**
   * The group-commit fsync of appended entries never happens: the batch is reported durable, the
   * follower acknowledges it and the leader counts itself, all with the entries only in the page
   * cache. (Segments are still forced when the log rolls to a new one, and the hard state keeps its
   * own fsync.)
   */
  SKIP_LOG_FSYNC {
    @Override
    RaftStorage wrap(RaftStorage real) {
      return new ForwardingRaftStorage(real) {
        @Override
        public void sync() {}
      };
    }
  },

  /**
   * The batch is reported durable at once (the follower acknowledges it, the leader counts itself)
   * and the fsync comes later: one every {@link #FSYNC_EVERY_MS} ms covers whatever was appended by
   * then, as a "periodic fsync" mode would. A late fsync per batch would not do: under load the
   * next batch's fsync would cover this one within milliseconds, leaving a power cut almost no
   * window.
   */
  ACK_BEFORE_FSYNC {
    @Override
    RaftStorage wrap(RaftStorage real) {
      ScheduledExecutorService flusher =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "mutant-periodic-fsync");
                t.setDaemon(true);
                return t;
              });
      flusher.scheduleWithFixedDelay(
          () -> {
            try {
              real.sync();
            } catch (IOException | RuntimeException e) {
              LoggerFactory.getLogger(StorageMutant.class).warn("periodic fsync failed", e);
            }
          },
          FSYNC_EVERY_MS,
          FSYNC_EVERY_MS,
          TimeUnit.MILLISECONDS);
      return new ForwardingRaftStorage(real) {
        @Override
        public void sync() {}
      };
    }
  };

  static final long FSYNC_EVERY_MS = 300;

  abstract RaftStorage wrap(RaftStorage real);
}
