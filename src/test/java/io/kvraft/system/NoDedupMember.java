package io.kvraft.system;

import io.kvraft.KvraftApplication;
import io.kvraft.kv.KvStateMachine;
import io.kvraft.kv.NoDedupApplier;
import io.kvraft.node.Applier;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

/**
 * A kvraft member with a deliberate bug, run as a process by {@link ExactlyOnceMutantIT}: the real
 * application, whose Raft node applies through {@link NoDedupApplier} (duplicate detection skipped)
 * in place of the {@code kvApplier} bean. Takes the same arguments as the jar.
 */
public final class NoDedupMember {
  private NoDedupMember() {}

  public static void main(String[] args) {
    new SpringApplication(KvraftApplication.class, Beans.class).run(args);
  }

  /** Registered as a source, not scanned (no @Configuration), so no other context picks it up. */
  static class Beans {
    @Bean
    @Primary
    Applier noDedupApplier(KvStateMachine sm, @Qualifier("kvApplier") Applier real) {
      return new NoDedupApplier(sm, real);
    }
  }
}
