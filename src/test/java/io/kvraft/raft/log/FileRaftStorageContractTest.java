package io.kvraft.raft.log;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class FileRaftStorageContractTest extends RaftStorageContractTest {
  // Small segments so that every contract test also crosses segment boundaries.
  private static final FileRaftStorage.Options OPTIONS =
      FileRaftStorage.Options.defaults().withSegmentBytes(150);

  @TempDir Path dataDir;

  @Override
  protected RaftStorage create() throws IOException {
    return FileRaftStorage.open(dataDir, OPTIONS);
  }

  @Override
  protected RaftStorage restart(RaftStorage old) throws IOException {
    old.close();
    return FileRaftStorage.open(dataDir, OPTIONS);
  }
}
