package io.kvraft.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The fault ITs' log scan finds what a member's log says went wrong, and only that. */
class LogTroubleTest {
  private static final String QUIET =
      "2026-12-07T00:47:41.500Z  INFO 13049 --- [kvraft] [main] io.kvraft.KvraftApplication : Started\n"
          + "2026-12-07T00:47:42.500Z  WARN 13049 --- [kvraft] [raft-loop] io.kvraft.node.RaftNode : slow fsync\n";

  @Test
  void aQuietLogHasNoTrouble() {
    assertThat(KvraftCluster.troubleIn(QUIET, List.of())).isEmpty();
  }

  @Test
  void errorsExceptionsAndOutOfMemoryAreTrouble() {
    String log =
        QUIET
            + "2026-12-07T00:47:43.000Z ERROR 13049 --- [kvraft] [raft-loop] io.kvraft.node.RaftNode : boom\n"
            + "java.lang.IllegalStateException: broken\n"
            + "\tat io.kvraft.node.RaftNode.run(RaftNode.java:1)\n"
            + "Caused by: java.io.IOException: disk\n"
            + "Exception in thread \"raft-loop\" java.lang.NullPointerException\n"
            + "Terminating due to java.lang.OutOfMemoryError: Java heap space\n";
    assertThat(KvraftCluster.troubleIn(log, List.of())).hasSize(5);
  }

  @Test
  void expectedLinesAreAllowedButNeverAnOutOfMemoryError() {
    String log =
        "2026-12-07T00:47:43.000Z ERROR 1 --- [kvraft] [main] o.s.b.d.LoggingFailureAnalysisReporter   : \n"
            + "2026-12-07T00:47:43.000Z ERROR 1 --- [kvraft] [main] o.s.b.d.LoggingFailureAnalysisReporter : OutOfMemoryError\n";
    List<String> trouble =
        KvraftCluster.troubleIn(log, List.of(Pattern.compile("LoggingFailureAnalysisReporter")));
    assertThat(trouble).hasSize(1).allMatch(l -> l.contains("OutOfMemoryError"));
  }
}
