package io.kvraft.raft.log;

class MemoryRaftStorageContractTest extends RaftStorageContractTest {
  @Override
  protected RaftStorage create() {
    return new MemoryRaftStorage();
  }

  @Override
  protected RaftStorage restart(RaftStorage old) {
    MemoryRaftStorage memory = (MemoryRaftStorage) old;
    MemoryRaftStorage survivor = memory.crashCopy();
    memory.close();
    return survivor;
  }
}
