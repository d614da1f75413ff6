package io.kvraft.node;

import io.kvraft.raft.Role;

/** A consistent view of a node's Raft state, published by its event loop after every batch of events. */
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
