package io.kvraft.raft;

import java.util.List;
import java.util.Set;

/**
 * What the core asks its node to do, in order (the shape of etcd-raft's Ready):
 *
 * <ol>
 *   <li>send {@link #messages} at once — they depend on nothing unpersisted;
 *   <li>when {@link #snapshot} is not null, a snapshot received from the leader was accepted: load
 *       it into the state machine (replacing everything applied so far) and compact storage up to
 *       its index, durably, before the entries below are persisted and before {@link
 *       #messagesAfterPersist} leave;
 *   <li>persist {@link #hardState} (when not null) and {@link #entries} (the first entry's index
 *       says where the log is overwritten from), then call {@link RaftCore#persisted} with the last
 *       entry's index and term;
 *   <li>send {@link #messagesAfterPersist} only once this and every earlier persist is durable:
 *       they acknowledge votes and entries (Raft Figure 2: "respond to RPCs only after updating
 *       stable storage");
 *   <li>apply {@link #committed} in order (they are already durable locally);
 *   <li>complete the reads in {@link #readStates} once the state machine has applied their read
 *       index;
 *   <li>install snapshots on {@link #snapshotNeeded} peers, whose next entries were compacted away,
 *       and report the outcome with {@link RaftCore#reportSnapshot}.
 * </ol>
 */
public record Ready(
    HardState hardState,
    List<Entry> entries,
    List<Message> messages,
    List<Message> messagesAfterPersist,
    List<Entry> committed,
    List<ReadState> readStates,
    Set<String> snapshotNeeded,
    SnapshotMeta snapshot) {

  public boolean mustPersist() {
    return hardState != null || !entries.isEmpty() || snapshot != null;
  }
}
