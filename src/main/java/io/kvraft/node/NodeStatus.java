package io.kvraft.node;

import io.kvraft.raft.Role;

/**
 * A consistent view of a node's Raft state, published by its event loop after every batch of
 * events. Once storage failed ({@code healthy} false) the node reports role FOLLOWER and no leader:
 * it takes part in nothing any more, so what its core last believed is stale.
 */
public record NodeStatus(
    String id,
    Role role,
    long term,
    String leader,
    long commitIndex,
    long lastApplied,
    long lastIndex,
    boolean healthy,
    String failure,
    long loopIterations) {}
