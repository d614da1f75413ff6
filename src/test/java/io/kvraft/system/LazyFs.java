package io.kvraft.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One disk that loses power: {@code src/test/fuse/lazyfs.py} mounted at {@link #mountpoint()},
 * serving a backing directory beside it, and keeping beside that what a real disk would still hold
 * after a power cut (file data as of its last fsync, directory entries as of the directory's last
 * fsync). {@link #cutPower()} unmounts it: what was not synced is gone when {@link #powerOn()}
 * mounts it again. Whoever writes to it must be dead (kill -9) before the cut, so that the cut
 * happens at the instant of that death.
 */
final class LazyFs implements AutoCloseable {
  private static final Path SCRIPT = Path.of("src", "test", "fuse", "lazyfs.py").toAbsolutePath();
  private static final String PYTHON = "/usr/bin/python3";
  private static final Duration MOUNT_TIMEOUT = Duration.ofSeconds(30);

  private final Path mountpoint;
  private final Path backing;
  private final Path state;
  private final Path log;
  private Process process;

  /** The filesystem will be mounted at {@code mountpoint}; its files live beside it. */
  LazyFs(Path mountpoint) {
    this.mountpoint = mountpoint.toAbsolutePath();
    String name = this.mountpoint.getFileName().toString();
    this.backing = this.mountpoint.resolveSibling(name + ".disk");
    this.state = this.mountpoint.resolveSibling(name + ".durable");
    this.log = this.mountpoint.resolveSibling(name + ".lazyfs.log");
  }

  Path mountpoint() {
    return mountpoint;
  }

  boolean isMounted() {
    return process != null && process.isAlive() && mounted(mountpoint);
  }

  /**
   * Mounts the disk (after a cut, rebuilt from what was synced) and returns what the last cut lost,
   * as lazyfs reports it (empty on the first mount).
   */
  String powerOn() {
    if (process != null) {
      throw new IllegalStateException(mountpoint + " is already mounted");
    }
    try {
      Files.createDirectories(mountpoint);
      long logStart = Files.exists(log) ? Files.size(log) : 0;
      ProcessBuilder pb =
          new ProcessBuilder(
              PYTHON,
              SCRIPT.toString(),
              backing.toString(),
              state.toString(),
              mountpoint.toString());
      pb.redirectErrorStream(true);
      pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      process = pb.start();
      long deadline = System.nanoTime() + MOUNT_TIMEOUT.toNanos();
      while (!mounted(mountpoint)) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          process.destroyForcibly();
          process = null;
          throw new IllegalStateException(
              "lazyfs did not mount " + mountpoint + ":\n" + Files.readString(log));
        }
        KvraftCluster.sleep(20);
      }
      String out = new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
      return out.substring((int) Math.min(logStart, out.length()))
          .lines()
          .filter(l -> l.contains("the cut lost"))
          .findFirst()
          .map(l -> l.substring(l.indexOf("the cut lost") + "the cut lost ".length()))
          .orElse("");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The power goes: unmounts, and with it everything unsynced is lost. */
  void cutPower() {
    if (process == null) {
      return;
    }
    Process p = process;
    process = null;
    // SIGTERM: libfuse unmounts and exits; the durable state was written at each fsync already.
    p.destroy();
    try {
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (mounted(mountpoint)) {
      run("fusermount", "-u", "-z", mountpoint.toString());
    }
  }

  @Override
  public void close() {
    cutPower();
  }

  /** Deletes the disk and what it remembers (it must be unmounted). */
  void delete() throws IOException {
    KvraftCluster.deleteTree(backing);
    KvraftCluster.deleteTree(state);
  }

  static boolean mounted(Path mountpoint) {
    try {
      String target = mountpoint.toAbsolutePath().toString();
      for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
        String[] fields = line.split(" ");
        if (fields.length > 1 && fields[1].equals(target)) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static volatile String unavailable;

  /**
   * Null when a lazyfs mount works here; otherwise why not (no /dev/fuse, no fusepy for
   * /usr/bin/python3, mounting refused), with what to install. Tried once per JVM.
   */
  static synchronized String whyUnavailable() {
    if (unavailable != null) {
      return unavailable.isEmpty() ? null : unavailable;
    }
    String why = probe();
    unavailable = why == null ? "" : why;
    return why;
  }

  private static String probe() {
    String install = " (on Debian: apt-get install -y fuse3 python3-fusepy; see .ci/run)";
    if (!Files.exists(Path.of("/dev/fuse"))) {
      return "no /dev/fuse" + install;
    }
    if (!Files.isExecutable(Path.of(PYTHON))) {
      return "no " + PYTHON + install;
    }
    if (run(PYTHON, "-c", "import fusepy") != 0) {
      return PYTHON + " cannot import fusepy" + install;
    }
    if (!Files.isRegularFile(SCRIPT)) {
      return "no " + SCRIPT + " (tests must run from the project directory)";
    }
    try {
      Path dir =
          Files.createTempDirectory(
              Files.createDirectories(Path.of("target", "it-clusters")).toAbsolutePath(),
              "lazyfs-probe-");
      LazyFs fs = new LazyFs(dir.resolve("m"));
      try {
        fs.powerOn();
      } catch (IllegalStateException e) {
        return "mounting a FUSE filesystem failed: " + e.getMessage();
      } finally {
        fs.cutPower();
        fs.delete();
        KvraftCluster.deleteTree(dir);
      }
      return null;
    } catch (IOException e) {
      return "could not try a mount: " + e;
    }
  }

  private static int run(String... cmd) {
    try {
      Process p =
          new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(devNull()).start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return -1;
      }
      return p.exitValue();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static ProcessBuilder.Redirect devNull() {
    return ProcessBuilder.Redirect.to(new java.io.File("/dev/null"));
  }
}
