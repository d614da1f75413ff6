package io.kvraft.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

class DataDiskSpaceHealthIndicatorTest {
  @TempDir Path dir;

  @Test
  void upWithRoomAndNeverNamesTheDirectory() {
    Health h = new DataDiskSpaceHealthIndicator(dir, 1).health();
    assertThat(h.getStatus()).isEqualTo(Status.UP);
    assertThat(h.getDetails()).containsKeys("free", "total", "threshold", "exists");
    assertThat(h.getDetails()).doesNotContainKey("path");
    assertThat(h.getDetails().values().toString()).doesNotContain(dir.toString());
  }

  @Test
  void downBelowTheThreshold() {
    Health h = new DataDiskSpaceHealthIndicator(dir, Long.MAX_VALUE).health();
    assertThat(h.getStatus()).isEqualTo(Status.DOWN);
    assertThat((Long) h.getDetails().get("free")).isPositive();
  }

  @Test
  void downWhenTheDirectoryIsGone() {
    Health h = new DataDiskSpaceHealthIndicator(dir.resolve("gone"), 1).health();
    assertThat(h.getStatus()).isEqualTo(Status.DOWN);
    assertThat(h.getDetails()).containsEntry("exists", false);
  }
}
