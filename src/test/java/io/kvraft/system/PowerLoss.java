package io.kvraft.system;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * A cluster of real processes whose data directories are {@link LazyFs} mounts, so a member can
 * lose power: it is killed with SIGKILL and its disk keeps only what it synced. Power cuts of
 * several members happen at one instant: all are killed before any disk is cut.
 */
final class PowerLoss implements AutoCloseable {
  /**
   * Skips the calling test, loudly, when FUSE cannot mount here; fails it instead where the
   * environment says FUSE must work ({@code KVRAFT_REQUIRE_FUSE=1}, as {@code .ci/run} sets).
   */
  static void assumeFuse() {
    String why = LazyFs.whyUnavailable();
    if (why == null) {
      return;
    }
    String message = "POWER-LOSS TESTS NOT RUN: " + why;
    System.err.println("\n!!!!! " + message + "\n");
    if ("1".equals(System.getenv("KVRAFT_REQUIRE_FUSE"))) {
      fail(message + " (KVRAFT_REQUIRE_FUSE=1 says they must run here)");
    }
    Assumptions.assumeTrue(false, message);
  }

  final KvraftCluster cluster;
  private final Map<String, LazyFs> disks = new LinkedHashMap<>();

  PowerLoss(KvraftCluster cluster) {
    this.cluster = cluster;
    for (String id : cluster.ids()) {
      disks.put(id, new LazyFs(cluster.dataDir(id)));
    }
  }

  void startAll() {
    disks.values().forEach(LazyFs::powerOn);
    cluster.startAll();
  }

  /** The power goes out on these members at once. */
  void cut(Collection<String> ids) {
    cluster.killAll(ids);
    ids.forEach(id -> disks.get(id).cutPower());
  }

  /** Power is back: the disk mounts with what survived and the member starts on it (no wait). */
  String powerOn(String id) {
    String lost = disks.get(id).powerOn();
    cluster.spawn(id);
    return lost;
  }

  /** Powers on every member that is off and waits until all answer; returns what each lost. */
  Map<String, String> powerOnAll() {
    Map<String, String> lost = new LinkedHashMap<>();
    for (String id : cluster.ids()) {
      if (!disks.get(id).isMounted()) {
        lost.put(id, powerOn(id));
      }
    }
    lost.keySet().forEach(cluster::awaitServing);
    return lost;
  }

  List<String> ids() {
    return cluster.ids();
  }

  @Override
  public void close() {
    cluster.close();
    for (LazyFs disk : disks.values()) {
      disk.cutPower();
      try {
        disk.delete();
        KvraftCluster.deleteTree(disk.mountpoint());
      } catch (IOException e) {
        // best effort; target/ is cleaned by mvn clean anyway
      }
    }
  }
}
