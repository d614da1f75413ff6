package io.kvraft.ops;

import io.kvraft.config.RaftProperties;
import java.io.File;
import java.nio.file.Path;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;

/**
 * {@code /actuator/health} component "diskSpace": free space of the filesystem that holds the Raft
 * log and snapshots ({@code raft.data-dir}), DOWN below {@code
 * management.health.diskspace.threshold} or when the directory is gone. It replaces Spring Boot's
 * indicator (turned off in application.properties), which watched the working directory and named
 * its path to anyone who asked: health is unauthenticated, so it says how much room there is, never
 * where.
 */
@Component("diskSpace")
public class DataDiskSpaceHealthIndicator extends AbstractHealthIndicator {
  private final Path directory;
  private final long thresholdBytes;

  @Autowired
  public DataDiskSpaceHealthIndicator(
      RaftProperties raft,
      @Value("${management.health.diskspace.threshold:10MB}") DataSize threshold) {
    this(Path.of(raft.dataDir()), threshold.toBytes());
  }

  DataDiskSpaceHealthIndicator(Path directory, long thresholdBytes) {
    super("disk space check failed");
    this.directory = directory.toAbsolutePath();
    this.thresholdBytes = thresholdBytes;
  }

  /** The directory watched (for tests: health itself does not say). */
  Path directory() {
    return directory;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    File dir = directory.toFile();
    boolean exists = dir.isDirectory();
    long free = exists ? dir.getUsableSpace() : 0;
    long total = exists ? dir.getTotalSpace() : 0;
    (exists && free >= thresholdBytes ? builder.up() : builder.down())
        .withDetail("total", total)
        .withDetail("free", free)
        .withDetail("threshold", thresholdBytes)
        .withDetail("exists", exists);
  }
}
